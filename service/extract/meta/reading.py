"""A reading view of the text for the metadata patterns: simplified characters, one character for
one, so every offset read in the view is an offset in the text and every value and quote is still
taken from the text's own characters (`嵐山區`, `省委第七巡視組`). The conversion is ingest's
(OpenCC t2s, `zhenggai.ingest.traditional`); short strings such as a team name are converted
whatever their share of traditional characters."""

from __future__ import annotations

from functools import lru_cache

from zhenggai.ingest.traditional import same_length_simplified


@lru_cache(maxsize=4096)
def to_reading(text: str) -> str:
    """The same text (same length, same offsets) in simplified characters."""
    return same_length_simplified(text)
