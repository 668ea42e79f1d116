"""Where metadata is read: the title, the opening paragraph, and the start of the body.

Most reports name the team, the unit and the dates in the opening paragraph; some (the
Tianjin-style `一、总体履责情况`) in the first section, and a page cut without its opening names
them only in the body. A `Region` is a slice of the normalised text that keeps its offset, so
everything read from it becomes an `Evidence` into the whole text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from zhenggai.extract.meta.reading import to_reading
from zhenggai.schemas.document import Outline
from zhenggai.schemas.record import Evidence, Span

BODY_WINDOW = 1500  # how far into the first section an opening may run on
HEAD_WINDOW = 6000  # how far into the text a unit's full name or the round is looked for
OPENING_CAP = 3000  # a text with no line breaks is one "opening": read only its start


@dataclass
class Region:
    """`source` is the normalised text's own words; patterns match `text`, its reading view."""

    source: str
    base: int  # offset of source[0] in the normalised text

    @cached_property
    def text(self) -> str:
        return to_reading(self.source)

    def evidence(self, start: int, end: int) -> Evidence:
        """Evidence for the words at [start, end) of the region, located in the normalised text."""
        return Evidence(text=self.source[start:end], span=Span(start=self.base + start, end=self.base + end))

    def words(self, start: int, end: int) -> str:
        return self.source[start:end]


@dataclass
class Regions:
    opening: Region  # the opening paragraph (empty when the text has none)
    extended: Region  # the opening and the first part of the body
    head: Region  # the first HEAD_WINDOW characters


def regions(text: str, outline: Outline, title_end: int = 0) -> Regions:
    """The opening paragraph, the opening run on into the body, and the head of the text.

    `title_end` is where the title read ends (0: no title): when the outline found no opening
    (it took a sentence for the title, say), the opening is what stands before the first section.
    """
    if outline.opening:
        o_start = outline.opening.start
        if outline.opening.start <= title_end < outline.opening.end:
            o_start = title_end  # the outline took the title for the opening's first line
        o_end = min(outline.opening.end, o_start + OPENING_CAP)
    else:
        o_start = title_end + 1 if title_end else 0
        o_end = outline.sections[0].span.start if outline.sections else len(text)
        o_end = max(o_start, min(o_end, o_start + OPENING_CAP))
    end = o_end
    if outline.sections:
        first = outline.sections[0].span
        end = max(end, min(first.start + BODY_WINDOW, first.end))
    end = min(end, o_start + OPENING_CAP + BODY_WINDOW)
    head_end = min(len(text), HEAD_WINDOW)
    return Regions(
        opening=Region(text[o_start:o_end], o_start),
        extended=Region(text[o_start:end], o_start),
        head=Region(text[:head_end], 0),
    )
