"""Build PDF and Word files from the fictional text examples, the way offices publish them.

The PDF has a running header, a page-number footer (`- 3 -` or `第3页 共10页`), paragraphs indented
two characters and wrapped by the layout, and page breaks that fall inside paragraphs. The DOCX
has its headings numbered by Word (a numbering part, not typed labels), a table and a header and
footer. Both are made from a report's text, so a test can compare what is read back with it.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

_FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@lru_cache(maxsize=1)
def cjk_font() -> Path:
    """A font with Chinese glyphs on this machine (scripts/install-test-deps.sh installs one)."""
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    found = [Path(line.split(":")[0].strip()) for line in out.splitlines() if line.strip()]
    for path in [*found, *map(Path, _FALLBACK_FONTS)]:
        if path.suffix.lower() in {".ttf", ".ttc", ".otf"} and path.exists():
            return path
    raise FileNotFoundError("no CJK font: run scripts/install-test-deps.sh (fonts-wqy-zenhei)")


def report_paragraphs(text: str) -> list[str]:
    """The report's paragraphs, their leading ideographic spaces kept (they are the indent)."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def footer_dash(page: int, pages: str) -> str:
    return f"- {page} -"


def footer_of_total(page: int, pages: str) -> str:
    return f"第{page}页 共{pages}页"


def make_pdf(
    paragraphs: list[str],
    *,
    header: str = "",
    footer: Callable[[int, str], str] | None = footer_dash,
    font_size: float = 12,
    page_size: tuple[float, float] = (148, 210),
    encrypt_with: str | None = None,
    scanned_pages: int = 0,
) -> bytes:
    """A text-layer PDF of `paragraphs` (A5 by default, so a short report spans several pages),
    then `scanned_pages` pages that are only a picture (an annex scanned in)."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    font = cjk_font()

    class Report(FPDF):
        def header(self) -> None:
            if header and self.page_no() > 1:
                self.set_font("cjk", size=9)
                self.cell(0, 6, header, align="C", new_x="LMARGIN", new_y="NEXT")
                self.ln(2)

        def footer(self) -> None:
            if footer is not None:
                self.set_y(-14)
                self.set_font("cjk", size=9)
                self.cell(0, 6, footer(self.page_no(), "{nb}"), align="C")

    pdf = Report(format=page_size)
    pdf.alias_nb_pages("{nb}")
    pdf.add_font("cjk", fname=str(font))
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(16, 16, 16)
    pdf.add_page()
    for para in paragraphs:
        pdf.set_font("cjk", size=font_size)
        pdf.multi_cell(0, font_size * 0.55, para, align="L", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    for _ in range(scanned_pages):
        pdf.add_page()
        pdf.image(_scan_png(), x=0, y=0, w=page_size[0], h=page_size[1])
    if encrypt_with is not None:
        pdf.set_encryption(owner_password="owner-" + encrypt_with, user_password=encrypt_with)
    return bytes(pdf.output())


def _scan_png(label: str = "扫描件整改情况说明") -> io.BytesIO:
    """A picture of a page of text, as a scanner makes it."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(cjk_font()), 28)
    img = Image.new("L", (600, 840), 255)
    draw = ImageDraw.Draw(img)
    for row in range(12):
        draw.text((40, 40 + row * 60), label, font=font, fill=0)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    return buf


def make_image_pdf(pages: int = 2) -> bytes:
    """A 'scanned' PDF: each page one picture of text, no text layer."""
    from fpdf import FPDF

    pdf = FPDF(format=(148, 210))
    for k in range(pages):
        pdf.add_page()
        pdf.image(_scan_png(f"第{k + 1}页扫描件整改情况说明"), x=0, y=0, w=148, h=210)
    return bytes(pdf.output())


# ---- Word -------------------------------------------------------------------------------------

_LEVELS = [  # (regex of a typed label, ilvl, numFmt, lvlText)
    (re.compile(r"^[一二三四五六七八九十]+、"), 0, "chineseCounting", "%1、"),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 1, "chineseCountingThousand", "（%2）"),
    (re.compile(r"^\d{1,2}[.．](?!\d)"), 2, "decimal", "%3."),
    (re.compile(r"^[(（]\d{1,2}[)）]"), 3, "decimal", "（%4）"),
]
_CELLS = re.compile(r"\t| {3,}")


def _numbering_xml(run_on: tuple[int, ...]) -> str:
    """A multilevel list for the four heading levels; levels in `run_on` never restart (a report's
    1. and (1) often run on across the areas above them)."""
    levels = []
    for _, ilvl, fmt, text in _LEVELS:
        restart = '<w:lvlRestart w:val="0"/>' if ilvl in run_on else ""
        levels.append(
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{restart}'
            f'<w:lvlText w:val="{text}"/><w:suff w:val="nothing"/><w:lvlJc w:val="left"/></w:lvl>'
        )
    head = '<w:abstractNum w:abstractNumId="7"><w:multiLevelType w:val="multilevel"/>'
    return head + "".join(levels) + "</w:abstractNum>"


def make_docx(paragraphs: list[str], *, header: str = "", footer: str = "", run_on: tuple[int, ...] = (2, 3)) -> bytes:
    """A DOCX of `paragraphs`: heading labels (一、 (一) 1. (1)) become Word's own numbering (the typed
    label is removed and the paragraph points at a list in numbering.xml); runs of lines whose cells
    are split by tabs or wide spaces become a Word table, one row per line."""
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    doc = Document()
    numbering = doc.part.numbering_part.element
    numbering.append(parse_xml(_numbering_xml(run_on).replace("<w:abstractNum ", f"<w:abstractNum {nsdecls('w')} ", 1)))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="41"><w:abstractNumId w:val="7"/></w:num>'))
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    if footer:
        doc.sections[0].footer.paragraphs[0].text = footer
    k = 0
    while k < len(paragraphs):
        if _CELLS.search(paragraphs[k].strip()):
            rows = []
            while k < len(paragraphs) and _CELLS.search(paragraphs[k].strip()):
                rows.append(_CELLS.split(paragraphs[k].strip()))
                k += 1
            width = max(map(len, rows))
            table = doc.add_table(rows=0, cols=width)
            for row in rows:
                for cell, value in zip(table.add_row().cells, row + [""] * (width - len(row)), strict=True):
                    cell.text = value
            continue
        para = paragraphs[k]
        body = para.lstrip("\u3000 ")
        level = next(((m, ilvl) for rx, ilvl, _, _ in _LEVELS if (m := rx.match(body))), None)
        p = doc.add_paragraph()
        if level is not None:
            m, ilvl = level
            body = body[m.end() :]
            p._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="41"/></w:numPr>')
            )
        p.add_run(body if level is not None else para)
        k += 1
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
