"""Web pages (.html): the charset the page declares, then its visible text mapped to the source."""

from __future__ import annotations

from dataclasses import replace

from zhenggai.ingest.decode import decode_bytes
from zhenggai.ingest.formats.base import Extracted, InputFormat
from zhenggai.ingest.html import declared_charset, html_to_text

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def read_text(source: str, name: str) -> Extracted:
    visible, offsets = html_to_text(source)
    return Extracted(text=visible, original=source, offsets=offsets, encoding="utf-8")


def read(data: bytes, name: str, encoding: str | None) -> Extracted:
    if encoding is None and not data.startswith(_BOMS):
        encoding = declared_charset(data)
        if encoding in {"gb2312", "gbk"}:
            encoding = "gb18030"
    decoded = decode_bytes(data, encoding=encoding, source=name)
    return replace(read_text(decoded.text, name), encoding=decoded.encoding, bom=decoded.bom)


def looks_like_html(text: str) -> bool:
    """A text that is a web page, whatever its name says."""
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in head)


FORMAT = InputFormat("html", "text/html", (".html", ".htm", ".shtml"), read, read_text)
