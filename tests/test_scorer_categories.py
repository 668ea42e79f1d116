"""Category and place/level scoring, each on a tiny hand-built case whose answer is known."""

from __future__ import annotations

import json

from _paths import REPO

from zhenggai.evals.gold_schema import GoldMeta, GoldPlace, GoldProblem, GoldReport
from zhenggai.evals.scorer import aggregate, category_hit, score_refusal, score_report
from zhenggai.schemas.record import (
    Evidence,
    Place,
    PlaceName,
    Problem,
    Provenance,
    ReportMeta,
    Span,
    Status,
    SummaryRecord,
    UnitLevel,
)
from zhenggai.schemas.taxonomy import load_taxonomy

TEXT = "中共青禾市芝兰区委\n1.营商环境不优\n2.干部使用不规范\n3.学习不深入"


def _ev(words: str) -> Evidence:
    i = TEXT.index(words)
    return Evidence(text=words, span=Span(start=i, end=i + len(words)))


def _problem(path: str, title: str, category: str, secondary: str = "") -> Problem:
    return Problem(path=path, title=title, evidence=_ev(title), category=category, category_secondary=secondary)


def _gold(place: GoldPlace | None) -> GoldReport:
    return GoldReport(
        source="x.txt",
        meta=GoldMeta(title="", publisher="", inspected_unit="", inspection_team=""),
        place=place,
        problems=[
            GoldProblem(path="1", title="营商环境不优", status=Status.not_stated, category="business_environment"),
            GoldProblem(
                path="2",
                title="干部使用不规范",
                status=Status.not_stated,
                category="cadres",
                category_secondary="work_style",
            ),
            GoldProblem(path="3", title="学习不深入", status=Status.not_stated),  # not annotated: not scored
        ],
    )


def _record(problems: list[Problem], place: Place, level: UnitLevel | None) -> SummaryRecord:
    return SummaryRecord(
        report=ReportMeta(place=place, level=level), problems=problems, provenance=Provenance(tool_version="t")
    )


def test_category_accuracy_counts_primary_and_either() -> None:
    problems = [
        _problem("1", "营商环境不优", "development", "business_environment"),  # only the secondary meets gold
        _problem("2", "干部使用不规范", "work_style"),  # the primary is gold's secondary
        _problem("3", "学习不深入", "other"),
    ]
    score = score_report(_record(problems, Place(), None), _gold(None), TEXT)
    assert (score.counts.category_scored, score.counts.category_correct, score.counts.category_either) == (2, 0, 2)
    assert score.metrics.category_accuracy == 0.0 and score.metrics.category_either_accuracy == 1.0
    assert score.metrics.place_accuracy is None  # no place annotated
    problems[1].category = "cadres"
    suite = aggregate([score_report(_record(problems, Place(), None), _gold(None), TEXT)])
    assert suite.micro.category_accuracy == 0.5
    assert suite.category_confusion == {"business_environment": {"development": 1}, "cadres": {"cadres": 1}}
    gold = GoldProblem(path="1", title="t", status=Status.not_stated, category="cadres")
    assert category_hit(gold, "", "") == (False, False)  # an uncategorized problem is wrong


def test_place_is_right_only_when_every_field_is() -> None:
    county = PlaceName(name="芝兰区", code="999901", evidence=_ev("芝兰区"))
    city = PlaceName(name="青禾市", code="9999", evidence=_ev("青禾市"))
    gold = _gold(GoldPlace(province="", city="青禾市", county="芝兰区", level=UnitLevel.county))
    right = score_report(_record([], Place(city=city, county=county), UnitLevel.county), gold, TEXT)
    assert right.place == {"province": True, "city": True, "county": True, "level": True}
    assert right.metrics.place_accuracy == 1.0
    wrong_level = score_report(_record([], Place(city=city, county=county), UnitLevel.city), gold, TEXT)
    assert wrong_level.metrics.place_accuracy == 0.0 and not wrong_level.place["level"]
    extra = PlaceName(name="某省", code="99", evidence=_ev("青禾市"), inferred=True)
    too_much = score_report(_record([], Place(province=extra, city=city, county=county), UnitLevel.county), gold, TEXT)
    assert not too_much.place["province"]  # gold says the text names no province: "" is scored too
    refused = score_refusal(gold, "not a report")
    assert refused.counts.place_reports == 1 and refused.counts.place_correct == 0
    suite = aggregate([right, wrong_level])
    assert suite.micro.place_accuracy == 0.5 and suite.place_fields["level"] == 0.5


def test_every_gold_category_is_a_taxonomy_id() -> None:
    ids = set(load_taxonomy().ids)
    gold_dir = REPO / "evals" / "gold"
    n = 0
    for sub in ("", "pages", "layouts", "holdout"):
        for f in (gold_dir / sub).glob("*.json"):
            gold = GoldReport.model_validate(json.loads(f.read_text(encoding="utf-8")))
            assert gold.place is not None or sub in ("layouts", "holdout"), f.name  # place: seeds and pages
            for p in gold.problems:
                assert p.category in ids and p.category_secondary in ids | {""}, (f.name, p.path)
                assert p.category_secondary != p.category
                n += 1
    assert n == 405  # every problem of the seeds (242), the pages (10), the layouts (118), the holdout (35)
