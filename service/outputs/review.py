"""The review page: the report itself with every grounded item highlighted where it stands, and
the structured record beside it, in one self-contained HTML file.

A summary is only trusted when a reader can check it, so the page is built from the record's
spans into the *normalised* text, server-side: what the reader sees highlighted is exactly the
slice the record cites.

Contract (used by `--format html`, `run_batch` and the HTTP route `GET /v1/summaries/{id}.html`):

    render_review_html(record, text) -> str

- `text` is the normalised text the record's spans index into: `Document.text` of the same
  source (`load_path(record.report.source_file).text` re-derives it). When
  `record.report.content_sha256` is set it must be the sha256 of `text`, else `ReviewTextMismatch`
  (a `ValueError`) is raised: offsets into another text would highlight the wrong words.
- Returns a complete HTML document (serve as `text/html; charset=utf-8`). Deterministic (the same
  record and text give the same bytes, so it can be cached or given an ETag), pure (no I/O but
  reading the packaged templates once), safe to call from several threads.
- The page needs no network: CSS and JS are inline and a Content-Security-Policy allows nothing
  else. All report text is HTML-escaped; the concatenated text nodes of `<article id="doc">`
  equal `text` exactly.
- Items whose quote is not the source's text at its offsets (a record that was not grounded) are
  not highlighted; they are listed among the warnings as "not located".
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from html import escape
from importlib import resources
from itertools import pairwise
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from zhenggai.schemas.record import Figure, Measure, Problem, SummaryRecord
from zhenggai.vocab.spans import Evidence
from zhenggai.vocab.statuses import STATUS_ZH, Status
from zhenggai.vocab.warnings import Severity, WarningCode

__all__ = ["KINDS", "HighlightItem", "ReviewTextMismatch", "highlight_text", "render_review_html"]

# Kind of an item → (Chinese label, nesting rank). When two spans are identical, or one lies
# inside the other at equal offsets, the lower rank is the outer element: a problem holds its
# measure, a measure its status sentence, a status sentence its figures.
KINDS: dict[str, tuple[str, int]] = {
    "problem": ("问题", 0),
    "leads": ("线索信访", 1),
    "next": ("下一步", 1),
    "measure": ("措施", 2),
    "status": ("状态依据", 3),
    "deadline": ("时限", 4),
    "meta": ("基本信息", 4),
    "total": ("自述总数", 5),
    "figure": ("数字", 6),
}

# How the legend lists them: the order a reader meets them in a problem, then the rest.
LEGEND_ORDER = ("problem", "measure", "status", "figure", "deadline", "total", "leads", "next", "meta")


class ReviewTextMismatch(ValueError):
    """The text given is not the one the record's offsets refer to."""


@dataclass(frozen=True)
class HighlightItem:
    """One highlighted span: `[start, end)` into the text, with what the page needs to link it."""

    id: str
    kind: str
    start: int
    end: int
    status: str = ""  # status of the problem it belongs to, "" outside problems
    problem: str = ""  # id of that problem
    label: str = ""  # tooltip

    def attrs(self) -> str:
        out = f' class="k-{self.kind}" data-id="{self.id}" data-kind="{self.kind}"'
        if self.status:
            out += f' data-status="{self.status}"'
        if self.problem:
            out += f' data-problem="{self.problem}"'
        if self.label:
            out += f' title="{escape(self.label)}"'
        return out


# --------------------------------------------------------------------------- highlighting


def _escape_text(s: str) -> str:
    # A bare CR would be folded into LF by the HTML parser; a character reference survives.
    return escape(s, quote=False).replace("\r", "&#13;")


_HEADING_RES = [
    ("h1", re.compile(r"^[一二三四五六七八九十]+、")),
    ("h2", re.compile(r"^[(（][一二三四五六七八九十]+[)）]")),
    ("h3", re.compile(r"^\d{1,2}[.、．](?!\d)")),
    ("h4", re.compile(r"^[(（]\d{1,2}[)）]")),
]
_DATE_LINE_RE = re.compile(r"^\s*\d{4}年\d{1,2}月\d{1,2}日\s*$")


def _line_classes(lines: Sequence[str], title: str) -> list[str]:
    """Typographic role of each line: a heading (by its numbering), the title, page debris before
    the title, the signature and date, debris after them. Cosmetic only."""
    classes = [""] * len(lines)
    title_at = next((k for k, ln in enumerate(lines) if title and ln.strip() == title.strip()), -1)
    if title_at < 0:
        title_at = next((k for k, ln in enumerate(lines[:8]) if "通报" in ln and len(ln) <= 80), -1)
    for k, ln in enumerate(lines):
        s = ln.strip()
        if k == title_at:
            classes[k] = "title"
        elif k < title_at:
            classes[k] = "pre"
        elif len(s) <= 60 and not s.endswith(("。", "；", ";")):
            classes[k] = next((c for c, rx in _HEADING_RES if rx.match(s)), "")
    dates = [k for k, ln in enumerate(lines) if _DATE_LINE_RE.match(ln)]
    if dates and dates[-1] > title_at and dates[-1] >= len(lines) - 6:
        d = dates[-1]
        classes[d] = "sig"
        if d > 0 and 0 < len(lines[d - 1].strip()) <= 30 and not classes[d - 1]:
            classes[d - 1] = "sig"
        for k in range(d + 1, len(lines)):
            classes[k] = "post"
    return classes


def highlight_text(text: str, items: Iterable[HighlightItem], title: str = "") -> str:
    """The text as `<p>` paragraphs (one per line) with every item as `<mark>` elements.

    Layering: spans nest by geometry (a span inside another is inside its element); equal spans
    nest by kind rank (`KINDS`). A span that crosses another's end, or a line break, is split into
    several `<mark>` with the same `data-id` (the later pieces carry class `cont`). Newlines stay as
    text between paragraphs, so the text nodes concatenate to `text` exactly.
    """
    ordered = sorted(items, key=lambda it: (it.start, -it.end, KINDS[it.kind][1], it.id))
    rank = {it.id: k for k, it in enumerate(ordered)}
    if len(rank) != len(ordered):
        raise ValueError("highlight ids must be unique")
    starts: dict[int, list[HighlightItem]] = {}
    ends: dict[int, list[HighlightItem]] = {}
    cuts = {0, len(text)}
    for it in ordered:
        if not (0 <= it.start < it.end <= len(text)):
            raise ValueError(f"span {it.start}-{it.end} of {it.id} is outside the text (length {len(text)})")
        starts.setdefault(it.start, []).append(it)
        ends.setdefault(it.end, []).append(it)
        cuts.update((it.start, it.end))
    newlines = [m.start() for m in re.finditer("\n", text)]
    for n in newlines:
        cuts.update((n, n + 1))
    lines = text.split("\n")
    line_cls = _line_classes(lines, title)

    out: list[str] = []
    active: dict[str, HighlightItem] = {}
    stack: list[HighlightItem] = []  # open <mark> elements, outermost first
    opened: set[str] = set()
    line_no = 0
    in_p = False
    for a, b in pairwise(sorted(cuts)):
        for it in ends.get(a, ()):
            active.pop(it.id, None)
        for it in starts.get(a, ()):
            active[it.id] = it
        if text[a:b] == "\n":
            out.append("</mark>" * len(stack))
            stack.clear()
            if in_p:
                out.append("</p>")
                in_p = False
            out.append("\n")
            line_no += 1
            continue
        if not in_p:
            cls = line_cls[line_no]
            out.append(f'<p id="L{line_no + 1}"' + (f' class="{cls}">' if cls else ">"))
            in_p = True
        want = sorted(active.values(), key=lambda it: rank[it.id])
        keep = 0
        while keep < len(stack) and keep < len(want) and stack[keep].id == want[keep].id:
            keep += 1
        out.append("</mark>" * (len(stack) - keep))
        del stack[keep:]
        for it in want[keep:]:
            cont = it.id in opened
            attrs = it.attrs().replace('class="', 'class="cont ', 1) if cont else it.attrs()
            out.append(f"<mark{attrs}>")
            opened.add(it.id)
            stack.append(it)
        out.append(_escape_text(text[a:b]))
    out.append("</mark>" * len(stack))
    if in_p:
        out.append("</p>")
    return "".join(out)


# --------------------------------------------------------------------------- the record as a view


@dataclass
class Leaf:
    """An item in the panel; `placed` when it is highlighted in the text."""

    id: str
    kind: str
    text: str
    placed: bool
    note: str = ""  # e.g. a figure's unit and what it counts


@dataclass
class MeasureView:
    leaf: Leaf
    figures: list[Leaf] = field(default_factory=list)


@dataclass
class ProblemView:
    id: str
    path: str
    title: str
    status: str
    status_zh: str
    placed: bool
    status_ev: Leaf | None
    measures: list[MeasureView]
    figures: list[Leaf]
    deadlines: list[Leaf]
    children: list[ProblemView]
    sub_statuses: str = ""  # statuses in this subtree, space-separated (for the status filter)

    @property
    def n_figures(self) -> int:
        return len(self.figures) + sum(len(m.figures) for m in self.measures)

    @property
    def has_details(self) -> bool:
        return bool(self.status_ev or self.measures or self.figures or self.deadlines)


@dataclass
class WarningView:
    code: str
    label: str
    message: str
    goto: str = ""  # an item id or a paragraph id ("L12") to jump to
    dropped: bool = False


@dataclass
class AreaView:
    title: str
    problems: list[ProblemView]
    sub_statuses: str


def _located(ev: Evidence | None, text: str) -> bool:
    return ev is not None and ev.holds(text)


@dataclass(frozen=True)
class _Owner:
    """The problem an item belongs to (empty outside problems): its marks carry its status."""

    status: str = ""
    problem: str = ""


_NO_OWNER = _Owner()


class _Builder:
    """Walks the record once: gives every item a stable id, collects the highlights and the panel."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.items: list[HighlightItem] = []
        self.not_located: list[WarningView] = []
        self.paths: dict[str, str] = {}  # problem path → id
        self._seq = 0

    def leaf(self, id_: str, kind: str, ev: Evidence, shown: str, note: str = "", owner: _Owner = _NO_OWNER) -> Leaf:
        placed = _located(ev, self.text)
        if placed:
            label = KINDS[kind][0] + (f" · {note}" if note else "")
            self.items.append(HighlightItem(id_, kind, ev.span.start, ev.span.end, owner.status, owner.problem, label))
        else:
            where = f"{note}，" if note else ""
            self.not_located.append(
                WarningView(
                    "not_located",
                    WarningCode.not_located.label,
                    f"{KINDS[kind][0]}（{where}{ev.span.start}–{ev.span.end}）：{ev.text[:40]}",
                    goto=id_,  # shown in the panel, not in the text
                    dropped=True,
                )
            )
        return Leaf(id_, kind, shown, placed, note)

    def figures(self, figs: Sequence[Figure], prefix: str, where: str, owner: _Owner = _NO_OWNER) -> list[Leaf]:
        return [
            self.leaf(
                f"{prefix}f{j + 1}",
                "figure",
                f.evidence,
                f.evidence.text,
                " ".join(filter(None, (f.counts, where))),
                owner,
            )
            for j, f in enumerate(figs)
        ]

    def measures(self, ms: Sequence[Measure], prefix: str, where: str, owner: _Owner = _NO_OWNER) -> list[MeasureView]:
        out = []
        for k, m in enumerate(ms):
            mid = f"{prefix}m{k + 1}"
            leaf = self.leaf(mid, "measure", m.evidence, m.text, where, owner)
            out.append(MeasureView(leaf, self.figures(m.figures, mid, where, owner)))
        return out

    def problem(self, p: Problem) -> ProblemView:
        self._seq += 1
        pid = f"p{self._seq}"
        self.paths.setdefault(p.path, pid)
        owner = _Owner(p.status.value, pid)
        zh = STATUS_ZH[p.status]
        placed = self.leaf(pid, "problem", p.evidence, p.title, f"{p.path} · {zh}", owner).placed
        status_ev = None
        if p.status_evidence is not None:
            ev = p.status_evidence
            status_ev = self.leaf(f"{pid}s", "status", ev, ev.text, f"{zh} · {p.path}", owner)
        view = ProblemView(
            id=pid,
            path=p.path,
            title=p.title,
            status=owner.status,
            status_zh=zh,
            placed=placed,
            status_ev=status_ev,
            measures=self.measures(p.measures, pid, p.path, owner),
            figures=self.figures(p.figures, pid, p.path, owner),
            deadlines=[
                self.leaf(f"{pid}d{j + 1}", "deadline", d.evidence, d.text, p.path, owner)
                for j, d in enumerate(p.deadlines)
            ],
            children=[self.problem(c) for c in p.children],
        )
        subs = {owner.status} | {s for c in view.children for s in c.sub_statuses.split()}
        view.sub_statuses = " ".join(sorted(subs))
        return view


def _walk(views: Iterable[ProblemView]) -> Iterator[ProblemView]:
    for v in views:
        yield v
        yield from _walk(v.children)


def _areas(problems: Sequence[Problem], views: Sequence[ProblemView]) -> list[AreaView]:
    """Top-level problems grouped by their area, in report order."""
    areas: list[AreaView] = []
    for p, v in zip(problems, views, strict=True):
        if not areas or areas[-1].title != p.area:
            areas.append(AreaView(p.area, [], ""))
        areas[-1].problems.append(v)
    for a in areas:
        a.sub_statuses = " ".join(sorted({s for v in a.problems for s in v.sub_statuses.split()}))
    return areas


def _line_of(text: str, offset: int) -> str:
    return f"L{text.count(chr(10), 0, offset) + 1}"


def _warnings(record: SummaryRecord, text: str, paths: dict[str, str]) -> list[WarningView]:
    out = []
    for w in record.provenance.warnings:
        goto = ""
        if w.path is not None and w.path in paths:
            goto = paths[w.path]
        elif w.span is not None and 0 <= w.span.start < len(text):
            goto = _line_of(text, w.span.start)
        code = WarningCode(w.code)
        out.append(WarningView(code, code.label, w.message, goto, code.severity == Severity.dropped))
    return out


def _meta_rows(record: SummaryRecord, b: _Builder) -> list[tuple[str, str, Leaf | None]]:
    """Facts about the report; each one read from the text links to the words it was read from."""
    r = record.report
    period = ""
    if r.inspection_period is not None:
        period = f"{r.inspection_period.start or '?'} 至 {r.inspection_period.end or '?'}"

    def row(label: str, shown: str, ev: Evidence | None, id_: str) -> tuple[str, str, Leaf | None]:
        return label, shown, (b.leaf(id_, "meta", ev, shown, label) if ev is not None and shown else None)

    ev = r.evidence
    forms = [
        row("巡视（巡察）形式", form, ev.get(f"inspection_forms.{form}"), f"mf{k}")
        for k, form in enumerate(r.inspection_forms, start=1)
    ]
    rows: list[tuple[str, str, Leaf | None]] = [
        row("标题", r.title, ev.get("title"), "mt"),
        row("发布单位", r.publisher, ev.get("publisher"), "mp"),
        row("被巡视（巡察）单位", r.inspected_unit, ev.get("inspected_unit"), "mu"),
        row("巡视（巡察）组", r.inspection_team, ev.get("inspection_team"), "mg"),
        row("轮次", r.inspection_round, ev.get("inspection_round"), "mr"),
        row("类别", r.inspection_kind, ev.get("inspection_kind"), "mk"),
        *forms,
        row("巡视（巡察）时间", period, r.inspection_period.evidence if r.inspection_period else None, "ip"),
        row("反馈日期", str(r.feedback_date or ""), ev.get("feedback_date"), "mfb"),
        row("发布日期", str(r.publication_date or ""), ev.get("publication_date"), "mpd"),
        row("落款日期", str(r.signature_date or ""), ev.get("signature_date"), "msd"),
        ("源文件", Path(r.source_file).name if r.source_file else "", None),
        ("编码", r.source_encoding, None),
        ("字数", f"{r.characters:,}" if r.characters else "", None),
        ("内容 sha256", r.content_sha256[:16] + "…" if r.content_sha256 else "", None),
    ]
    return [row for row in rows if row[1]]


def _provenance_rows(record: SummaryRecord) -> list[tuple[str, str]]:
    pv = record.provenance
    rows = [
        ("模型", pv.model),
        ("提示词", "，".join(f"{k}@{v}" for k, v in pv.prompt_versions.items())),
        ("调用", f"{pv.usage.calls} 次（缓存命中 {pv.usage.cache_hits}）" if pv.usage.calls else ""),
        ("tokens", f"读入 {pv.usage.prompt_tokens:,} / 输出 {pv.usage.completion_tokens:,}" if pv.usage.calls else ""),
        ("用时", f"{pv.wall_seconds:.1f} 秒" if pv.wall_seconds else ""),
        ("生成时间", pv.created_at),
        ("版本", f"zhenggai {pv.tool_version} · schema {pv.schema_version}"),
    ]
    return [(k, v) for k, v in rows if v]


def _dynamic_css() -> str:
    """Filter and legend rules, generated from the enums so they never drift from them."""
    rules = []
    for s in Status:
        f = f'body[data-filter="{s.value}"]'
        rules += [
            f'{f} .area:not([data-sub~="{s.value}"]),{f} li.prob:not([data-sub~="{s.value}"]){{display:none}}',
            f'{f} li.prob:not([data-status="{s.value}"])>.prow{{opacity:.45}}',
            f'{f} .rail .tick:not([data-status="{s.value}"]){{display:none}}',
            f'{f} #doc mark:not([data-status="{s.value}"]){{background:none;box-shadow:none;'
            "text-decoration:none;color:inherit;font-weight:inherit;cursor:default}",
        ]
    for k in KINDS:
        rules.append(
            f"body.off-{k} #doc mark.k-{k}{{background:none;box-shadow:none;text-decoration:none;"
            "color:inherit;font-weight:inherit}"
        )
    return "\n".join(rules)


@cache
def _assets() -> tuple[Environment, str, str]:
    env = Environment(
        loader=PackageLoader("zhenggai.outputs", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    base = resources.files("zhenggai.outputs") / "templates"
    css = (base / "review.css").read_text(encoding="utf-8") + "\n" + _dynamic_css()
    js = (base / "review.js").read_text(encoding="utf-8")
    return env, css, js


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def render_review_html(record: SummaryRecord, text: str) -> str:
    """The review page of `record` over `text` (its normalised source); see the module docstring."""
    sha = record.report.content_sha256
    if sha and hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
        raise ReviewTextMismatch(
            "the text is not the one this record was made from (content_sha256 differs); "
            "pass the normalised text of the same source (Document.text)"
        )
    b = _Builder(text)
    problems = [b.problem(p) for p in record.problems]
    ov = record.overview
    org = b.measures(ov.organisational_measures, "o", "整改工作基本情况")
    totals = [
        b.leaf(f"t{k + 1}", "total", t.evidence, t.evidence.text, t.label) for k, t in enumerate(ov.declared_totals)
    ]
    lp = record.leads_petitions
    leads = b.leaf("l", "leads", lp.evidence, lp.text or lp.evidence.text) if lp.evidence is not None else None
    lead_figs = b.figures(lp.figures, "l", "线索信访")
    steps = [b.leaf(f"n{k + 1}", "next", n.evidence, n.text) for k, n in enumerate(record.next_steps)]
    meta_rows = _meta_rows(record, b)

    flat = list(_walk(problems))
    statuses = Counter(v.status for v in flat)
    kind_counts = Counter(it.kind for it in b.items)
    warnings = b.not_located + _warnings(record, text, b.paths)
    groups: dict[str, list[WarningView]] = {}
    for w in sorted(warnings, key=lambda w: not w.dropped):
        groups.setdefault(w.code, []).append(w)
    env, css, js = _assets()
    title = record.report.title or Path(record.report.source_file).name or "整改通报"
    html = env.get_template("review.html.j2").render(
        title=title,
        record=record,
        doc_html=Markup(highlight_text(text, b.items, record.report.title)),
        css=Markup(css),
        js=Markup(js),
        csp=f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; img-src data:",
        areas=_areas(record.problems, problems),
        n_problems=len(flat),
        n_measures=sum(len(v.measures) for v in flat),
        n_figures=sum(v.n_figures for v in flat),
        n_highlights=len({it.id for it in b.items}),
        statuses=[(s.value, STATUS_ZH[s], statuses[s.value]) for s in Status if statuses[s.value]],
        kinds=[(k, KINDS[k][0], kind_counts[k]) for k in LEGEND_ORDER if kind_counts[k]],
        org=org,
        totals=totals,
        leads=leads,
        lead_figs=lead_figs,
        steps=steps,
        meta_rows=meta_rows,
        provenance_rows=_provenance_rows(record),
        n_warnings=len(warnings),
        warning_groups=[(code, ws[0].label, ws[0].dropped, ws) for code, ws in groups.items()],
        n_dropped=sum(w.dropped for w in warnings),
    )
    return html
