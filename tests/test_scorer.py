"""Tests for the eval scorer and for the gold annotations it scores against.

Each metric is checked on a tiny hand-built case whose answer is known in advance.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from _paths import SEEDS_DIR

from zhenggai.evals.gold_schema import GoldFigure, GoldMeasure, GoldMeta, GoldProblem, GoldReport
from zhenggai.evals.scorer import (
    Counts,
    aggregate,
    gold_normalise,
    match_problems,
    normalise_path,
    normalise_value,
    schema_validity,
    score_report,
    title_similarity,
)
from zhenggai.schemas.record import (
    DateRange,
    DeclaredTotal,
    Evidence,
    Figure,
    LeadsAndPetitions,
    Measure,
    NextStep,
    Overview,
    Problem,
    Provenance,
    ReportMeta,
    Span,
    Status,
    SummaryRecord,
)

REPO = Path(__file__).resolve().parents[1]
SEEDS = SEEDS_DIR
GOLD = REPO / "evals" / "gold"

# A tiny normalised report: three problems, each with measures and a figure.
TEXT = "\n".join(
    [
        "二、整改落实情况",
        "1.关于“营商环境不够优化”问题",
        "(1)针对“服务意识比较淡薄”的问题。一是加强组织领导。成立领导小组。二是开展专项行动。查处问题7起9人。已完成整改。",
        "(2)针对“政务服务事项过于分散”的问题。一是推动事项进厅。累计进厅事项157项。年内完成改造。",
        "三、下一步打算",
    ]
)


def ev(quote: str, text: str = TEXT) -> Evidence:
    """Evidence for the first occurrence of `quote` (fails loudly if the test text lacks it)."""
    i = text.index(quote)
    return Evidence(text=quote, span=Span(start=i, end=i + len(quote)))


def bad_ev(quote: str, start: int = 0) -> Evidence:
    """Evidence whose span does not hold its text (an invented quote)."""
    return Evidence(text=quote, span=Span(start=start, end=start + len(quote)))


def problem(path: str, title: str, **kw: object) -> Problem:
    return Problem(path=path, title=title, evidence=ev(title) if title in TEXT else bad_ev(title), **kw)


def record(problems: list[Problem], **kw: object) -> SummaryRecord:
    meta = kw.pop("report", ReportMeta())
    return SummaryRecord(report=meta, problems=problems, provenance=Provenance(tool_version="t"), **kw)


def gold_problem(path: str, title: str, status: Status = Status.not_stated, **kw: object) -> GoldProblem:
    return GoldProblem(path=path, title=title, status=status, **kw)


def gold(problems: list[GoldProblem], meta: GoldMeta | None = None) -> GoldReport:
    meta = meta or GoldMeta(title="t", publisher="p", inspected_unit="u", inspection_team="x")
    return GoldReport(source="test.txt", meta=meta, problems=problems)


G_PARENT = gold_problem("二.1", "营商环境不够优化")
G_CHILD1 = gold_problem(
    "二.1.(1)",
    "服务意识比较淡薄",
    Status.completed,
    status_quote="已完成整改",
    parent="二.1",
    measures=[GoldMeasure(quote="一是加强组织领导。"), GoldMeasure(quote="二是开展专项行动。")],
    figures=[
        GoldFigure(value="7", unit="起", quote="查处问题7起9人"),
        GoldFigure(value="9", unit="人", quote="7起9人"),
    ],
)
G_CHILD2 = gold_problem(
    "二.1.(2)",
    "政务服务事项过于分散",
    Status.in_progress,
    status_quote="年内完成改造",
    parent="二.1",
    measures=[GoldMeasure(quote="一是推动事项进厅。")],
    figures=[GoldFigure(value="157", unit="项", quote="累计进厅事项157项")],
)
GOLD3 = gold([G_PARENT, G_CHILD1, G_CHILD2])


# --------------------------------------------------------------------------- normalisation


def test_gold_normalise_fullwidth_and_strip() -> None:
    raw = "\u3000\u3000（一）关于ＡＢＣ１２３，问题！  \n  第二行\u3000"
    assert gold_normalise(raw) == "(一)关于ABC123,问题!\n第二行"


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("二.(一).1.(3)", "二.(一).1.(3)"),
        ("二.（一）.1.（3）.", "二.(一).1.(3)"),
        (" 二、(一)1.(3) ", "二.(一).1.(3)"),
        ("二(一)1(3)", "二.(一).1.(3)"),
    ],
)
def test_normalise_path(raw: str, want: str) -> None:
    assert normalise_path(raw) == want


def test_normalise_value_drops_decoration() -> None:
    assert normalise_value("3700余") == "3700"
    assert normalise_value("100%") == "100"
    assert normalise_value("1,874") == "1874"
    assert normalise_value("两") == "两"


def test_title_similarity_ignores_frame() -> None:
    assert title_similarity("关于“营商环境不够优化”问题", "营商环境不够优化") == 1.0
    assert title_similarity("营商环境不够优化", "干部使用不够规范") < 0.6


# --------------------------------------------------------------------------- problem matching


def test_problem_prf_three_gold_two_pred_one_match() -> None:
    pred = [problem("二.1.(1)", "服务意识比较淡薄"), problem("九.9", "完全无关的内容")]
    s = score_report(record(pred), GOLD3, TEXT)
    assert s.counts.matched_problems == 1
    assert s.metrics.problem_precision == pytest.approx(0.5)
    assert s.metrics.problem_recall == pytest.approx(1 / 3)
    assert s.metrics.problem_f1 == pytest.approx(0.4)
    assert s.unmatched_pred == ["九.9"]
    assert s.unmatched_gold == ["二.1", "二.1.(2)"]


def test_children_are_flattened_and_matched_by_path() -> None:
    parent = problem("二、1", "营商环境不够优化", children=[problem("二.1.(1)", "服务意识比较淡薄")])
    s = score_report(record([parent]), GOLD3, TEXT)
    assert s.counts.pred_problems == 2
    assert {m.gold_path for m in s.matches} == {"二.1", "二.1.(1)"}
    assert all(m.how == "path" for m in s.matches)


def test_title_fallback_when_path_differs() -> None:
    # Wrong path, but the title is the gold one (framed differently): matched by title.
    pred = [problem("二.1.(5)", "针对“政务服务事项过于分散”的问题")]
    s = score_report(record(pred), GOLD3, TEXT)
    assert [(m.gold_path, m.how) for m in s.matches] == [("二.1.(2)", "title")]
    # Wrong path and a different problem: no match.
    pred = [problem("二.1.(5)", "历史遗留问题没有彻底解决")]
    assert score_report(record(pred), GOLD3, TEXT).counts.matched_problems == 0


def test_matching_is_one_to_one() -> None:
    pred = [problem("二.1.(1)", "服务意识比较淡薄"), problem("二.1.(1)", "服务意识比较淡薄")]
    pairs = match_problems(pred, GOLD3.problems)
    assert len(pairs) == 1
    s = score_report(record(pred), GOLD3, TEXT)
    assert s.metrics.problem_precision == pytest.approx(0.5)


def test_no_predictions_gives_zero_not_undefined() -> None:
    s = score_report(record([]), GOLD3, TEXT)
    assert s.metrics.problem_precision == 0.0
    assert s.metrics.problem_recall == 0.0
    assert s.metrics.problem_f1 == 0.0
    assert s.metrics.status_accuracy is None


# --------------------------------------------------------------------------- status


def test_status_accuracy_and_confusion() -> None:
    pred = [
        problem("二.1", "营商环境不够优化"),  # gold not_stated, pred not_stated: right
        problem("二.1.(1)", "服务意识比较淡薄", status=Status.completed, status_evidence=ev("已完成整改")),  # right
        problem("二.1.(2)", "政务服务事项过于分散", status=Status.completed),  # gold in_progress: wrong
    ]
    s = score_report(record(pred), GOLD3, TEXT)
    assert s.metrics.status_accuracy == pytest.approx(2 / 3)
    assert s.status_confusion == {
        "not_stated": {"not_stated": 1},
        "completed": {"completed": 1},
        "in_progress": {"completed": 1},
    }


# --------------------------------------------------------------------------- measures


def test_measure_recall_counts_overlap_within_the_same_problem() -> None:
    pred = [
        # Covers gold measure 一是 of (1) with a longer span; misses 二是.
        problem(
            "二.1.(1)",
            "服务意识比较淡薄",
            measures=[Measure(text="加强组织领导", evidence=ev("加强组织领导。成立领导小组"))],
        ),
        # Its measure quotes (1)'s 二是: must not count for (1), and (2)'s own measure is missed.
        problem("二.1.(2)", "政务服务事项过于分散", measures=[Measure(text="x", evidence=ev("二是开展专项行动"))]),
    ]
    s = score_report(record(pred), GOLD3, TEXT)
    assert s.counts.gold_measures == 3
    assert s.counts.gold_measures_hit == 1
    assert s.metrics.measure_recall == pytest.approx(1 / 3)


def test_measure_touching_but_not_overlapping_is_a_miss() -> None:
    g = TEXT.index("一是加强组织领导。")
    before = Evidence(text=TEXT[g - 3 : g], span=Span(start=g - 3, end=g))  # ends exactly where gold starts
    pred = [problem("二.1.(1)", "服务意识比较淡薄", measures=[Measure(text="x", evidence=before)])]
    assert score_report(record(pred), GOLD3, TEXT).counts.gold_measures_hit == 0


# --------------------------------------------------------------------------- figures


def test_figure_precision_requires_grounded_quote_containing_value() -> None:
    figs = [
        Figure(value="157", unit="项", evidence=ev("累计进厅事项157项")),  # grounded
        Figure(value="158", unit="项", evidence=ev("累计进厅事项157项")),  # value not in quote
        Figure(value="7", unit="起", evidence=bad_ev("查处问题7起")),  # quote not at its span
    ]
    total = DeclaredTotal(label="事项", value="9", evidence=ev("7起9人"))  # grounded, counted too
    rec = record(
        [problem("二.1.(2)", "政务服务事项过于分散", figures=figs)],
        overview=Overview(declared_totals=[total]),
    )
    s = score_report(rec, GOLD3, TEXT)
    assert s.counts.pred_figures == 4
    assert s.counts.pred_figures_grounded == 2
    assert s.metrics.figure_precision == pytest.approx(0.5)
    assert len(s.ungrounded_figures) == 2


def test_figure_recall_matches_values_within_matched_problem_only() -> None:
    pred = [
        # (1) has gold values 7 and 9: 9 on the problem, 7 on a measure → 2/2 (the second 9 adds nothing).
        problem(
            "二.1.(1)",
            "服务意识比较淡薄",
            figures=[Figure(value="9", evidence=ev("9人")), Figure(value="9", evidence=ev("9人"))],
            measures=[
                Measure(text="m", evidence=ev("二是开展专项行动"), figures=[Figure(value="7", evidence=ev("7起"))])
            ],
        ),
        # (2) has gold 157 but the prediction puts 157 nowhere: 0/1. 157 on an unmatched problem doesn't help.
        problem("二.1.(2)", "政务服务事项过于分散"),
        problem("九.9", "别的问题", figures=[Figure(value="157", evidence=ev("157"))]),
    ]
    s = score_report(record(pred), GOLD3, TEXT)
    assert s.counts.gold_figures == 3
    assert s.counts.gold_figures_hit == 2
    assert s.metrics.figure_recall == pytest.approx(2 / 3)


def test_figure_recall_is_a_multiset_match() -> None:
    """'8起8人' holds the value 8 twice; one predicted 8 finds only one of them, two find both."""
    g = gold(
        [
            gold_problem(
                "二.1.(1)",
                "服务意识比较淡薄",
                figures=[GoldFigure(value="8", quote="7起"), GoldFigure(value="8", quote="9人")],
            )
        ]
    )
    one = [problem("二.1.(1)", "服务意识比较淡薄", figures=[Figure(value="8余", evidence=ev("7起"))])]
    assert score_report(record(one), g, TEXT).counts.gold_figures_hit == 1
    two = [problem("二.1.(1)", "服务意识比较淡薄", figures=[Figure(value="8", evidence=ev("7起"))] * 2)]
    assert score_report(record(two), g, TEXT).counts.gold_figures_hit == 2


# --------------------------------------------------------------------------- grounding


def test_grounding_rate_walks_every_evidence() -> None:
    rec = record(
        [
            problem(
                "二.1.(1)",
                "服务意识比较淡薄",  # evidence 1: grounded
                status=Status.completed,
                status_evidence=ev("已完成整改"),  # 2: grounded
                measures=[Measure(text="m", evidence=bad_ev("一是加强组织领导"))],  # 3: not grounded
            )
        ],
        leads_petitions=LeadsAndPetitions(text="l", evidence=ev("查处问题")),  # 4: grounded
        # 5: span beyond the end of the text
        next_steps=[NextStep(text="n", evidence=Evidence(text="三、下一步打算", span=Span(start=0, end=10_000)))],
    )
    s = score_report(rec, GOLD3, TEXT)
    assert s.counts.evidence_total == 5
    assert s.counts.evidence_grounded == 3
    assert s.metrics.grounding_rate == pytest.approx(0.6)


# --------------------------------------------------------------------------- schema validity


def test_schema_validity_counts_valid_records() -> None:
    good = record([problem("二.1", "营商环境不够优化")]).model_dump(mode="json")
    extra = dict(good, surprise=1)  # unknown field: the contract forbids it
    bad_span = record([problem("二.1", "营商环境不够优化")]).model_dump(mode="json")
    bad_span["problems"][0]["evidence"]["span"] = {"start": 5, "end": 2}
    as_json = record([]).model_dump_json()
    v = schema_validity([good, extra, bad_span, as_json])
    assert (v.total, v.valid) == (4, 2)
    assert v.rate == pytest.approx(0.5)
    assert len(v.errors) == 2


# --------------------------------------------------------------------------- metadata


def test_meta_accuracy_only_over_fields_present_in_gold() -> None:
    meta = GoldMeta(
        title="某某通报",
        publisher="中共某区委",
        inspected_unit="某区",
        inspection_team="省委第一巡视组",
        inspection_round="",  # absent in gold: not scored
        inspection_start=dt.date(2021, 4, 29),
        feedback_date=dt.date(2021, 8, 6),
    )
    pred_meta = ReportMeta(
        title=" 某某通报 ",  # blanks are ignored
        publisher="中共某区委员会",  # wrong
        inspected_unit="某区",
        inspection_team="省委第一巡视组",
        inspection_round="十一届省委第六轮",
        inspection_period=DateRange(start=dt.date(2021, 4, 29), end=dt.date(2021, 6, 28)),
        feedback_date=dt.date(2020, 8, 6),  # wrong year
    )
    s = score_report(record([], report=pred_meta), gold([], meta), TEXT)
    scored = {"title", "publisher", "inspected_unit", "inspection_team", "inspection_start", "feedback_date"}
    assert set(s.meta) == scored
    assert s.meta["publisher"] is False and s.meta["feedback_date"] is False
    assert s.metrics.meta_accuracy == pytest.approx(4 / 6)


# --------------------------------------------------------------------------- aggregation


def test_aggregate_micro_and_macro() -> None:
    a = score_report(record([problem("二.1", "营商环境不够优化")]), GOLD3, TEXT)  # P=1, R=1/3
    pred_b = [problem("二.1", "营商环境不够优化"), problem("二.1.(1)", "服务意识比较淡薄"), problem("九.9", "无关")]
    b = score_report(record(pred_b), GOLD3, TEXT)  # P=2/3, R=2/3
    suite = aggregate([a, b], schema_validity([record([]).model_dump(mode="json"), {"bad": 1}]))
    assert suite.reports == 2
    assert suite.counts.matched_problems == 3
    assert suite.micro.problem_precision == pytest.approx(3 / 4)
    assert suite.micro.problem_recall == pytest.approx(3 / 6)
    assert suite.micro.problem_f1 == pytest.approx(2 * 0.75 * 0.5 / 1.25)
    assert suite.macro.problem_precision == pytest.approx((1 + 2 / 3) / 2)
    assert suite.macro.problem_recall == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert suite.status_confusion == {"not_stated": {"not_stated": 2}, "completed": {"not_stated": 1}}
    assert suite.schema_valid_rate == pytest.approx(0.5)
    # Undefined per-report rates (no matched problems → no status accuracy) are left out of the macro mean.
    c = score_report(record([]), GOLD3, TEXT)
    assert aggregate([b, c]).macro.status_accuracy == pytest.approx(b.metrics.status_accuracy)


def test_counts_add() -> None:
    assert (Counts(gold_problems=2, meta_correct=1) + Counts(gold_problems=3)).gold_problems == 5


def test_perfect_prediction_scores_one() -> None:
    """A record built straight from the gold must score 1 everywhere it is defined."""
    preds = []
    for g in GOLD3.problems:
        preds.append(
            problem(
                g.path,
                g.title,
                status=g.status,
                status_evidence=ev(g.status_quote) if g.status_quote else None,
                measures=[Measure(text=m.quote, evidence=ev(m.quote)) for m in g.measures],
                figures=[Figure(value=f.value, unit=f.unit, evidence=ev(f.quote)) for f in g.figures],
            )
        )
    s = score_report(record(preds), GOLD3, TEXT)
    m = s.metrics
    values = [m.problem_f1, m.status_accuracy, m.measure_recall, m.figure_precision, m.figure_recall, m.grounding_rate]
    assert values == [1.0] * 6
    assert not s.warnings


# --------------------------------------------------------------------------- the gold files


GOLD_FILES = sorted(GOLD.glob("*.json"))
OURS = ["000_b84e28186fa3600f.json", "001_5032cd9a5b37af7f.json"]


def _all_quotes(g: GoldReport) -> list[tuple[str, str]]:
    out = [("meta.title", g.meta.title)]
    out += [("declared_total", f.quote) for f in g.declared_totals]
    out += [("leads_petitions", f.quote) for f in g.leads_petitions]
    out += [("next_step", s) for s in g.next_steps]
    for p in g.problems:
        out.append((f"{p.path} title", p.title))
        if p.status_quote:
            out.append((f"{p.path} status", p.status_quote))
        out += [(f"{p.path} measure", m.quote) for m in p.measures]
        out += [(f"{p.path} figure", f.quote) for f in p.figures]
    return out


@pytest.mark.parametrize("name", OURS)
def test_our_gold_files_exist(name: str) -> None:
    assert (GOLD / name).is_file()


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_file_is_consistent_with_its_seed(path: Path) -> None:
    g = GoldReport.model_validate_json(path.read_text(encoding="utf-8"))
    assert g.source == path.stem + ".txt"
    seed = SEEDS / g.source
    if not seed.is_file():
        pytest.skip(f"seed {seed} not available")
    text = gold_normalise(seed.read_text(encoding="utf-8"))

    missing = [(where, q) for where, q in _all_quotes(g) if q not in text or "\n" in q]
    assert not missing, missing

    paths = [p.path for p in g.problems]
    assert len(paths) == len(set(paths)), "problem paths must be unique"
    assert all(normalise_path(p) == p for p in paths), "paths must already be in canonical form"
    assert all(p.parent in set(paths) for p in g.problems if p.parent), "every parent must be a gold problem"

    measures = [m.quote for p in g.problems for m in p.measures]
    assert all(10 <= len(q) <= 40 for q in measures)
    assert all(text.count(q) == 1 for q in measures), "measure quotes must be unique in the report"
    assert len(measures) == len(set(measures))
    assert all(10 <= len(s) <= 40 and text.count(s) == 1 for s in g.next_steps)

    for p in g.problems:
        assert (p.status == Status.not_stated) == (p.status_quote is None), p.path
        assert p.status_quote is None or len(p.status_quote) <= 80, p.path
        for f in [*p.figures, *g.declared_totals, *g.leads_petitions]:
            assert f.value in f.quote, (p.path, f)


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_scores_perfectly_against_itself(path: Path) -> None:
    """Turning a gold file into a prediction must give 1.0: catches scorer/gold mismatches."""
    g = GoldReport.model_validate_json(path.read_text(encoding="utf-8"))
    seed = SEEDS / g.source
    if not seed.is_file():
        pytest.skip(f"seed {seed} not available")
    text = gold_normalise(seed.read_text(encoding="utf-8"))

    def e(q: str) -> Evidence:
        return ev(q, text)

    preds = [
        Problem(
            path=p.path,
            title=p.title,
            evidence=e(p.title),
            status=p.status,
            status_evidence=e(p.status_quote) if p.status_quote else None,
            measures=[Measure(text=m.quote, evidence=e(m.quote)) for m in p.measures],
            figures=[Figure(value=f.value, unit=f.unit, evidence=e(f.quote)) for f in p.figures],
        )
        for p in g.problems
    ]
    meta = g.meta
    rec = record(
        preds,
        report=ReportMeta(
            **meta.model_dump(exclude={"inspection_start", "inspection_end"}, exclude_none=True),
            inspection_period=DateRange(start=meta.inspection_start, end=meta.inspection_end),
        ),
    )
    s = score_report(rec, g, text)
    m = s.metrics
    assert (m.problem_f1, m.status_accuracy, m.measure_recall, m.figure_recall) == (1.0, 1.0, 1.0, 1.0)
    assert m.figure_precision == 1.0 and m.grounding_rate == 1.0 and m.meta_accuracy == 1.0
    assert not s.warnings


def test_gold_000_structure() -> None:
    """Spot checks on 000 that encode reading decisions (continuous (n) numbering, parents)."""
    g = GoldReport.model_validate_json((GOLD / OURS[0]).read_text(encoding="utf-8"))
    children = [p for p in g.problems if p.parent]
    assert len(children) == 40 and len(g.problems) == 51
    nums = [int(re.search(r"\((\d+)\)$", p.path).group(1)) for p in children]  # type: ignore[union-attr]
    assert nums == list(range(1, 41))
    assert next(p for p in g.problems if p.path == "二.(二).2.(21)").status == Status.completed


def test_gold_001_structure() -> None:
    g = GoldReport.model_validate_json((GOLD / OURS[1]).read_text(encoding="utf-8"))
    assert [p.path for p in g.problems][:2] == ["二.(一).1", "二.(一).2"]
    assert len(g.problems) == 12 and all(p.parent is None for p in g.problems)
    assert g.meta.feedback_date == dt.date(2021, 8, 6)
