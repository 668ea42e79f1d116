"""Versioned prompt files.

Layout: `prompts/<prompt_id>/<version>.yaml` inside the `zhenggai.prompts` package, found
through importlib.resources so it works from a wheel too. One file holds:

```yaml
id: llm_selftest            # must equal the folder name
version: v1                 # must equal the file name (without .yaml)
description: what the prompt is for
default: true               # optional; see "Which version" below
params: {temperature: 0.0, max_tokens: 256}   # optional sampling defaults
options: {view: full}       # optional choices the calling stage reads
system: |                   # jinja2, StrictUndefined: a missing variable is an error
  ...
user: |
  ... {{ text }} ...
```

Which version `load_prompt(id)` returns: the one file with `default: true` if there is one
(two is an error), else the highest version in natural order (v2 < v10).

Both templates also receive `response_schema` (the JSON schema of the response model, as
indented JSON) when the client renders them, so a prompt may show it to the model.

`content_hash` is the sha256 of the file's parsed content (id, version, params, templates),
so editing a prompt without bumping its version still changes every cache key.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

PROMPTS_PACKAGE = "zhenggai.prompts"

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


class PromptError(ValueError):
    """A prompt file is missing, malformed, or a template variable is missing."""


class PromptParams(BaseModel):
    """Sampling defaults of a prompt; call arguments override them, settings fill the gaps."""

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    seed: int | None = None


class Prompt(BaseModel):
    """One version of one prompt; `render()` turns variables into chat messages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    description: str = ""
    default: bool = False
    params: PromptParams = Field(default_factory=PromptParams)
    options: dict[str, str] = Field(
        default_factory=dict, description="choices the calling stage reads, e.g. which view of the text to render"
    )
    system: str = ""
    user: str

    @field_validator("id", "version")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", v):
            raise ValueError(f"{v!r} must be letters, digits, '_', '-', '.'")
        return v

    @cached_property
    def content_hash(self) -> str:
        # options enter the hash only when set, so adding the field kept older prompts' cache keys
        exclude = {"default", "description"} | (set() if self.options else {"options"})
        payload = self.model_dump(mode="json", exclude=exclude)
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    @cached_property
    def _templates(self) -> tuple[jinja2.Template | None, jinja2.Template]:
        try:
            system = _ENV.from_string(self.system) if self.system.strip() else None
            return system, _ENV.from_string(self.user)
        except jinja2.TemplateSyntaxError as exc:
            raise PromptError(f"prompt {self.id}/{self.version}: template syntax error: {exc}") from exc

    def render(self, **variables: Any) -> list[dict[str, str]]:
        """Chat messages for these variables; a variable the template uses but is not given is an error."""
        system_t, user_t = self._templates
        try:
            messages = []
            if system_t is not None:
                messages.append({"role": "system", "content": system_t.render(**variables).strip()})
            messages.append({"role": "user", "content": user_t.render(**variables).strip()})
        except jinja2.UndefinedError as exc:
            raise PromptError(f"prompt {self.id}/{self.version}: {exc}") from exc
        return messages

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<string>") -> Prompt:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PromptError(f"{source}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise PromptError(f"{source}: expected a mapping at the top level")
        try:
            return cls.model_validate(data)
        except ValueError as exc:
            raise PromptError(f"{source}: {exc}") from exc


def _natural_key(version: str) -> list[tuple[int, int | str]]:
    return [(0, int(tok)) if tok.isdigit() else (1, tok) for tok in re.findall(r"\d+|\D+", version)]


def _root(root: Path | Traversable | None) -> Traversable:
    return resources.files(PROMPTS_PACKAGE) if root is None else root


def list_versions(prompt_id: str, *, root: Path | Traversable | None = None) -> list[str]:
    """Versions of a prompt in natural order (v1, v2, v10)."""
    folder = _root(root) / prompt_id
    if not folder.is_dir():
        return []
    names = [e.name[: -len(".yaml")] for e in folder.iterdir() if e.name.endswith(".yaml") and e.is_file()]
    return sorted(names, key=_natural_key)


def load_prompt(prompt_id: str, version: str | None = None, *, root: Path | Traversable | None = None) -> Prompt:
    """Load `prompts/<prompt_id>/<version>.yaml`; `version=None` = the default version.

    `root` replaces the `zhenggai.prompts` package folder (for tests and out-of-tree prompts).
    """
    folder = _root(root) / prompt_id
    versions = list_versions(prompt_id, root=root)
    if not versions:
        raise PromptError(f"no prompt {prompt_id!r} (looked for {prompt_id}/<version>.yaml)")
    if version is not None:
        if version not in versions:
            raise PromptError(f"prompt {prompt_id!r} has no version {version!r}; it has {', '.join(versions)}")
        return _load_file(folder / f"{version}.yaml", prompt_id, version)
    loaded = [_load_file(folder / f"{v}.yaml", prompt_id, v) for v in versions]
    defaults = [p for p in loaded if p.default]
    if len(defaults) > 1:
        raise PromptError(f"prompt {prompt_id!r}: more than one version says default: true")
    return defaults[0] if defaults else loaded[-1]


def _load_file(entry: Traversable, prompt_id: str, version: str) -> Prompt:
    source = f"{prompt_id}/{version}.yaml"
    prompt = Prompt.from_yaml(entry.read_text(encoding="utf-8"), source=source)
    if prompt.id != prompt_id or prompt.version != version:
        raise PromptError(f"{source}: id/version inside ({prompt.id}/{prompt.version}) do not match the file path")
    return prompt
