"""The review page of the longest seed report (004, ~130 problems) in real headless Chromium:
it loads clean and offline, highlights every grounded item, links panel and text both ways,
filters by status, and stays fast. Timings go to tests/artifacts/review_004_timing.json."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from _paths import seed
from _review import grounded
from browser import screenshot_path
from fake_judge import responder
from fake_llm import FakeLLM

from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.outputs.review import render_review_html
from zhenggai.outputs.writers import walk
from zhenggai.pipeline import summarize_document
from zhenggai.schemas.record import SummaryRecord

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def timings():
    """Measured load and click timings, written beside the screenshots when the module is done."""
    measured: dict[str, float] = {}
    yield measured
    if measured:
        screenshot_path("review_004_timing.json").write_text(json.dumps(measured, indent=2) + "\n", encoding="utf-8")
        print("\nreview page, seed 004:", json.dumps({k: round(v, 1) for k, v in measured.items()}))


class Review:
    def __init__(self, record: SummaryRecord, text: str, path: Path, render_ms: float) -> None:
        self.record, self.text, self.path, self.render_ms = record, text, path, render_ms
        self.problems = list(walk(record.problems))

    @property
    def url(self) -> str:
        return self.path.as_uri()


@pytest.fixture(scope="module")
def review_004(tmp_path_factory) -> Review:
    """The 004 record from the pipeline with the rule-following fake model, and its page."""
    from conftest import llm_test_settings

    doc = load_path(seed("004"))
    with FakeLLM() as server:
        server.responder = responder
        settings = llm_test_settings(
            model="openai/fake-model",
            api_base=server.url,
            api_key="sk-test-key-123456",
            cache_dir=tmp_path_factory.mktemp("cache"),
        )

        async def run() -> SummaryRecord:
            async with LLMClient(settings) as client:
                return await summarize_document(doc, client, settings)

        # in a thread of its own: Playwright's sync API keeps an event loop running in this one
        with ThreadPoolExecutor(1) as pool:
            record = pool.submit(asyncio.run, run()).result()
    started = time.perf_counter()
    html = render_review_html(record, doc.text)
    render_ms = (time.perf_counter() - started) * 1000
    path = tmp_path_factory.mktemp("review") / "004.html"
    path.write_text(html, encoding="utf-8")
    return Review(record, doc.text, path, render_ms)


def _in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(sel) => {
            const r = document.querySelector(sel).getBoundingClientRect();
            const top = document.querySelector('.top').getBoundingClientRect().bottom;
            return r.height > 0 && r.top >= top && r.bottom <= window.innerHeight;
        }""",
        selector,
    )


_IN_VIEW_JS = """
    const inView = (el) => {
        const r = el.getBoundingClientRect();
        return r.height > 0 && r.top >= document.querySelector('.top').getBoundingClientRect().bottom
            && r.bottom <= innerHeight;
    };
"""


def _wait_until_in_view(page, selector: str, timeout_ms: int = 5000) -> None:
    """Wait until the element is fully inside the viewport, below the sticky top bar."""
    page.wait_for_function(
        f"(sel) => {{ {_IN_VIEW_JS}; return inView(document.querySelector(sel)); }}", arg=selector, timeout=timeout_ms
    )


def _click_to_view_ms(page, click: str, target: str) -> float:
    """Milliseconds from a click on `click` to the first frame painted with `target` in view."""
    return page.evaluate(
        f"""([click, target]) => new Promise((resolve, reject) => {{
            {_IN_VIEW_JS}
            const el = document.querySelector(target);
            const t0 = performance.now();
            document.querySelector(click).click();
            const check = () => {{
                if (inView(el)) requestAnimationFrame(() => resolve(performance.now() - t0));
                else if (performance.now() - t0 > 5000) reject(new Error('not in view after 5 s'));
                else requestAnimationFrame(check);
            }};
            requestAnimationFrame(check);
        }})""",
        [click, target],
    )


def test_the_page_loads_clean_offline_and_highlights_every_grounded_item(page, review_004, timings):
    started = time.perf_counter()
    page.goto(review_004.url, wait_until="load")
    timings["goto_to_load_ms"] = (time.perf_counter() - started) * 1000
    expected = len(grounded(review_004.record, review_004.text))  # counted from the record, not the page
    found = page.evaluate(
        """() => ({
            ids: new Set([...document.querySelectorAll('#doc mark[data-id]')].map(m => m.dataset.id)).size,
            pieces: document.querySelectorAll('#doc mark').length,
            text: document.getElementById('doc').textContent,
            nav: performance.getEntriesByType('navigation')[0].toJSON(),
            init: performance.getEntriesByName('review:init')[0].duration,
            stated: Number(document.getElementById('n-highlights').textContent),
        })"""
    )
    assert expected > 800  # 130 problems, their measures, figures and status sentences, the overview
    assert found["ids"] == expected == found["stated"] == page.evaluate("window.zhenggaiReview.highlights")
    assert found["text"] == review_004.text
    assert page.log.problems == []  # no console errors, no exceptions, no network requests
    timings |= {
        "render_html_ms": review_004.render_ms,
        "dom_content_loaded_ms": found["nav"]["domContentLoadedEventEnd"],
        "load_event_ms": found["nav"]["loadEventEnd"],
        "script_init_ms": found["init"],
        "highlights": found["ids"],
        "mark_elements": found["pieces"],
        "html_bytes": review_004.path.stat().st_size,
    }
    assert found["init"] < 500, found  # generous: the machine is shared with model evals
    page.screenshot(path=screenshot_path("review_004.png"))

    # The page cannot reach the network even if asked to: its CSP refuses anything but itself.
    failures: list[str] = []
    page.on("requestfailed", lambda req: failures.append(req.failure))
    blocked = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), {once: true});
            const img = document.createElement('img');
            img.src = 'http://192.0.2.1/tracker.png';
            document.body.append(img);
            setTimeout(() => resolve('not blocked'), 2000);
        })"""
    )
    assert blocked.startswith("img-src")
    page.wait_for_timeout(100)
    assert failures == ["csp"]  # Playwright's word for net::ERR_BLOCKED_BY_CSP


def test_clicking_a_problem_scrolls_its_span_into_view_and_a_highlight_leads_back(page, review_004, timings):
    page.goto(review_004.url)
    target = f"p{len(review_004.problems)}"  # the last problem, far down the report
    mark = f'#doc mark[data-id="{target}"]'
    assert not _in_viewport(page, mark)
    page.click(f"#r-{target}")  # a real mouse click, the panel scrolled to the row first
    _wait_until_in_view(page, mark)
    assert page.evaluate(f"document.querySelector('{mark}').classList.contains('current')")
    assert page.url.endswith("#" + target)
    page.screenshot(path=screenshot_path("review_004_goto.png"))
    # timing: from the top of the report to the last problem, and to one a few screens away
    page.evaluate("window.scrollTo(0, 0)")
    timings["click_to_span_painted_far_ms"] = _click_to_view_ms(page, f"#r-{target}", mark)
    timings["goto_handler_ms"] = page.evaluate("performance.getEntriesByName('review:goto').at(-1).duration")
    page.evaluate("window.scrollTo(0, 0)")
    near = page.evaluate(
        """() => [...document.querySelectorAll('#doc mark.k-problem')].find(
            m => m.getBoundingClientRect().top > 1.3 * innerHeight).dataset.id"""
    )
    timings["click_to_span_painted_near_ms"] = _click_to_view_ms(page, f"#r-{near}", f'#doc mark[data-id="{near}"]')

    # ...and back: a measure highlighted in the text opens its problem's details in the panel.
    problem = next(p for p in reversed(review_004.problems[:40]) if len(p.measures) >= 2)
    pid = f"p{review_004.problems.index(problem) + 1}"
    measure = f'#doc mark[data-id="{pid}m2"]'
    page.locator(measure).first.scroll_into_view_if_needed()
    page.locator(measure).first.click()
    row = page.locator(f"#r-{pid}m2")
    row.wait_for(state="visible", timeout=5000)
    page.wait_for_function(
        """(id) => {
            const r = document.getElementById(id).getBoundingClientRect();
            const p = document.getElementById('panel-body').getBoundingClientRect();
            return r.top >= p.top && r.bottom <= p.bottom;
        }""",
        arg=f"r-{pid}m2",
    )
    assert "current" in row.get_attribute("class")
    assert page.log.problems == []


def test_the_status_filter_hides_the_other_problems(page, review_004):
    page.goto(review_004.url)
    status = "in_progress"
    wanted = [p for p in review_004.problems if p.status.value == status]
    others = [k + 1 for k, p in enumerate(review_004.problems) if p.status.value != status and not p.children]
    assert wanted and others
    page.click(f'[data-status-filter="{status}"]')
    assert page.get_attribute(f'[data-status-filter="{status}"]', "aria-pressed") == "true"
    visible = page.evaluate(
        """() => [...document.querySelectorAll('li.prob')]
            .filter(li => li.checkVisibility())
            .map(li => li.dataset.status)"""
    )
    assert visible.count(status) == len(wanted)
    # a problem of another status shows only as the parent of a matching one
    assert len(visible) - visible.count(status) <= sum(1 for p in review_004.problems if p.children)
    assert not page.locator(f"#r-p{others[0]}").is_visible()
    background = "(sel) => getComputedStyle(document.querySelector(sel)).backgroundColor"
    hidden_mark = f'#doc mark[data-id="p{others[0]}"]'
    kept_mark = f'#doc mark[data-id="p{review_004.problems.index(wanted[0]) + 1}"]'
    assert page.evaluate(background, hidden_mark) == "rgba(0, 0, 0, 0)"
    assert page.evaluate(background, kept_mark) != "rgba(0, 0, 0, 0)"
    page.screenshot(path=screenshot_path("review_004_filter.png"))

    page.click('[data-status-filter=""]')  # 全部
    assert page.locator(f"#r-p{others[0]}").is_visible()
    assert page.evaluate(background, hidden_mark) != "rgba(0, 0, 0, 0)"

    # the legend switches one kind of highlight off and on
    page.click('[data-kind-toggle="measure"]')
    assert page.evaluate(background, '#doc mark[data-kind="measure"]') == "rgba(0, 0, 0, 0)"
    page.click('[data-kind-toggle="measure"]')
    assert page.evaluate(background, '#doc mark[data-kind="measure"]') != "rgba(0, 0, 0, 0)"
    assert page.log.problems == []


def test_a_warning_leads_to_the_problem_it_names(page, review_004):
    page.goto(review_004.url)
    page.click('[data-open-tab="tab-warn"]')
    link = page.locator("#tab-warn [data-goto^=p]").first
    target = link.get_attribute("data-goto")
    link.click()
    _wait_until_in_view(page, f'#doc mark[data-id="{target}"]')
    assert page.log.problems == []
