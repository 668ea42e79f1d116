"""The eval suite's metrics beyond the scorer, on hand-made cases with known answers:
spread over reports, per-field and per-status scores, call accounting, worst misses, the gate."""

from __future__ import annotations

import pytest

from zhenggai.evals.accounting import CallCost, account, price_usd
from zhenggai.evals.gate import GateError, check
from zhenggai.evals.gold_schema import GoldMeta, GoldProblem, GoldReport
from zhenggai.evals.misses import Miss, find_misses, worst
from zhenggai.evals.runner import EvalSuite, ReportRun, VariantRun
from zhenggai.evals.scorer import Counts, Metrics, ReportScore, aggregate, score_report, status_classes
from zhenggai.llm.cache import CallRecord, ResponseCache
from zhenggai.llm.client import CallUsage
from zhenggai.schemas.record import Evidence, Problem, Provenance, ReportMeta, Span, Status, SummaryRecord

TEXT = "一、问题\n1.学习不深入。已完成整改。\n2.制度不健全。正在推进。\n3.台账不规范。"


def ev(quote: str) -> Evidence:
    i = TEXT.index(quote)
    return Evidence(text=quote, span=Span(start=i, end=i + len(quote)))


def report_score(source: str, **metrics: float | None) -> ReportScore:
    return ReportScore(source=source, counts=Counts(), metrics=Metrics(**metrics))


# --------------------------------------------------------------------------- spread and per-field


def test_sd_is_the_population_spread_of_per_report_rates() -> None:
    scores = [report_score("a", status_accuracy=0.5), report_score("b", status_accuracy=1.0)]
    suite = aggregate(scores)
    assert suite.macro.status_accuracy == pytest.approx(0.75)
    assert suite.sd.status_accuracy == pytest.approx(0.25)
    assert suite.sd.problem_f1 is None  # no report defines it


def test_sd_of_identical_reports_is_zero() -> None:
    suite = aggregate([report_score("a", problem_f1=0.8)] * 3)
    assert suite.sd.problem_f1 == pytest.approx(0.0)


def test_meta_fields_are_scored_one_by_one() -> None:
    a = report_score("a")
    a.meta = {"title": True, "publisher": False}
    b = report_score("b")
    b.meta = {"title": True, "publisher": True, "signature_date": False}
    suite = aggregate([a, b])
    assert suite.meta_fields == {"title": 1.0, "publisher": 0.5, "signature_date": 0.0}


def test_status_classes_from_a_confusion_matrix() -> None:
    confusion = {"completed": {"completed": 3, "not_stated": 1}, "in_progress": {"completed": 1, "in_progress": 2}}
    classes = status_classes(confusion)
    done = classes["completed"]
    assert (done.gold, done.predicted, done.correct) == (4, 4, 3)
    assert done.precision == pytest.approx(0.75) and done.recall == pytest.approx(0.75)
    ongoing = classes["in_progress"]
    assert ongoing.precision == pytest.approx(1.0) and ongoing.recall == pytest.approx(2 / 3)
    assert ongoing.f1 == pytest.approx(0.8)
    unread = classes["not_stated"]  # predicted once, never gold
    assert unread.gold == 0 and unread.recall is None and unread.precision == 0.0


# --------------------------------------------------------------------------- call accounting


def _log(cache: ResponseCache, key: str, *rows: tuple[int, int, float, str | None], hit: bool = False) -> None:
    for k, (pt, ct, s, err) in enumerate(rows, start=1):
        cache.log(
            CallRecord(
                cache_key=key,
                prompt_tokens=pt,
                completion_tokens=ct,
                latency_s=s,
                attempt=k,
                error=err,
                cache_hit=hit,
            )
        )


def test_a_cache_hit_is_charged_what_it_cost_when_computed(tmp_path) -> None:
    cache = ResponseCache(tmp_path / "r.sqlite")
    # key A: computed once with one validation failure then success; later recomputed cleanly
    _log(cache, "A", (100, 50, 2.0, "validation: bad"), (120, 40, 3.0, None))
    _log(cache, "A", (0, 0, 0.01, None), hit=True)  # a hit row never counts
    _log(cache, "A", (90, 30, 1.5, "TimeoutError: slow"), (90, 30, 1.0, None))
    computed = cache.computed_cost("A")
    assert computed is not None
    assert (computed.prompt_tokens, computed.completion_tokens) == (180, 60)
    assert computed.model_seconds == pytest.approx(2.5)
    assert (computed.requests, computed.validation_failures, computed.transient_retries) == (2, 0, 1)
    assert cache.computed_cost("nowhere") is None

    usages = [
        CallUsage(model="local/qwen2.5-coder-0.5b", prompt_id="p", prompt_version="v1", cache_hits=1, cache_key="A"),
        CallUsage(
            model="local/qwen2.5-coder-0.5b",
            prompt_id="p",
            prompt_version="v1",
            prompt_tokens=10,
            completion_tokens=5,
            latency_s=9.0,  # mostly waiting for a model slot: not model time
            model_seconds=0.5,
            requests=3,
            validation_failures=2,
        ),
        CallUsage(model="local/qwen2.5-coder-0.5b", prompt_id="p", prompt_version="v1", cache_hits=1, cache_key="B"),
    ]
    cost = account(usages, cache, "local/qwen2.5-coder-0.5b")
    assert (cost.calls, cost.cache_hits, cost.unaccounted) == (3, 2, 1)
    assert (cost.prompt_tokens, cost.completion_tokens) == (190, 65)
    assert cost.model_seconds == pytest.approx(3.0)
    assert (cost.requests, cost.resends, cost.validation_failures, cost.transient_retries) == (5, 3, 2, 1)
    assert cost.usd == 0.0
    per_call = cost.per_call  # over the two calls whose cost is known
    assert per_call["resends"] == pytest.approx(1.5) and per_call["seconds"] == pytest.approx(1.5)
    cache.close()


def test_costs_add_and_unknown_prices_stay_unknown() -> None:
    a = CallCost(calls=1, prompt_tokens=10, usd=0.5)
    b = CallCost(calls=2, prompt_tokens=5, usd=0.25)
    assert (a + b).calls == 3 and (a + b).usd == pytest.approx(0.75)
    assert (a + CallCost(usd=None)).usd is None


def test_prices_come_from_litellms_table() -> None:
    assert price_usd("local/qwen2.5-coder-1.5b", 10_000, 10_000) == 0.0
    hosted = price_usd("deepseek/deepseek-chat", 1_000_000, 0)
    assert hosted is not None and hosted > 0
    assert price_usd("deepseek/deepseek-chat", 2_000_000, 0) == pytest.approx(2 * hosted)
    assert price_usd("nobody/no-such-model-xyz", 10, 10) is None


# --------------------------------------------------------------------------- worst misses


def _case() -> tuple[SummaryRecord, GoldReport]:
    problems = [
        Problem(
            path="一.1",
            title="学习不深入",
            evidence=ev("学习不深入"),
            status=Status.in_progress,
            status_evidence=ev("正在推进"),
        ),
        Problem(path="一.2", title="制度不健全", evidence=ev("制度不健全"), status=Status.in_progress),
        Problem(path="一.9", title="台账不规范", evidence=ev("台账不规范"), status=Status.not_stated),
    ]
    record = SummaryRecord(report=ReportMeta(), problems=problems, provenance=Provenance(tool_version="t"))
    gold = GoldReport(
        source="777_test.txt",
        meta=GoldMeta(title="t", publisher="p", inspected_unit="u", inspection_team="x"),
        problems=[
            GoldProblem(path="一.1", title="学习不深入", status=Status.completed, status_quote="已完成整改。"),
            GoldProblem(path="一.2", title="制度不健全", status=Status.in_progress),
            GoldProblem(path="一.3", title="作风不扎实", status=Status.not_stated),
            GoldProblem(path="一.4", title="台账不规范", status=Status.completed, status_quote="已完成整改。"),
        ],
    )
    return record, gold


def test_misses_put_missed_first_and_show_both_sentences() -> None:
    record, gold = _case()
    score = score_report(record, gold, TEXT)
    misses = find_misses(record, gold, score)
    kinds = [(m.kind, m.path) for m in misses]
    # 一.3 was never found; 一.1 a confident wrong status; 一.4 (matched by title to 一.9) left unread
    assert kinds == [("missed", "一.3"), ("status", "一.1"), ("status", "一.4")]
    wrong = misses[1]
    assert (wrong.gold_status, wrong.pred_status) == ("completed", "in_progress")
    assert wrong.model_sentence == "正在推进" and wrong.gold_sentence == "已完成整改。"
    assert misses[1].severity > misses[2].severity


def test_an_invented_problem_is_a_miss() -> None:
    record, gold = _case()
    record.problems.append(Problem(path="一.7", title="凭空捏造的问题", evidence=ev("一、问题")))
    score = score_report(record, gold, TEXT)
    invented = [m for m in find_misses(record, gold, score) if m.kind == "invented"]
    assert [(m.path, m.model_sentence) for m in invented] == [("一.7", "一、问题")]


def test_worst_takes_the_most_severe_round_robin_over_reports() -> None:
    def miss(report: str, severity: int, path: str) -> Miss:
        return Miss(report=report, kind="status", severity=severity, path=path, title=path)

    misses = [miss("a", 1, "a1"), miss("a", 3, "a3"), miss("a", 3, "a3b"), miss("b", 3, "b3"), miss("b", 1, "b1")]
    assert [m.path for m in worst(misses, 4)] == ["a3", "b3", "a3b", "a1"]
    assert worst(misses, 0) == []


# --------------------------------------------------------------------------- the gate


def _suite(reports: list[str], **micro: float) -> EvalSuite:
    run = VariantRun(
        model="local/qwen2.5-coder-0.5b",
        prompt_version="v1",
        suite=aggregate([]).model_copy(update={"micro": Metrics(**micro)}),
        reports=[ReportRun(stem=r, score=report_score(r), cost=CallCost()) for r in reports],
    )
    return EvalSuite(created_at="now", tool_version="t", reports_dir=".", reports=reports, variants=[run])


def test_rule_share_counts_statuses_the_rules_filled_in() -> None:
    from zhenggai.evals.report_md import rule_share

    suite = _suite(["001", "002"], status_accuracy=0.9)
    run = suite.variants[0]
    run.reports[0].score.counts.matched_problems = 10
    run.reports[0].warnings = {"status_from_rule": 3, "kind_overruled": 5}
    run.reports[1].score.counts.matched_problems = 30
    run.reports[1].warnings = {"status_from_rule": 1}
    assert rule_share(run) == pytest.approx(4 / 40)


def test_gate_passes_within_the_margin_and_fails_beyond_it() -> None:
    base = _suite(["001"], problem_f1=1.0, status_accuracy=0.90)
    assert check(_suite(["001"], problem_f1=1.0, status_accuracy=0.89), base, margin=0.02).passed
    result = check(_suite(["001"], problem_f1=0.95, status_accuracy=0.93), base, margin=0.02)
    assert not result.passed
    assert [(r.metric, r.baseline, r.current) for r in result.regressions] == [("problem_f1", 1.0, 0.95)]
    assert result.improvements == ["v1 · qwen2.5-coder-0.5b: status_accuracy 0.900 → 0.930"]
    # a metric that vanished is a regression too
    gone = check(_suite(["001"], problem_f1=None, status_accuracy=0.9), base)
    assert [r.metric for r in gone.regressions] == ["problem_f1"]


def test_gate_refuses_what_it_cannot_compare() -> None:
    base = _suite(["001"], problem_f1=1.0)
    with pytest.raises(GateError, match="reports"):
        check(_suite(["001", "002"], problem_f1=1.0), base)
    other = _suite(["001"], problem_f1=1.0)
    other.variants[0].prompt_version = "v2"
    with pytest.raises(GateError, match="did not evaluate"):
        check(other, base)
