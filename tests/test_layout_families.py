"""Layout families beyond the seeds, on short fictional reports (tests/fixtures/layouts): the tree,
what each heading is, and the status the text tells, read without a model."""

from __future__ import annotations

from _paths import REPO

from zhenggai.evals.scorer import flatten_problems
from zhenggai.extract.judge import unjudged
from zhenggai.extract.merge import merge_units
from zhenggai.extract.units import build_units
from zhenggai.schemas.record import SectionRole
from zhenggai.structure.reader import read_report
from zhenggai.structure.signals import (
    clause_status,
    covers_all_done,
    head_status,
    is_organisation_heading,
    status_group,
)

FIXTURES = REPO / "tests" / "fixtures" / "layouts"


def _read(name: str):
    doc, outline = read_report(FIXTURES / name)
    units = build_units(doc.text, outline)
    problems = flatten_problems(merge_units(doc.text, [unjudged(u) for u in units]))
    return doc, outline, units, {p.path: p for p in problems}


def test_top_level_problems_and_a_report_wide_sentence():
    doc, outline, _units, problems = _read("top_level_guanyu.txt")
    assert [s.role for s in outline.sections] == [SectionRole.details] * 3 + [
        SectionRole.leads_petitions,
        SectionRole.next_steps,
    ]
    assert list(problems) == ["一", "二", "三"]  # the leads section is not a problem
    assert problems["一"].title == "县域产业发展后劲不足"  # ASCII quotes, 的整改情况 stripped
    # its own sentence decides; the others take the report's sentence, which says so
    assert (problems["二"].status.value, problems["二"].status_scope.value) == ("basically_completed", "own")
    assert problems["三"].status.value == "completed" and problems["三"].status_scope.value == "report"
    assert problems["三"].status_evidence.text == "截至9月底,反馈的3个问题已全部完成整改。"
    for p in problems.values():
        assert doc.text[p.evidence.span.start : p.evidence.span.end] == p.evidence.text


def test_wenti_labels_fields_and_status_lines():
    _doc, outline, units, problems = _read("wenti_fields.txt")
    assert outline.sections[0].role == SectionRole.overview  # 一、组织整改落实情况
    assert list(problems) == ["二.(一).问题1", "二.(一).反馈问题二", "二.(二).问题3"]
    kinds = {u.path: u.prior for u in units}
    assert kinds["二.(一)"] == "area"
    assert kinds["二.(一).问题1.1"] == kinds["二.(一).问题1.2"] == "measure"  # 整改措施: 1. 2.
    first = problems["二.(一).问题1"]
    assert (first.status.value, first.status_evidence.text) == ("completed", "整改结果:已整改完成。")
    assert [m.text for m in first.measures] == [
        "修订中心组学习制度,明确每月学习1次",
        "建立学习档案,对学习不到位的进行提醒",
    ]
    second = problems["二.(一).反馈问题二"]
    assert second.status.value == "in_progress"  # the first words of its 整改情况:
    third = problems["二.(二).问题3"]
    assert third.status.value == "completed" and third.status_evidence.text == "完成情况:已完成"
    # a field label is never a measure, nor who is responsible or by when
    texts = [m.evidence.text for p in problems.values() for m in p.measures]
    assert not any(t.startswith(("整改", "完成情况", "责任单位")) for t in texts)
    assert all(not t.startswith("2023年12月") for t in texts)


def test_status_group_headings_cover_their_problems():
    _doc, outline, units, problems = _read("status_groups.txt")
    assert [s.role for s in outline.sections][1:3] == [SectionRole.details, SectionRole.details]
    assert {u.path: u.prior for u in units}["二"] == "group"
    assert {p: (x.status.value, x.status_scope.value) for p, x in problems.items()} == {
        "二.1": ("completed", "group"),
        "二.2": ("completed", "group"),
        "三.3": ("in_progress", "group"),
    }
    assert problems["二.1"].measures[0].text.startswith("清理退出非主业投资项目3个")


def test_unnumbered_paragraphs_and_organisation_lookalikes():
    _doc, outline, _units, problems = _read("unnumbered_and_lookalike.txt")
    # 一、提高政治站位… with (一)解决…的问题 items is organisation work
    assert outline.sections[0].role == SectionRole.overview
    assert set(problems) == {"二.(一).#1", "二.(一).#2", "二.(二).#1", "二.(二).1"}
    assert problems["二.(一).#1"].title == "理论学习不够深入,“第一议题”制度落实不严格"
    assert problems["二.(一).#1"].status.value == "completed"
    assert problems["二.(二).#1"].title == "社区集体资产管理不规范"
    assert [m.text[:6] for m in problems["二.(二).#1"].measures] == ["一是清查社区", "二是制定资产"]
    # the earlier round's 1-2 / 1-3 inside the text are part of the problem, not problems
    assert [m.text[:8] for m in problems["二.(二).1"].measures] == ["一是对1-2问题", "二是对1-3问题"]


def test_signals_read_the_genre_words():
    assert status_group("集中整改期内已完成(含基本完成)的整改事项").value == "completed"
    assert status_group("基本完成整改的问题").value == "basically_completed"
    assert status_group("正在推进、需长期坚持的问题").value == "in_progress"
    assert status_group("巡察反馈问题整改落实情况") is None
    assert is_organisation_heading("党组及主要负责人组织整改落实情况")
    assert not is_organisation_heading("落实全面从严治党主体责任方面")
    assert not is_organisation_heading("关于“党组履行主体责任不到位”问题的整改情况")
    assert head_status("已完成整改。修订制度").value == "completed"
    assert head_status("已完成规划编制工作") is None  # one piece of work is not the problem
    assert covers_all_done("反馈的25个问题已全部完成整改") == (True, 25)
    assert covers_all_done("移交的2件立行立改事项已完成2件") == (True, 2)
    assert covers_all_done("18个具体问题已完成整改15个,其余3个正在推进")[0] is False
    assert covers_all_done("73条整改措施已落实68条")[0] is False
    assert covers_all_done("查摆同类问题17个,已全部整改到位")[0] is False  # a count of something else
    assert clause_status("流动党员全部纳入组织管理,已完成整改。").value == "completed"
    assert clause_status("已完成规划编制,正在报批") is None


def test_hostile_headings_stay_linear():
    import time

    from zhenggai.structure.outline import parse_outline

    text = (
        "二、整改情况\n(一)关于“"
        + ("关于“" * 3000)
        + "\n"
        + ("问题1:" * 2000)
        + "\n针对“"
        + ("已完成2件" * 2000)
        + "\n"
        + ("整改情况:已" * 3000)
        + "\n1 "
        + ("以上12个问题" * 2000)
    )
    started = time.perf_counter()
    build_units(text, parse_outline(text))
    assert time.perf_counter() - started < 5


def test_a_flattened_table_is_read_row_by_row():
    doc, outline = read_report(FIXTURES / "table_rows.txt")
    units = {u.path: u for u in build_units(doc.text, outline)}
    assert [p for p in units if p.startswith("二.")] == ["二.1", "二.2", "二.3", "二.4"]  # "3." wraps row 4
    problems = {p.path: p for p in flatten_problems(merge_units(doc.text, [unjudged(u) for u in units.values()]))}
    assert {p: x.status.value for p, x in problems.items()} == {
        "二.1": "completed",
        "二.2": "basically_completed",
        "二.3": "completed",
        "二.4": "long_term",
    }
    assert [m.text[:6] for m in problems["二.1"].measures] == ["1.修订学习", "2.开展专题", "3.建立学习"]
    assert problems["二.1"].status_evidence.text == "已完成"


def _read_text(text: str):
    from zhenggai.ingest.document import load_text
    from zhenggai.structure.outline import parse_outline

    doc = load_text(text)
    outline = parse_outline(doc.text)
    units = build_units(doc.text, outline)
    problems = flatten_problems(merge_units(doc.text, [unjudged(u) for u in units]))
    return outline, {p.path: p for p in problems}


def test_areas_numbered_at_the_top_are_all_details():
    """No 二、 wrapper: 一、…方面 问题一… 二、…方面 问题三…: the later areas are not next steps."""
    outline, problems = _read_text(
        "一、组织领导情况\n县委成立整改工作领导小组。\n"
        "一、政策落实方面\n问题一:监测帮扶机制落实不到位\n整改措施:\n1.开展集中排查,走访农户3200户。\n"
        "二、产业发展方面\n问题二:村级集体经济薄弱\n整改措施:\n1.扶持38个薄弱村发展光伏项目。\n2.选派干部驻村帮扶。\n"
        "三、下一步工作打算\n持续巩固整改成果。\n"
    )
    roles = [s.role for s in outline.sections]
    assert roles[1:] == [SectionRole.details, SectionRole.details, SectionRole.next_steps]
    # items under a 问题N label are its measures, even one naming what it remedies (薄弱村)
    assert [p for p in problems if "问题" in p] == ["一.问题一", "二.问题二"]
    assert len(problems["二.问题二"].measures) == 2


def test_measure_groups_announced_in_the_rest_of_the_heading_line():
    from zhenggai.ingest.document import load_text
    from zhenggai.structure.outline import parse_outline
    from zhenggai.structure.signals import whole_problem_status

    doc = load_text(
        "二、整改落实情况\n(一)关于生态保护方面\n"
        "1.自然保护地整合优化推进缓慢。局党组从三个方面抓好落实。\n"
        "(1)加快勘界定标。完成18个保护地勘界。\n(2)严格用途管控。清理问题点位32处。\n"
        "2.林长巡林流于形式。一是修订考核办法。二是开展暗访。\n目前已整改完成。\n"
    )
    priors = {u.path: u.prior for u in build_units(doc.text, parse_outline(doc.text))}
    assert priors == {
        "二.(一)": "area",
        "二.(一).1": "",  # left to the model
        "二.(一).1.(1)": "measure",  # 从三个方面 in the rest of its parent's line
        "二.(一).1.(2)": "measure",
        "二.(一).2": "",
    }
    # a sentence that is a status and nothing else speaks of the problem; one with an object does not
    assert whole_problem_status("目前已整改完成。").value == "completed"
    assert whole_problem_status("该问题整改工作正在推进。").value == "in_progress"
    assert whole_problem_status("目前已完成整改台账12本。") is None


def test_a_section_sentence_covers_its_unnumbered_problems():
    _outline, problems = _read_text(
        "二、整改落实情况\n"
        "针对“村务公开不及时”问题,镇党委督促各村每月公开村务,已公开事项126项。\n"
        "针对“集体资产台账不清”问题,组织清产核资,登记资产3200万元。\n"
        "针对“干部作风不实”问题,开展作风整顿。该问题已基本整改到位。\n"
        "上述3个问题已全部整改到位。\n"
    )
    statuses = {p: (v.status.value, v.status_scope.value) for p, v in problems.items()}
    assert statuses == {
        "二.#1": ("completed", "report"),  # the sentence covers every problem of the report
        "二.#2": ("completed", "report"),
        "二.#3": ("basically_completed", "own"),  # its own words win over the covering sentence
    }
