"""PDF libraries compared on a generated 30-page CJK report: speed and text fidelity.

The report is the fictional example `examples/qinghe_county_2023.txt` eight times over, laid out
on A5 pages by fpdf2 with the machine's CJK font, a running header and `第N页 共M页` footers
(tests/_office.py). Fidelity: the characters extracted, whitespace and furniture aside, against
the source's. Also times the whole reader (`load_bytes`: pdfplumber, furniture, line joining,
normalising). Run: python bench/bench_formats.py
"""

from __future__ import annotations

import difflib
import io
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _office import footer_of_total, make_pdf, report_paragraphs  # noqa: E402

from zhenggai.ingest.document import load_bytes  # noqa: E402

HEADER = "青禾县委关于巡察整改进展情况的通报"


def _squeeze(s: str) -> str:
    return re.sub(r"\s", "", re.sub(r"第\d+页 共\d+页", "", s).replace(HEADER, ""))


def _pdfplumber(data: bytes) -> tuple[int, str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages), "\n".join(ln["text"] for p in pdf.pages for ln in p.extract_text_lines())


def _pypdf(data: bytes) -> tuple[int, str]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def main() -> None:
    text = (ROOT / "examples" / "qinghe_county_2023.txt").read_text(encoding="utf-8")
    paragraphs = report_paragraphs(text)
    paragraphs = [p for p in paragraphs if HEADER not in p] * 8
    data = make_pdf(paragraphs, header=HEADER, footer=footer_of_total)
    want = re.sub(r"\s", "", "".join(paragraphs))
    print(f"PDF: {len(data):,} bytes, {len(want):,} characters of text")
    for name, extract in (("pdfplumber", _pdfplumber), ("pypdf", _pypdf)):
        try:
            t0 = time.perf_counter()
            pages, got = extract(data)
            dt = time.perf_counter() - t0
        except ImportError:
            print(f"{name}: not installed")
            continue
        got = _squeeze(got)
        ratio = difflib.SequenceMatcher(None, got, want, autojunk=False).ratio()
        print(f"{name}: {pages} pages in {dt:.2f} s ({dt / pages * 1000:.0f} ms/page); characters "
              f"{'identical' if got == want else f'similarity {ratio:.4f}'}")  # fmt: skip
    t0 = time.perf_counter()
    doc = load_bytes(data, name="bench.pdf")
    dt = time.perf_counter() - t0
    print(f"load_bytes (the reader): {len(doc.source.pages)} pages in {dt:.2f} s, {len(doc.source.set_aside)} "
          f"furniture lines set aside, {doc.text.count(chr(10)) + 1} paragraphs")  # fmt: skip


if __name__ == "__main__":
    main()
