"""General rules found by the fifth blind page set (`evals/holdout_pages5`), each on a fictional
snippet of its own, not on the page that showed it."""

from __future__ import annotations

from test_generalise import HEAD, _meta, _record

from zhenggai.structure.numbering import match_label
from zhenggai.structure.signals import covering_status, head_status, whole_problem_status
from zhenggai.vocab.statuses import Status


def test_status_words_of_fields_closing_sentences_and_covering_sentences() -> None:
    fields = {
        "已落实。": "completed",
        "已落实到位": "completed",
        "整改完毕。": "completed",
        "已整改完毕,转入常态化监管。": "completed",
        "尚在推进,系统正在联调。": "in_progress",
        "尚在整改": "in_progress",
    }
    assert {w: getattr(head_status(w), "value", None) for w in fields} == fields
    for work in ("已落实资金300万元", "整改完毕后组织验收", "尚在推进的项目3个"):
        assert head_status(work) is None, work
    sentences = {
        "该问题已整改完毕。": "completed",
        "该问题整改完毕,转入常态化监管。": "completed",
        "此项已整改。": "completed",
        "此项已落实到位。": "completed",
        "此项尚在推进,新合同待村民代表会议表决。": "in_progress",
        "整改完毕。": "completed",
    }
    assert {s: getattr(whole_problem_status(s), "value", None) for s in sentences} == sentences
    # a sentence about other work that happens to say 整改 is not the problem's status
    assert whole_problem_status("此项已整改的台账共32本,均已归档。") is None
    assert covering_status("截至目前,反馈的12个问题已全部整改完毕。") == (Status.completed, 12)


def test_more_problem_labels() -> None:
    """第1项: and 问题1 followed by a space (an ideographic one, normalised) open problems."""
    assert match_label("第3项:公墓监管存在薄弱环节。") == ("ordinal", 3, "第3项", 4)
    assert match_label("问题2 工程项目全过程管控不严") == ("problem_label", 2, "问题2", 4)
    for prose in ("第12条规定,党组织应当", "问题2个,已整改", "第1项工作已完成", "第十条:公务接待应当"):
        assert match_label(prose) is None, prose


ONE_LINE_FIELDS = HEAD + (
    "1.问题:食堂采购询价不规范,部分食材价格高于市场价;措施:建立三方询价制度,每月公示采购价格;状态:已完成。\n"
    "2.问题:公务用车登记不全;措施:推行派车单电子化;状态:基本完成。\n"
    "3.问题:老旧办公楼改造滞后;措施:申请改造资金80万元;状态:未完成,因招标流标,计划明年3月前完工。\n"
)


async def test_problem_measure_and_status_fields_on_one_line(judge_llm, llm_fake_settings) -> None:
    """N.问题:…;措施:…;状态:… : the problem is the 问题 field's words, the status the 状态 field's."""
    record = await _record(ONE_LINE_FIELDS, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("二.1", "食堂采购询价不规范,部分食材价格高于市场价", "completed"),
        ("二.2", "公务用车登记不全", "basically_completed"),
        ("二.3", "老旧办公楼改造滞后", "not_completed"),
    ]
    assert record.problems[2].status_evidence is not None
    assert record.problems[2].status_evidence.text.startswith("状态:未完成")


PROGRESS_FIELD = HEAD + (
    "第1项:会议室使用登记不全,存在长期占用情况。\n"
    "整改措施:制定会议室预约管理办法,清理长期占用会议室2间。\n"
    "完成时限:2025年10月底\n"
    "目前进展:已落实。\n"
    "第2项:固定资产账实不符。\n"
    "整改措施:开展资产清查,核销报废资产47件。\n"
    "完成时限:2025年12月底\n"
    "目前进展:尚在推进,资产系统正在升级。\n"
)


async def test_numbered_items_with_a_progress_field(judge_llm, llm_fake_settings) -> None:
    """第N项: items; 完成时限 is a deadline, 目前进展 the status."""
    record = await _record(PROGRESS_FIELD, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("二.第1项", "会议室使用登记不全,存在长期占用情况", "completed"),
        ("二.第2项", "固定资产账实不符", "in_progress"),
    ]


FIELD_TRIPLES = HEAD + (
    "问题描述:档案室管理不规范,部分合同未及时归档。\n"
    "整改举措:补归档合同64份,建立归档台账。\n"
    "整改状态:已落实\n"
    "问题描述:车辆派遣记录不全。\n"
    "整改举措:推行派车单电子化管理。\n"
    "整改状态:尚在推进\n"
)


async def test_unnumbered_problem_field_triples(judge_llm, llm_fake_settings) -> None:
    """问题描述:/整改举措:/整改状态: with no number: each 问题描述 line opens a problem, #k."""
    record = await _record(FIELD_TRIPLES, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("二.#1", "档案室管理不规范,部分合同未及时归档", "completed"),
        ("二.#2", "车辆派遣记录不全", "in_progress"),
    ]


BARRED_TABLE = HEAD + (
    "| 序号 | 反馈问题 | 主要整改措施 | 整改状态 |\n"
    "|---|---|---|---|\n"
    "| 1 | 食堂采购询价不规范 | 建立三方询价制度,每月公示采购价格 | 已整改到位 |\n"
    "| 2 | 公务用车登记不全 | 推行派车单电子化 | 持续整改 |\n"
    "| 3 | 固定资产账实不符 | 开展资产清查,核销报废资产47件\n"
)


async def test_a_table_drawn_with_bars(judge_llm, llm_fake_settings) -> None:
    """| 1 | 问题 | 措施 | 状态 |: the rule row goes, each row is a problem, its last cell the status
    (a row cut off after its second cell too); every offset still maps back to the original."""
    from zhenggai.ingest.document import load_text

    doc = load_text(BARRED_TABLE)
    assert "|---" not in doc.text and "\n1\t\t\t食堂采购询价不规范\t" in doc.text
    s = doc.text.index("核销报废资产")
    a, b = doc.to_original(s, s + 6)
    assert BARRED_TABLE[a:b] == "核销报废资产"
    # a bar with a space on one side only: the bar and that space become tabs, the cell stays whole
    mixed = load_text("标题的通报\n| 序号 | 问题 | 整改措施 |\n| 1 | 甲问题不够 |做了工作 |\n")
    assert "\n1\t\t\t甲问题不够\t\t做了工作" in mixed.text
    s = mixed.text.index("做了工作")
    assert mixed.to_original(s, s + 4) == (mixed.original.index("做了工作"), mixed.original.index("做了工作") + 4)
    record = await _record(BARRED_TABLE, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("二.1", "食堂采购询价不规范", "completed"),
        ("二.2", "公务用车登记不全", "in_progress"),
        ("二.3", "固定资产账实不符", "not_stated"),
    ]


def test_metadata_in_a_two_column_table() -> None:
    """巡察对象|… / 进驻时间|… / 巡察结束|… rows; a title without 关于 names its publisher before 巡察整改;
    a month with its year written out restarts the year count (2025年10月 above 2025年5月至6月)."""
    text = (
        "青禾县人民医院党总支巡察整改进展情况公开\n"
        "(2025年10月)\n"
        "根据县委巡察工作安排,县委第二巡察组于2025年5月至6月对我院党总支开展了常规巡察,于7月17日反馈巡察意见。\n"
        "| 巡察组 | 县委第二巡察组 |\n"
        "| 巡察对象 | 青禾县人民医院党总支 |\n"
        "| 进驻时间 | 2025年5月6日 |\n"
        "| 巡察结束 | 2025年6月20日 |\n"
        "一、整改工作开展情况\n院党总支召开支委会研究整改工作。\n"
    )
    meta = _meta(text)
    assert meta.publisher == "青禾县人民医院党总支"
    assert meta.inspected_unit == "青禾县人民医院党总支"
    assert meta.feedback_date is not None and meta.feedback_date.isoformat() == "2025-07-17"
    assert meta.inspection_period is not None
    assert (meta.inspection_period.start.isoformat(), meta.inspection_period.end.isoformat()) == (
        "2025-05-06",
        "2025-06-20",
    )


async def test_an_area_heading_the_page_stops_after_is_no_problem(judge_llm, llm_fake_settings) -> None:
    """(一)关于党的领导弱化方面 and nothing under it (a page cut off there): an area, whatever its words."""
    record = await _record(HEAD + "(一)关于党的领导弱化方面\n", llm_fake_settings)
    assert record.problems == []


def test_a_line_of_many_bars_is_no_table_row() -> None:
    """Past a handful of cells a barred line is kept as written, not cut into a piece per bar."""
    from zhenggai.ingest.document import load_text

    row = "| 甲 " * 50 + "|"
    doc = load_text("标题的通报\n" + row + "\n正文。")
    assert row in doc.text


AREAS_AT_TOP = (
    "青禾县白沙村党支部关于县委巡察整改情况的公开\n"
    "2025年5月12日至6月6日,县委第一巡察组对我村党支部开展了巡察,6月25日反馈了巡察意见。\n"
    "一、村级组织建设方面\n"
    "(1)组织生活不经常,党员活动日流于形式。村党支部修订活动计划,每月固定开展主题党日。此项已整改。\n"
    "(2)党员发展工作不规范。补齐考察记录12份。此项已整改。\n"
    "二、集体“三资”管理方面\n"
    "(3)集体鱼塘承包租金偏低。重新评估承包经营权,变更合同。此项尚在推进。\n"
)


async def test_areas_numbered_at_the_top_are_all_details(judge_llm, llm_fake_settings) -> None:
    """一、…方面 二、…方面 with items under each and no part named: the second area is problems too,
    not the next steps its position after the first would make it."""
    from zhenggai.ingest.document import load_text
    from zhenggai.structure.outline import parse_outline

    outline = parse_outline(load_text(AREAS_AT_TOP).text)
    assert [s.role.value for s in outline.sections] == ["details", "details"]
    record = await _record(AREAS_AT_TOP, llm_fake_settings)
    assert [(p.path, p.status.value) for p in record.problems] == [
        ("一.(1)", "completed"),
        ("一.(2)", "completed"),
        ("二.(3)", "in_progress"),
    ]


ASPECTS = HEAD + (
    "(一)关于基层治理能力不足的问题\n"
    "巡察指出的问题具体表现为三个方面:\n"
    "一是网格员兼职过多。街道清理兼职事项9类。该项已整改完成。\n"
    "二是老旧小区物业管理缺位。引入物业企业托管小区9个。该项正在整改。\n"
    "三是信访积案化解不力。班子成员包案化解积案14件。\n"
)


async def test_aspects_announced_then_listed_are_problems(judge_llm, llm_fake_settings) -> None:
    """问题具体表现为三个方面: then 一是…/二是…/三是… lines, each stating a shortcoming: three problems."""
    record = await _record(ASPECTS, llm_fake_settings)
    leaves = [(p.path, p.title, p.status.value) for p in record.problems for p in [p, *p.children] if not p.children]
    assert leaves == [
        ("二.(一).一是", "网格员兼职过多", "completed"),
        ("二.(一).二是", "老旧小区物业管理缺位", "in_progress"),
        ("二.(一).三是", "信访积案化解不力", "not_stated"),
    ]
    # the same lines without the announcement are the work done on the one problem
    plain = await _record(ASPECTS.replace("巡察指出的问题具体表现为三个方面:\n", ""), llm_fake_settings)
    assert [p.path for p in plain.problems] == ["二.(一)"]


NAMED_AREA = (
    "青禾学院党委关于巡视整改进展情况的通报\n"
    "省委第九巡视组对学校党委开展了常规巡视,并反馈了巡视意见。\n"
    "一、关于落实立德树人根本任务方面\n"
    "(一)思政课程和课程思政协同不够\n"
    "1.关于“思政课教师数量不足”的问题。招聘思政课专职教师9名。整改完毕。\n"
    "2.关于“示范课程覆盖面窄”的问题。立项建设示范课程32门。整改完毕。\n"
)


async def test_under_a_named_area_a_shortcoming_heading_is_a_parent_problem(judge_llm, llm_fake_settings) -> None:
    record = await _record(NAMED_AREA, llm_fake_settings)
    assert [(p.path, [c.path for c in p.children]) for p in record.problems] == [
        ("一.(一)", ["一.(一).1", "一.(一).2"])
    ]
    assert [c.status.value for c in record.problems[0].children] == ["completed", "completed"]


def test_a_menu_between_bars_is_page_furniture_not_the_title() -> None:
    from zhenggai.ingest.document import load_text
    from zhenggai.structure.outline import parse_outline

    text = (
        "青禾政协网 | 首页 | 机关建设 | 通知公告\n"
        "中共青禾市政协机关党组关于巡察整改进展情况的通报\n"
        "按照市委统一部署,市委第一巡察组对市政协机关党组开展了常规巡察,并反馈了巡察意见。\n"
        "一、整改落实情况\n(一)机关财务报销审核不严。已整改到位。\n"
    )
    doc = load_text(text)
    outline = parse_outline(doc.text)
    assert [d.kind.value for d in outline.debris][:1] == ["page_menu"]
    assert _meta(text).title == "中共青禾市政协机关党组关于巡察整改进展情况的通报"
    # a table's header between bars is no menu
    table = load_text("标题的通报\n序号 | 问题 | 整改措施 | 整改状态\n1 | 甲问题不够 | 做了工作 | 已完成\n")
    assert not parse_outline(table.text).debris


TAB_ROWS = HEAD + (
    "序号\t反馈问题\t整改措施\t整改情况\n"
    "1\t国有资产底数不清,部分资产闲置\t开展资产清查,登记入账资产1132项\t持续整改,年底前完成资产确权\n"
    "2\t工程招标代理机构管理松散\t修订代理机构考核办法\t整改完毕\n"
)


async def test_a_status_cell_with_what_remains(judge_llm, llm_fake_settings) -> None:
    """A table's last cell opening with a status keeps it, however many words of what remains follow."""
    record = await _record(TAB_ROWS, llm_fake_settings)
    assert [(p.title, p.status.value) for p in record.problems] == [
        ("国有资产底数不清,部分资产闲置", "in_progress"),
        ("工程招标代理机构管理松散", "completed"),
    ]


async def test_a_one_line_copy_of_field_triples(judge_llm, llm_fake_settings) -> None:
    """The same triples copied into one line (paragraph breaks left as spaces): the breaks come back
    before 问题描述:/整改举措:/整改状态:, so the problems are read as in the original."""
    one_line = FIELD_TRIPLES.replace("\n", " ").strip()
    record = await _record(one_line, llm_fake_settings)
    assert [(p.title, p.status.value) for p in record.problems] == [
        ("档案室管理不规范,部分合同未及时归档", "completed"),
        ("车辆派遣记录不全", "in_progress"),
    ]
