"""Explicit settings: the only configuration state in the tool.

Read from `ZHENGGAI_*` environment variables (and a `.env` file); provider-native keys
such as `DEEPSEEK_API_KEY` or `OPENAI_API_KEY` are read by litellm itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_cache_dir() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zhenggai"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHENGGAI_", env_file=".env", extra="ignore")

    # --- model -----------------------------------------------------------------------
    model: str = Field(
        default="local/qwen2.5-coder-1.5b",
        description="'local/qwen2.5-coder-1.5b', 'local/qwen2.5-coder-0.5b' or any litellm model string",
    )
    api_base: str | None = Field(default=None, description="base URL for hosted / self-hosted models")
    api_key: SecretStr | None = Field(default=None, description="API key; never logged")

    # --- call limits -----------------------------------------------------------------
    max_output_tokens: int = Field(default=1024, ge=16, description="cap on every call's output")
    call_timeout_s: float = Field(
        default=60.0, gt=0, description="fixed part of one model call's wall-time cap (reading the prompt, a slot)"
    )
    call_timeout_per_token_s: float = Field(
        default=0.4,
        ge=0,
        description="added to the cap per output token the call asks for: a call asking for more may take longer "
        "(0.4 s is 2.5 tokens/s, the embedded 1.5B on a machine shared with a busy process)",
    )
    total_deadline_s: float = Field(default=600.0, gt=0, description="cap including transient retries")
    validation_retries: int = Field(default=2, ge=0, description="re-asks after a validation failure")
    transient_retries: int = Field(default=4, ge=0, description="retries on timeouts, 429, 5xx")
    concurrency: int = Field(default=2, ge=1, description="model calls in flight at once, per model")
    hosted_context_tokens: int = Field(
        default=32768, ge=1024, description="context window assumed for a hosted model litellm's table does not know"
    )
    categories_by_model: bool = Field(
        default=False,
        description="the model picks each problem's category among the taxonomy prior's first four; off: the prior's "
        "first (taxonomy v3 on the seeds, pages and third blind set: the prior 0.842, the 1.5B choosing where the "
        "prior is unsure 0.823; README, Categories)",
    )
    transport: str = Field(default="litellm", description="how requests reach a model (zhenggai.llm.transports)")
    model_pool: Path | None = Field(
        default=None,
        description="YAML file of several deployments per model, balanced by litellm's Router (README, Model pool); "
        "setting it selects the 'pool' transport unless ZHENGGAI_TRANSPORT says otherwise",
    )
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    retry_backoff_s: float = Field(default=1.0, gt=0, description="first transient-retry wait (exponential, jittered)")
    retry_backoff_max_s: float = Field(default=30.0, gt=0, description="longest single transient-retry wait")
    structured_output: Literal["auto", "json_schema", "json_object"] = Field(
        default="auto",
        description="'json_schema' = strict schema enforced by the provider, 'json_object' = JSON mode with the "
        "schema in the prompt, 'auto' = ask litellm what the provider supports",
    )

    # --- cache -----------------------------------------------------------------------
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    cache_enabled: bool = True
    cache_refresh: bool = Field(default=False, description="ignore cached answers but store new ones")
    cache_db: str | None = Field(
        default=None,
        description="the response cache and call log: a SQLite file, or a postgresql:// URL shared by every machine "
        "[<cache_dir>/responses.sqlite]",
    )

    # --- embedded llama.cpp ----------------------------------------------------------
    local_threads: int = Field(
        default=0,
        ge=0,
        description="0 = the model's own default (the 1.5B: 1, the 0.5B: every core; README, Benchmarks); "
        "1 is far faster when other CPU-heavy processes share the machine",
    )
    local_poll: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="llama.cpp's busy-wait between steps (0 = sleep at once; 50 = its default; None = the model's own "
        "default, the 1.5B: 0, the 0.5B: 50): spinning threads steal the core a competing process needs, and wait "
        "for it when the scheduler takes it back",
    )
    local_ctx: int = Field(default=8192, ge=512, description="context per slot, in tokens")
    local_parallel: int = Field(default=1, ge=1, description="llama.cpp parallel slots")
    local_models_dir: Path | None = Field(
        default=None, description="where assembled GGUF files live; default <cache_dir>/models"
    )
    local_verbose: bool = Field(default=False, description="let llama.cpp log to stderr")

    # --- chunking --------------------------------------------------------------------
    chunk_tokens: int = Field(default=900, ge=64, description="token budget of one chunk's source text")

    # --- HTTP service (`zhenggai serve`) ----------------------------------------------
    api_host: str = Field(default="127.0.0.1", description="interface the service listens on")
    api_port: int = Field(default=8000, ge=0, le=65535, description="port (0 = any free port)")
    api_db: Path | str | None = Field(
        default=None,
        description="the job store: a SQLite file, or a URL whose scheme names the engine [<cache_dir>/jobs.sqlite]",
    )
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="accepted bearer keys, comma-separated; 'name:key' names the owner of a key's jobs "
        "(a bare key is named by a hash of it). Never logged",
    )
    api_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="models a request may ask for, comma-separated; empty = only `model`"
    )
    api_max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, description="largest request body (413 beyond)")
    api_rate_per_s: float = Field(default=5.0, gt=0, description="sustained requests per second per key (429 beyond)")
    api_rate_burst: int = Field(default=30, ge=1, description="requests a key may send at once before the rate applies")
    api_wait_max_s: float = Field(default=30.0, ge=0, description="longest a `?wait=true` submission is held open")
    api_max_jobs: int = Field(default=2, ge=1, description="jobs summarized at once (model calls have their own cap)")
    api_workers: int = Field(
        default=0,
        ge=0,
        description="worker processes for the CPU work of jobs and submissions (parsing, chunking, merging); "
        "0 = api_max_jobs + 1, one per running job and one for reading submissions",
    )
    api_max_pending: int = Field(default=1000, ge=1, description="queued + running jobs before submissions get 503")
    api_max_attempts: int = Field(default=3, ge=1, description="starts of one job (restarts included) before it fails")
    api_worker: bool = Field(
        default=True, description="on a shared (PostgreSQL) store, `serve` also runs jobs (False: HTTP only)"
    )
    api_lease_s: float = Field(
        default=60.0, gt=0, description="a worker's lease on a job of a shared store; renewed every quarter of it"
    )
    api_warmup: bool = Field(default=True, description="load an embedded model at startup instead of on the first job")
    api_log_details: bool = Field(
        default=False, description="log error messages and tracebacks of failed jobs (they may quote the document)"
    )

    @field_validator("api_keys", "api_models", mode="before")
    @classmethod
    def _comma_list(cls, v: object) -> object:
        """Environment variables give these as `a,b,c` (JSON lists work too)."""
        if isinstance(v, str):
            v = v.strip()
            if v.startswith("["):
                import json

                return json.loads(v)
            return [x.strip() for x in v.split(",") if x.strip()]
        return v

    @model_validator(mode="after")
    def _pool_transport(self) -> Settings:
        """A pool file means the pool transport, unless a transport was named explicitly."""
        if self.model_pool is not None and "transport" not in self.model_fields_set:
            self.transport = "pool"
        return self

    @property
    def models_dir(self) -> Path:
        return self.local_models_dir or self.cache_dir / "models"

    @property
    def responses_db(self) -> Path:
        return self.cache_dir / "responses.sqlite"

    @property
    def responses_store(self) -> Path | str:
        """Where the response cache lives: `cache_db` (a file or a PostgreSQL URL), else the default file."""
        return self.cache_db or self.responses_db

    @property
    def jobs_db(self) -> Path | str:
        return self.api_db or self.cache_dir / "jobs.sqlite"

    @property
    def worker_processes(self) -> int:
        return self.api_workers or self.api_max_jobs + 1

    @property
    def allowed_models(self) -> list[str]:
        """Models an API request may name; the default model always among them."""
        return [self.model, *(m for m in self.api_models if m != self.model)]
