"""Score a predicted `SummaryRecord` against a hand-made `GoldReport` for the same source.

Every metric is computed from integer counts kept on the `ReportScore`, so a suite can be
micro-averaged (sum the counts, then divide) as well as macro-averaged (mean of per-report
rates). All locations are character offsets into the *normalised* source text, the same text
the pipeline's spans point into; gold quotes are located there with `str.find`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from zhenggai.evals.gold_schema import GoldMeta, GoldProblem, GoldReport
from zhenggai.extract.tally import walk
from zhenggai.schemas.record import Evidence, Figure, Problem, Span, SummaryRecord

TITLE_SIMILARITY = 0.6
"""Minimum title similarity for a fallback (non-path) problem match."""

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def gold_normalise(text: str) -> str:
    """The normalisation the gold quotes were written against (used by tests, not the pipeline).

    Full-width ASCII variants become half-width, U+3000 a space, and each line is stripped.
    """
    return "\n".join(line.strip() for line in text.translate(_FULLWIDTH).splitlines())


# --------------------------------------------------------------------------- helpers


def normalise_path(path: str) -> str:
    """Canonical numbering path so '二、（一）1.(3).' and '二.(一).1.(3)' compare equal."""
    s = re.sub(r"\s+", "", path.translate(_FULLWIDTH)).replace("、", ".")
    s = re.sub(r"(?<=[^.])\(", ".(", s)  # '(一)1' → '.(一)1'
    s = re.sub(r"\)(?=[^.])", ").", s)  # '(一)1' → '(一).1'
    return ".".join(seg for seg in (p.strip(".,;:") for p in s.split(".")) if seg)


_QUOTES = re.compile(r"[\s\"'“”‘’「」『』]")


def normalise_title(title: str) -> str:
    """Drop quote marks, blanks and the 关于/针对/对 … (的)问题 frame around a problem statement."""
    s = _QUOTES.sub("", title.translate(_FULLWIDTH))
    s = re.sub(r"^(关于|针对|对)", "", s)
    return re.sub(r"(方面)?(的)?问题[。.]?$", "", s)


def title_similarity(a: str, b: str) -> float:
    """Character-overlap ratio of two problem statements, in [0, 1]."""
    na, nb = normalise_title(a), normalise_title(b)
    if not na or not nb:
        return 0.0
    return SequenceMatcher(None, na, nb, autojunk=False).ratio()


def spans_overlap(a: Span, b: Span) -> bool:
    """Half-open ranges share at least one character."""
    return max(a.start, b.start) < min(a.end, b.end)


def locate(text: str, quote: str) -> Span | None:
    """First occurrence of a gold quote in the normalised text (gold quotes are verbatim)."""
    if not quote:
        return None
    i = text.find(quote)
    return None if i < 0 else Span(start=i, end=i + len(quote))


def is_grounded(evidence: Evidence, text: str) -> bool:
    """The quote is exactly what the source holds at its span (the record's own test)."""
    return evidence.holds(text)


def flatten_problems(problems: Sequence[Problem]) -> list[Problem]:
    """All problems in document order, children after their parent (the record's one walker)."""
    return walk(problems)


def iter_evidence(obj: Any) -> Iterator[Evidence]:
    """Every `Evidence` anywhere inside a record (walks models, lists and dicts)."""
    if isinstance(obj, Evidence):
        yield obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from iter_evidence(getattr(obj, name))
    elif isinstance(obj, Mapping):
        for v in obj.values():
            yield from iter_evidence(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from iter_evidence(v)


def iter_figures(record: SummaryRecord) -> Iterator[tuple[str, str, Evidence]]:
    """(value, where, evidence) for every predicted figure-like item: problems, measures, overview, leads."""
    for p in flatten_problems(record.problems):
        for f in p.figures:
            yield f.value, f"problem {p.path}", f.evidence
        for m in p.measures:
            for f in m.figures:
                yield f.value, f"measure of {p.path}", f.evidence
    for m in record.overview.organisational_measures:
        for f in m.figures:
            yield f.value, "overview measure", f.evidence
    for t in record.overview.declared_totals:
        yield t.value, "declared total", t.evidence
    for f in record.leads_petitions.figures:
        yield f.value, "leads_petitions", f.evidence


def figure_is_grounded(value: str, evidence: Evidence, text: str) -> bool:
    """A figure counts as real when its quote is grounded and its value appears in that quote."""
    v = value.strip()
    return bool(v) and is_grounded(evidence, text) and v in text[evidence.span.start : evidence.span.end]


_APPROX = re.compile(r"[\s,余多约近超逾%]|以上|左右")


def normalise_value(value: str) -> str:
    """'3700余', '3,700', ' 100% ' → '3700' / '100': compare numbers, not their decoration."""
    return _APPROX.sub("", value.translate(_FULLWIDTH))


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 2 * p * r / (p + r) if p + r else 0.0


# --------------------------------------------------------------------------- models


class Metrics(BaseModel):
    """Rates in [0, 1]; None when the denominator is zero (nothing to score)."""

    problem_precision: float | None = None
    problem_recall: float | None = None
    problem_f1: float | None = None
    status_accuracy: float | None = None
    measure_recall: float | None = None
    figure_precision: float | None = None
    figure_recall: float | None = None
    grounding_rate: float | None = None
    meta_accuracy: float | None = None
    document_accuracy: float | None = None


class Counts(BaseModel):
    """Raw counts behind the metrics, summed for micro-averages."""

    gold_problems: int = 0
    pred_problems: int = 0
    matched_problems: int = 0
    status_correct: int = 0
    gold_measures: int = 0
    gold_measures_hit: int = 0
    pred_figures: int = 0
    pred_figures_grounded: int = 0
    gold_figures: int = 0
    gold_figures_hit: int = 0
    evidence_total: int = 0
    evidence_grounded: int = 0
    meta_fields: int = 0
    meta_correct: int = 0
    doc_checks: int = 0
    doc_correct: int = 0

    def metrics(self) -> Metrics:
        """Rates from these counts (precision with no predictions is undefined, not 1)."""
        p = _rate(self.matched_problems, self.pred_problems)
        r = _rate(self.matched_problems, self.gold_problems)
        if p is None and self.gold_problems:
            p = 0.0  # predicted nothing although there was something to find
        return Metrics(
            problem_precision=p,
            problem_recall=r,
            problem_f1=_f1(p, r),
            status_accuracy=_rate(self.status_correct, self.matched_problems),
            measure_recall=_rate(self.gold_measures_hit, self.gold_measures),
            figure_precision=_rate(self.pred_figures_grounded, self.pred_figures),
            figure_recall=_rate(self.gold_figures_hit, self.gold_figures),
            grounding_rate=_rate(self.evidence_grounded, self.evidence_total),
            meta_accuracy=_rate(self.meta_correct, self.meta_fields),
            document_accuracy=_rate(self.doc_correct, self.doc_checks),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{k: getattr(self, k) + getattr(other, k) for k in type(self).model_fields})


class ProblemMatch(BaseModel):
    gold_path: str
    pred_path: str
    how: Literal["path", "title"]
    similarity: float = 1.0
    gold_status: str
    pred_status: str
    measures_hit: int = 0
    measures_total: int = 0
    figures_hit: int = 0
    figures_total: int = 0


Confusion = dict[str, dict[str, int]]


class ReportScore(BaseModel):
    """How one predicted record compares with its gold report."""

    source: str
    counts: Counts
    metrics: Metrics
    status_confusion: Confusion = Field(default_factory=dict, description="gold status → predicted status → count")
    matches: list[ProblemMatch] = Field(default_factory=list)
    unmatched_gold: list[str] = Field(default_factory=list, description="gold paths with no predicted problem")
    unmatched_pred: list[str] = Field(default_factory=list, description="predicted paths with no gold problem")
    ungrounded_figures: list[str] = Field(default_factory=list)
    meta: dict[str, bool] = Field(default_factory=dict, description="per gold meta field: exact match?")
    warnings: list[str] = Field(default_factory=list)


class SchemaValidity(BaseModel):
    total: int
    valid: int
    rate: float | None
    errors: list[str] = Field(default_factory=list)


class ClassScore(BaseModel):
    """One status value, treated as a class: how often it is predicted right, and found."""

    gold: int = 0
    predicted: int = 0
    correct: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None


class SuiteScore(BaseModel):
    """A suite of reports: micro (pooled counts) and macro (mean of per-report rates) averages."""

    reports: int
    counts: Counts
    micro: Metrics
    macro: Metrics
    status_confusion: Confusion = Field(default_factory=dict)
    schema_valid_rate: float | None = None
    sd: Metrics = Field(default_factory=Metrics, description="population standard deviation of each rate over reports")
    meta_fields: dict[str, float] = Field(default_factory=dict, description="per metadata field: share exactly right")
    status_classes: dict[str, ClassScore] = Field(default_factory=dict, description="per status value")


# --------------------------------------------------------------------------- scoring


def match_problems(pred: Sequence[Problem], gold: Sequence[GoldProblem]) -> list[tuple[int, int, str, float]]:
    """One-to-one matches (pred index, gold index, how, similarity): same path first, then title.

    Path matches are taken in document order; the remaining pairs are matched greedily by
    decreasing title similarity, keeping only pairs with similarity >= TITLE_SIMILARITY.
    """
    matches: list[tuple[int, int, str, float]] = []
    used_p: set[int] = set()
    used_g: set[int] = set()
    gold_by_path: dict[str, list[int]] = {}
    for gi, g in enumerate(gold):
        gold_by_path.setdefault(normalise_path(g.path), []).append(gi)
    for pi, p in enumerate(pred):
        for gi in gold_by_path.get(normalise_path(p.path), []):
            if gi not in used_g:
                matches.append((pi, gi, "path", 1.0))
                used_p.add(pi)
                used_g.add(gi)
                break
    candidates = [
        (title_similarity(p.title, g.title), pi, gi)
        for pi, p in enumerate(pred)
        if pi not in used_p
        for gi, g in enumerate(gold)
        if gi not in used_g
    ]
    for sim, pi, gi in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if sim < TITLE_SIMILARITY:
            break
        if pi in used_p or gi in used_g:
            continue
        matches.append((pi, gi, "title", sim))
        used_p.add(pi)
        used_g.add(gi)
    return sorted(matches, key=lambda m: m[1])


def _measure_hits(pred: Problem, gold: GoldProblem, text: str, warnings: list[str]) -> int:
    spans = [m.evidence.span for m in pred.measures]
    hits = 0
    for gm in gold.measures:
        span = locate(text, gm.quote)
        if span is None:
            warnings.append(f"gold measure quote not in text ({gold.path}): {gm.quote}")
            continue
        if any(spans_overlap(span, s) for s in spans):
            hits += 1
    return hits


def _figure_hits(pred: Problem, gold: GoldProblem) -> int:
    """Gold figures whose value is among the predicted problem's figures (as a multiset)."""
    figures: list[Figure] = list(pred.figures) + [f for m in pred.measures for f in m.figures]
    pool: dict[str, int] = {}
    for f in figures:
        key = normalise_value(f.value)
        pool[key] = pool.get(key, 0) + 1
    hits = 0
    for gf in gold.figures:
        key = normalise_value(gf.value)
        if pool.get(key, 0) > 0:
            pool[key] -= 1
            hits += 1
    return hits


def _meta_values(record: SummaryRecord) -> dict[str, Any]:
    r = record.report
    period = r.inspection_period
    return {
        "title": r.title,
        "publisher": r.publisher,
        "inspected_unit": r.inspected_unit,
        "inspection_team": r.inspection_team,
        "inspection_round": r.inspection_round,
        "inspection_kind": r.inspection_kind or None,
        "inspection_forms": list(r.inspection_forms),
        "inspection_start": period.start if period else None,
        "inspection_end": period.end if period else None,
        "feedback_date": r.feedback_date,
        "publication_date": r.publication_date,
        "signature_date": r.signature_date,
    }


NAME_FIELDS = ("publisher", "inspected_unit")
_NAME_PREFIX = re.compile(r"^中共")
_NAME_SUFFIX = re.compile(r"(?:党组|党委|党工委|党总支|党支部|工作委员会|委员会|机关)$")


def normalise_name(name: str) -> str:
    """The unit a name designates: '中共遂宁市科学技术局党组' and '遂宁市科学技术局' compare equal.

    The Party organisation's suffix (党组/党委/委员会…) and the 中共 prefix say which body of the
    unit speaks, not which unit it is; quotes and blanks are decoration.
    """
    s = _QUOTES.sub("", name.translate(_FULLWIDTH))
    s = _NAME_PREFIX.sub("", s)
    for _ in range(2):  # 中共…局党组委员会
        s = _NAME_SUFFIX.sub("", s)
    return s


def score_meta(record: SummaryRecord, gold: GoldMeta) -> dict[str, bool]:
    """For each meta field the gold report fills in: does the record say the same?

    Strings match after stripping blanks; unit names after `normalise_name`; lists as sets.
    """
    pred = _meta_values(record)
    out: dict[str, bool] = {}
    for name in GoldMeta.model_fields:
        want = getattr(gold, name)
        if want is None or want == "" or want == []:
            continue
        got = pred.get(name)
        if name in NAME_FIELDS:
            out[name] = isinstance(got, str) and bool(got) and normalise_name(got) == normalise_name(want)
        elif isinstance(want, str):
            out[name] = isinstance(got, str) and got.strip() == want.strip()
        elif isinstance(want, list):
            out[name] = sorted(got or []) == sorted(want)
        else:
            out[name] = got == want
    return out


def score_report(record: SummaryRecord, gold: GoldReport, text: str) -> ReportScore:
    """Compare one record with its gold report; `text` is the normalised source both point into."""
    warnings: list[str] = []
    pred = flatten_problems(record.problems)
    pairs = match_problems(pred, gold.problems)
    counts = Counts(gold_problems=len(gold.problems), pred_problems=len(pred), matched_problems=len(pairs))
    confusion: Confusion = {}
    matches: list[ProblemMatch] = []
    for pi, gi, how, sim in pairs:
        p, g = pred[pi], gold.problems[gi]
        g_status, p_status = str(g.status), str(p.status)
        confusion.setdefault(g_status, {}).setdefault(p_status, 0)
        confusion[g_status][p_status] += 1
        counts.status_correct += g_status == p_status
        m_hit = _measure_hits(p, g, text, warnings)
        f_hit = _figure_hits(p, g)
        counts.gold_measures += len(g.measures)
        counts.gold_measures_hit += m_hit
        counts.gold_figures += len(g.figures)
        counts.gold_figures_hit += f_hit
        matches.append(
            ProblemMatch(
                gold_path=g.path,
                pred_path=p.path,
                how=how,  # type: ignore[arg-type]
                similarity=round(sim, 4),
                gold_status=g_status,
                pred_status=p_status,
                measures_hit=m_hit,
                measures_total=len(g.measures),
                figures_hit=f_hit,
                figures_total=len(g.figures),
            )
        )
    matched_g = {gi for _, gi, _, _ in pairs}
    matched_p = {pi for pi, _, _, _ in pairs}

    ungrounded: list[str] = []
    for value, where, evidence in iter_figures(record):
        counts.pred_figures += 1
        if figure_is_grounded(value, evidence, text):
            counts.pred_figures_grounded += 1
        else:
            ungrounded.append(f"{where}: {value!r} in {evidence.text[:40]!r}")

    for ev in iter_evidence(record):
        counts.evidence_total += 1
        counts.evidence_grounded += is_grounded(ev, text)

    meta = score_meta(record, gold.meta)
    counts.meta_fields = len(meta)
    counts.meta_correct = sum(meta.values())
    # the document as a whole: read as a report (gold agrees?) and whole or cut off as gold says
    counts.doc_checks = 2
    counts.doc_correct = (gold.document == "rectification_report") + (record.report.truncated == gold.truncated)

    return ReportScore(
        source=gold.source,
        counts=counts,
        metrics=counts.metrics(),
        status_confusion=confusion,
        matches=matches,
        unmatched_gold=[g.path for gi, g in enumerate(gold.problems) if gi not in matched_g],
        unmatched_pred=[p.path for pi, p in enumerate(pred) if pi not in matched_p],
        ungrounded_figures=ungrounded,
        meta=meta,
        warnings=warnings,
    )


def score_refusal(gold: GoldReport, reason: str) -> ReportScore:
    """The tool refused the page as not a rectification report: right when the gold says so;
    otherwise every gold problem and metadata field is missed."""
    right = gold.document == "not_a_rectification_report"
    # a page rightly refused has no metadata to read; one wrongly refused lost all of its own
    fields = [] if right else [n for n in GoldMeta.model_fields if getattr(gold.meta, n) not in (None, "", [])]
    counts = Counts(
        gold_problems=len(gold.problems),
        meta_fields=len(fields),
        doc_checks=1,
        doc_correct=int(right),
    )
    return ReportScore(
        source=gold.source,
        counts=counts,
        metrics=counts.metrics(),
        unmatched_gold=[g.path for g in gold.problems],
        meta={n: False for n in fields},
        warnings=[] if right else [f"refused as not a rectification report: {reason}"],
    )


def schema_validity(raw: Iterable[Mapping[str, Any] | str | bytes]) -> SchemaValidity:
    """How many raw outputs (dicts or JSON strings) validate as `SummaryRecord`."""
    total = valid = 0
    errors: list[str] = []
    for i, item in enumerate(raw):
        total += 1
        try:
            if isinstance(item, str | bytes):
                SummaryRecord.model_validate_json(item)
            else:
                SummaryRecord.model_validate(item)
        except ValidationError as exc:
            errors.append(f"#{i}: {exc.error_count()} error(s), first: {exc.errors()[0]['loc']}")
            continue
        valid += 1
    return SchemaValidity(total=total, valid=valid, rate=_rate(valid, total), errors=errors)


def aggregate(scores: Sequence[ReportScore], validity: SchemaValidity | None = None) -> SuiteScore:
    """Micro averages pool the counts; macro averages are the mean of the defined per-report rates."""
    total = Counts()
    confusion: Confusion = {}
    for s in scores:
        total = total + s.counts
        for g, row in s.status_confusion.items():
            for p, n in row.items():
                confusion.setdefault(g, {}).setdefault(p, 0)
                confusion[g][p] += n
    macro: dict[str, float | None] = {}
    sd: dict[str, float | None] = {}
    for name in Metrics.model_fields:
        values = [v for s in scores if (v := getattr(s.metrics, name)) is not None]
        macro[name] = mean = sum(values) / len(values) if values else None
        sd[name] = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 if mean is not None else None
    fields: dict[str, list[bool]] = {}
    for s in scores:
        for name, ok in s.meta.items():
            fields.setdefault(name, []).append(ok)
    return SuiteScore(
        reports=len(scores),
        counts=total,
        micro=total.metrics(),
        macro=Metrics(**macro),
        status_confusion=confusion,
        schema_valid_rate=validity.rate if validity else None,
        sd=Metrics(**sd),
        meta_fields={name: sum(oks) / len(oks) for name, oks in fields.items()},
        status_classes=status_classes(confusion),
    )


def status_classes(confusion: Confusion) -> dict[str, ClassScore]:
    """Precision, recall and F1 of each status value from a gold → predicted confusion matrix."""
    labels = sorted({g for g in confusion} | {p for row in confusion.values() for p in row})
    out: dict[str, ClassScore] = {}
    for label in labels:
        gold = sum(confusion.get(label, {}).values())
        predicted = sum(row.get(label, 0) for row in confusion.values())
        correct = confusion.get(label, {}).get(label, 0)
        p, r = _rate(correct, predicted), _rate(correct, gold)
        out[label] = ClassScore(gold=gold, predicted=predicted, correct=correct, precision=p, recall=r, f1=_f1(p, r))
    return out
