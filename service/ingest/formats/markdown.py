"""Markdown (.md): read as text; normalising drops heading marks, quotes, bullets and emphasis."""

from __future__ import annotations

from zhenggai.ingest.formats import text
from zhenggai.ingest.formats.base import InputFormat

FORMAT = InputFormat("markdown", "text/markdown", (".md", ".markdown"), text.read, text.read_text, markdown=True)
