"""The candidate units the model judges: numbered sections and unnumbered "针对…" paragraphs.

The parser, not the model, finds the structure; each unit carries its own text range (its span
minus its sub-units'), its clean title, and the sentences that may state its status.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from zhenggai.extract.sentences import Sentence, split_sentences
from zhenggai.schemas.document import Chunk, Outline, Section
from zhenggai.schemas.record import SectionRole, Span
from zhenggai.structure.numbering import find_enumerations

# The problem inside its wrapper: 关于“X”的问题 / 针对“X”的问题 / 对X问题,着重… / 针对X问题,进行了以下整改
_SUFFIX_RE = re.compile(r"[,:]?(?:进行了以下整改|进行了整改|整改如下|采取了以下措施|着重从.{1,4}方面.{0,6}整改)$")
_ITEM_RE = re.compile(r"^针对(?:[“\"][^”\"]*[”\"])?整改事项[“\"](.+)[”\"](?:的)?(?:问题)?$")
_QUOTED_RE = re.compile(r"^(?:关于|针对|对)?[“\"](.+)[”\"](?:的)?(?:方面)?(?:有关)?(?:问题|方面问题)?$")
_WRAPPED_RE = re.compile(r"^(?:关于|针对|对)(.+?)(?:的)?问题(?:,|$)")
_UNNUMBERED_RE = re.compile(r"^针对.{1,120}?(?:问题|事项)(?:“.+?”)?[,:]?(?:进行了以下整改|进行整改|整改如下|采取)")
STATUS_CUE_RE = re.compile(
    r"已完成|完成整改|整改完成|全部完成|已整改到位|整改到位|已全部办结|已办结|办结|销号|完毕|消化整改|基本完成|阶段性"
    r"|正在|正对|正致力|持续推进|推进中|年内|年底前|计划|拟|下步|下一步|逐年|逐步|预计|力争|列入明年|明年|有序推进|加快推进"
    r"|长期坚持|常态化|长效|久久为功|未完成|未整改到位|尚未|仍未|剩余|其余"
)
MAX_CANDIDATES = 6


class Candidate(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    span: Span
    text: str


class Unit(BaseModel):
    """One heading or unnumbered problem paragraph, with everything the merge needs."""

    id: int
    path: str
    label: str
    heading: str  # the title as written
    title: str  # the problem or measure without its 关于“…”问题 wrapper
    title_span: Span
    span: Span
    own: list[Span] = Field(default_factory=list, description="its text outside its sub-units")
    level: int
    role: SectionRole
    parent_path: str = ""
    children: int = 0
    prior: str = Field(default="", description="kind fixed by structure: 'area' or 'measure'; '' = ask the model")
    enumerations: list[Span] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list, description="sentences with status words (ids global)")
    sentences: list[Candidate] = Field(
        default_factory=list, description="all its sentences after the title (ids local), for full-text prompts"
    )
    chunk_id: str = ""


def clean_title(text: str, span: Span) -> tuple[str, Span]:
    """Strip the 关于“…”的问题 wrapper, keeping the exact span of what remains."""
    title = span.slice(text)
    suffix = _SUFFIX_RE.search(title)
    if suffix:
        title = title[: suffix.start()]
        span = Span(start=span.start, end=span.start + len(title))
    for pattern in (_ITEM_RE, _QUOTED_RE, _WRAPPED_RE):
        m = pattern.match(title)
        if m and len(m.group(1)) >= 4:
            s = span.start + m.start(1)
            return m.group(1), Span(start=s, end=s + len(m.group(1)))
    stripped = title.rstrip("。")
    return stripped, Span(start=span.start, end=span.start + len(stripped))


def _subtract(span: Span, holes: list[Span]) -> list[Span]:
    out, pos = [], span.start
    for h in sorted(holes, key=lambda s: s.start):
        if h.start > pos:
            out.append(Span(start=pos, end=h.start))
        pos = max(pos, h.end)
    if pos < span.end:
        out.append(Span(start=pos, end=span.end))
    return out


def _unnumbered(text: str, section: Section, own: list[Span]) -> list[tuple[Span, Span]]:
    """Paragraphs in a section's own text that open "针对…问题,进行了以下整改": (paragraph, title)."""
    found = []
    for part in own:
        pos = part.start
        for line in text[part.start : part.end].split("\n"):
            start = pos
            pos += len(line) + 1
            if start == section.span.start or not _UNNUMBERED_RE.match(line):
                continue
            end = start + len(line)
            stop = max(line.find(",进行"), line.find(",采取"))
            t_end = start + (stop if stop > 0 else min(len(line), 80))
            found.append((Span(start=start, end=end), Span(start=start, end=t_end)))
    return found


def build_units(text: str, outline: Outline) -> list[Unit]:
    """Units of the details and leads sections, in document order."""
    units: list[Unit] = []
    unnumbered: dict[str, int] = {}

    def visit(s: Section, parent_path: str) -> None:
        if s.role == SectionRole.leads_petitions:
            return  # not problems: read by metadata.leads
        own = _subtract(s.span, [c.span for c in s.children])
        extra = _unnumbered(text, s, own)
        own_without = _subtract(s.span, [c.span for c in s.children] + [p for p, _ in extra])
        if s.level > 1:
            title, t_span = clean_title(text, s.title_span)
            units.append(
                Unit(
                    id=len(units),
                    path=s.path,
                    label=s.label,
                    heading=s.title,
                    title=title,
                    title_span=t_span,
                    span=s.span,
                    own=own_without,
                    level=s.level,
                    role=s.role,
                    parent_path=parent_path,
                    children=len(s.children) + len(extra),
                    enumerations=[e.span for e in s.enumerations],
                )
            )
        # Unnumbered problems are numbered #k across their area (the (一)-level section), as
        # readers cite them, and hang from the area rather than from the item they follow.
        area = ".".join(s.path.split(".")[:2])
        for para, t_span in extra:
            title, t_span = clean_title(text, t_span)
            unnumbered[area] = k = unnumbered.get(area, 0) + 1
            units.append(
                Unit(
                    id=len(units),
                    path=f"{area}.#{k}",
                    label=f"#{k}",
                    heading=text[para.start : para.end][:80],
                    title=title,
                    title_span=t_span,
                    span=para,
                    own=[para],
                    level=min(s.level + 1, 3),
                    role=s.role,
                    parent_path=area if "." in area else "",
                )
            )
        for c in s.children:
            visit(c, s.path if s.level > 1 else "")

    for top in outline.sections:
        if top.role in (SectionRole.details, SectionRole.leads_petitions):
            visit(top, "")
    _set_priors(units)
    _attach_candidates(text, units)
    return units


# "对…问题,着重从六个方面抓好整改" / "从以下方面" / "采取以下措施": the children are measure groups.
_MEASURE_PARENT_RE = re.compile(
    r"从(?:[一二三四五六七八九十两几]|\d+)个?方面|以下(?:几个)?方面|采取.{0,6}措施|如下措施"
)


def _set_priors(units: list[Unit]) -> None:
    """Kinds the structure settles without a model: areas, and measure groups under a 'N个方面' problem."""
    by_path = {u.path: u for u in units}
    for u in units:
        parent = by_path.get(u.parent_path)
        if u.level == 2 and u.children:
            u.prior = "area"
        elif (
            parent is not None
            and parent.prior != "area"  # "(二)关于全面从严治党方面" names an area, not measure groups
            and not u.label.startswith("#")
            and _MEASURE_PARENT_RE.search(parent.heading)
        ):
            u.prior = "measure"


def _attach_candidates(text: str, units: list[Unit]) -> None:
    # A problem's status is often told inside its measure groups: read those with it.
    measure_parts: dict[str, list[Span]] = {}
    for u in units:
        if u.prior == "measure":
            measure_parts.setdefault(u.parent_path, []).extend(u.own)
    next_id = 1
    for u in units:
        if u.prior:
            continue  # areas and measure groups have no status of their own
        sentences: list[Sentence] = []
        for part in [*u.own, *measure_parts.get(u.path, [])]:
            sentences.extend(split_sentences(text, part.start, part.end))
        if not u.enumerations and u.label.startswith("#"):
            u.enumerations = [
                Span(start=s, end=e) for _, _, s, e in find_enumerations(text[u.span.start : u.span.end], u.span.start)
            ]
        body = [s for s in sentences if not s.start < u.title_span.end <= s.end]
        u.sentences = [
            Candidate(id=k + 1, span=Span(start=s.start, end=s.end), text=s.text) for k, s in enumerate(body, 0)
        ]
        cues = [s for s in body if STATUS_CUE_RE.search(s.text)]
        # the last sentences speak of the outcome most often
        chosen = cues[-MAX_CANDIDATES:]
        u.candidates = [
            Candidate(id=next_id + k, span=Span(start=s.start, end=s.end), text=s.text) for k, s in enumerate(chosen)
        ]
        next_id += len(chosen)


def assign_chunks(units: list[Unit], chunks: list[Chunk]) -> dict[str, list[Unit]]:
    """Each unit is judged in the chunk where its heading starts."""
    by_chunk: dict[str, list[Unit]] = {c.id: [] for c in chunks}
    for u in units:
        for c in chunks:
            if c.span.start <= u.span.start < c.span.end:
                u.chunk_id = c.id
                by_chunk[c.id].append(u)
                break
    return by_chunk
