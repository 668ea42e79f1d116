"""General rules found by the blind page set (`evals/holdout_pages`), each on a fictional snippet
of its own, not on the page that showed it."""

from __future__ import annotations

from zhenggai.ingest.document import load_text

PAGE = """中共青禾县文化馆支部委员会关于市委第一轮巡察整改进展情况的通报
来源:青禾县文化馆 发布时间:2025-03-02 浏览次数:88

根据市委统一部署,市委第一巡察组对青禾县文化馆党支部开展了常规巡察,并向文化馆党支部反馈了巡察意见。

一、整改工作组织情况

馆党支部把巡察整改作为重要政治任务,成立整改工作领导小组,逐条研究整改措施,明确责任人和完成时限,
推动整改落地见效。

二、反馈问题整改情况

(一)关于理论学习不深入的问题。已完成整改。

(二)关于财务管理不规范的问题。正在推进。

(三)关于制度执行不严格的问题。已完成整改。

(四)关于档案管理不规范的问题。已完成整改。
"""


def test_a_title_over_its_source_line_stays_its_own_line() -> None:
    lines = load_text(PAGE).text.splitlines()
    assert lines[0] == "中共青禾县文化馆支部委员会关于市委第一轮巡察整改进展情况的通报"
    assert lines[1].startswith("来源:青禾县文化馆")
    # a line wrapped inside a paragraph of a blank-separated page is still joined
    assert any(line.endswith("明确责任人和完成时限,推动整改落地见效。") for line in lines)


def _meta(text: str):
    from zhenggai.extract.meta import report_meta
    from zhenggai.structure.outline import parse_outline

    doc = load_text(text)
    return report_meta(doc, parse_outline(doc.text))


def test_the_title_over_a_source_line_gives_title_and_publisher() -> None:
    meta = _meta(PAGE)
    assert meta.title == "中共青禾县文化馆支部委员会关于市委第一轮巡察整改进展情况的通报"
    assert meta.publisher == "中共青禾县文化馆支部委员会"


OPENINGS = {
    # dotted dates
    "根据县委统一安排,县委第一巡察组于2023.9.4—2023.10.27对青禾县图书馆党支部开展了常规巡察,"
    "2023.11.15向馆党支部反馈了巡察意见。": ("2023-09-04", "2023-10-27", "2023-11-15"),
    # ISO dates
    "2022-05-09至2022-06-30,市委第三巡察组对青禾县档案馆党支部开展了巡察,2022-08-01向馆党支部反馈了巡察意见。": (
        "2022-05-09",
        "2022-06-30",
        "2022-08-01",
    ),
    # Chinese numerals, the feedback's year carried from the period
    "根据县委统一部署,二〇二三年十月九日至十一月三十日,县委第二巡察组对青禾县气象局党组开展了常规巡察。"
    "十二月二十一日,县委第二巡察组向县气象局党组反馈了巡察意见。": ("2023-10-09", "2023-11-30", "2023-12-21"),
}


def test_dates_in_every_way_pages_write_them() -> None:
    for opening, (start, end, feedback) in OPENINGS.items():
        meta = _meta("青禾县某单位关于巡察整改进展情况的通报\n" + opening + "\n一、整改工作情况\n成立领导小组。")
        assert meta.inspection_period is not None, opening
        got = (meta.inspection_period.start.isoformat(), meta.inspection_period.end.isoformat())
        assert got == (start, end), opening
        assert meta.feedback_date is not None and meta.feedback_date.isoformat() == feedback, opening


def test_a_month_in_chinese_numerals_alone_is_not_a_date() -> None:
    from zhenggai.extract.meta.dates import date_tokens

    assert date_tokens("三月份以来,每月召开一次推进会") == []
    assert [t.date for t in date_tokens("3.7万元,2024.3版")] == []


def test_a_year_round_a_cross_team_with_its_county_and_a_linked_inspection() -> None:
    meta = _meta(
        "青禾县妇女联合会党组关于巡察整改进展情况的通报\n"
        "按照市委巡察工作领导小组关于2023年第二轮县区交叉巡察的统一安排,2023年4月10日至5月31日,"
        "凤冈县委第二巡察组采取市县巡察上下联动方式,对青禾县妇女联合会党组开展了交叉巡察,"
        "并于2023年7月4日向县妇联党组反馈了巡察意见。\n一、整改工作情况\n成立领导小组。"
    )
    assert meta.inspection_round == "2023年第二轮"
    assert meta.inspection_team == "凤冈县委第二巡察组"
    assert meta.inspection_forms == ["交叉", "联动"]
    # a team whose level word follows no known place keeps its minimal name
    assert _meta("根据县委统一部署,县委第一巡察组对青禾县图书馆党支部开展了巡察。").inspection_team == "县委第一巡察组"


async def test_a_heading_closing_with_its_status_in_brackets_tells_it(judge_llm, llm_fake_settings) -> None:
    from zhenggai.llm.client import LLMClient
    from zhenggai.pipeline import PipelineOptions, summarize_document

    text = (
        "青禾县图书馆党支部关于巡察整改进展情况的通报\n"
        "根据县委统一部署,县委第一巡察组对青禾县图书馆党支部开展了巡察,并反馈了巡察意见。\n"
        "一、整改工作情况\n馆党支部成立整改工作领导小组,逐条制定整改措施。\n"
        "二、反馈问题整改情况\n"
        "1.理论学习不够深入,学习流于形式(已完成)\n整改措施:修订学习制度,每月集中学习1次。\n"
        "2.图书采购程序不规范(持续整改)\n整改措施:修订采购办法,建立采购台账。\n"
    )
    async with LLMClient(llm_fake_settings) as client:
        options = PipelineOptions(with_abstract=False)
        record = await summarize_document(load_text(text), client, llm_fake_settings, options)
    got = [(p.title, p.status.value, p.status_evidence.text if p.status_evidence else None) for p in record.problems]
    assert got == [
        ("理论学习不够深入,学习流于形式", "completed", "(已完成)"),
        ("图书采购程序不规范", "in_progress", "(持续整改)"),
    ]


CELL_TABLE = """青禾县文化馆党支部关于巡察整改进展情况的通报
根据县委统一部署,县委第一巡察组对青禾县文化馆党支部开展了巡察,并反馈了巡察意见。
一、整改工作情况
馆党支部成立整改工作领导小组,逐条制定整改措施。
二、问题整改台账
序号 存在问题 整改措施 责任人 完成情况
1
文物藏品账目不清
开展藏品清点,建立电子台账
张三
已完成
2
场馆免费开放时间不足
延长周末开放时间
李四
持续整改
三、下一步工作
持续巩固整改成果。
"""


async def test_a_table_copied_one_cell_per_line_reads_as_rows(judge_llm, llm_fake_settings) -> None:
    from zhenggai.llm.client import LLMClient
    from zhenggai.pipeline import PipelineOptions, summarize_document

    doc = load_text(CELL_TABLE)
    assert "1 文物藏品账目不清\t开展藏品清点,建立电子台账\t张三\t已完成\n2 场馆免费开放时间不足\t" in doc.text
    assert len(doc.text) == len(CELL_TABLE.rstrip("\n"))  # each break became one character: nothing moved
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings, PipelineOptions(with_abstract=False))
    got = [(p.path, p.title, p.status.value, [m.text for m in p.measures]) for p in record.problems]
    assert got == [
        ("二.1", "文物藏品账目不清", "completed", ["开展藏品清点,建立电子台账"]),
        ("二.2", "场馆免费开放时间不足", "in_progress", ["延长周末开放时间"]),
    ]


def test_an_area_heading_with_nothing_under_it_is_no_problem() -> None:
    from zhenggai.extract.units import build_units
    from zhenggai.structure.outline import parse_outline

    page = (
        "青禾县委关于巡视整改进展情况的通报\n"
        "根据省委统一部署,省委第三巡视组对青禾县开展了常规巡视,并反馈了巡视意见。\n"
        "一、整改工作情况\n县委成立整改工作领导小组,逐条制定整改措施。\n"
        "二、反馈问题整改情况\n"
        "(一)关于落实意识形态工作责任制方面\n1.意识形态阵地管理不严\n修订阵地管理办法。\n"
        "(二)关于贯彻落实党中央决策部署方面\n"
    )
    doc = load_text(page)
    paths = [u.path for u in build_units(doc.text, parse_outline(doc.text))]
    assert paths == ["二.(一)", "二.(一).1"]  # the cut-off area (二) is left out; one with items stays


async def test_measures_numbered_after_a_field_label_or_circled(judge_llm, llm_fake_settings) -> None:
    from zhenggai.llm.client import LLMClient
    from zhenggai.pipeline import PipelineOptions, summarize_document

    text = (
        "青禾县图书馆党支部关于巡察整改进展情况的通报\n"
        "根据县委统一部署,县委第一巡察组对青禾县图书馆党支部开展了巡察,并反馈了巡察意见。\n"
        "一、整改工作情况\n馆党支部成立整改工作领导小组,逐条制定整改措施。\n"
        "二、反馈问题整改情况\n"
        "问题一:图书采购程序不规范。\n"
        "整改措施:1.修订图书采购办法,明确比选程序;2.建立采购台账,逐笔登记;3.开展采购专项检查。\n"
        "问题二:读者服务不够便利。\n"
        "①延长周末开放时间,增设夜间阅览区。②开通线上借阅平台。③设立读者意见箱。该问题已整改完成。\n"
    )
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(
            load_text(text), client, llm_fake_settings, PipelineOptions(with_abstract=False)
        )
    got = [[m.text for m in p.measures] for p in record.problems]
    assert got == [
        ["1.修订图书采购办法,明确比选程序", "2.建立采购台账,逐笔登记", "3.开展采购专项检查"],
        # ① opens its line, so it is read as a heading under 问题二; ② and ③ run on after it, siblings
        ["延长周末开放时间,增设夜间阅览区", "开通线上借阅平台", "设立读者意见箱"],
    ]


RUN_IN_PROBLEMS = (
    "青禾县林业局党组关于县委巡察整改进展情况的通报\n"
    "根据县委统一部署,县委第二巡察组对青禾县林业局党组开展了常规巡察,并反馈了巡察意见。\n"
    "一、整改工作情况\n局党组成立整改工作领导小组,逐条制定整改措施。\n"
    "二、反馈问题整改情况\n"
    "(一)森林资源保护方面存在的问题\n"
    "{one}是护林员巡护记录不真实。{br}整改情况:重新核定护林员巡护路线,推行巡护轨迹定位。目前已整改完成。{br}"
    "{two}是林地占用审批把关不严。{br}整改情况:对近三年林地占用项目逐一复核,纠正违规审批2件。"
    "已基本完成,其余1件正在办理。\n"
    "(二)干部作风方面存在的问题\n"
    "1.服务林农不够主动。\n整改情况:一是开通林权办理绿色通道;二是每月下乡服务1次。已完成。\n"
)


def _problems(text: str) -> list[tuple[str, str]]:
    from zhenggai.extract.units import build_units
    from zhenggai.structure.outline import parse_outline

    doc = load_text(text)
    return [(u.path, u.title) for u in build_units(doc.text, parse_outline(doc.text))]


def test_problems_stated_as_yishi_each_with_its_own_field_are_problems() -> None:
    """一是…二是… are measures almost everywhere; an item that is one sentence followed by its own
    整改情况: field is a problem, run in or on lines of its own."""
    for br in ("\n", ""):
        got = _problems(RUN_IN_PROBLEMS.format(one="一", two="二", br=br))
        assert got == [
            ("二.(一)", "森林资源保护方面存在的问题"),
            ("二.(一).一是", "护林员巡护记录不真实"),
            ("二.(一).二是", "林地占用审批把关不严"),
            ("二.(二)", "干部作风方面存在的问题"),
            ("二.(二).1", "服务林农不够主动"),  # its 一是/二是 inside one field stay measures
        ], br


def test_yishi_measures_without_fields_of_their_own_stay_measures() -> None:
    text = RUN_IN_PROBLEMS.replace("{br}整改情况:重新核定", "重新核定").format(one="一", two="二", br="\n")
    assert [p for p, _ in _problems(text)] == ["二.(一)", "二.(二)", "二.(二).1"]


async def test_a_sentence_that_opens_with_a_status_tells_the_problem_status(judge_llm, llm_fake_settings) -> None:
    from zhenggai.llm.client import LLMClient
    from zhenggai.pipeline import PipelineOptions, summarize_document

    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(
            load_text(RUN_IN_PROBLEMS.format(one="一", two="二", br="\n")),
            client,
            llm_fake_settings,
            PipelineOptions(with_abstract=False),
        )
    got = [(p.path, p.status.value, p.status_evidence.text) for p in record.problems if p.status_evidence]
    assert ("二.(一).二是", "basically_completed", "已基本完成,其余1件正在办理。") in got  # not in_progress
    assert ("二.(二).1", "completed", "已完成。") in got


RUN_ON_ITEMS = (
    "青禾县水利局党组关于县委巡察整改情况的通报\n"
    "根据县委统一部署,县委第一巡察组对青禾县水利局党组开展了常规巡察,并反馈了巡察意见。\n"
    "一、整改工作情况\n局党组成立整改工作领导小组,逐条制定整改措施。\n"
    "二、反馈问题整改情况\n"
    "(一)贯彻落实上级决策部署方面\n"
    "1、河道采砂监管不到位,非法采砂时有发生。\n"
    "(1)开展河道采砂专项整治,查处非法采砂案件9件。(2)建立河长巡河台账,每月通报1次。\n"
    "目前,该问题已完成整改。\n"
)


async def test_items_run_on_in_one_line_under_a_shortcoming_are_measures(judge_llm, llm_fake_settings) -> None:
    """(1)….(2)…. on one line are siblings; under a heading that states a shortcoming, items of
    work are its measures (the model is not asked), and a measure keeps its figures."""
    from zhenggai.llm.client import LLMClient
    from zhenggai.pipeline import PipelineOptions, summarize_document

    assert [p for p, _ in _problems(RUN_ON_ITEMS)] == ["二.(一)", "二.(一).1", "二.(一).1.(1)", "二.(一).1.(2)"]
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(
            load_text(RUN_ON_ITEMS), client, llm_fake_settings, PipelineOptions(with_abstract=False)
        )
    (problem,) = record.problems
    assert problem.area == "贯彻落实上级决策部署方面" and not problem.children
    assert problem.title == "河道采砂监管不到位,非法采砂时有发生" and problem.status.value == "completed"
    assert [(m.text, [(f.value, f.unit) for f in m.figures]) for m in problem.measures] == [
        ("开展河道采砂专项整治,查处非法采砂案件9件", [("9", "件")]),
        ("建立河长巡河台账,每月通报1次", [("1", "次")]),
    ]


def test_this_item_sentences_tell_the_whole_problem_status() -> None:
    from zhenggai.structure.signals import whole_problem_status

    told = {
        "此项整改已完成。": "completed",
        "该项整改已全部完成。": "completed",
        "此项工作将长期坚持。": "long_term",
        "该项工作基本完成。": "basically_completed",
        "已基本完成,其余3户正在安置。": "basically_completed",
        "已完成。": "completed",
    }
    assert {s: getattr(whole_problem_status(s), "value", None) for s in told} == told
    # work done, not the problem: no status of the whole
    for sentence in ("已完成17个村的规划编制。", "此项工作由办公室牵头。", "该项目已完成立项。"):
        assert whole_problem_status(sentence) is None, sentence


async def _record(text: str, settings):
    from zhenggai.llm.client import LLMClient
    from zhenggai.pipeline import PipelineOptions, summarize_document

    async with LLMClient(settings) as client:
        return await summarize_document(load_text(text), client, settings, PipelineOptions(with_abstract=False))


HEAD = (
    "青禾县城投公司党委关于县委巡察整改进展情况的通报\n"
    "根据县委统一部署,县委第三巡察组对青禾县城投公司党委开展了常规巡察,并反馈了巡察意见。\n"
    "一、整改工作情况\n公司党委成立整改工作领导小组,逐条制定整改措施。\n"
    "二、反馈问题整改情况\n"
)


async def test_bracketed_problem_and_answer_labels(judge_llm, llm_fake_settings) -> None:
    text = HEAD + (
        "(一)关于落实党的领导方面\n"
        "【问题】党委前置研究重大事项不够规范,个别事项先决策后研究。\n"
        "【整改情况】修订党委前置研究事项清单,明确18类事项。目前已整改到位。\n"
        "【问题】对子公司监管不到位,2家子公司长期亏损。\n"
        "【整改情况】制定子公司扭亏方案,1家已完成股权转让,另1家正在履行清算程序。\n"
    )
    record = await _record(text, llm_fake_settings)
    got = [(p.title, p.status.value, [m.text for m in p.measures]) for p in record.problems]
    assert got == [
        ("党委前置研究重大事项不够规范,个别事项先决策后研究", "completed", ["修订党委前置研究事项清单,明确18类事项"]),
        (
            "对子公司监管不到位,2家子公司长期亏损",
            "in_progress",
            ["制定子公司扭亏方案,1家已完成股权转让,另1家正在履行清算程序"],
        ),
    ]


async def test_findings_listed_then_answered_one_by_one(judge_llm, llm_fake_settings) -> None:
    """巡察指出:一是…;二是…。 then 整改情况:针对问题一,…针对问题二,…: each answer is its problem's,
    and a closing 以上问题已整改完成 speaks for the whole area."""
    text = HEAD + (
        "(一)落实全面从严治党方面\n"
        "巡察指出:一是公务接待管理不规范,接待清单填写不全;二是工程变更审批不严格,个别变更未经集体研究。\n"
        "整改情况:针对问题一,修订公务接待管理办法,逐笔核对接待清单。针对问题二,建立工程变更集体审议制度,"
        "对3项变更补办审议程序。以上问题已整改完成。\n"
        "(二)落实意识形态工作责任制方面\n1.网站信息审核不严。\n整改情况:建立三审三校制度。\n"
    )
    record = await _record(text, llm_fake_settings)
    got = [
        (p.path, p.title, p.status.value, p.status_scope.value, [m.text for m in p.measures]) for p in record.problems
    ]
    assert got.pop()[:3] == ("二.(二).1", "网站信息审核不严", "not_stated")  # not covered by (一)'s sentence
    assert got == [
        (
            "二.(一).一是",
            "公务接待管理不规范,接待清单填写不全",
            "completed",
            "section",
            ["针对问题一,修订公务接待管理办法,逐笔核对接待清单"],
        ),
        (
            "二.(一).二是",
            "工程变更审批不严格,个别变更未经集体研究",
            "completed",
            "section",
            ["针对问题二,建立工程变更集体审议制度,对3项变更补办审议程序"],
        ),
    ]


def test_plan_the_noun_is_no_status_plan_the_verb_is() -> None:
    from zhenggai.extract.status_rules import rule_status
    from zhenggai.extract.units import Candidate
    from zhenggai.schemas.record import Span

    def status(sentence: str) -> str:
        return rule_status([Candidate(id=1, span=Span(start=0, end=len(sentence)), text=sentence)])[0].value

    assert status("将年度投资计划、重大融资事项纳入党委会必议事项。") == "not_stated"
    assert status("制定干部交流轮岗计划,对2名干部进行轮岗。") == "not_stated"
    assert status("计划于2025年6月前完成改造。") == "in_progress"
    assert status("剩余2个小区计划年底前完工。") == "in_progress"


async def test_paren_items_after_a_field_and_a_status_field_after_another_on_one_line(
    judge_llm, llm_fake_settings
) -> None:
    text = HEAD + (
        "(一)落实上级决策部署方面\n"
        "问题1:安全生产隐患排查不彻底。\n"
        "整改措施:(1)开展安全隐患大排查,整改隐患12处。(2)建立隐患清单销号制度。\n"
        "整改时限:2025年6月底前 整改进展:已完成。\n"
    )
    record = await _record(text, llm_fake_settings)
    (problem,) = record.problems
    assert [m.text for m in problem.measures] == ["(1)开展安全隐患大排查,整改隐患12处", "(2)建立隐患清单销号制度"]
    assert problem.status.value == "completed" and problem.status_evidence.text == "整改进展:已完成。"


def test_unnumbered_problem_paragraphs_said_with_more_shortcoming_words() -> None:
    text = HEAD + (
        "(一)落实主体责任方面\n"
        "职工培训与岗位需求衔接不紧,培训合格率偏低。公司修订培训计划,新开设岗位课程6门。\n"
        "采购审批流于形式,部分采购未经比选。公司修订采购管理办法,推行线上比选。\n"
    )
    assert [t for _, t in _problems(text)] == [
        "落实主体责任方面",
        "职工培训与岗位需求衔接不紧,培训合格率偏低",
        "采购审批流于形式,部分采购未经比选",
    ]


def test_a_measure_that_names_a_hotline_is_no_contact_line() -> None:
    from zhenggai.ingest.debris import find_debris

    text = HEAD + (
        "(一)落实主体责任方面\n问题1:师德师风监督不力。\n"
        "整改措施:①签订师德承诺书;②设立师德师风举报箱和举报电话。\n"
        "举报电话:0379-6512345\n"
    )
    doc = load_text(text)
    contact = [d.span.slice(doc.text) for d in find_debris(doc.text) if d.kind.value == "contact"]
    assert contact == ["举报电话:0379-6512345"]


def test_a_hard_wrapped_heading_and_a_line_cut_after_a_quote_are_joined() -> None:
    """A PDF copy cuts lines at one width wherever it falls: inside a long 针对“…”的问题 heading,
    or right after a closing quote; both are joined back, and short headings stay lines."""
    body = (
        "(一)关于落实意识形态工作责任制方面\n"
        "1.针对“网络意识形态阵地管理不够严格,部分单位微信公众号信息发布审核把关不严”的问题。"
        "一是制定《青禾县网络意识形态阵地管理办法》,明确“谁主办谁负责”的原则,对全县政务新媒体开展全面排查,"
        "关停僵尸账号12个。二是建立信息发布三审三校制度,每季度通报一次检查结果。\n"
        "2.针对“意识形态领域风险研判不及时,舆情应对处置机制不健全,重大舆情处置不够及时”的问题。"
        "一是建立意识形态领域风险季度研判制度,形成研判报告4期。二是修订舆情应对处置预案,开展舆情处置演练2次,"
        "对处置不力的2个单位进行约谈。\n"
    )
    from zhenggai.evals.perturb import wrap

    doc = load_text(wrap(HEAD + body, 30))
    assert doc.text.endswith(body.rstrip("\n"))
    assert "(一)关于落实意识形态工作责任制方面\n1.针对“网络意识形态阵地" in doc.text


def test_page_furniture_over_a_title_is_no_wrapped_paragraph() -> None:
    """A blank-separated page whose furniture lines have no blank between them and the title:
    neither is joined to the next line."""
    paragraphs = "\n\n".join(
        f"青禾县文化馆第{n}项整改工作按计划推进,逐项明确责任人和完成时限,推动整改落地见效。" for n in range(1, 21)
    )
    page = (
        "字号:[ 大 中 小 ] 打印本页 关闭窗口\n"
        "中共青禾县文化馆支部委员会关于巡察整改进展情况的通报\n"
        "作者:办公室 来源:本站 点击数:1024\n"
        "根据县委统一部署,县委第一巡察组对青禾县文化馆党支部开展了常规巡察。\n\n" + paragraphs
    )
    lines = load_text(page).text.splitlines()
    assert lines[:3] == [
        "字号:[ 大 中 小 ] 打印本页 关闭窗口",
        "中共青禾县文化馆支部委员会关于巡察整改进展情况的通报",
        "作者:办公室 来源:本站 点击数:1024",
    ]


def test_a_bare_group_company_committee_points_at_the_unit() -> None:
    from zhenggai.extract.meta.names import is_short_form, is_unit_name

    for short in ("集团公司党委", "学院党委", "总公司党委"):
        assert is_short_form(short) and not is_unit_name(short), short
    assert is_unit_name("青禾县城市发展集团有限公司党委")


async def test_a_count_over_the_problems_a_cut_page_shows_covers_them(judge_llm, llm_fake_settings) -> None:
    text = (
        "青禾县交通运输局党组关于县委巡察整改情况的通报\n"
        "根据县委统一部署,县委第三巡察组对青禾县交通运输局党组开展了常规巡察,并反馈了巡察意见。\n"
        "一、整改工作情况\n局党组对反馈的12个问题逐条制定整改措施。截至6月底,12个问题已全部完成整改。\n"
        "二、反馈问题整改情况\n"
        "问题1:农村公路养护资金使用不规范。\n整改措施:修订养护资金管理办法。\n完成情况:已完成\n"
        "问题2:治超站执法记录不完整。\n整改措施:(1)补齐执法记录仪配备,每"
    )
    record = await _record(text, llm_fake_settings)
    got = [(p.path, p.status.value, p.status_scope.value) for p in record.problems]
    assert got == [("二.问题1", "completed", "own"), ("二.问题2", "completed", "report")]


CIRCLED_LINES = HEAD + (
    "(一)落实上级决策部署方面\n"
    "1.垃圾分类工作推进不力,部分小区分类设施缺失。\n"
    "①制定《垃圾分类工作推进方案》,明确责任分工;\n"
    "②对辖区12个小区逐一排查,补齐分类设施36处;\n"
    "③每月通报各小区分类情况。此项整改已完成。\n"
    "2.城区公厕管护不到位,群众反映较多。\n"
    "①对全部公厕开展保洁质量检查;\n"
    "②9座公厕已完成提升改造并投入使用。该项整改已全部完成。\n"
)


async def test_items_of_one_run_under_a_problem_are_all_measures(judge_llm, llm_fake_settings) -> None:
    """①②③ on their own lines under a stated shortcoming: when most are work, all are (③ opens
    with no verb and carries the problem's status sentence), and 对…逐一排查 is work done."""
    record = await _record(CIRCLED_LINES, llm_fake_settings)
    assert [(p.path, p.status.value, len(p.measures), len(p.children)) for p in record.problems] == [
        ("二.(一).1", "completed", 3, 0),
        ("二.(一).2", "completed", 2, 0),
    ]
    assert record.problems[0].measures[1].text == "对辖区12个小区逐一排查,补齐分类设施36处"


def test_a_page_wrapped_with_indented_first_lines_is_rejoined() -> None:
    """Wrapped at 38 characters with a 2-character indent on each paragraph's first line: lines of
    36 and 38 characters equally often; the width is 38 and the paragraphs come back whole."""
    from zhenggai.evals.perturb import wrap

    lead = (
        "公司党委把巡察整改作为重大政治任务,召开党委会专题研究整改工作4次,成立由党委书记任组长的"
        "整改工作领导小组,逐条制定整改措施,明确责任领导、责任部门和完成时限,做到件件有着落。\n"
        "公司党委坚持边查边改、立行立改,对反馈的问题建立台账、销号管理,每月调度整改进度,对进度"
        "滞后的部门负责人进行约谈提醒,推动整改任务落地见效,确保巡察整改取得实实在在的成效。\n"
        "截至2025年5月底,反馈的2个方面6个问题已完成整改5个,1个正在推进,制定完善制度11项,"
        "公司党委将持续巩固整改成果,把巡察整改与公司改革发展结合起来,建立健全长效机制。\n"
    )
    page = CIRCLED_LINES.replace("公司党委成立整改工作领导小组,逐条制定整改措施。\n", lead)
    indented = "\n".join("\u3000\u3000" + line for line in page.splitlines())
    wrapped = wrap(indented, 38)
    lengths = [len(x.strip("\u3000")) for x in wrapped.splitlines() if len(x) >= 38]
    assert lengths.count(36) == lengths.count(38) or abs(lengths.count(36) - lengths.count(38)) <= 1
    lines = load_text(wrapped).text.splitlines()
    assert "根据县委统一部署,县委第三巡察组对青禾县城投公司党委开展了常规巡察,并反馈了巡察意见。" in lines
    assert lines[-1] == "②9座公厕已完成提升改造并投入使用。该项整改已全部完成。"
    assert "二、反馈问题整改情况" in lines and lead.split("\n")[1] in lines


COUNTED_LABELS = HEAD + (
    "第一个问题:工程款支付审核不严,部分项目超付进度款。【已完成】\n"
    "整改情况:对2023年以来的18个项目进度款逐笔复核;追回超付款项52万元。\n"
    "第二个问题:安全生产检查流于形式,隐患整改不闭环。【持续推进】\n"
    "整改情况:修订《安全生产检查办法》,建立隐患整改销号台账。\n"
)

BULLETED = HEAD + (
    "◆档案管理不规范,部分合同未及时归档。\n"
    "措施:开展合同档案专项清理,补归档合同64份;设立档案管理员岗位。\n"
    "完成情况:已完成(完成率100%)\n"
    "◆车辆管理制度执行不严,派车记录不全。\n"
    "措施:修订《公务用车管理办法》,推行派车单电子化管理。\n"
    "完成情况:阶段性完成(完成率70%),电子派车系统12月上线。\n"
)


async def test_counted_problem_labels_with_a_bracketed_status_tail(judge_llm, llm_fake_settings) -> None:
    """第一个问题: is a problem label like 问题1:; 【已完成】 closing its line is its status; the
    measures of one field line split at its semicolons."""
    record = await _record(COUNTED_LABELS, llm_fake_settings)
    assert [(p.path, p.status.value) for p in record.problems] == [
        ("二.第一个问题", "completed"),
        ("二.第二个问题", "in_progress"),
    ]
    assert record.problems[0].title == "工程款支付审核不严,部分项目超付进度款"
    assert [m.text for m in record.problems[0].measures] == [
        "对2023年以来的18个项目进度款逐笔复核",
        "追回超付款项52万元",
    ]


async def test_bulleted_problems_with_bare_field_labels(judge_llm, llm_fake_settings) -> None:
    """◆ lines that state a shortcoming are unnumbered problems (#k) taking the lines below them;
    措施: is a measure field and 已完成(完成率100%) a status."""
    record = await _record(BULLETED, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("二.#1", "档案管理不规范,部分合同未及时归档", "completed"),
        ("二.#2", "车辆管理制度执行不严,派车记录不全", "partly_completed"),
    ]
    assert [m.text for m in record.problems[0].measures] == [
        "开展合同档案专项清理,补归档合同64份",
        "设立档案管理员岗位",
    ]


LISTED_META = """青禾县人民医院 · 院务公开 · 党建动态
中共青禾县人民医院委员会关于巡察整改进展情况的通报
(2025年08月27日 10:05 字号:大 中 小 打印本页)
巡察基本情况:
巡察组:十四届青禾县委第五轮巡察第二巡察组
巡察对象:中共青禾县人民医院委员会
巡察时间:2025年3月3日至4月30日
反馈时间:2025年6月5日
按照巡察工作有关要求,现将整改进展情况予以公布。
一、整改工作开展情况
院党委成立整改工作领导小组,专题研究整改工作6次。
"""


def test_metadata_given_as_a_labelled_list_and_a_dot_trail() -> None:
    """巡察对象: and 反馈时间: fields; a date before the page's buttons is the publication date; a
    trail split by · over the title is furniture; a round names its county between 届 and 县委."""
    meta = _meta(LISTED_META)
    assert meta.title == "中共青禾县人民医院委员会关于巡察整改进展情况的通报"
    assert meta.inspected_unit == "中共青禾县人民医院委员会"
    assert str(meta.feedback_date) == "2025-06-05" and str(meta.publication_date) == "2025-08-27"
    assert meta.inspection_round == "十四届青禾县委第五轮"
    assert str(meta.inspection_period.start) == "2025-03-03"


def test_a_headline_of_a_meeting_about_the_rectification_is_news() -> None:
    from zhenggai.structure.genre import not_a_report_reason
    from zhenggai.structure.outline import parse_outline

    news = (
        "当前位置:首页 > 新闻中心\n青禾县文化馆党支部召开县委巡察反馈意见整改专题民主生活会\n"
        "5月13日,青禾县文化馆党支部召开县委巡察反馈意见整改专题民主生活会。会前,支部广泛征求意见建议,"
        "会上围绕巡察反馈问题开展批评和自我批评,强调要坚持真改实改、全面整改,确保整改落实见效。\n"
    )
    doc = load_text(news)
    assert "news" in (not_a_report_reason(doc.text, parse_outline(doc.text)) or "")
    # a report telling such a meeting among its work is still a report
    doc = load_text(PAGE.replace("逐条研究整改措施", "召开专题民主生活会,逐条研究整改措施"))
    assert not_a_report_reason(doc.text, parse_outline(doc.text)) is None


def test_more_ways_a_sentence_or_field_tells_the_whole_problem() -> None:
    from zhenggai.structure.signals import FIELD_RE, STATUS_FIELDS, head_status, whole_problem_status

    told = {
        "目前该问题仍在持续整改中。": "in_progress",
        "该问题整改已完成,转入常态化推进。": "completed",
    }
    assert {s: getattr(whole_problem_status(s), "value", None) for s in told} == told
    field = FIELD_RE.match("整改状态:已完成。")
    assert field is not None and field.group(1) in STATUS_FIELDS
    assert head_status("已完成(完成率100%)").value == "completed" and head_status("已整改").value == "completed"
    assert head_status("已整改17处") is None  # work counted, not a status
    field_words = {
        "已整改完毕": "completed",
        "整改到位": "completed",
        "完成整改并销号": "completed",
        "已完成整改并建立长效机制": "completed",
        "已全面完成": "completed",
        "已基本整改到位": "basically_completed",
        "持续整改中": "in_progress",
        "正在整改中": "in_progress",
    }
    assert {w: getattr(head_status(w), "value", None) for w in field_words} == field_words
    for work in ("已完成规划编制", "已完成并投入使用", "整改到位率100%", "整改完成后"):
        assert head_status(work) is None, work


SPACED_TABLE = HEAD + (
    "序号 反馈问题 整改措施 责任部门 完成情况\n"
    "1 合同管理不规范,部分合同未经法律审核即签订 修订《合同管理办法》,对在履行的126份合同逐份开展法律复核 "
    "法务部 已完成\n"
    "2 工程结算审核不严,部分项目超付工程款 对2022年以来的14个项目开展结算复审,追回超付工程款37万元 工程部 正在整改\n"
)


async def test_a_table_copied_a_row_per_line_with_spaces_between_cells(judge_llm, llm_fake_settings) -> None:
    """Under a 序号 header, a row of as many space-free cells as the header has columns reads as a
    table row: the problem, its measure cell and its status cell apart."""
    record = await _record(SPACED_TABLE, llm_fake_settings)
    assert [(p.path, p.title, p.status.value, [m.text for m in p.measures]) for p in record.problems] == [
        (
            "二.1",
            "合同管理不规范,部分合同未经法律审核即签订",
            "completed",
            ["修订《合同管理办法》,对在履行的126份合同逐份开展法律复核"],
        ),
        (
            "二.2",
            "工程结算审核不严,部分项目超付工程款",
            "in_progress",
            ["对2022年以来的14个项目开展结算复审,追回超付工程款37万元"],
        ),
    ]


NOTICE = (
    "青禾村党支部关于县委巡察反馈问题整改情况的公示\n"
    "2025年6月9日至7月18日,县委第八巡察组对青禾村党支部开展了村级巡察,8月26日反馈了巡察意见。"
    "村党支部逐条制定整改措施,现将整改情况公示如下:\n"
    "●问题:村务公开不及时,群众对部分集体收支有疑问。\n"
    "整改:每月5日前在村务公开栏公开上月收支明细;召开村民代表会议解答群众疑问3次。(已整改)\n"
    "●问题:村级公益性岗位管理不严格。\n"
    "整改:对全村公益性岗位人员逐一核实在岗情况,解除聘用2人。(正在整改)\n"
    "【反馈问题】集体资产台账登记不全。\n"
    "目前,巡察反馈的问题已整改到位。\n"
)


async def test_a_notice_with_no_headings_and_its_bulleted_problems(judge_llm, llm_fake_settings) -> None:
    """No 一、 headings at all: ●问题: lines are the problems (#k), each with its field lines, and a
    status tag closing the last of them tells its status."""
    record = await _record(NOTICE, llm_fake_settings)
    assert [(p.path, p.title, p.status.value) for p in record.problems] == [
        ("#1", "村务公开不及时,群众对部分集体收支有疑问", "completed"),
        ("#2", "村级公益性岗位管理不严格", "in_progress"),
    ]
    assert [m.text for m in record.problems[0].measures] == [
        "每月5日前在村务公开栏公开上月收支明细",
        "召开村民代表会议解答群众疑问3次",
    ]


def test_a_labelled_problem_needs_no_shortcoming_words() -> None:
    page = HEAD + (
        "(一)落实全面从严治党主体责任方面\n"
        "【反馈问题】不动产登记窗口存在“吃拿卡要”风险。\n"
        "【整改措施】梳理廉政风险点19个,制定防控措施。\n"
        "【整改进展】已完成。\n"
    )
    assert _problems(page)[-1] == ("二.(一).#1", "不动产登记窗口存在“吃拿卡要”风险")


def test_a_one_line_copy_gives_the_title_without_its_furniture() -> None:
    one_line = (
        "青禾县人民政府 > 部门动态 > 县供销社 青禾县供销合作社党组关于县委巡察反馈意见整改情况的通报 2025-10-21 08:47 "
        "来源:县供销社 浏览量:412 2025年4月14日至5月30日,县委第七巡察组对县供销合作社党组开展了常规巡察,"
        "7月3日反馈了巡察意见。现将整改情况通报如下:一、整改工作开展情况 党组召开会议4次专题研究整改工作。"
        "二、反馈问题整改情况 (一)关于落实主体责任方面 1.党组会议记录不规范。修订会议制度。此项整改已完成。"
    )
    assert _meta(one_line).title == "青禾县供销合作社党组关于县委巡察反馈意见整改情况的通报"


def test_a_wrapped_line_opening_with_a_label_out_of_turn_continues() -> None:
    """At the wrap width, 举一反 / 三、建章立制 is one sentence cut, not a heading 三、 where 二、 is due;
    a paragraph's first line indented by 4 spaces counts its indent towards the width."""
    from zhenggai.ingest.normalize import normalise

    width = "甲" * 30
    raw = (
        f"    一、整改工作开展情况\n    局党组召开专题会议研究部署整改工作{width[:16]}\n"
        f"坚持把巡察整改与重点工作结合起来,对整改中发现的共性问题举一反\n三、建章立制。{width}\n"
        f"落实到位。\n    二、巡察反馈问题整改落实情况\n    (一)关于{width[:8]}方面\n"
    )
    lines = normalise(raw * 3).text.split("\n")
    assert "二、巡察反馈问题整改落实情况" in lines
    assert not any(line.startswith("三、") for line in lines)


def test_items_numbered_within_their_area() -> None:
    """1-1 / 1-2 under (一), 2-1 under (二): the report's own numbering, kept as the path."""
    page = HEAD + (
        "(一)政治监督方面存在的问题\n"
        "1-1 贯彻落实上级决策部署不够深入,宣传教育形式单一。\n整改情况:制定宣传教育实施方案。\n"
        "1-2 对民营经济人士思想政治引领不够。\n整改情况:建立联系服务制度。\n"
        "(二)全面从严治党方面存在的问题\n"
        "2-1 主体责任清单内容空泛。\n整改情况:修订主体责任清单。\n"
    )
    assert [p for p, _ in _problems(page)] == ["二.(一)", "二.(一).1-1", "二.(一).1-2", "二.(二)", "二.(二).2-1"]
    assert _problems(page)[1][1] == "贯彻落实上级决策部署不够深入,宣传教育形式单一"


LABELLED_ITEMS = {
    "1)": ("1)", "2)"),
    "【1】": ("【1】", "【2】"),
    "问题(一):": ("问题(一)", "问题(二)"),
}


def test_more_ways_drafts_number_their_problems() -> None:
    """1) with the closing bracket alone, 【1】 in square brackets, 问题(一): — the label is the
    report's own numbering, never part of the problem's words."""
    for first, labels in LABELLED_ITEMS.items():
        second = first.replace("1", "2").replace("一", "二")
        page = HEAD + (
            f"(一)落实主体责任方面\n{first}党组会议记录不规范,部分议题未经集体研究。\n整改情况:修订议事规则。已完成。\n"
            f"{second}财务报销审核不严,存在白条入账。\n整改情况:开展专项清查。正在推进。\n"
        )
        assert _problems(page)[1:] == [
            (f"二.(一).{labels[0]}", "党组会议记录不规范,部分议题未经集体研究"),
            (f"二.(一).{labels[1]}", "财务报销审核不严,存在白条入账"),
        ], first


BAR_TABLE = HEAD + (
    "序号|反馈问题|整改措施|完成情况\n"
    "1|合同管理不规范,部分合同未经法律审核即签订|修订《合同管理办法》,对在履行的126份合同逐份开展法律复核|已完成\n"
    "2|工程结算审核不严,部分项目超付工程款|对2022年以来的14个项目开展结算复审,追回超付工程款37万元|正在整改\n"
)


async def test_a_table_with_bars_between_its_cells(judge_llm, llm_fake_settings) -> None:
    record = await _record(BAR_TABLE, llm_fake_settings)
    assert [(p.path, p.title, p.status.value, len(p.measures)) for p in record.problems] == [
        ("二.1", "合同管理不规范,部分合同未经法律审核即签订", "completed", 1),
        ("二.2", "工程结算审核不严,部分项目超付工程款", "in_progress", 1),
    ]
