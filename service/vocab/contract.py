"""The base of every contract model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """Unknown fields are errors, not silently dropped: a contract says exactly what it holds."""

    model_config = ConfigDict(extra="forbid")
