"""Traditional characters (mirror sites, copies re-encoded for other regions) read as simplified.

The structure, status and metadata rules are written in simplified characters (问题, 整改情况,
巡视组), so a report in traditional characters is converted for reading; the original stays as it
is and every offset leads back into it.

Conversion is OpenCC's `t2s` through the `opencc` package: the OpenCC project's own bindings,
maintained with the project's dictionaries, phrase-aware (乾隆 stays, 乾淨 → 干净) and fast (C++,
wheels for CPython 3.11). The alternatives were older or cruder: `zhconv` (MediaWiki tables, no
release since 2021), `hanziconv` (character table only, 2016), `opencc-python-reimplemented`
(a pure-Python port whose dictionaries lag the project's).

OpenCC's phrases map to strings of the same length almost always, so a line that keeps its
length maps character for character; a line whose length changes is converted one character at
a time instead, each output character mapped to the character it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

from zhenggai.ingest.offsets import OffsetMap

SAMPLE = 20_000  # characters looked at to decide
MIN_SHARE = 0.03  # of the CJK characters: simplified text has none that change, traditional 15-30%
MIN_CHANGED = 4


@dataclass(frozen=True)
class Converted:
    text: str
    offsets: OffsetMap  # converted text → the text given
    changed: int  # characters that differ
    share: float  # of the CJK characters in the sample


@lru_cache(maxsize=1)
def _converter() -> OpenCC:
    return OpenCC("t2s")


def _cjk(text: str) -> int:
    return sum(1 for c in text if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf")


def traditional_share(text: str) -> float:
    """Share of the CJK characters in (a sample of) `text` that t2s changes."""
    sample = text[:SAMPLE]
    converted = _converter().convert(sample)
    cjk = _cjk(sample)
    if not cjk or len(converted) != len(sample):
        changed = sum(1 for c in sample if _converter().convert(c) != c)
    else:
        changed = sum(1 for a, b in zip(sample, converted, strict=True) if a != b)
    return changed / cjk if cjk and changed >= MIN_CHANGED else 0.0


def is_traditional(text: str) -> bool:
    return traditional_share(text) >= MIN_SHARE


def to_simplified(text: str) -> Converted:
    """`text` in simplified characters and the map back; `text` itself when it is not traditional."""
    share = traditional_share(text)
    if share < MIN_SHARE:
        return Converted(text=text, offsets=OffsetMap.identity(len(text)), changed=0, share=share)
    convert = _converter().convert
    out: list[str] = []
    omap = OffsetMap()
    omap.add_run(0, 0)
    length, base, changed = 0, 0, 0
    for k, line in enumerate(text.split("\n")):
        if k:
            out.append("\n")
            length += 1
        new = convert(line)
        if len(new) == len(line):
            changed += sum(1 for a, b in zip(line, new, strict=True) if a != b)
        else:  # a phrase changed length: character by character, each mapped to its source
            parts: list[str] = []
            at = length
            for j, ch in enumerate(line):
                piece = convert(ch)
                for i in range(len(piece)):
                    omap.add_run(at + i, base + j)
                parts.append(piece)
                at += len(piece)
                changed += piece != ch
            new = "".join(parts)
            omap.add_run(length + len(new), base + len(line))  # the next line break onwards
        out.append(new)
        length += len(new)
        base += len(line) + 1
    result = "".join(out)
    omap.dst_length = len(result)
    omap.src_length = len(text)
    return Converted(text=result, offsets=omap, changed=changed, share=share)
