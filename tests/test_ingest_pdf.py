"""PDF reports through the input-format registry: the text of a PDF made from a fictional example
reads as the example does, pages are kept, page furniture is set aside, bad PDFs fail clearly."""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from itertools import pairwise

import httpx
import pytest
from _office import footer_dash, footer_of_total, make_image_pdf, make_pdf, report_paragraphs
from _paths import EXAMPLES_DIR, LAYOUTS_DIR
from api_server import AUTH, KEY, LiveServer, wait_for
from pydantic import SecretStr

from zhenggai.api import create_app
from zhenggai.batch import discover
from zhenggai.ingest import formats
from zhenggai.ingest.document import load_bytes, load_path, load_text
from zhenggai.ingest.errors import EncryptedError, MalformedError, NoTextLayerError, UnsupportedMediaError
from zhenggai.ingest.normalize import TRANSLATION
from zhenggai.llm.client import LLMClient
from zhenggai.outputs.review import render_review_html
from zhenggai.outputs.writers import CSV_COLUMNS, records_csv, walk
from zhenggai.pipeline import summarize_document
from zhenggai.schemas.document import DebrisKind
from zhenggai.schemas.record import SummaryRecord

QINGHE = EXAMPLES_DIR / "qinghe_county_2023.txt"
HEADER = "青禾县委关于巡察整改进展情况的通报"
CASES = [
    (QINGHE, footer_of_total),
    (LAYOUTS_DIR / "01_top_level_guanyu.txt", footer_dash),
    (LAYOUTS_DIR / "03_wenti_labels.txt", footer_of_total),
]


@lru_cache(maxsize=16)
def _pdf(path, footer=footer_of_total, **kw) -> bytes:
    return make_pdf(report_paragraphs(path.read_text(encoding="utf-8")), header=HEADER, footer=footer, **kw)


def _squeeze(s: str) -> str:
    return re.sub(r"\s", "", s)


@pytest.fixture
def qinghe_pdf() -> bytes:
    return _pdf(QINGHE)


@pytest.mark.parametrize(("path", "footer"), CASES, ids=lambda c: getattr(c, "stem", getattr(c, "__name__", "")))
def test_pdf_reads_as_the_text_it_was_made_from(path, footer):
    doc = load_bytes(_pdf(path, footer), name=path.with_suffix(".pdf").name)
    assert doc.source.media_type == "application/pdf"
    assert doc.text == load_path(path).text  # lines joined back into paragraphs, furniture gone
    n = len(doc.source.pages)
    assert n >= 3
    # every page's number and (after the first) its running header were set aside, nothing else
    numbers = [s for s in doc.source.set_aside if s.kind == DebrisKind.page_number]
    headers = [s for s in doc.source.set_aside if s.kind == DebrisKind.running_header]
    assert [s.page for s in numbers] == list(range(1, n + 1))
    assert numbers[0].text == footer(1, str(n))
    assert [s.page for s in headers] == list(range(2, n + 1)) and {s.text for s in headers} == {HEADER}
    assert HEADER not in doc.text[200:] and "共" + str(n) + "页" not in doc.text


def test_pages_are_kept_and_a_paragraph_runs_across_a_page_break(qinghe_pdf):
    import pdfplumber

    doc = load_bytes(qinghe_pdf, name="qinghe.pdf")
    pages = doc.source.pages
    assert pages[0].start == 0 and pages[-1].end == len(doc.text)
    assert all(a.end == b.start for a, b in pairwise(pages))
    with pdfplumber.open(io.BytesIO(qinghe_pdf)) as pdf:
        printed = [_squeeze(p.extract_text().translate(TRANSLATION)) for p in pdf.pages]  # half-width, as normalised
    for k, span in enumerate(pages):  # each page's span is what that page prints
        assert _squeeze(span.slice(doc.text)) in printed[k]
        assert doc.source.page_of(span.start) == doc.source.page_of(span.end - 1) == k + 1
    # some page break falls inside a paragraph, which is still one line of the text
    inside = [s.start for s in pages[1:] if doc.text[s.start - 1] != "\n"]
    assert inside
    line = doc.text[doc.text.rfind("\n", 0, inside[0]) + 1 : doc.text.find("\n", inside[0])]
    assert line in load_path(QINGHE).text.split("\n")


async def test_the_pipeline_finds_the_same_problems_in_the_pdf(judge_llm, llm_fake_settings, qinghe_pdf):
    pdf_doc = load_bytes(qinghe_pdf, name="qinghe.pdf")
    async with LLMClient(llm_fake_settings) as client:
        from_text = await summarize_document(load_path(QINGHE), client, llm_fake_settings)
        from_pdf = await summarize_document(pdf_doc, client, llm_fake_settings)

    def listing(r: SummaryRecord) -> list[tuple]:
        return [(p.path, p.title, p.status, p.evidence.span.start) for p in walk(r.problems)]

    assert listing(from_pdf) == listing(from_text) and len(listing(from_pdf)) >= 8
    assert from_pdf.report.pages == pdf_doc.source.pages and not from_text.report.pages
    # the CSV says where each problem starts, the review page too
    rows = list(csv.DictReader(io.StringIO(records_csv([from_pdf]).lstrip("\ufeff"))))
    assert "page" in CSV_COLUMNS
    assert [int(r["page"]) for r in rows] == [pdf_doc.source.page_of(int(r["start"])) for r in rows]
    assert len({r["page"] for r in rows}) >= 2
    assert {r["page"] for r in csv.DictReader(io.StringIO(records_csv([from_text]).lstrip("\ufeff")))} == {""}
    page = render_review_html(from_pdf, pdf_doc.text)
    assert f"p. {rows[-1]['page']}" in page and "p. " not in render_review_html(from_text, load_path(QINGHE).text)


def test_a_scanned_pdf_has_no_text_layer():
    with pytest.raises(NoTextLayerError) as err:
        load_bytes(make_image_pdf(pages=2), name="scan.pdf")
    assert err.value.reason == "no_text_layer" and "2 page(s)" in str(err.value)


def test_a_scanned_annex_is_named_in_a_warning():
    doc = load_bytes(_pdf(QINGHE, footer=None, scanned_pages=2), name="annex.pdf")
    assert doc.text == load_path(QINGHE).text
    n = len(doc.source.pages)
    [warning] = [w for w in doc.warnings if w.code == "pages_without_text"]
    assert f"2 of {n} pages" in warning.message and f"pages {n - 1}, {n}" in warning.message
    assert doc.source.pages[-1].start == doc.source.pages[-1].end == len(doc.text)  # empty pages, empty spans


def test_encrypted_and_broken_pdfs_fail_clearly(tmp_path, qinghe_pdf):
    with pytest.raises(EncryptedError) as err:
        load_bytes(_pdf(QINGHE, encrypt_with="secret"), name="locked.pdf")
    assert err.value.reason == "encrypted"
    # a PDF protected only against editing opens without a password
    assert load_bytes(_pdf(QINGHE, encrypt_with=""), name="owner.pdf").text == load_path(QINGHE).text
    for bad in (qinghe_pdf[: len(qinghe_pdf) // 3], b"%PDF-1.7\n%garbage\n" + bytes(range(256)) * 8):
        with pytest.raises(MalformedError) as err:
            load_bytes(bad, name="broken.pdf")
        assert err.value.reason == "malformed"
    bad = tmp_path / "report.pdf"
    bad.write_bytes(QINGHE.read_bytes())  # a text file named .pdf is read as the PDF it claims to be
    with pytest.raises(MalformedError):
        load_path(bad)
    with pytest.raises(UnsupportedMediaError):
        load_text("任意文字", name="x.pdf", media_type="application/pdf")


def test_registry_is_the_one_list_the_shells_use(tmp_path, qinghe_pdf):
    for name in ("a.pdf", "b.docx", "c.txt", "d.md", "e.html"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "f.xlsx").write_bytes(b"PK\x03\x04")
    found, failures = discover([tmp_path, tmp_path / "f.xlsx"])
    assert sorted(p.name for p in found) == ["a.pdf", "b.docx", "c.txt", "d.md", "e.html"]
    assert [f.reason for f in failures] == ["unsupported_media"] and ".docx" in failures[0].message
    assert formats.by_media_type("application/pdf; x=1").name == "pdf" and formats.sniff(qinghe_pdf).name == "pdf"
    # bytes without a name or media type are recognised by their first bytes
    assert load_bytes(qinghe_pdf).source.media_type == "application/pdf"


def test_a_pdf_over_http_as_an_upload_and_as_raw_bytes(serve, qinghe_pdf):
    api = serve()
    r = api.post(
        "/v1/summaries", params={"wait": "true"}, files={"file": ("qinghe.pdf", qinghe_pdf, "application/pdf")}
    )
    assert r.status_code in (200, 202), r.text
    job = wait_for(api, r.json()["id"])
    assert job["status"] == "done", job
    record = SummaryRecord.model_validate(job["result"])
    assert record.report.source_file == "qinghe.pdf" and len(record.report.pages) >= 3
    as_text = wait_for(api, api.post("/v1/summaries", json={"text": QINGHE.read_text(encoding="utf-8")}).json()["id"])
    expected = SummaryRecord.model_validate(as_text["result"])
    assert [(p.path, p.status) for p in walk(record.problems)] == [(p.path, p.status) for p in walk(expected.problems)]
    text = load_path(QINGHE).text
    assert all(p.evidence.span.slice(text) == p.evidence.text for p in walk(record.problems))
    csv_text = api.get(f"/v1/summaries/{job['id']}.csv").text
    assert ",page" in csv_text.splitlines()[0]
    # the file itself as the body, with its media type; a name in the query (another report: the same
    # text would be the same job)
    raw = api.post(
        "/v1/summaries",
        params={"name": "raw.pdf"},
        content=_pdf(CASES[1][0], footer_dash),
        headers={"content-type": "application/pdf"},
    )
    assert raw.status_code == 202, raw.text[:300]
    assert raw.json()["name"] == "raw.pdf" and wait_for(api, raw.json()["id"])["status"] == "done"
    scan = api.post("/v1/summaries", content=make_image_pdf(1), headers={"content-type": "application/pdf"})
    assert scan.status_code == 422 and scan.json()["detail"] == {"reason": "no_text_layer"}


@pytest.mark.integration
def test_a_pdf_upload_summarized_by_the_real_model_over_http(tmp_path, local_llm_settings, qinghe_pdf):
    settings = local_llm_settings.model_copy(
        update={"api_keys": [SecretStr(f"team-a:{KEY}")], "api_db": tmp_path / "jobs.sqlite", "api_rate_per_s": 100.0}
    )
    with LiveServer(create_app(settings)) as srv, httpx.Client(base_url=srv.url, headers=AUTH, timeout=60) as api:
        r = api.post("/v1/summaries", files={"file": ("qinghe.pdf", qinghe_pdf, "application/pdf")})
        assert r.status_code == 202, r.text
        job = wait_for(api, r.json()["id"], timeout=900)
        assert job["status"] == "done", job["error"]
        record = SummaryRecord.model_validate(job["result"])
        text = load_bytes(qinghe_pdf, name="qinghe.pdf").text
        problems = list(walk(record.problems))
        assert problems and len(record.report.pages) >= 3
        assert all(p.evidence.span.slice(text) == p.evidence.text for p in problems)
        assert all(record.report.page_of(p.evidence.span.start) for p in problems)
