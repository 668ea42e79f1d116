"""Reading reports whatever their encoding, wrapping and page furniture; bad input fails clearly."""

from __future__ import annotations

import os

import pytest

from zhenggai.ingest.document import load_bytes, load_path, load_text
from zhenggai.ingest.errors import (
    BinaryInputError,
    DecodingError,
    EmptyDocumentError,
    IngestError,
    TooLargeError,
    UnsupportedMediaError,
)
from zhenggai.structure.outline import parse_outline

# A short report about a fictional county, full-width punctuation as many sites publish it.
REPORT = """首页 > 工作动态 > 巡视巡察
中共青禾县委关于巡察整改进展情况的通报
来源：青禾县纪委监委　发布时间：2023-05-06
　　根据市委统一部署，2022年9月1日至10月30日，市委第二巡察组对青禾县开展了巡察。
一、整改工作基本情况
　　县委成立整改工作领导小组，梳理分解为3个方面12个具体问题。
二、巡察反馈意见整改落实情况
（一）关于“落实发展理念不到位”方面问题
1．关于“营商环境不优”问题
（1）针对“审批环节多”的问题。一是精简审批事项18项。二是推行“一窗受理”，已完成整改。
（2）针对“服务意识不强”的问题。一是开展作风整顿。二是建立回访制度，长期坚持。
（2）针对“重复编号”的问题。一是核查台账。
（5）针对“编号跳跃”的问题。一是建立台账，持续推进。
（二）关于“管党治党不严”方面问题
1、关于“主体责任落实不力”问题。县委常委会专题研究3次，问责干部5人。
三、下一步整改工作打算
　　持续巩固整改成果。
　　欢迎广大干部群众对巡察整改落实情况进行监督。联系电话：0000-1234567。
中共青禾县委
2023年5月5日
"""


def test_utf8_full_width_is_normalised_and_mapped_back():
    doc = load_text(REPORT, name="qinghe.txt")
    assert "（" not in doc.text and "：" not in doc.text
    assert "(一)关于“落实发展理念不到位”方面问题" in doc.text
    # every character maps back to the same or its full-width twin in the original
    for i, ch in enumerate(doc.text):
        s, e = doc.to_original(i, i + 1)
        orig = doc.original[s:e]
        if ch == "\n":
            continue
        assert orig == ch or ord(orig) - 0xFEE0 == ord(ch) or (orig == "\u3000" and ch == " "), (i, ch, orig)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "report.txt"
    path.write_bytes(REPORT.encode(encoding))
    doc = load_path(path)
    assert doc.text == load_text(REPORT).text
    assert doc.source.bom == (encoding in {"utf-16", "utf-8-sig"})
    family = {"gbk": "gb18030", "utf-16": "utf-16-le", "utf-8-sig": "utf-8"}.get(encoding, encoding)
    assert doc.source.encoding.replace("_", "-") == family
    # byte offsets lead back to the same text in the original bytes
    start = doc.text.index("审批环节多")
    b0, b1 = doc.to_original_bytes(start, start + 5)
    assert path.read_bytes()[b0:b1].decode(family) == "审批环节多"


def test_crlf_and_blank_lines():
    doc = load_text(REPORT.replace("\n", "\r\n\r\n"))
    assert doc.text == load_text(REPORT).text
    assert doc.source.newline == "\r\n"


def test_outline_of_edge_cases():
    doc = load_text(REPORT)
    outline = parse_outline(doc.text)
    assert outline.title == "中共青禾县委关于巡察整改进展情况的通报"
    area = outline.find("二.(一)")
    item = outline.find("二.(一).1")
    assert item.title == "关于“营商环境不优”问题"
    assert [c.label for c in item.children] == ["(1)", "(2)", "(2)", "(5)"]
    assert [c.numbering_note for c in item.children] == ["", "", "repeat", "skip"]
    assert item.children[0].title == "针对“审批环节多”的问题" and item.children[0].run_in
    assert [e.label for e in item.children[0].enumerations] == ["一是", "二是"]
    # 1、 is the same level as 1., run-in heading ends at its full stop
    run_in = outline.find("二.(二).1")
    assert run_in.title == "关于“主体责任落实不力”问题" and run_in.run_in
    assert area.role.value == "details"
    assert outline.find("二.(二)").role.value == "details"
    kinds = [d.kind.value for d in outline.debris]
    assert kinds == ["breadcrumb", "source_line", "contact", "signature", "signature_date"]
    assert doc.text[outline.closing.start :].startswith("欢迎广大干部群众")


def test_levels_missing_in_a_branch_nest_the_next_style():
    text = "二、整改落实情况\n(一)关于甲问题\n(1)针对子问题。一是措施。二是措施。\n(二)关于乙问题\n1.针对丙问题。措施。"
    outline = parse_outline(load_text(text).text)
    assert outline.find("二.(一).(1)") is not None  # no 1. level in this branch
    assert outline.find("二.(二).1") is not None


def test_hard_wrapped_text_is_rejoined():
    para = "针对该问题，区委召开专题会议研究部署，制定整改方案，明确责任单位和完成时限，" * 6
    wrapped_lines = [para[i : i + 30] for i in range(0, len(para), 30)]
    text = (
        "二、整改落实情况\n(一)关于甲问题\n"
        + "\n".join(wrapped_lines)
        + "\n(二)关于乙问题\n"
        + "\n".join(wrapped_lines)
    )
    doc = load_text(text)
    assert doc.source.hard_wrapped
    assert para.translate({0xFF0C: ","}) in doc.text
    outline = parse_outline(doc.text)
    assert [s.label for s in outline.sections[0].children] == ["(一)", "(二)"]


def test_html_page_with_debris_maps_back_to_the_markup():
    html = (
        "<html><head><meta charset='utf-8'><title>通报</title><script>var a='一、';</script></head><body>"
        "<div class='nav'>首页 &gt; 巡视巡察 &gt; 正文</div><div>01版:要闻 02版:综合</div>"
        "<h1>中共望川区委关于巡视整改进展情况的通报</h1><p>发布时间：2022-03-01</p>"
        "<p>　　根据省委统一部署，省委巡视组对望川区开展了巡视。</p>"
        "<p>二、巡视反馈意见整改落实情况</p><p>（一）关于“作风不实”问题。一是整改&nbsp;A。二是整改B。</p>"
        "<p>关键词：巡视 整改</p></body></html>"
    )
    doc = load_bytes(html.encode("utf-8"), name="page.html")
    assert doc.source.media_type == "text/html"
    assert "var a" not in doc.text
    outline = parse_outline(doc.text)
    assert outline.title == "中共望川区委关于巡视整改进展情况的通报"
    assert {d.kind.value for d in outline.debris} >= {"breadcrumb", "page_menu", "source_line", "keywords"}
    sec = outline.find("二.(一)")
    s, e = doc.to_original(sec.title_span.start, sec.title_span.end)
    assert doc.original[s:e] == "关于“作风不实”问题"


def test_html_declared_gbk_charset(tmp_path):
    html = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'></head>"
        "<body><p>一、整改情况</p><p>（一）关于问题。一是甲。二是乙。</p></body></html>"
    )
    path = tmp_path / "page.htm"
    path.write_bytes(html.encode("gbk"))
    doc = load_path(path)
    assert doc.source.encoding == "gb18030"
    assert "(一)关于问题" in doc.text


def test_markdown_heading_marks_are_set_aside():
    doc = load_text(
        "# 关于整改的通报\n\n## 二、整改落实情况\n\n**(一)关于甲问题**\n\n- 1.针对乙问题。", media_type="text/markdown"
    )
    outline = parse_outline(doc.text)
    assert outline.find("二.(一).1") is not None
    assert "#" not in doc.text and "**" not in doc.text


@pytest.mark.parametrize(
    ("data", "error", "reason"),
    [
        (b"", EmptyDocumentError, "empty"),
        (b"   \r\n\t\n", EmptyDocumentError, "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, BinaryInputError, "binary"),
        (bytes([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]) + os.urandom(2000), BinaryInputError, "binary"),
        (REPORT.encode("utf-8")[:200] + b"\xff\xfe\xfd" + REPORT.encode("utf-8")[200:], DecodingError, "decoding"),
    ],
    ids=["empty", "whitespace", "png", "elf", "broken-utf8"],
)
def test_bad_input_fails_with_a_clear_typed_error(data, error, reason):
    with pytest.raises(error) as info:
        load_bytes(data, name="bad.txt")
    assert info.value.reason == reason
    assert "bad.txt" in str(info.value)


def test_broken_utf8_names_the_offset():
    head = REPORT[:100].encode("utf-8")  # a character boundary
    data = head + b"\xff" + REPORT[100:].encode("utf-8")
    with pytest.raises(DecodingError, match=rf"byte offset {len(head)} "):
        load_bytes(data, name="x.txt")


def test_explicit_encoding_overrides_detection_and_fails_strictly():
    data = REPORT.encode("gbk")
    assert load_bytes(data, encoding="gb18030").text == load_text(REPORT).text
    with pytest.raises(DecodingError, match="utf-8"):
        load_bytes(data, encoding="utf-8")


def test_unsupported_suffix_and_size_limit(tmp_path):
    sheet = tmp_path / "report.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    with pytest.raises(UnsupportedMediaError):
        load_path(sheet)
    big = tmp_path / "big.txt"
    big.write_text(REPORT, encoding="utf-8")
    with pytest.raises(TooLargeError):
        load_path(big, max_bytes=100)


def test_all_ingest_errors_share_one_base():
    for cls in (EmptyDocumentError, BinaryInputError, DecodingError, UnsupportedMediaError, TooLargeError):
        assert issubclass(cls, IngestError)
