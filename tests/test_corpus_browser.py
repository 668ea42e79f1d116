"""The corpus dashboard in real headless Chromium, over the records of the seeds and pages: it
loads clean and offline, its counts are the corpus SQL's, filters change them as the SQL does,
the search box finds a problem, and each report links to its review page."""

from __future__ import annotations

from pathlib import Path

import pytest
from _corpus import development_records
from browser import screenshot_path

from zhenggai.corpus.dashboard import write_dashboard
from zhenggai.corpus.database import build, connect
from zhenggai.corpus.summary import Filters, summarize

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("corpus")
    db = root / "corpus.duckdb"
    build(db, list(development_records()))
    return db, write_dashboard(db, root / "corpus.html")


def _counts(page) -> tuple[int, int, int]:
    return tuple(int(page.inner_text(f"#n-{k}")) for k in ("reports", "problems", "findings"))


def _open(page, html: Path) -> None:
    page.goto(html.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=15000)


def test_the_page_loads_offline_with_the_sql_counts(page, corpus):
    db, html = corpus
    _open(page, html)
    con = connect(db, read_only=True)
    s = summarize(con)
    assert _counts(page) == (s.reports, s.problems, s.findings)
    assert page.locator("#t-province tbody tr").count() == len(s.by_province)
    assert page.locator("#c-status text[data-status]").count() == len(s.status_shares)
    assert page.locator("#findings li").count() == min(s.findings, 40)
    page.screenshot(path=str(screenshot_path("corpus_dashboard.png")), full_page=True)
    assert not page.log.problems, page.log.problems


def test_filters_change_the_counts_as_the_sql_does(page, corpus):
    db, html = corpus
    _open(page, html)
    con = connect(db, read_only=True)
    everything = _counts(page)
    year = 2022
    page.select_option("#f-year", str(year))
    s = summarize(con, Filters(year=year))
    assert _counts(page) == (s.reports, s.problems, s.findings) != everything
    page.select_option("#f-year", "")
    kind = page.locator("#f-kind option", has_text="巡视")
    page.select_option("#f-kind", kind.get_attribute("value"))
    s = summarize(con, Filters(kind="巡视"))
    assert _counts(page) == (s.reports, s.problems, s.findings) != everything
    page.click("#f-reset")
    page.wait_for_function(f"document.getElementById('n-reports').textContent === '{everything[0]}'")
    assert _counts(page) == everything
    assert not page.log.problems, page.log.problems


def test_search_finds_a_problem_and_links_its_review_page(page, corpus):
    db, html = corpus
    _open(page, html)
    con = connect(db, read_only=True)
    title = con.execute(
        "SELECT p.title FROM problems p JOIN reports r USING (report_id) WHERE p.is_leaf AND r.title LIKE '%东丽区%' "
        "ORDER BY p.seq LIMIT 1"
    ).fetchone()[0]
    words = title[2:10]
    page.fill("#search", words)
    hits = page.locator("#search-results li")
    assert hits.count() >= 1
    first = hits.first
    assert words in first.inner_text() and first.locator("mark").inner_text() == words
    href = first.locator("a").get_attribute("href")
    target = (html.parent / href).resolve()
    assert target.suffix == ".html" and target.is_file() and "东丽区" in target.read_text(encoding="utf-8")
    page.fill("#search", "这句话不在任何问题里")
    assert hits.count() == 0 and page.inner_text("#search-count") == "没有找到"
    assert not page.log.problems, page.log.problems
