"""The problem-category taxonomy: a versioned YAML file beside this module (`v1.yaml`, `v2.yaml`, …).

The file is data the model chooses from (its ids become the JSON-schema enum of the categorize
call) and the scorer checks gold against, so it is validated on load: ids are short ascii slugs,
unique, and every category has a label, a definition and examples.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_VERSION = "v5"
OTHER = "other"


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="short ascii slug written into records, e.g. business_environment")
    label: str = Field(min_length=2, description="Chinese label, e.g. 营商环境")
    definition: str = Field(min_length=4)
    examples: list[str] = Field(min_length=1)
    keywords: list[str] = Field(
        default_factory=list, description="terms of art that name the area (v2 on), matched by the lexical prior"
    )
    manner: list[str] = Field(
        default_factory=list,
        description="terms (v4 on) that say how or where a unit works rather than which area it is about "
        "(服务意识, 园区, 历史遗留): the prior gives them a fraction of a keyword's weight, so an area's own "
        "term beside them decides",
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,31}", v):
            raise ValueError(f"category id {v!r} must be a short lower-case ascii slug")
        return v

    @field_validator("definition")
    @classmethod
    def _joined(cls, v: str) -> str:
        # a folded YAML line break between Chinese characters is not a space
        return re.sub(r"\s+", "", v)


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    categories: list[Category] = Field(min_length=2)
    neutral: list[str] = Field(
        default_factory=list,
        description="terms (v3 on) that name whose problem it is, not what it is about: the prior gives their "
        "characters to no category (下属企业 is no business_environment 企业)",
    )

    @model_validator(mode="after")
    def _unique(self) -> Taxonomy:
        ids = [c.id for c in self.categories]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate category ids: {sorted(dup)}")
        if OTHER not in ids:
            raise ValueError(f"the taxonomy needs an {OTHER!r} category for what fits none")
        return self

    @property
    def digest(self) -> str:
        """A hash of the whole file's content: a model categorization's cache key holds it, so a
        changed descriptor is never answered from a cache filled under the old one."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()[:16]

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories]

    def get(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def label(self, category_id: str) -> str:
        c = self.get(category_id)
        return c.label if c else category_id


def versions() -> list[str]:
    folder = resources.files(__name__)
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".yaml"))


@lru_cache(maxsize=8)
def load_taxonomy(version: str = DEFAULT_VERSION) -> Taxonomy:
    """The taxonomy of that version; a missing or malformed file is a ValueError."""
    entry = resources.files(__name__) / f"{version}.yaml"
    if not entry.is_file():
        raise ValueError(f"no taxonomy {version!r}; there are {', '.join(versions())}")
    taxonomy = Taxonomy.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
    if taxonomy.version != version:
        raise ValueError(f"taxonomy file {version}.yaml says version {taxonomy.version!r}")
    return taxonomy
