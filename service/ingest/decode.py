"""Bytes → text, with the encoding detected and decode errors reported, never replaced.

Reports arrive as UTF-8 (with or without BOM), GB18030/GBK (older sites), and sometimes
UTF-16 saved by office software. charset-normalizer guesses when there is no BOM and the
bytes are not UTF-8; the guess is then decoded *strictly*.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

from zhenggai.ingest.errors import BinaryInputError, DecodingError, EmptyDocumentError

_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
# The GB family: GB18030 is a superset of GBK and GB2312, so decode with it.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn"}
_CONTROL_OK = {"\t", "\n", "\r", "\f", "\x1a"}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    bom: bool


def _plausible(text: str) -> float:
    """Share of characters a Chinese report is made of: CJK, CJK punctuation, ASCII, spaces."""
    if not text:
        return 0.0
    ok = sum(
        1
        for c in text
        if " " <= c <= "~"
        or c in "\n\r\t"
        or "\u4e00" <= c <= "\u9fff"
        or "\u3000" <= c <= "\u303f"
        or "\uff00" <= c <= "\uffef"
        or "\u2010" <= c <= "\u206f"
    )
    return ok / len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without BOM: NUL bytes appear, and one byte order decodes to plausible text."""
    if b"\x00" not in data[:8192] or len(data) % 2:
        return None
    sample = data[:8192]
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        if _plausible(text) > 0.9:
            return name
    return None


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        snippet = data[max(e.start - 8, 0) : e.end + 8].hex(" ")
        raise DecodingError(
            f"cannot decode as {encoding}: invalid bytes at offset {e.start}-{e.end} ({e.reason}); "
            f"nearby bytes: {snippet}. Pass an explicit encoding if you know it.",
            source=source,
        ) from e


# Codecs that decode bytes but are not safe to force: UTF-7 turns ASCII runs (+ADw-) into any
# character, so a page that looks harmless to a filter decodes into markup or instructions.
REFUSED_ENCODINGS = frozenset({"utf-7"})


def text_codec(name: str) -> str:
    """The canonical name of a text encoding a caller may force; LookupError for anything else
    (unknown names, byte-to-byte codecs such as base64 or rot13, refused ones such as UTF-7)."""
    try:
        codec = codecs.lookup(name).name
        b"a".decode(codec, errors="ignore")
    except (LookupError, ValueError, TypeError):
        raise LookupError(f"{name!r} is not a text encoding") from None
    if codec in REFUSED_ENCODINGS:
        raise LookupError(f"{name!r} is refused: it can hide characters from a reader")
    return codec


def check_text(text: str, encoding: str, source: str) -> None:
    """Refuse text that is empty or binary, however it arrived (a file or a JSON string)."""
    _check_text(text, encoding, source)


def _check_text(text: str, encoding: str, source: str) -> None:
    if not text.strip():
        raise EmptyDocumentError("the document has no text (only whitespace)", source=source)
    sample = text[:20000]
    controls = sum(1 for c in sample if c < " " and c not in _CONTROL_OK)
    if "\x00" in sample or controls / max(len(sample), 1) > 0.01:
        raise BinaryInputError(
            f"this looks like a binary file, not text (control characters after decoding as {encoding})",
            source=source,
        )


def decode_bytes(data: bytes, *, encoding: str | None = None, source: str = "") -> Decoded:
    """Decode report bytes; raise a typed `IngestError` saying what is wrong."""
    if not data or not data.strip(b" \t\r\n\x00"):
        raise EmptyDocumentError("the document is empty", source=source)
    if encoding:
        try:
            encoding = text_codec(encoding)
        except LookupError as e:
            raise DecodingError(f"cannot decode with the forced encoding: {e}", source=source) from None
        text = _strict(data, encoding, source)
        bom = text.startswith("\ufeff")
        text = text.removeprefix("\ufeff")
        _check_text(text, encoding, source)
        return Decoded(text, codecs.lookup(encoding).name, bom)

    for bom, name in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], name, source)
            _check_text(text, name, source)
            return Decoded(text, name, True)

    utf16 = _utf16_without_bom(data)
    if utf16:
        text = _strict(data, utf16, source)
        _check_text(text, utf16, source)
        return Decoded(text, utf16, False)

    if b"\x00" in data[:8192]:
        raise BinaryInputError("this looks like a binary file, not text (NUL bytes)", source=source)

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        # Mostly-valid UTF-8 with a few bad bytes is a damaged UTF-8 file, not another encoding.
        bad = data.decode("utf-8", errors="replace").count("\ufffd")
        multibyte = sum(1 for b in data if b >= 0xC2 and b <= 0xF4)
        if multibyte and bad / multibyte < 0.02:
            raise DecodingError(
                f"invalid UTF-8 at byte offset {e.start} ({e.reason}); {bad} bad sequence(s) in a "
                "file that is otherwise UTF-8. Repair the file or pass an explicit encoding.",
                source=source,
            ) from e
    else:
        _check_text(text, "utf-8", source)
        return Decoded(text, "utf-8", False)

    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise BinaryInputError("no text encoding fits these bytes; this looks like a binary file", source=source)
    name = best.encoding.lower().replace("-", "_")
    name = "gb18030" if name in _GB_FAMILY else codecs.lookup(name).name
    text = _strict(data, name, source)
    _check_text(text, name, source)
    return Decoded(text, name, False)
