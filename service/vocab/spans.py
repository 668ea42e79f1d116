"""Where a thing stands in the normalised text, and a quote that must be the text there."""

from __future__ import annotations

from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass

from zhenggai.vocab.contract import Contract


@dataclass(slots=True, config=ConfigDict(extra="forbid"))
class Span:
    """Half-open character range `[start, end)` into the normalised source text."""

    # A slotted dataclass rather than a model: every heading, chunk, item and evidence quote holds
    # one or two, and a model's per-object dict made them most of a dense outline's memory
    # (264 bytes each against 48). It validates, serialises and appears in the JSON schemas as before.

    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} < start {self.start}")
        return self

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


def page_of(pages: list[Span], offset: int) -> int | None:
    """1-based number of the page (its spans in order, as `SourceInfo.pages`) holding `offset`;
    None for an unpaged source."""
    if not pages:
        return None
    lo, hi = 0, len(pages)
    while lo < hi:  # the first page that ends after `offset`
        mid = (lo + hi) // 2
        if pages[mid].end <= offset:
            lo = mid + 1
        else:
            hi = mid
    return min(lo, len(pages) - 1) + 1


class Evidence(Contract):
    """A quote from the source with its location; `source[span] == text` is checked."""

    text: str
    span: Span

    def holds(self, text: str) -> bool:
        """The one test of a quote, used by grounding, the review page and the scorer alike:
        the span is a non-empty range inside the text, the text there is the quote character for
        character, and the quote says something (not only blanks)."""
        s = self.span
        return 0 <= s.start < s.end <= len(text) and text[s.start : s.end] == self.text and bool(self.text.strip())
