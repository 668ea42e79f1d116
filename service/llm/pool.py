"""The model pool file: several deployments of one model, and how litellm's Router balances them.

A pool file names model groups (the name a job asks for, e.g. `ZHENGGAI_MODEL=qwen2.5-7b`), each
with one or more deployments (vLLM, Ollama, a hosted API: any litellm model string), optional
fallback groups, and the Router's retry and cooldown settings. It is validated here, with errors
that name the file and the field, before any request is sent.

Keys are never written into the file: `api_key: os.environ/NAME` names the variable that holds
it (litellm's convention). The value is read when the pool is loaded, kept as a `SecretStr`, and
never stored, logged or put into a cache key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from zhenggai.llm.errors import PermanentLLMError

ENV_PREFIX = "os.environ/"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
# Sent when a deployment has no key (a vLLM or Ollama server without auth): an explicit
# placeholder, so litellm never falls back to a provider key of the environment (OPENAI_API_KEY)
# and sends it to a self-hosted endpoint.
NO_KEY = "sk-no-key"

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,79}$")]


class PoolConfigError(PermanentLLMError):
    """The pool file is missing, is not YAML, or does not validate (the message says where)."""


class Deployment(BaseModel):
    """One endpoint serving the model: litellm's `litellm_params` plus its limits."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="unique in the file; usage and the call log say which deployment answered")
    model: str = Field(min_length=1, description="litellm model string, e.g. openai/Qwen2.5-7B-Instruct")
    api_base: str | None = Field(default=None, pattern=r"^https?://\S+$")
    api_key: str | None = Field(default=None, description="os.environ/NAME: the variable holding the key")
    rpm: int | None = Field(default=None, ge=1, description="requests per minute this deployment accepts")
    tpm: int | None = Field(default=None, ge=1, description="tokens per minute this deployment accepts")
    max_parallel_requests: int | None = Field(default=None, ge=1, description="requests in flight at once")
    weight: float | None = Field(default=None, gt=0, description="share of traffic under simple-shuffle")

    @field_validator("api_key")
    @classmethod
    def _env_reference(cls, v: str | None) -> str | None:
        if v is None:
            return v
        name = v[len(ENV_PREFIX) :] if v.startswith(ENV_PREFIX) else None
        if name is None or not _ENV_NAME.fullmatch(name):
            # never echo the value: it may be a key pasted into the file
            raise ValueError(
                "write the key as os.environ/NAME (the environment variable holding it); "
                "a key written into the pool file would be stored with it"
            )
        return v

    @property
    def key_variable(self) -> str | None:
        return self.api_key[len(ENV_PREFIX) :] if self.api_key else None


class RouterOptions(BaseModel):
    """The Router's own settings (litellm's names and meanings)."""

    model_config = ConfigDict(extra="forbid")

    routing_strategy: Literal["simple-shuffle", "least-busy", "usage-based-routing-v2", "latency-based-routing"] = (
        "simple-shuffle"
    )
    num_retries: int = Field(default=2, ge=0, description="re-sends inside the pool, each to a healthy deployment")
    allowed_fails: int = Field(default=2, ge=0, description="failures per minute before a deployment cools down")
    cooldown_time: float = Field(default=30.0, ge=0, description="seconds a failing deployment gets no traffic")
    retry_after: float = Field(default=0.0, ge=0, description="least wait before a re-send")


class PoolConfig(BaseModel):
    """A whole pool file."""

    model_config = ConfigDict(extra="forbid")

    models: dict[Name, list[Deployment]] = Field(min_length=1)
    fallbacks: dict[Name, list[Name]] = Field(
        default_factory=dict, description="groups tried, in order, when every deployment of a group failed"
    )
    router: RouterOptions = Field(default_factory=RouterOptions)

    @model_validator(mode="after")
    def _consistent(self) -> PoolConfig:
        seen: set[str] = set()
        for group, deployments in self.models.items():
            if not deployments:
                raise ValueError(f"model {group!r} lists no deployments")
            for d in deployments:
                if d.name in seen:
                    raise ValueError(f"deployment name {d.name!r} is used twice (names must be unique)")
                seen.add(d.name)
        for group, targets in self.fallbacks.items():
            for name in [group, *targets]:
                if name not in self.models:
                    raise ValueError(f"fallbacks name {name!r}, which is not a model of this file")
            if group in targets:
                raise ValueError(f"model {group!r} falls back to itself")
        return self

    def capacity(self, group: str) -> int | None:
        """Requests the group's deployments take at once (None when one of them states no limit).
        litellm treats `rpm` as the parallel limit when `max_parallel_requests` is not given."""
        total = 0
        for d in self.models[group]:
            limit = d.max_parallel_requests or d.rpm
            if limit is None:
                return None
            total += limit
        return total

    def secrets(self) -> dict[str, SecretStr]:
        """The keys this pool's deployments send, by deployment name, read from the environment now."""
        out: dict[str, SecretStr] = {}
        for d in (d for ds in self.models.values() for d in ds):
            var = d.key_variable
            if var is None:
                continue
            value = os.environ.get(var)
            if not value:
                raise PoolConfigError(f"deployment {d.name!r}: api_key names {var}, which is not set or empty")
            out[d.name] = SecretStr(value)
        return out

    def model_list(self, secrets: dict[str, SecretStr]) -> list[dict[str, object]]:
        """litellm's `model_list`: one entry per deployment, its `model_info.id` the deployment's name."""
        entries: list[dict[str, object]] = []
        for group, deployments in self.models.items():
            for d in deployments:
                secret = secrets.get(d.name)
                params: dict[str, object] = {
                    "model": d.model,
                    "api_key": secret.get_secret_value() if secret is not None else NO_KEY,
                    "max_retries": 0,  # the OpenAI SDK must not retry on its own: the Router and the client do
                }
                for field in ("api_base", "rpm", "tpm", "max_parallel_requests", "weight"):
                    value = getattr(d, field)
                    if value is not None:
                        params[field] = value
                entries.append({"model_name": group, "litellm_params": params, "model_info": {"id": d.name}})
        return entries


def _where(err: dict) -> str:
    return ".".join(str(p) for p in err.get("loc", ())) or "(top level)"


def load_pool(path: Path | str) -> PoolConfig:
    """Read and validate a pool file; `PoolConfigError` says what is wrong and where."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PoolConfigError(f"model pool file {path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise PoolConfigError(f"model pool file {path}: not valid YAML{at}") from None
    if not isinstance(raw, dict):
        raise PoolConfigError(f"model pool file {path}: expected a mapping with a 'models' key")
    try:
        return PoolConfig.model_validate(raw)
    except ValidationError as exc:
        # input values are left out of the message: a misplaced key must not be echoed
        problems = "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors(include_url=False, include_input=False))
        raise PoolConfigError(f"model pool file {path}: {problems}") from None
