"""Helpers for the review-page tests: read a rendered page back the way a browser would."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from pydantic import BaseModel

from zhenggai.evals.scorer import iter_evidence
from zhenggai.extract.grounding import holds
from zhenggai.schemas.record import Evidence


def grounded(record: BaseModel, text: str) -> list[Evidence]:
    """The evidence whose quote is the source's text at its offsets: what the page must highlight
    (found by the scorer's walk and the grounding rule, not by the renderer's own walk)."""
    return [e for e in iter_evidence(record) if holds(e, text)]


@dataclass
class Piece:
    """One <mark> element: its item id, attributes, the text range it covers, its enclosing marks."""

    id: str
    attrs: dict[str, str]
    start: int
    end: int = -1
    ancestors: tuple[str, ...] = ()


@dataclass
class DocReading:
    text: str = ""
    pieces: list[Piece] = field(default_factory=list)
    paragraphs: int = 0

    def coverage(self, item_id: str) -> set[int]:
        return {k for p in self.pieces if p.id == item_id for k in range(p.start, p.end)}

    @property
    def ids(self) -> set[str]:
        return {p.id for p in self.pieces}


class _DocParser(HTMLParser):
    """Collects the text of <article id="doc"> and its <mark> pieces; fails on misnested tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside the article when > 0
        self.stack: list[tuple[str, Piece | None]] = []
        self.reading = DocReading()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "article" and a.get("id") == "doc":
            self.depth = 1
            return
        if not self.depth:
            return
        assert tag in {"p", "mark"}, f"unexpected <{tag}> in the text"
        piece = None
        if tag == "mark":
            ancestors = tuple(p.id for _, p in self.stack if p is not None)
            piece = Piece(a["data-id"], a, len(self.reading.text), ancestors=ancestors)
            self.reading.pieces.append(piece)
        else:
            assert not self.stack, "a paragraph inside a paragraph or a mark"
            self.reading.paragraphs += 1
        self.stack.append((tag, piece))

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "article" and not self.stack:
            self.depth = 0
            return
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> does not close {self.stack[-1:]}"
        _, piece = self.stack.pop()
        if piece is not None:
            piece.end = len(self.reading.text)

    def handle_data(self, data: str) -> None:
        if self.depth:
            if "\n" in data:
                assert not self.stack, "a line break inside a paragraph"
            self.reading.text += data


def read_doc(html: str) -> DocReading:
    parser = _DocParser()
    parser.feed(html)
    parser.close()
    assert not parser.stack, "unclosed elements in the text"
    return parser.reading
