"""Cut the report into units of work for a model, along its own outline.

A unit is typically one problem with its measures: a section whose subtree is at most two
levels deep (a problem and its measure groups) and fits the token budget is kept whole. A
larger section is cut between its children, its heading and intro riding with the first
piece and its heading path repeated as context for every piece; small neighbouring pieces
may be grouped back up to the budget. An oversize leaf is split at paragraph, then sentence
boundaries. Chunks tile the covered range exactly: `source[start:end] == text`, no gaps.
"""

from __future__ import annotations

import itertools
import operator
import re
from dataclasses import dataclass, field

from zhenggai.chunks.tokens import RangeEstimate, TokenCounter, estimate_tokens
from zhenggai.ingest.gcpause import gc_paused
from zhenggai.ingest.trusted import span, trusted
from zhenggai.schemas.document import Chunk, HeadingRef, Outline, Section
from zhenggai.vocab.roles import SectionRole
from zhenggai.vocab.spans import Span

_SENTENCE_END_RE = re.compile(r"[。!?;](?![”’」』])|[。!?;][”’」』]")
# After a paragraph, or after a sentence (as _SENTENCE_END_RE): every place a part may end.
_CUT_RE = re.compile(rf"\n|{_SENTENCE_END_RE.pattern}")
_END = operator.methodcaller("end")
CHUNKED_ROLES = (SectionRole.details, SectionRole.leads_petitions)


@dataclass
class ChunkOptions:
    budget: int = 900  # tokens of source text per chunk
    group_small: bool = True  # merge neighbouring small pieces of one parent up to the budget
    small_fraction: float = 0.5  # a piece under budget × this counts as small


@dataclass(slots=True)
class _Piece:
    start: int
    end: int
    path: str
    role: SectionRole
    context: list[HeadingRef]
    section_paths: list[str] = field(default_factory=list)
    parent: str = ""
    part: int = 1
    parts: int = 1


def _ref(s: Section) -> HeadingRef:
    return trusted(HeadingRef, path=s.path, label=s.label, title=s.title)


def _paths(s: Section) -> list[str]:
    """Paths of `s` and its subtree in document order; iterative, one step per section."""
    out: list[str] = []
    todo = [s]
    while todo:
        node = todo.pop()
        out.append(node.path)
        todo.extend(reversed(node.children))
    return out


# No token is longer than this many characters (the estimate's longest is 3.5; real tokenizers
# stay far below 16 on this text): a range longer than budget × this cannot fit, uncounted.
MAX_CHARS_PER_TOKEN = 16


class _Planner:
    def __init__(self, text: str, options: ChunkOptions, count: TokenCounter) -> None:
        self.text = text
        self.opt = options
        self.count = count
        self.max_chars = options.budget * MAX_CHARS_PER_TOKEN
        # The estimate counts any range in constant time; another counter gets the slice.
        self.count_range = RangeEstimate(text) if count is estimate_tokens else self._count_slice

    def _count_slice(self, start: int, end: int) -> int:
        return self.count(self.text[start:end])

    def tokens(self, start: int, end: int) -> int:
        # Count the line break after the range too: tiling may hand it to this chunk.
        if end < len(self.text) and self.text[end] == "\n":
            end += 1
        return self.count_range(start, end)

    def fits(self, start: int, end: int, limit: int) -> bool:
        """`tokens(start, end) <= limit`, without counting a range too long to fit: cutting a
        long text stays linear in its length instead of re-counting the rest for every part."""
        return end - start <= self.max_chars and self.tokens(start, end) <= limit

    def plan(self, s: Section, context: list[HeadingRef]) -> list[_Piece]:
        # Counted only when it decides: a section with grandchildren is cut whatever its size.
        has_grandchildren = any(c.children for c in s.children)
        if not has_grandchildren and self.tokens(s.span.start, s.span.end) <= self.opt.budget:
            paths = _paths(s)
            return [_Piece(s.span.start, s.span.end, s.path, s.role, context, paths, parent=context_path(context))]
        if not s.children:
            return self.split_leaf(s, context)
        inner = [*context, _ref(s)]
        pieces: list[_Piece] = []
        for child in s.children:
            pieces.extend(self.plan(child, inner))
        if self.opt.group_small:
            pieces = self.group(pieces)
        # The heading and intro before the first child ride with the first piece.
        head_end = s.children[0].span.start
        first = pieces[0]
        if self.tokens(s.span.start, first.end) <= self.opt.budget:
            first.start = s.span.start
            first.section_paths.insert(0, s.path)
        else:
            intro = _Piece(s.span.start, head_end, s.path, s.role, context, [s.path], parent=context_path(context))
            too_big = self.tokens(s.span.start, head_end) > self.opt.budget
            pieces = [*self.split_range(intro, s), *pieces] if too_big else [intro, *pieces]
        return pieces

    def group(self, pieces: list[_Piece]) -> list[_Piece]:
        """Merge neighbouring small pieces of one parent up to the budget.

        Each piece is counted once and a merged piece's count is the sum of its parts' (the
        estimate rounds each part up, so the sum never undercounts): re-counting the growing
        piece at every step made thousands of small headings quadratic.
        """
        small = self.opt.budget * self.opt.small_fraction
        out: list[_Piece] = []
        counts: list[int] = []
        for p in pieces:
            prev = out[-1] if out else None
            n = self.tokens(p.start, p.end)
            if (
                prev is not None
                and prev.parent == p.parent
                and prev.role == p.role
                and prev.parts == 1
                and p.parts == 1
                and counts[-1] < small
                and n < small
                and counts[-1] + n <= self.opt.budget
            ):
                prev.end = p.end
                prev.section_paths.extend(p.section_paths)
                prev.path = prev.parent or prev.path
                counts[-1] += n
                continue
            out.append(p)
            counts.append(n)
        return out

    def split_leaf(self, s: Section, context: list[HeadingRef]) -> list[_Piece]:
        whole = _Piece(s.span.start, s.span.end, s.path, s.role, context, [s.path], parent=context_path(context))
        return self.split_range(whole, s)

    def split_range(self, piece: _Piece, s: Section) -> list[_Piece]:
        """Cut `piece` at paragraph, then sentence boundaries, then anywhere, to fit the budget."""
        bounds = self.boundaries(piece.start, piece.end)
        total = self.tokens(piece.start, piece.end)  # once per piece: linear
        n_parts = -(-total // self.opt.budget)
        # Aim for parts of even size rather than full parts and a stub.
        limit = min(self.opt.budget, int(total / max(n_parts, 1) * 1.15) + 1)
        parts: list[tuple[int, int]] = []
        start = piece.start
        k = 0
        while start < piece.end:
            end = start
            # Take whole units while they fit. A longer range never counts fewer tokens, so the
            # last unit that fits is found by bisection: a leaf of tens of thousands of short
            # paragraphs was counted once per paragraph.
            lo, hi = k, len(bounds)
            while lo < hi:
                mid = (lo + hi) // 2
                if self.fits(start, bounds[mid], limit):
                    lo = mid + 1
                else:
                    hi = mid
            if lo > k:
                end = bounds[lo - 1]
                k = lo
            if end == start:  # one unit is over budget on its own: cut by characters
                end = self.hard_cut(start, bounds[k] if k < len(bounds) else piece.end)
                if k < len(bounds) and end >= bounds[k]:
                    k += 1
            parts.append((start, end))
            start = end
        inner = [*piece.context, _ref(s)]
        return [
            _Piece(
                a,
                b,
                piece.path,
                piece.role,
                piece.context if n == 0 else inner,
                [s.path] if n == 0 else [],
                parent=piece.parent,
                part=n + 1,
                parts=len(parts),
            )
            for n, (a, b) in enumerate(parts)
        ]

    def boundaries(self, start: int, end: int) -> list[int]:
        """Candidate cut points (exclusive ends) in `[start, end]`: after paragraphs and sentences."""
        # one scan, in order: a sentence end never takes in the line break after it, so no two
        # cuts meet and none is past `end`
        cuts = list(map(_END, _CUT_RE.finditer(self.text, start, end)))
        if not cuts or cuts[-1] != end:
            cuts.append(end)
        return cuts if end > start else []

    def hard_cut(self, start: int, limit: int) -> int:
        lo, hi = start + 1, min(limit, start + self.max_chars)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.tokens(start, mid) <= self.opt.budget:
                lo = mid
            else:
                hi = mid - 1
        return lo


def context_path(context: list[HeadingRef]) -> str:
    return context[-1].path if context else ""


@gc_paused
def chunk_outline(
    text: str,
    outline: Outline,
    *,
    options: ChunkOptions | None = None,
    count_tokens: TokenCounter | None = None,
    roles: tuple[SectionRole, ...] = CHUNKED_ROLES,
    id_prefix: str = "c",
) -> list[Chunk]:
    """Chunks covering every top-level section whose role is in `roles` (the rectification details).

    A report without headings is chunked as one body range, so nothing is left out.
    """
    opt = options or ChunkOptions()
    count = count_tokens or estimate_tokens
    planner = _Planner(text, opt, count)
    pieces: list[_Piece] = []
    tops = [s for s in outline.sections if s.role in roles]
    if not outline.sections:
        start = outline.opening.start if outline.opening else 0
        end = outline.closing.start if outline.closing else len(text)
        end = len(text[:end].rstrip("\n"))
        if end > start:
            body = Section(
                label="",
                kind="arabic_dot",
                number=0,
                path="",
                level=0,
                title="",
                title_span=Span(start=start, end=start),
                run_in=False,
                span=Span(start=start, end=end),
                role=SectionRole.details,
            )
            pieces = planner.split_leaf(body, [])
    for top in tops:
        top_pieces = planner.plan(top, [])
        # Inside one top-level section, pieces tile: each ends where the next starts.
        for a, b in itertools.pairwise(top_pieces):
            a.end = b.start
        pieces.extend(top_pieces)
    # Every value is the planner's own (offsets that tile the text, the outline's paths and
    # roles): built without re-validating them, as the outline's sections are.
    return [
        trusted(
            Chunk,
            id=f"{id_prefix}{k:03d}",
            index=k,
            path=p.path,
            section_paths=p.section_paths,
            role=p.role,
            span=span(p.start, p.end),
            text=text[p.start : p.end],
            context=list(p.context),
            tokens=planner.count_range(p.start, p.end),
            part=p.part,
            parts=p.parts,
        )
        for k, p in enumerate(pieces)
    ]
