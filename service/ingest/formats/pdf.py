"""PDF with a text layer (.pdf), read with pdfplumber (README, "Input formats", says why).

A PDF has no paragraphs, only positioned lines, so this reader rebuilds them from the layout:
- page furniture is set aside: a line at the top or bottom of a page whose text (digits aside)
  repeats there on at least half the pages (a running header or footer), and page numbers
  (`- 3 -`, `第3页 共10页`, `3/10`);
- a line joins the one before it when that one runs to the right margin and this one is not
  indented (Chinese paragraphs open with a two-character indent), also across a page break;
- pages are kept: `page_starts` says where each begins in `original`, the page texts one after
  another (lines joined by `\\n`, pages by `\\f`), so every offset still leads back to a page.
A PDF with no text at all is a scan: `NoTextLayerError`, never an empty record.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from zhenggai.ingest.errors import EncryptedError, MalformedError, NoTextLayerError
from zhenggai.ingest.formats.base import Extracted, InputFormat
from zhenggai.ingest.offsets import OffsetMap
from zhenggai.schemas.document import DebrisKind, SetAside
from zhenggai.vocab.warnings import Warning, WarningCode

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]\s{0,3}\d{1,4}\s{0,3}[-—–－]"
    r"|第\s{0,2}\d{1,4}\s{0,2}页(?:\s{0,3}[,，/]?\s{0,3}共\s{0,2}\d{1,4}\s{0,2}页)?"
    r"|共\s{0,2}\d{1,4}\s{0,2}页\s{0,3}[,，]?\s{0,3}第\s{0,2}\d{1,4}\s{0,2}页"
    r"|\d{1,4}\s{0,2}/\s{0,2}\d{1,4}|\d{1,4}|[Pp]age\s{1,3}\d{1,4}(?:\s{1,3}of\s{1,3}\d{1,4})?)$"
)
# A heading label starts a paragraph even when it is not indented.
_LABEL = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.．、](?!\d)|[①-⑳])"
)
_DIGITS = re.compile(r"\d+")
_ZONE = 0.15  # top and bottom share of the page where furniture sits
_EDGE_LINES = 2  # lines at each end of a page that may be furniture


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int  # 0-based
    start: int = 0  # offset in `original`
    furniture: DebrisKind | None = None


def _open_pages(data: bytes, name: str) -> tuple[list[list[_Line]], list[float]]:
    """Lines of each page (pdfplumber groups characters into lines) and each page's height."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    pages: list[list[_Line]] = []
    heights: list[float] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for k, page in enumerate(pdf.pages):
                heights.append(float(page.height))
                lines = page.extract_text_lines(strip=True, return_chars=False)
                pages.append(
                    [_Line(ln["text"], ln["x0"], ln["x1"], ln["top"], ln["bottom"], k) for ln in lines if ln["text"]]
                )
    except Exception as exc:  # the parser fails its own ways on damaged files; each is the file's fault
        cause = exc.__cause__ or (exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc)
        if isinstance(cause, PDFPasswordIncorrect) or "password" in str(cause).lower():
            raise EncryptedError(
                "the PDF is encrypted with a password; send an unprotected copy", source=name
            ) from None
        what = f"{type(cause).__name__}: {str(cause)[:120]}"
        raise MalformedError(f"cannot read this PDF ({what})", source=name) from None
    return pages, heights


def _key(text: str) -> str:
    return _DIGITS.sub("#", "".join(text.split()))


def _mark_furniture(pages: list[list[_Line]], heights: list[float]) -> None:
    """Mark running headers, footers and page numbers at the ends of pages."""
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    for lines, height in zip(pages, heights, strict=True):
        tops.update({_key(ln.text) for ln in lines[:_EDGE_LINES] if ln.bottom <= height * _ZONE})
        bottoms.update({_key(ln.text) for ln in lines[-_EDGE_LINES:] if ln.top >= height * (1 - _ZONE)})
    need = max(2, (len(pages) + 1) // 2)
    for lines, height in zip(pages, heights, strict=True):
        for ln in lines[:_EDGE_LINES]:
            if ln.bottom <= height * _ZONE:
                if _PAGE_NUMBER.match(ln.text):
                    ln.furniture = DebrisKind.page_number
                elif tops[_key(ln.text)] >= need:
                    ln.furniture = DebrisKind.running_header
        for ln in lines[-_EDGE_LINES:]:
            if ln.top >= height * (1 - _ZONE):
                if _PAGE_NUMBER.match(ln.text):
                    ln.furniture = DebrisKind.page_number
                elif bottoms[_key(ln.text)] >= need:
                    ln.furniture = DebrisKind.running_footer


def _joins(prev: _Line, cur: _Line, left: float, right: float, em: float, pitch: float) -> bool:
    """`cur` goes on the paragraph of `prev`: `prev` fills the line, `cur` is not indented."""
    if cur.x0 >= left + 0.8 * em or prev.x1 < right - 2.5 * em or _LABEL.match(cur.text):
        return False
    return cur.page != prev.page or cur.top - prev.top <= 1.6 * pitch


def _separator(prev: str, cur: str) -> str:
    return " " if prev[-1:].isascii() and prev[-1:].isalpha() and cur[:1].isascii() and cur[:1].isalpha() else ""


def read(data: bytes, name: str, encoding: str | None) -> Extracted:
    pages, heights = _open_pages(data, name)
    _mark_furniture(pages, heights)
    parts: list[str] = []
    page_starts: list[int] = []
    pos = 0
    for k, lines in enumerate(pages):
        if k:
            parts.append("\f")
            pos += 1
        page_starts.append(pos)
        for j, ln in enumerate(lines):
            if j:
                parts.append("\n")
                pos += 1
            ln.start = pos
            parts.append(ln.text)
            pos += len(ln.text)
    original = "".join(parts)
    body = [ln for lines in pages for ln in lines if ln.furniture is None]
    if not any(ln.text.strip() for ln in body):
        raise NoTextLayerError(
            f"the PDF has {len(pages)} page(s) but no text layer (a scan?); run OCR first or send the text",
            source=name,
        )
    em = median(ln.bottom - ln.top for ln in body) or 10.0
    left = Counter(round(ln.x0) for ln in body).most_common(1)[0][0]
    ends = sorted(ln.x1 for ln in body)
    right = ends[int(0.95 * (len(ends) - 1))]
    gaps = [b.top - a.top for a, b in pairwise(body) if a.page == b.page and b.top > a.top]
    pitch = median(gaps) if gaps else em * 1.5

    out: list[str] = []
    omap = OffsetMap()
    length = 0
    for k, ln in enumerate(body):
        if k:
            prev = body[k - 1]
            sep = _separator(prev.text, ln.text) if _joins(prev, ln, left, right, em, pitch) else "\n"
            if sep:
                omap.add_run(length, prev.start + len(prev.text))  # the break after the previous line
                out.append(sep)
                length += 1
        omap.add_run(length, ln.start)
        out.append(ln.text)
        length += len(ln.text)
    text = "".join(out)
    omap.dst_length, omap.src_length = len(text), len(original)

    set_aside = tuple(
        SetAside(kind=ln.furniture, text=ln.text, page=ln.page + 1)
        for lines in pages
        for ln in lines
        if ln.furniture is not None
    )
    empty = [k + 1 for k, lines in enumerate(pages) if not any(ln.furniture is None for ln in lines)]
    warnings = ()
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (" …" if len(empty) > 10 else "")
        warnings = (
            Warning(
                code=WarningCode.pages_without_text,
                message=f"{len(empty)} of {len(pages)} pages have no text layer (pages {shown}); "
                "whatever they show is not in the record",
            ),
        )
    return Extracted(
        text=text,
        original=original,
        offsets=omap,
        page_starts=tuple(page_starts),
        set_aside=set_aside,
        warnings=warnings,
    )


FORMAT = InputFormat("pdf", "application/pdf", (".pdf",), read, magic=(b"%PDF-",))
