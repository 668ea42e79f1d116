"""Load a report from a path, bytes or raw text into one normalised `Document`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from zhenggai.ingest.decode import check_text, decode_bytes
from zhenggai.ingest.errors import EmptyDocumentError, TooLargeError, UnsupportedMediaError
from zhenggai.ingest.html import declared_charset, html_to_text
from zhenggai.ingest.linebreaks import rebreak
from zhenggai.ingest.normalize import normalise
from zhenggai.ingest.offsets import OffsetMap
from zhenggai.ingest.traditional import to_simplified
from zhenggai.schemas.document import SourceInfo
from zhenggai.vocab.warnings import Warning

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
}
SUPPORTED_SUFFIXES = frozenset(MEDIA_TYPES)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class Document(BaseModel):
    """The normalised text every offset refers to, and the way back to the original."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    source: SourceInfo
    text: str
    original: str  # the decoded original (HTML source for web pages)
    offsets: OffsetMap  # normalised text → `original`
    reading: str = Field(
        default="",
        description="the text in simplified characters, same length as `text`, when the report is in traditional ones",
    )
    warnings: list[Warning] = Field(
        default_factory=list, description="what reading changed beyond normalising (converted_traditional, ...)"
    )

    def for_reading(self) -> Document:
        """The document as the rules and the model read it: `reading` as its text, the same spans."""
        return self.model_copy(update={"text": self.reading, "reading": ""}) if self.reading else self

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Character span in `original` (the decoded file) of the normalised span `[start, end)`."""
        return self.offsets.span_to_source(start, end)

    def to_original_bytes(self, start: int, end: int) -> tuple[int, int]:
        """Byte span in the original file, in its own encoding."""
        s, e = self.to_original(start, end)
        enc = self.source.encoding
        bom = len("\ufeff".encode(enc)) if self.source.bom and not enc.startswith("utf-16") else 0
        if self.source.bom and enc.startswith("utf-16"):
            bom = 2
        prefix = len(self.original[:s].encode(enc))
        return bom + prefix, bom + prefix + len(self.original[s:e].encode(enc))


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in head)


def media_type_for(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise UnsupportedMediaError(
            f"unsupported file type {suffix or '(none)'!r}; expected one of {', '.join(sorted(MEDIA_TYPES))}",
            source=name,
        )
    return MEDIA_TYPES[suffix]


def load_bytes(
    data: bytes,
    *,
    name: str = "<bytes>",
    media_type: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Document:
    if len(data) > max_bytes:
        raise TooLargeError(f"{len(data):,} bytes is over the limit of {max_bytes:,}", source=name)
    if encoding is None and (media_type == "text/html" or name.lower().endswith((".html", ".htm", ".shtml"))):
        encoding = declared_charset(data) if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) else None
        if encoding in {"gb2312", "gbk"}:
            encoding = "gb18030"
    decoded = decode_bytes(data, encoding=encoding, source=name)
    media = media_type or ("text/html" if _looks_like_html(decoded.text) else "text/plain")
    doc = _from_text(decoded.text, media, name)
    info = doc.source.model_copy(
        update={
            "encoding": decoded.encoding,
            "bom": decoded.bom,
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    )
    return doc.model_copy(update={"source": info})


def load_path(path: str | Path, *, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    path = Path(path)
    media = media_type_for(path.name)
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLargeError(f"{size:,} bytes is over the limit of {max_bytes:,}", source=str(path))
    return load_bytes(path.read_bytes(), name=str(path), media_type=media, encoding=encoding, max_bytes=max_bytes)


def load_text(text: str, *, name: str = "<text>", media_type: str | None = None) -> Document:
    """A report given as a string (API calls, tests)."""
    if not text.strip():
        raise EmptyDocumentError("the document has no text", source=name)
    check_text(text, "utf-8", name)  # NUL and control bytes are refused here as they are in a file
    media = media_type or ("text/html" if _looks_like_html(text) else "text/plain")
    doc = _from_text(text.removeprefix("\ufeff"), media, name)
    data = text.encode("utf-8")
    info = doc.source.model_copy(update={"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    return doc.model_copy(update={"source": info})


def _from_text(text: str, media_type: str, name: str) -> Document:
    if media_type == "text/html":
        visible, html_map = html_to_text(text)
        norm = normalise(visible)
        offsets = norm.offsets.compose(html_map)
    else:
        norm = normalise(text, markdown=media_type == "text/markdown")
        offsets = norm.offsets
    if not norm.text.strip():
        raise EmptyDocumentError("the document has no visible text", source=name)
    warnings: list[Warning] = []
    converted = to_simplified(norm.text)
    if converted.changed:
        warnings.append(
            Warning(
                code="converted_traditional",
                message=f"the report is in traditional characters ({converted.share:.0%} of its Chinese "
                f"characters); it was read through a simplified copy ({converted.changed} characters "
                "differ), and the record quotes the original",
            )
        )
    broken = rebreak(converted.text, twin=norm.text)
    final, reading = broken.twin or norm.text, broken.text if converted.changed else ""
    if broken.lines_added:
        offsets = broken.offsets.compose(offsets)
        warnings.append(
            Warning(
                code="line_breaks_restored",
                message=f"the text ran its parts together in long lines; {broken.lines_added} line breaks "
                "were restored before headings, labelled fields and table rows",
            )
        )
    info = SourceInfo(path=name, media_type=media_type, newline=norm.newline, hard_wrapped=norm.hard_wrapped)
    return Document(source=info, text=final, reading=reading, original=text, offsets=offsets, warnings=warnings)
