"""Load a report from a path, bytes or raw text into one normalised `Document`.

The input format (text, Markdown, HTML, PDF, Word) is the registry's business
(`zhenggai.ingest.formats`): its reader gives the text and the map back to the original; this
module normalises every format the same way and keeps the pages a paged format has.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from zhenggai.ingest import formats
from zhenggai.ingest.decode import check_text
from zhenggai.ingest.errors import EmptyDocumentError, TooLargeError, UnsupportedMediaError
from zhenggai.ingest.formats import Extracted, InputFormat
from zhenggai.ingest.formats import html as html_format
from zhenggai.ingest.formats import text as text_format
from zhenggai.ingest.gcpause import gc_paused
from zhenggai.ingest.linebreaks import rebreak
from zhenggai.ingest.normalize import normalise
from zhenggai.ingest.offsets import OffsetMap
from zhenggai.ingest.traditional import to_simplified
from zhenggai.schemas.document import SourceInfo
from zhenggai.vocab.spans import Span
from zhenggai.vocab.warnings import Warning

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class Document(BaseModel):
    """The normalised text every offset refers to, and the way back to the original."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    source: SourceInfo
    text: str
    original: str  # the decoded original (HTML source for web pages, the page text of a PDF or Word file)
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
        if not enc:
            raise ValueError(f"a {self.source.media_type} source has no byte offsets, only character ones")
        bom = len("\ufeff".encode(enc)) if self.source.bom and not enc.startswith("utf-16") else 0
        if self.source.bom and enc.startswith("utf-16"):
            bom = 2
        prefix = len(self.original[:s].encode(enc))
        return bom + prefix, bom + prefix + len(self.original[s:e].encode(enc))


def _format_of(data: bytes, name: str, media_type: str | None) -> InputFormat:
    """The declared media type's format; else the first bytes', the name's, or text."""
    if media_type:
        fmt = formats.by_media_type(media_type)
        if fmt is None:
            raise UnsupportedMediaError(
                f"unsupported media type {media_type!r}; expected one of {', '.join(formats.media_types())}",
                source=name,
            )
        return fmt
    return formats.sniff(data) or formats.by_suffix(name) or text_format.FORMAT


def media_type_for(name: str) -> str:
    return formats.for_name(name).media_type


@gc_paused
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
    fmt = _format_of(data, name, media_type)
    extracted = fmt.read(data, name, encoding)
    if media_type is None and fmt is text_format.FORMAT and html_format.looks_like_html(extracted.text):
        fmt = html_format.FORMAT
        page = html_format.read_text(extracted.text, name)
        extracted = Extracted(page.text, page.original, page.offsets, extracted.encoding, extracted.bom)
    doc = _build(extracted, fmt, name)
    info = doc.source.model_copy(update={"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    return doc.model_copy(update={"source": info})


def load_path(path: str | Path, *, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    path = Path(path)
    media = formats.for_name(path.name).media_type
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLargeError(f"{size:,} bytes is over the limit of {max_bytes:,}", source=str(path))
    return load_bytes(path.read_bytes(), name=str(path), media_type=media, encoding=encoding, max_bytes=max_bytes)


@gc_paused
def load_text(text: str, *, name: str = "<text>", media_type: str | None = None) -> Document:
    """A report given as a string (API calls, tests)."""
    if not text.strip():
        raise EmptyDocumentError("the document has no text", source=name)
    check_text(text, "utf-8", name)  # NUL and control bytes are refused here as they are in a file
    if media_type:
        fmt = _format_of(b"", name, media_type)
    else:
        fmt = html_format.FORMAT if html_format.looks_like_html(text) else text_format.FORMAT
    if fmt.read_text is None:
        raise UnsupportedMediaError(f"a {fmt.name} file is sent as bytes (an upload), not as text", source=name)
    doc = _build(fmt.read_text(text.removeprefix("\ufeff"), name), fmt, name)
    data = text.encode("utf-8")
    info = doc.source.model_copy(update={"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    return doc.model_copy(update={"source": info})


def _first_at_or_after(offsets: OffsetMap, source_offset: int) -> int:
    """The first normalised offset whose character comes from `source_offset` or later (the map
    is monotonic: normalising drops and inserts characters but never reorders them)."""
    lo, hi = 0, offsets.dst_length
    while lo < hi:
        mid = (lo + hi) // 2
        if offsets.to_source(mid) < source_offset:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _page_spans(offsets: OffsetMap, page_starts: tuple[int, ...]) -> list[Span]:
    if not page_starts:
        return []
    starts = [0] + [_first_at_or_after(offsets, p) for p in page_starts[1:]]
    ends = [*starts[1:], offsets.dst_length]
    return [Span(start=s, end=max(s, e)) for s, e in zip(starts, ends, strict=True)]


def _build(extracted: Extracted, fmt: InputFormat, name: str) -> Document:
    """Normalise a reader's text (the same steps for every format) into a `Document`."""
    norm = normalise(extracted.text, markdown=fmt.markdown)
    offsets = norm.offsets if extracted.offsets is None else norm.offsets.compose(extracted.offsets)
    if not norm.text.strip():
        raise EmptyDocumentError("the document has no visible text", source=name)
    warnings: list[Warning] = list(extracted.warnings)
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
    info = SourceInfo(
        path=name,
        media_type=fmt.media_type,
        encoding=extracted.encoding,
        bom=extracted.bom,
        newline=norm.newline,
        hard_wrapped=norm.hard_wrapped,
        pages=_page_spans(offsets, extracted.page_starts),
        set_aside=list(extracted.set_aside),
    )
    return Document(
        source=info, text=final, reading=reading, original=extracted.original, offsets=offsets, warnings=warnings
    )
