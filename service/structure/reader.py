"""Ingest and outline in one step: what every entry point (CLI, API, evals) starts with."""

from __future__ import annotations

from pathlib import Path

from zhenggai.ingest.document import Document, load_path
from zhenggai.schemas.document import Outline
from zhenggai.structure.outline import parse_outline


def read_report(path: str | Path, *, encoding: str | None = None) -> tuple[Document, Outline]:
    doc = load_path(path, encoding=encoding)
    return doc, parse_outline(doc.text)
