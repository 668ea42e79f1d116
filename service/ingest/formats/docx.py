"""Word documents (.docx), read with python-docx.

The body's paragraphs and tables in order; each numbered paragraph gets the label Word would
show (`numbering.Numbering`), since reports number their headings with Word lists; a table row
becomes one line with its cells apart (a tab, as in an HTML table); headers and footers are set
aside. The extracted text is the original: a .docx has no plain text to point back to.
"""

from __future__ import annotations

import io

from zhenggai.ingest.errors import EncryptedError, MalformedError
from zhenggai.ingest.formats.base import Extracted, InputFormat
from zhenggai.ingest.formats.numbering import Numbering
from zhenggai.schemas.document import DebrisKind, SetAside

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an encrypted .docx or an old .doc


def _open(data: bytes, name: str):
    from docx import Document

    if data.startswith(_CFB):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise EncryptedError("the Word file is protected with a password; send an unprotected copy", source=name)
        raise MalformedError("this is an old Word .doc file, not a .docx; save it as .docx", source=name)
    try:
        return Document(io.BytesIO(data))
    except Exception as exc:  # not a zip, a zip without a Word part, damaged XML: all the file's fault
        what = f"{type(exc).__name__}: {str(exc)[:120]}"
        raise MalformedError(f"cannot read this as a Word .docx file ({what})", source=name) from None


def _num_pr(paragraph) -> tuple[str, int] | None:
    """(numId, ilvl) of a paragraph: its own numPr, else its style's (through the base styles)."""
    found = paragraph._p.xpath("./w:pPr/w:numPr")
    style = paragraph.style
    while not found and style is not None:
        found = style.element.xpath("./w:pPr/w:numPr")
        style = style.base_style
    if not found:
        return None
    num_id = found[0].xpath("./w:numId/@w:val")
    ilvl = found[0].xpath("./w:ilvl/@w:val")
    if not num_id or num_id[0] == "0":
        return None
    return num_id[0], int(ilvl[0]) if ilvl and ilvl[0].isdigit() else 0


def _row_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:  # a merged cell comes back once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        if any(cells):
            lines.append("\t".join(cells))
    return lines


def _furniture(document) -> tuple[SetAside, ...]:
    found: dict[tuple[DebrisKind, str], None] = {}
    for section in document.sections:
        parts = [
            (DebrisKind.running_header, section.header),
            (DebrisKind.running_header, section.first_page_header),
            (DebrisKind.running_footer, section.footer),
            (DebrisKind.running_footer, section.first_page_footer),
        ]
        for kind, part in parts:
            if part.is_linked_to_previous:
                continue
            for p in part.paragraphs:
                if p.text.strip():
                    found[(kind, p.text.strip())] = None
    return tuple(SetAside(kind=kind, text=text) for kind, text in found)


def read(data: bytes, name: str, encoding: str | None) -> Extracted:
    from docx.table import Table

    document = _open(data, name)
    try:
        numbering = Numbering.from_part(document.part.numbering_part.element)
    except (KeyError, NotImplementedError):
        numbering = Numbering()
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_row_lines(block))
            continue
        text = block.text
        num = _num_pr(block)
        label = numbering.label(*num) if num else ""  # Word counts an empty list paragraph too
        lines.append(label + text.lstrip() if label and text.strip() else text)
    text = "\n".join(lines)
    return Extracted(text=text, original=text, encoding="", set_aside=_furniture(document))


FORMAT = InputFormat(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    read,
    magic=(b"PK\x03\x04", _CFB),
)
