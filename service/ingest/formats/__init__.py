"""The input formats, in one registry that every shell asks: batch discovery, API intake and
`load_path`/`load_bytes`. None of them knows the list.

Adding a format is one module that defines `FORMAT` (an `InputFormat`: media type, suffixes, a
reader from bytes to `Extracted`) and one line in `FORMATS` below.
"""

from __future__ import annotations

from pathlib import Path

from zhenggai.ingest.errors import UnsupportedMediaError
from zhenggai.ingest.formats import docx, html, markdown, pdf, text
from zhenggai.ingest.formats.base import Extracted, InputFormat

FORMATS: tuple[InputFormat, ...] = (
    text.FORMAT,
    markdown.FORMAT,
    html.FORMAT,
    pdf.FORMAT,
    docx.FORMAT,
)

_BY_SUFFIX = {s: f for f in FORMATS for s in f.suffixes}
_BY_MEDIA = {f.media_type: f for f in FORMATS}

__all__ = ["FORMATS", "Extracted", "InputFormat", "by_media_type", "by_suffix", "describe", "for_name", "sniff"]


def by_suffix(name: str) -> InputFormat | None:
    return _BY_SUFFIX.get(Path(name).suffix.lower())


def by_media_type(media_type: str | None) -> InputFormat | None:
    """The format of a media type such as `application/pdf` (parameters like `; charset=` ignored)."""
    return _BY_MEDIA.get((media_type or "").split(";")[0].strip().lower())


def sniff(data: bytes) -> InputFormat | None:
    """A binary format recognised by its first bytes (`%PDF-`, a zip), else None."""
    return next((f for f in FORMATS if f.magic and data.startswith(f.magic)), None)


def suffixes() -> list[str]:
    return sorted(_BY_SUFFIX)


def media_types() -> list[str]:
    return [f.media_type for f in FORMATS]


def describe() -> str:
    """The formats for a message: '.txt, .md, .html, .pdf or .docx'."""
    first = [f.suffixes[0] for f in FORMATS]
    return ", ".join(first[:-1]) + " or " + first[-1]


def for_name(name: str) -> InputFormat:
    """The format a file name says; `UnsupportedMediaError` naming the accepted suffixes otherwise."""
    fmt = by_suffix(name)
    if fmt is None:
        suffix = Path(name).suffix.lower()
        raise UnsupportedMediaError(
            f"unsupported file type {suffix or '(none)'!r}; expected one of {', '.join(suffixes())}", source=name
        )
    return fmt
