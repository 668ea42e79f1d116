"""Where a thing stands in the normalised text, and a quote that must be the text there."""

from __future__ import annotations

from pydantic import Field, model_validator

from zhenggai.vocab.contract import Contract


class Span(Contract):
    """Half-open character range `[start, end)` into the normalised source text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} < start {self.start}")
        return self

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


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
