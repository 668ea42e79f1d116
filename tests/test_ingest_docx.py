"""Word reports through the input-format registry: a DOCX made from a fictional example, its
headings numbered by Word and its table a real table, reads as the example does."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache

import pytest
from _office import make_docx, report_paragraphs
from _paths import EXAMPLES_DIR, LAYOUTS_DIR
from lxml import etree

from zhenggai.ingest.document import load_bytes, load_path, load_text
from zhenggai.ingest.errors import EncryptedError, MalformedError, UnsupportedMediaError
from zhenggai.ingest.formats.numbering import Numbering, chinese, format_number
from zhenggai.llm.client import LLMClient
from zhenggai.outputs.writers import walk
from zhenggai.pipeline import summarize_document
from zhenggai.schemas.document import DebrisKind

QINGHE = EXAMPLES_DIR / "qinghe_county_2023.txt"
TABLE = LAYOUTS_DIR / "14_table_flattened.txt"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@lru_cache(maxsize=8)
def _docx(path) -> bytes:
    return make_docx(report_paragraphs(path.read_text(encoding="utf-8")), header="青禾县委办公室", footer="第 1 页")


@pytest.mark.parametrize("path", [QINGHE, TABLE, LAYOUTS_DIR / "01_top_level_guanyu.txt"], ids=lambda p: p.stem)
def test_docx_reads_as_the_text_it_was_made_from(path):
    data = _docx(path)
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert "<w:numPr>" in body and "（一）" not in body and "(一)" not in body  # labels are Word's, not typed
    doc = load_bytes(data, name=path.with_suffix(".docx").name)
    assert doc.source.media_type == DOCX and doc.source.pages == []
    assert doc.text == load_path(path).text
    # header and footer set aside, not in the text
    assert [(s.kind, s.text) for s in doc.source.set_aside] == [
        (DebrisKind.running_header, "青禾县委办公室"),
        (DebrisKind.running_footer, "第 1 页"),
    ]
    assert "青禾县委办公室" not in doc.text


def test_a_table_becomes_one_line_per_row():
    data = _docx(TABLE)
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert body.count("<w:tr>") + body.count("<w:tr ") >= 10
    lines = load_bytes(data, name="t.docx").text.split("\n")
    header = next(line for line in lines if line.startswith("序号"))
    assert header.split(" ")[:2] == ["序号", "反馈问题"]
    assert any(line.startswith("1 ") for line in lines) and any(line.startswith("10 ") for line in lines)


async def test_the_pipeline_finds_the_same_problems_in_the_docx(judge_llm, llm_fake_settings):
    async with LLMClient(llm_fake_settings) as client:
        for path in (QINGHE,):
            from_text = await summarize_document(load_path(path), client, llm_fake_settings)
            from_docx = await summarize_document(load_bytes(_docx(path), name="r.docx"), client, llm_fake_settings)
            listing = [(p.path, p.title, p.status) for p in walk(from_docx.problems)]
            assert listing == [(p.path, p.title, p.status) for p in walk(from_text.problems)] and listing


def test_number_formats():
    assert [chinese(n) for n in (1, 10, 11, 19, 20, 21, 100, 105, 110, 1001)] == [
        "一", "十", "十一", "十九", "二十", "二十一", "一百", "一百零五", "一百一十", "一千零一",
    ]  # fmt: skip
    assert format_number(3, "chineseCounting") == "三" and format_number(12, "chineseCountingThousand") == "十二"
    assert [format_number(n, "ideographTraditional") for n in (1, 2, 3, 10)] == ["甲", "乙", "丙", "癸"]
    assert [format_number(n, "decimalEnclosedCircle") for n in (1, 3, 20, 21)] == ["①", "③", "⑳", "21"]
    assert format_number(7, "decimal") == "7" and format_number(4, "upperRoman") == "IV"
    assert format_number(2, "chineseLegalSimplified") == "贰"


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _numbering(levels: str, nums: str) -> Numbering:
    xml = f'<w:numbering xmlns:w="{_W}"><w:abstractNum w:abstractNumId="1">{levels}</w:abstractNum>{nums}</w:numbering>'
    return Numbering.from_part(etree.fromstring(xml))


def _lvl(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{extra}'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
    )


def test_lvl_text_templates_restarts_and_overrides():
    levels = _lvl(0, "chineseCounting", "%1、") + _lvl(1, "decimal", "%1.%2", extra="<w:isLgl/>")
    levels += _lvl(2, "decimalEnclosedCircle", "%3")
    nums = '<w:num w:numId="5"><w:abstractNumId w:val="1"/></w:num>'
    nums += '<w:num w:numId="6"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="3"/>'
    nums += "</w:lvlOverride></w:num>"
    n = _numbering(levels, nums)
    seq = [(0, "一、"), (1, "1.1"), (2, "①"), (2, "②"), (1, "1.2"), (2, "①"), (0, "二、"), (1, "2.1")]
    assert [n.label("5", lvl) for lvl, _ in seq] == [label for _, label in seq]
    assert n.label("6", 0) == "三、"  # its own list, started at 3
    assert n.label("9", 0) == "" and n.label("5", 4) == ""  # an unknown list or level has no label
    # a hostile file's levels outside Word's 0..8 are ignored, not an IndexError
    odd = _numbering(_lvl(20, "decimal", "%1.") + _lvl(-1, "decimal", "%1."), nums)
    assert odd.label("5", 20) == "" and odd.label("5", -1) == ""
    # a level that never restarts runs on across its parents, as report items (1) (2) … often do
    run_on = _numbering(
        _lvl(0, "chineseCountingThousand", "（%1）") + _lvl(1, "decimal", "(%2)", extra='<w:lvlRestart w:val="0"/>'),
        '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>',
    )
    assert [run_on.label("1", k) for k in (0, 1, 1, 0, 1)] == ["（一）", "(1)", "(2)", "（二）", "(3)"]
    traditional = _numbering(
        _lvl(0, "ideographTraditional", "%1."), '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
    )
    assert [traditional.label("2", 0) for _ in range(3)] == ["甲.", "乙.", "丙."]


def test_numbering_that_comes_with_a_paragraph_style():
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    doc = Document()
    numbering = doc.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="3">'
            + _lvl(0, "chineseCounting", "%1、").replace("<w:lvl ", f"<w:lvl {nsdecls('w')} ", 1)
            + "</w:abstractNum>"
        )
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="9"><w:abstractNumId w:val="3"/></w:num>'))
    heading = doc.styles["Heading 1"].element.get_or_add_pPr()
    heading.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:numId w:val="9"/></w:numPr>'))
    doc.add_paragraph("整改工作基本情况", style="Heading 1")
    doc.add_paragraph("县委成立整改工作领导小组。")
    doc.add_paragraph("巡察反馈意见整改落实情况", style="Heading 1")
    buf = io.BytesIO()
    doc.save(buf)
    text = load_bytes(buf.getvalue(), name="styled.docx").text
    assert text.split("\n") == ["一、整改工作基本情况", "县委成立整改工作领导小组。", "二、巡察反馈意见整改落实情况"]


def test_bad_word_files_fail_clearly(tmp_path):
    for bad in (b"PK\x03\x04 not really a zip", b"\x00\x01garbage" * 50):
        with pytest.raises(MalformedError) as err:
            load_bytes(bad, name="bad.docx")
        assert err.value.reason == "malformed"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "不是Word文件")
    with pytest.raises(MalformedError):
        load_bytes(buf.getvalue(), name="notes.docx")
    cfb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    with pytest.raises(MalformedError, match=r"\.doc"):
        load_bytes(cfb, name="old.doc", media_type=DOCX)
    with pytest.raises(EncryptedError):
        load_bytes(cfb + "EncryptedPackage".encode("utf-16-le"), name="locked.docx")
    path = tmp_path / "r.docx"
    path.write_bytes(_docx(QINGHE))
    assert load_path(path).text == load_path(QINGHE).text
    with pytest.raises(UnsupportedMediaError):
        load_text("任意文字", media_type=DOCX)
