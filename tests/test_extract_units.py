"""The deterministic half of extraction: units, priors, titles, figures, metadata on real reports."""

from __future__ import annotations

import json

import pytest
from _paths import REPO, SEED_FILES, seed

from zhenggai.extract.figures import find_figures
from zhenggai.extract.metadata import leads, next_steps, overview, report_meta
from zhenggai.extract.sentences import split_sentences
from zhenggai.extract.units import build_units, clean_title
from zhenggai.schemas.record import Span
from zhenggai.structure.reader import read_report

GOLD = REPO / "evals" / "gold"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_units_left_to_the_model_are_the_gold_problems(path):
    """Areas and measure groups are settled by structure; what remains is what a reader calls a problem."""
    doc, outline = read_report(path)
    units = build_units(doc.text, outline)
    gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))
    open_units = {u.path for u in units if not u.prior}
    assert open_units == {p["path"] for p in gold["problems"]}
    for u in units:
        assert doc.text[u.title_span.start : u.title_span.end] == u.title
        for c in u.candidates:
            assert doc.text[c.span.start : c.span.end] == c.text


def test_measure_groups_under_a_n_aspects_problem():
    doc, outline = read_report(seed("001"))
    units = {u.path: u for u in build_units(doc.text, outline)}
    assert units["二.(一)"].prior == "area"
    assert units["二.(一).2"].prior == ""
    assert units["二.(一).2.(1)"].prior == "measure"
    assert units["二.(一).2"].title == "贯彻“三新发展理念”不到位"


def test_an_area_that_says_fangmian_does_not_turn_its_problems_into_measures():
    doc, outline = read_report(REPO / "examples" / "wangchuan_district_2022.html")
    units = {u.path: u for u in build_units(doc.text, outline)}
    assert units["二.(二)"].prior == "area"  # (二)关于全面从严治党方面
    assert units["二.(二).3"].prior == "" and units["二.(二).4"].prior == ""
    # 3. 针对…问题,区委从以下方面抓好整改: its (1)(2)(2) are measure groups
    assert [u.prior for p, u in units.items() if p.startswith("二.(二).3.")] == ["measure", "measure"]


def test_unnumbered_problems_are_numbered_across_their_area():
    doc, outline = read_report(seed("004"))
    units = {u.path: u for u in build_units(doc.text, outline)}
    first = units["二.(一).#1"]
    assert first.title == "与滨海新区在重点领域合作方面的协同机制不完善"
    assert first.parent_path == "二.(一)"
    assert units["二.(十).#1"].title == "针对该问题"
    assert units["二.(十三).31"].title.startswith("驻京招商服务中心前沿阵地作用发挥不充分")


@pytest.mark.parametrize(
    ("title", "clean"),
    [
        ("关于“经略海洋缺少系统谋划,用心用力不够”问题", "经略海洋缺少系统谋划,用心用力不够"),
        ("针对“海洋高端装备制造业集群效应不明显”的问题", "海洋高端装备制造业集群效应不明显"),
        ("对推动产城融合用力不足问题,着重从三个方面抓好整改", "推动产城融合用力不足"),
        ("针对绿色生态屏障建设进展缓慢问题,进行了以下整改", "绿色生态屏障建设进展缓慢"),
        ("传统产业转型升级慢“体大块重”", "传统产业转型升级慢“体大块重”"),
    ],
)
def test_clean_title_strips_the_wrapper_keeping_the_span(title, clean):
    text = "xx" + title + "。"
    got, span = clean_title(text, Span(start=2, end=2 + len(title)))
    assert got == clean and text[span.start : span.end] == clean


def test_figures_are_numbers_with_units_not_dates():
    text = "2020年3月,问责干部5人,整改问题56个,完成率100%,2.3万余处,办理时限3.46次,第3版。"
    got = [(f.value, f.unit) for f in find_figures(text, 0, len(text))]
    assert got == [("5", "人"), ("56", "个"), ("100", "%"), ("2.3", "万处"), ("3.46", "次")]
    for f in find_figures(text, 0, len(text)):
        assert text[f.evidence.span.start : f.evidence.span.end] == f.evidence.text


def test_sentences_keep_quotes_whole():
    text = "一是推行“一窗受理。全程代办”。二是建立制度;三是落实。"
    assert [s.text for s in split_sentences(text, 0, len(text))] == [
        "一是推行“一窗受理。全程代办”。",
        "二是建立制度;",
        "三是落实。",
    ]


def test_metadata_of_the_seeds():
    doc, outline = read_report(seed("000"))
    meta = report_meta(doc, outline)
    assert (meta.inspection_team, meta.inspection_round) == ("省委第十五巡视组", "十一届省委第六轮")
    assert str(meta.inspection_period.start) == "2019-10-17" and str(meta.feedback_date) == "2020-03-23"
    assert (str(meta.publication_date), str(meta.signature_date)) == ("2020-08-03", "2020-07-31")
    lp = leads(doc, outline)
    assert "已全部办结" in lp.text and [f.value for f in lp.figures] == ["100"]
    assert len(next_steps(doc, outline)) == 4
    doc, outline = read_report(seed("004"))
    meta = report_meta(doc, outline)
    assert meta.inspection_team == "市委巡视六组" and str(meta.feedback_date) == "2021-07-26"
    totals = {(t.kind.value, t.label, t.value) for t in overview(doc, outline).declared_totals}
    assert ("problems", "具体问题", "30") in totals and ("completed", "具体问题已全部完成", "30") in totals
    # the 举一反三 items' counts speak of those items, not of the report's problems
    assert ("tasks", "已完成整改", "56") in totals and ("tasks", "基本完成", "3") in totals


def test_a_repeated_label_keeps_each_child_with_the_heading_it_follows():
    from zhenggai.extract.judge import Judged, default_kind
    from zhenggai.extract.merge import merge_units
    from zhenggai.ingest.document import load_text
    from zhenggai.structure.outline import parse_outline

    text = (
        "二、整改落实情况\n(一)关于甲方面问题\n"
        "1.对审批环节多问题,着重从两个方面抓好整改。\n(1)精简事项。一是措施甲。二是措施乙。\n(2)推行代办。\n"
        "1.对监督不到位问题,着重从两个方面抓好整改。\n(1)健全台账。一是措施丙。二是措施丁。\n(2)强化督查。"
    )
    doc = load_text(text)
    units = build_units(doc.text, parse_outline(doc.text))
    judged = [Judged(unit=u, kind=default_kind(u)) for u in units]
    roots = merge_units(doc.text, judged)
    got = [(p.path, p.title, [m.text for m in p.measures]) for p in roots]
    assert got == [
        ("二.(一).1", "审批环节多", ["精简事项", "一是措施甲", "二是措施乙", "推行代办"]),
        ("二.(一).1", "监督不到位", ["健全台账", "一是措施丙", "二是措施丁", "强化督查"]),
    ]


def test_a_total_covers_the_items_it_counts():
    """004 says 30个具体问题已全部完成整改: its items 1.-30. (the 具体问题), not the 举一反三 paragraphs
    nor the items 31.-70. numbered on after them; 001's 12类具体问题均取得阶段性成效 covers its 12."""
    doc, outline = read_report(seed("004"))
    units = build_units(doc.text, outline)
    covered = {u.path for u in units if any(t.source == "cover" for t in u.told)}
    assert len(covered) == 30 and all(p.split(".")[-1].isdigit() and int(p.split(".")[-1]) <= 30 for p in covered)
    doc, outline = read_report(seed("001"))
    told = [t for u in build_units(doc.text, outline) for t in u.told if t.source == "cover"]
    assert len(told) == 12 and {(t.status.value, t.scope.value) for t in told} == {("partly_completed", "report")}
