"""Traditional characters (mirror sites, copies re-encoded for other regions) read as simplified.

The structure, status and metadata rules are written in simplified characters (问题, 整改情况,
巡视组), so a report in traditional characters gets a *reading* text in simplified characters of
exactly the same length: the rules and the model read that, while the record quotes the report
in its own characters (every span means the same characters in both; `restore_script` takes the
record's quotes back). Nothing is re-typed, and every offset leads back into the original.

Conversion is OpenCC's `t2s` through the `opencc` package: the OpenCC project's own bindings,
maintained with the project's dictionaries, phrase-aware (乾隆 stays, 乾淨 → 干净) and fast (C++,
wheels for CPython 3.11). The alternatives were older or cruder: `zhconv` (MediaWiki tables, no
release since 2021), `hanziconv` (character table only, 2016), `opencc-python-reimplemented`
(a pure-Python port whose dictionaries lag the project's).

No entry of the t2s dictionaries in opencc 1.4.2 (TSPhrases, TSCharacters) changes length
(checked by dumping them with `opencc_dict`); should a later one, a line whose length would change
is converted one character at a time, and a character that would become several stays as it is,
so the reading text is always character for character.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from opencc import OpenCC
from pydantic import BaseModel

from zhenggai.vocab.spans import Evidence

SAMPLE = 20_000  # characters looked at to decide
MIN_SHARE = 0.03  # of the CJK characters: simplified text has none that change, traditional 15-30%
MIN_CHANGED = 4


@dataclass(frozen=True)
class Converted:
    text: str  # same length as the text given, character for character
    changed: int  # characters that differ
    share: float  # of the CJK characters in the sample


@lru_cache(maxsize=1)
def _converter() -> OpenCC:
    return OpenCC("t2s")


def _cjk(text: str) -> int:
    return sum(1 for c in text if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf")


def _char_by_char(line: str) -> str:
    convert = _converter().convert
    out = []
    for ch in line:
        new = convert(ch)
        out.append(new if len(new) == 1 else ch)
    return "".join(out)


def _convert_line(line: str) -> str:
    new = _converter().convert(line)
    return new if len(new) == len(line) else _char_by_char(line)


def same_length_simplified(text: str) -> str:
    """`text` in simplified characters, character for character, whatever its share of them."""
    return "\n".join(_convert_line(ln) for ln in text.split("\n"))


def traditional_share(text: str) -> float:
    """Share of the CJK characters in (a sample of) `text` that t2s changes."""
    sample = text[:SAMPLE]
    cjk = _cjk(sample)
    if not cjk:
        return 0.0
    converted = "\n".join(_convert_line(ln) for ln in sample.split("\n"))
    changed = sum(1 for a, b in zip(sample, converted, strict=True) if a != b)
    return changed / cjk if changed >= MIN_CHANGED else 0.0


def is_traditional(text: str) -> bool:
    return traditional_share(text) >= MIN_SHARE


def to_simplified(text: str) -> Converted:
    """`text` in simplified characters, same length; `text` itself when it is not traditional."""
    share = traditional_share(text)
    if share < MIN_SHARE:
        return Converted(text=text, changed=0, share=share)
    result = same_length_simplified(text)
    changed = sum(1 for a, b in zip(text, result, strict=True) if a != b)
    return Converted(text=result, changed=changed, share=share)


# Values the schema fixes (in simplified characters) or that name the file, not quotes of the report.
_NORMALISED_FIELDS = frozenset({"inspection_kind", "inspection_forms", "provenance", "abstract"}) | frozenset(
    {"source_file", "source_encoding", "content_sha256"}
)


FIND_BUDGET = 50_000_000  # characters searched for strings without a span, then they stay as read


def restore_script(obj: Any, reading: str, text: str) -> Any:
    """`obj` (a record read from `reading`) with its quotes in `text`'s own characters.

    An `Evidence` is re-cut from `text` at its span (the two texts are character for character);
    any other string that occurs verbatim in `reading` is re-cut where it first occurs (searching
    at most `FIND_BUDGET` characters in all, so a hostile record costs linear time). Values the
    schema normalises (inspection kind and forms) and the model's abstract stay as they are.
    """
    if reading == text:
        return obj
    return _Restorer(reading, text).restore(obj)


class _Restorer:
    def __init__(self, reading: str, text: str) -> None:
        self.reading, self.text = reading, text
        self.found: dict[str, str] = {}
        self.budget = FIND_BUDGET

    def restore(self, obj: Any) -> Any:
        if isinstance(obj, Evidence):
            s, e = obj.span.start, obj.span.end
            return obj.model_copy(update={"text": self.text[s:e]}) if self.reading[s:e] == obj.text else obj
        if isinstance(obj, BaseModel):
            names = [n for n in type(obj).model_fields if n not in _NORMALISED_FIELDS]
            return obj.model_copy(update={n: self.restore(getattr(obj, n)) for n in names})
        if isinstance(obj, list):
            return [self.restore(v) for v in obj]
        if isinstance(obj, dict):
            return {k: self.restore(v) for k, v in obj.items()}
        if isinstance(obj, str) and not isinstance(obj, Enum) and not obj.isascii():
            return self._string(obj)
        return obj

    def _string(self, value: str) -> str:
        if value in self.found:
            return self.found[value]
        if self.budget <= 0:
            return value
        at = self.reading.find(value)
        self.budget -= len(self.reading) if at < 0 else at + len(value)
        out = self.text[at : at + len(value)] if at >= 0 else value
        self.found[value] = out
        return out
