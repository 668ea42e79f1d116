"""Plain text (.txt): decoded with its encoding detected; the decoded text is the original."""

from __future__ import annotations

from zhenggai.ingest.decode import decode_bytes
from zhenggai.ingest.formats.base import Extracted, InputFormat


def read_text(text: str, name: str) -> Extracted:
    return Extracted(text=text, original=text, encoding="utf-8")


def read(data: bytes, name: str, encoding: str | None) -> Extracted:
    decoded = decode_bytes(data, encoding=encoding, source=name)
    return Extracted(text=decoded.text, original=decoded.text, encoding=decoded.encoding, bom=decoded.bom)


FORMAT = InputFormat("text", "text/plain", (".txt", ".text"), read, read_text)
