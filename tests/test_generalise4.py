"""General rules found by the fourth blind page set (`evals/holdout_pages4`), each on a fictional
snippet of its own, not on the page that showed it."""

from __future__ import annotations

from test_generalise import HEAD, _meta, _record

from zhenggai.structure.signals import head_status, whole_problem_status


def test_more_status_words_of_fields_and_closing_sentences() -> None:
    fields = {
        "按期完成。": "completed",
        "已按期完成整改。": "completed",
        "如期完成": "completed",
        "整改完成率100%。": "completed",
        "完成率100%": "completed",
        "已完成阶段性目标,下一步将持续推进。": "partly_completed",
        "完成阶段性任务": "partly_completed",
        "长期坚持并已建立制度。": "long_term",
        "未按期完成。": "not_completed",
    }
    assert {w: getattr(head_status(w), "value", None) for w in fields} == fields
    for work in ("完成率85%", "按期完成后将组织验收", "已完成阶段性总结材料3份", "整改完成率偏低"):
        assert head_status(work) is None, work
    sentences = {
        "该问题已办结。": "completed",
        "目前,该问题已销号。": "completed",
        "该问题按期完成。": "completed",
        "此项整改未按期完成。": "not_completed",
        "整改完成率100%。": "completed",
    }
    assert {s: getattr(whole_problem_status(s), "value", None) for s in sentences} == sentences
    # 整改中, opens the work done, it states nothing
    assert whole_problem_status("整改中,组织全体干部开展专题学习2次。") is None


TAGGED = HEAD + (
    "1.【已办结】档案室管理不规范,部分合同未及时归档。整改情况:补归档合同64份。\n"
    "2.【正在整改】车辆派遣记录不全,油耗台账缺失。整改情况:推行派车单电子化管理。\n"
    "3.[未按期完成]食堂采购询价不规范。整改情况:原定8月底完成的采购制度修订未按期完成,将于11月底前完成。\n"
)


async def test_a_status_tag_after_the_label_is_the_problems_status(judge_llm, llm_fake_settings) -> None:
    """1.【已办结】…: the tag opening a heading after its label is the problem's status, not its title."""
    record = await _record(TAGGED, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("二.1", "档案室管理不规范,部分合同未及时归档", "completed"),
        ("二.2", "车辆派遣记录不全,油耗台账缺失", "in_progress"),
        ("二.3", "食堂采购询价不规范", "not_completed"),
    ]
    first = record.problems[0]
    assert first.status_evidence is not None and first.status_evidence.text == "【已办结】"


CLOSING = HEAD + (
    "(一)关于合同管理不规范的问题\n"
    "公司党委修订《合同管理办法》,对126份合同逐份复核。该问题已办结。\n"
    "(二)关于工程结算审核不严的问题\n"
    "对14个项目开展结算复审,追回超付工程款37万元。原定9月底完成的追偿工作未按期完成,将于12月底前完成。\n"
)


async def test_a_closing_sentence_that_the_problem_is_closed_or_overdue(judge_llm, llm_fake_settings) -> None:
    record = await _record(CLOSING, llm_fake_settings)
    assert [(p.path, p.status.value) for p in record.problems] == [
        ("二.(一)", "completed"),
        ("二.(二)", "not_completed"),
    ]


ORDINALS = HEAD + (
    "第一,合同管理不规范,部分合同未经法律审核即签订。\n"
    "公司党委修订《合同管理办法》,对126份合同逐份复核。该问题已办结。\n"
    "第二,工程结算审核不严,部分项目超付工程款。\n"
    "对14个项目开展结算复审,追回超付工程款37万元。该问题正在整改。\n"
)
HALF_BRACKETS = (
    "青禾县春风街道党工委关于区委巡察整改进展情况的通报\n"
    "区委第二巡察组对春风街道党工委开展了常规巡察,并反馈了巡察意见。\n"
    "一)社区党组织“三会一课”制度执行不严格,组织生活记录不全。\n"
    "整改情况:建立组织生活季度通报制度。该问题已完成整改。\n"
    "二)老旧小区改造后续管理跟不上,物业服务投诉较多。\n"
    "整改情况:推行“红色物业”模式,4个小区引入物业服务企业。已完成阶段性目标。\n"
)
LETTERS = HEAD + (
    "A. 党建与业务工作融合不够,党支部作用发挥不充分。\n"
    "整改措施:推行党支部建在科室上。\n整改进展:按期完成。\n"
    "B. 预约挂号率偏低,患者候诊时间较长。\n"
    "整改措施:上线分时段预约诊疗系统。\n整改进展:已完成阶段性目标。\n"
)
WHICH_ONE = HEAD + (
    "(一)关于落实全面从严治党责任方面\n"
    "其一,对所属企业的监督管理不到位,个别子公司决策制度执行不严格。修订决策制度实施办法。该问题正在整改。\n"
    "其二,廉洁风险防控措施不够有力,招投标管理存在漏洞。开展招投标专项审计。该问题已销号。\n"
)


async def test_problems_labelled_by_ordinals_half_brackets_and_letters(judge_llm, llm_fake_settings) -> None:
    """第一,/其一, nest under the heading they follow; 一) is a label as (一) is; A./B. as 1./2."""
    got = {}
    for name, text in (("ord", ORDINALS), ("half", HALF_BRACKETS), ("letter", LETTERS), ("which", WHICH_ONE)):
        record = await _record(text, llm_fake_settings)
        got[name] = [(p.path, p.status.value) for p in record.problems]
    assert got == {
        "ord": [("二.第一", "completed"), ("二.第二", "in_progress")],
        "half": [("一)", "completed"), ("二)", "partly_completed")],
        "letter": [("二.A", "completed"), ("二.B", "partly_completed")],
        "which": [("二.(一).其一", "in_progress"), ("二.(一).其二", "completed")],
    }


def test_an_ordinal_word_is_no_label() -> None:
    from zhenggai.structure.numbering import match_label

    for line in ("第一书记驻村工作不扎实", "其他问题一并整改", "第三方机构评估不及时", "A级景区管理不规范"):
        assert match_label(line) is None, line


FINDING_FIELD = (
    "中共青禾电力公司委员会关于集团党组第三轮巡视整改进展情况的通报\n"
    "根据集团党组统一部署,集团党组第三巡视组对青禾电力公司党委开展了常规巡视,并反馈了巡视意见。\n"
    "一、整改工作组织情况\n公司党委成立整改工作领导小组。\n"
    "二、巡视反馈问题整改情况\n"
    "(1)物资采购管理不规范\n"
    "反馈指出:部分物资采购未按规定公开招标,存在规避招标现象。\n"
    "整改情况:公司党委组织对物资采购项目全面复核,清理不规范采购项目9个。整改完成率100%。\n"
    "(2)干部队伍结构不够合理\n"
    "巡视指出:中层干部年龄偏大。\n"
    "整改情况:制定年轻干部培养计划。该问题长期坚持并已建立制度。\n"
    "公司党委把巡视整改与深化改革结合起来,以整改为契机补短板、强弱项。\n"
)


async def test_a_finding_field_and_the_party_body_doing_the_work(judge_llm, llm_fake_settings) -> None:
    """反馈指出:/巡视指出: give the finding, not a problem of its own nor a measure; a paragraph
    where the unit's Party body does the work (公司党委组织对…, 把巡视整改与…结合) is no problem
    however many shortcoming words it quotes; an enterprise's own inspection names its team."""
    record = await _record(FINDING_FIELD, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("二.(1)", "物资采购管理不规范", "completed"),
        ("二.(2)", "干部队伍结构不够合理", "long_term"),
    ]
    assert all("指出" not in m.text for p in record.problems for m in p.measures)
    assert record.report.inspection_team == "集团党组第三巡视组"
    assert record.report.inspection_round == "集团党组第三轮"


UNNUMBERED_ABOUT = HEAD + (
    "(一)贯彻落实上级决策部署方面\n"
    "关于推动产业升级办法不多的问题\n"
    "整改落实情况:出台《青禾县产业升级实施意见》,新签约工业项目12个。该问题已基本完成整改,将持续推进。\n"
    "关于化解债务风险有差距的问题\n"
    "整改落实情况:制定化债工作方案,压减融资平台公司3家。该问题已完成阶段性整改任务,需长期坚持。\n"
)


async def test_a_line_that_is_only_about_a_problem_heads_an_unnumbered_one(judge_llm, llm_fake_settings) -> None:
    record = await _record(UNNUMBERED_ABOUT, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("二.(一).#1", "推动产业升级办法不多", "basically_completed"),
        ("二.(一).#2", "化解债务风险有差距", "long_term"),  # a stage done is not the problem done
    ]


OPENING = (
    "根据县委统一部署,县委第二巡察组对青禾县档案馆党支部开展了常规巡察,并反馈了巡察意见。\n"
    "一、整改工作情况\n馆党支部成立整改领导小组。\n"
)


def test_the_publisher_from_a_byline_a_source_line_or_the_owner_in_the_footer() -> None:
    byline = _meta("青禾县档案馆\n关于县委巡察整改进展情况的通报\n中共青禾县档案馆支部委员会\n" + OPENING)
    assert byline.title == "关于县委巡察整改进展情况的通报"  # the site's name above is not the title's
    assert byline.publisher == "中共青禾县档案馆支部委员会"
    source = _meta("关于县委巡察整改进展情况的通报\n来源:中共青禾县档案馆支部委员会  2025-09-18\n" + OPENING)
    assert source.publisher == "中共青禾县档案馆支部委员会"
    assert str(source.publication_date) == "2025-09-18"
    footer = _meta(
        "关于县委巡察整改进展情况的通报\n" + OPENING + "欢迎监督。\n主办:中共青禾县档案馆支部委员会  承办:办公室\n"
    )
    assert footer.publisher == "中共青禾县档案馆支部委员会"


def test_a_breadcrumb_is_no_title_and_a_bracketed_date_under_the_title_is_its_date() -> None:
    meta = _meta(
        "青禾县档案馆 > 通知公告\n中共青禾县档案馆支部委员会关于县委巡察整改进展情况的通报\n(2025年10月15日)\n"
        + OPENING
    )
    assert meta.title == "中共青禾县档案馆支部委员会关于县委巡察整改进展情况的通报"
    assert str(meta.publication_date) == "2025-10-15"


def test_a_notice_and_an_overseers_check_are_no_reports() -> None:
    from zhenggai.ingest.document import load_text
    from zhenggai.structure.genre import not_a_report_reason
    from zhenggai.structure.outline import parse_outline

    body = (
        "根据县委巡察工作领导小组安排,对十四届县委第三轮巡察的6个被巡察党组织整改情况开展了检查。\n"
        "一、总体情况\n被巡察党组织共收到巡察反馈问题86个,已完成整改70个。整改落实情况总体较好。\n"
        "二、发现的问题\n(一)整改主体责任落实不到位。个别党组织对巡察整改重视不够,整改措施不实。\n"
    )
    pages = {
        "notice": "中共青禾县委巡察工作领导小组办公室\n关于开展巡察整改“回头看”工作的通知\n青巡办〔2025〕3号\n" + body,
        "oversight": "关于十四届县委第三轮巡察整改监督检查情况的通报\n来源:县纪委监委\n" + body,
    }
    for name, page in pages.items():
        doc = load_text(page)
        assert not_a_report_reason(doc.text, parse_outline(doc.text)) is not None, name
    own = "青禾县档案馆党支部关于县委巡察整改进展情况的通报\n" + body.replace("对十四届", "县委巡察组对馆党支部")
    doc = load_text(own)
    assert not_a_report_reason(doc.text, parse_outline(doc.text)) is None


ALSO = HEAD + (
    "(一)关于合同管理不规范的问题\n"
    "公司党委修订《合同管理办法》,对126份合同逐份复核。同时,建立合同法律审核台账。此外,对3名经办人进行提醒谈话。"
    "该问题已办结。\n"
)


async def test_each_sentence_that_adds_work_is_a_measure(judge_llm, llm_fake_settings) -> None:
    record = await _record(ALSO, llm_fake_settings)
    assert [m.text for m in record.problems[0].measures] == [
        "公司党委修订《合同管理办法》,对126份合同逐份复核",
        "建立合同法律审核台账",
        "对3名经办人进行提醒谈话",
    ]


def test_a_line_opening_with_a_connector_gives_well_formed_measure_parts() -> None:
    from zhenggai.extract.merge import _semicolon_parts

    # a part may start right after a full stop (past a status: 已完成整改。同时,…)
    text = "已完成整改。同时,建立合同法律审核台账。此外,对3名经办人进行提醒谈话。同时"
    for start in (0, 6, 8, 20, len(text) - 2):
        parts = _semicolon_parts(text, start, len(text))
        assert parts and all(start <= a <= b <= len(text) for a, b in parts), (start, parts)
    assert [text[a:b] for a, b in _semicolon_parts(text, 6, len(text))] == [
        "建立合同法律审核台账。",
        "对3名经办人进行提醒谈话。同时",
    ]
