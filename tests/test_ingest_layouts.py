"""Pages whatever they look like: traditional characters, no line breaks, tables run together.

Fixtures are fictional units; each test checks the normalised text, that every character maps back
to the character of the original it was read from, and that the outline then finds the headings.
"""

from __future__ import annotations

import time

from opencc import OpenCC

from zhenggai.evals.scorer import flatten_problems, is_grounded, iter_evidence
from zhenggai.ingest.document import Document, load_text
from zhenggai.llm.client import LLMClient
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.schemas.record import Status
from zhenggai.structure.outline import parse_outline

_T2S = OpenCC("t2s")


def _maps_back(doc: Document) -> None:
    """Each character of the text came from the original character its offset names."""
    for i, ch in enumerate(doc.text):
        s, e = doc.to_original(i, i + 1)
        orig = doc.original[s:e]
        assert e - s == 1, (i, ch)
        if ch == "\n":
            continue  # a line break restored or kept: it maps to where it stands
        same = orig == ch or ord(orig) - 0xFEE0 == ord(ch) or (orig in "\u3000\t" and ch == " ")
        assert same or _T2S.convert(orig) == ch, (i, ch, orig)


TRADITIONAL = """中共雲棲鎮委員會關於巡察整改進展情況的通報
根據縣委統一部署，縣委第一巡察組於2023年4月對雲棲鎮黨委開展了巡察，並於6月反饋了巡察意見。
一、整改工作開展情況
鎮黨委成立領導小組，對反饋的兩個問題逐項制定整改措施。
二、反饋問題整改落實情況
（一）關於“學習貫徹黨的理論不夠深入”問題
一是修訂學習制度。二是開展專題研討會議3次。該問題已完成整改。
（二）關於“財務報銷審核不嚴”問題
一是清理歷年憑證。二是建立聯審機制，持續推進。
"""


def test_traditional_text_is_read_through_a_simplified_copy_with_the_same_offsets():
    doc = load_text(TRADITIONAL)
    assert [w.code for w in doc.warnings] == ["converted_traditional"]
    # the text every span refers to keeps the report's characters; the reading copy is simplified
    assert doc.text.startswith("中共雲棲鎮委員會關於巡察整改進展情況的通報\n")
    assert doc.reading.startswith("中共云栖镇委员会关于巡察整改进展情况的通报\n")
    assert len(doc.reading) == len(doc.text)
    assert "(一)关于“学习贯彻党的理论不够深入”问题" in doc.reading
    _maps_back(doc)
    reading = doc.for_reading()
    assert reading.text == doc.reading and reading.offsets is doc.offsets
    _maps_back(reading)
    outline = parse_outline(reading.text)
    assert outline.title == "中共云栖镇委员会关于巡察整改进展情况的通报"
    assert [s.path for s in outline.walk()] == ["一", "二", "二.(一)", "二.(二)"]
    sec = outline.find("二.(二)")
    assert doc.text[sec.title_span.start : sec.title_span.end] == "關於“財務報銷審核不嚴”問題"
    s, e = doc.to_original(sec.title_span.start, sec.title_span.end)
    assert doc.original[s:e] == "關於“財務報銷審核不嚴”問題"


def test_simplified_text_is_left_alone():
    simplified = _T2S.convert(TRADITIONAL)
    doc = load_text(simplified)
    assert doc.warnings == [] and doc.reading == ""
    assert doc.for_reading() is doc
    assert doc.text == load_text(TRADITIONAL).reading  # the same reading either way


async def test_the_record_of_a_traditional_report_quotes_it_in_its_own_characters(judge_llm, llm_fake_settings):
    doc = load_text(TRADITIONAL)
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings, PipelineOptions(with_abstract=False))
    assert "converted_traditional" in [w.code for w in record.provenance.warnings]
    assert [p.title for p in flatten_problems(record.problems)] == ["學習貫徹黨的理論不夠深入", "財務報銷審核不嚴"]
    assert record.report.title == "中共雲棲鎮委員會關於巡察整改進展情況的通報"
    first = flatten_problems(record.problems)[0]
    assert first.status == Status.completed
    evidence = list(iter_evidence(record))
    assert evidence and all(is_grounded(ev, doc.text) for ev in evidence)
    assert any("該問題已完成整改" in ev.text for ev in evidence)
    assert record.report.content_sha256 == doc.sha256


# A report whose copy lost every line break: paragraphs left as single spaces in one half, run
# straight on in the other; ASCII punctuation; figures with dots that must not be split.
ONE_LINE = (
    "根据县委统一部署,县委第四巡察组于2023年9月对县水务局党组进行了巡察。现将整改进展情况予以公布。 "
    "一、整改工作组织情况 局党组成立整改工作领导小组,召开会议6次。 二、整改落实情况 "
    "(一)关于“水利工程管护不到位”问题 1.关于“小型水库巡查不严”问题。(1)建立巡查台账,2020年1.5亿元资金"
    "已全部下达。(2)按照第1.2条规定开展考核,该问题已完成整改。2.关于“河道采砂监管不力”问题。"
    "整改措施:开展联合执法12次。整改情况:已完成整改。(二)关于“财务管理不规范”问题 "
    "3.关于“公务接待超标准”问题。清退款项3.6万元,正在推进。三、下一步工作打算 持续巩固整改成果。"
)


def test_a_report_without_line_breaks_gets_them_before_its_headings():
    doc = load_text(ONE_LINE)
    assert [w.code for w in doc.warnings] == ["line_breaks_restored"]
    lines = doc.text.split("\n")
    assert lines == [
        "根据县委统一部署,县委第四巡察组于2023年9月对县水务局党组进行了巡察。现将整改进展情况予以公布。",
        "一、整改工作组织情况",
        "局党组成立整改工作领导小组,召开会议6次。",
        "二、整改落实情况",
        "(一)关于“水利工程管护不到位”问题",
        "1.关于“小型水库巡查不严”问题。",
        "(1)建立巡查台账,2020年1.5亿元资金已全部下达。",
        "(2)按照第1.2条规定开展考核,该问题已完成整改。",
        "2.关于“河道采砂监管不力”问题。",
        "整改措施:开展联合执法12次。",
        "整改情况:已完成整改。",
        "(二)关于“财务管理不规范”问题",
        "3.关于“公务接待超标准”问题。清退款项3.6万元,正在推进。",
        "三、下一步工作打算",
        "持续巩固整改成果。",
    ]
    _maps_back(doc)
    # an inserted break maps to the position it was inserted at (the next character's)
    k = doc.text.index("\n(1)")
    assert doc.to_original(k, k + 1)[0] == ONE_LINE.index("(1)建立")
    outline = parse_outline(doc.text)
    assert [s.path for s in outline.walk()] == [
        "一", "二", "二.(一)", "二.(一).1", "二.(一).1.(1)", "二.(一).1.(2)", "二.(一).2", "二.(二)",
        "二.(二).3", "三",
    ]  # fmt: skip
    assert outline.find("二.(一).1").title == "关于“小型水库巡查不严”问题"


def test_ordinary_run_in_text_is_never_split():
    """A report with its own lines keeps them, even with labels run into long paragraphs."""
    para = "局党组召开会议研究整改工作,明确责任分工。" * 10
    text = (
        "一、整改工作组织情况\n"
        f"{para}整改措施:1.建立台账。2.开展督查。2020年1.5亿元已到位,第1.条规定已修订。\n"
        "二、整改落实情况\n(一)关于“学习不深入”问题\n一是建立制度。二是开展研讨。"
    )
    doc = load_text(text)
    assert doc.warnings == []
    assert doc.text == text


FLAT_TABLE = (
    "二、问题整改清单\n"
    "序号 问题 整改措施 完成情况 "
    "1 理论学习不深入 修订学习制度,开展专题研讨 已完成 "
    "2 财务报销审核不严 建立联审机制 已完成 "
    "3 村级项目监管不到位 开展专项检查 正在推进\n"
    "三、下一步工作打算\n持续巩固整改成果。"
)


def test_a_flattened_table_gets_one_row_a_line():
    doc = load_text(FLAT_TABLE.replace(" ", "\t"))
    lines = doc.text.split("\n")
    assert lines[1:5] == [
        "序号 问题 整改措施 完成情况",
        "1 理论学习不深入 修订学习制度,开展专题研讨 已完成",
        "2 财务报销审核不严 建立联审机制 已完成",
        "3 村级项目监管不到位 开展专项检查 正在推进",
    ]
    _maps_back(doc)
    # each row is a numbered item of 二、 (the layouts gold: 二.1, 二.2 …), its status in the last cell
    assert [s.path for s in parse_outline(doc.text).walk()] == ["二", "二.1", "二.2", "二.3", "三"]


def test_line_restoration_is_linear_on_hostile_shapes():
    shapes = {
        "labels": "。1.关于" * 30_000,
        "spaces": "。 一、甲 " * 30_000,
        "table": "序号 问题 整改措施 " + "1 " * 100_000,
        "rows": "序号 问题 整改措施 " + "".join(f"{i} 甲 乙 " for i in range(1, 20_000)),
        "headers": "序号 " * 100_000,
        "no-stop": "整改" * 200_000,
    }
    for name, text in shapes.items():
        started = time.process_time()
        load_text(text)
        elapsed = time.process_time() - started
        # CPU time (a busy machine does not stretch it): measured 0.2-0.9 s/MB per shape;
        # backtracking or a quadratic loop would be orders of magnitude over.
        assert elapsed < 8.0 * max(len(text.encode()) / 1e6, 0.1), f"{name}: {elapsed:.2f}s"


def test_an_html_table_keeps_one_row_a_line():
    html = (
        "<html><body><p>二、问题整改清单</p><table>"
        "<tr><th>序号</th><th>问题</th><th>整改措施</th><th>完成情况</th></tr>"
        "<tr><td>1</td><td>理论学习不深入</td><td>修订学习制度。</td><td>已完成</td></tr>"
        "<tr><td>2</td><td>财务报销审核不严</td><td>建立联审机制</td><td>正在推进</td></tr>"
        "</table><p>三、下一步工作打算</p></body></html>"
    )
    doc = load_text(html, media_type="text/html")
    assert doc.text.split("\n") == [
        "二、问题整改清单",
        "序号 问题 整改措施 完成情况",
        # a row's cells apart by a tab, as every flattened table row reads (ingest/linebreaks.py)
        "1 理论学习不深入\t修订学习制度。\t已完成",
        "2 财务报销审核不严\t建立联审机制\t正在推进",
        "三、下一步工作打算",
    ]
    k = doc.text.index("财务报销")
    s, e = doc.to_original(k, k + 8)
    assert doc.original[s:e] == "财务报销审核不严"


# The same kind of copy with its page head run on too: breadcrumb, title, source line, buttons.
ONE_LINE_PAGE = (
    "首页 > 信息公开 > 巡察工作 中共石湾乡委员会关于巡察整改进展情况的通报 发布时间:2024-05-06 10:20 "
    "浏览次数:321 【字体:大 中 小】根据县委统一部署,县委第二巡察组于2023年10月对石湾乡党委开展了巡察。"
    "一、整改工作组织情况 乡党委召开专题会议5次。二、整改落实情况 (一)关于“学习不深入”问题 "
    "一是修订制度。二是开展研讨,已完成整改。(二)关于“资金管理不规范”问题 一是清理账目,持续推进。"
    "欢迎广大干部群众对巡察整改落实情况进行监督。联系电话:0000-1234567。中共石湾乡委员会 2024年5月6日"
)


def test_a_run_on_page_gets_its_head_and_signature_apart_from_the_report():
    doc = load_text(ONE_LINE_PAGE)
    lines = doc.text.split("\n")
    assert lines[:5] == [
        "首页 > 信息公开 > 巡察工作",
        "中共石湾乡委员会关于巡察整改进展情况的通报",
        "发布时间:2024-05-06 10:20",
        "浏览次数:321",
        "【字体:大 中 小】",
    ]
    assert lines[-4:] == [
        "欢迎广大干部群众对巡察整改落实情况进行监督。",
        "联系电话:0000-1234567。",
        "中共石湾乡委员会",
        "2024年5月6日",
    ]
    _maps_back(doc)
    outline = parse_outline(doc.text)
    assert outline.title == "中共石湾乡委员会关于巡察整改进展情况的通报"
    assert [d.kind.value for d in outline.debris] == [
        "breadcrumb", "source_line", "source_line", "footer", "contact", "signature", "signature_date",
    ]  # fmt: skip
    assert [s.path for s in outline.walk()] == ["一", "二", "二.(一)", "二.(二)"]
