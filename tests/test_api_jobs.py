"""The HTTP service against a real uvicorn and the scripted fake model: a job's life, renderings,
reuse of identical submissions, cancellation, the error shape, health."""

from __future__ import annotations

import csv
import io
import json
import logging
import threading

import httpx
import pytest
from _paths import EXAMPLES_DIR
from api_server import AUTH, ERROR_KEYS, OTHER_AUTH, QINGHE, Gate, LiveServer, api_settings, wait_for
from fake_judge import responder
from fake_llm import FakeLLM

from zhenggai.api import create_app
from zhenggai.ingest.document import load_text
from zhenggai.llm.client import LLMClient
from zhenggai.outputs.review import render_review_html
from zhenggai.schemas.record import SummaryRecord


def test_a_job_from_submission_to_renderings(serve):
    api = serve()
    r = api.post("/v1/summaries", json={"text": QINGHE, "name": "qinghe.txt"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/v1/summaries/{job['id']}"
    assert r.headers["x-request-id"]
    assert job["status"] in ("queued", "running") and job["reused"] is False and job["result"] is None

    done = wait_for(api, job["id"])
    assert done["status"] == "done", done["error"]
    assert done["progress"]["total"] >= 1 and done["progress"]["done"] == done["progress"]["total"]
    assert done["attempts"] == 1 and done["started_at"] and done["finished_at"]
    record = SummaryRecord.model_validate(done["result"])
    assert record.report.source_file == "qinghe.txt"
    assert "二.(一).1.(1)" in [c.path for p in record.problems for c in p.children]
    assert done["links"] == {
        "self": f"/v1/summaries/{job['id']}",
        "md": f"/v1/summaries/{job['id']}.md",
        "csv": f"/v1/summaries/{job['id']}.csv",
        "html": f"/v1/summaries/{job['id']}.html",
    }

    md = api.get(done["links"]["md"])
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# 中共青禾县委关于巡察整改进展情况的通报")
    raw = api.get(done["links"]["csv"])
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/csv")
    assert raw.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert {row["report"] for row in rows} == {"qinghe.txt"} and len(rows) >= 8

    page = api.get(done["links"]["html"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    # the review page of the stored record over the stored normalised text
    assert page.text == render_review_html(record, load_text(QINGHE, name="qinghe.txt").text)

    listed = api.get("/v1/summaries").json()
    assert [j["id"] for j in listed["items"]] == [job["id"]]
    assert "result" not in listed["items"][0] and listed["next_cursor"] is None


@pytest.mark.parametrize(
    ("file", "encoding", "media"),
    [("donglan_newarea_2024_gbk.txt", "gb18030", "text/plain"), ("wangchuan_district_2022.html", "utf_8", "text/html")],
)
def test_wait_answers_a_short_upload_at_once(serve, file, encoding, media):
    api = serve()
    data = (EXAMPLES_DIR / file).read_bytes()
    r = api.post("/v1/summaries", params={"wait": "true"}, files={"file": (file, data, "application/octet-stream")})
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["status"] == "done" and job["name"] == file and r.headers["location"].endswith(job["id"])
    assert job["result"]["report"]["source_encoding"].replace("-", "_") == encoding
    assert job["result"]["problems"]


def test_wait_is_bounded(serve, judge_llm):
    gate = Gate(responder)
    judge_llm.responder = gate
    api = serve(api_wait_max_s=0.5)
    r = api.post("/v1/summaries?wait=true", json={"text": QINGHE})
    assert r.status_code == 202 and r.json()["status"] in ("queued", "running")
    gate.open()
    assert wait_for(api, r.json()["id"])["status"] == "done"


def test_identical_submissions_reuse_the_job(serve):
    api = serve()
    first = api.post("/v1/summaries", json={"text": QINGHE, "name": "a.txt"}).json()
    # the same text submitted at once from many clients: one job
    ids: list[str] = []

    def submit() -> None:
        with httpx.Client(base_url=str(api.base_url), headers=AUTH) as c:
            ids.append(c.post("/v1/summaries", json={"text": QINGHE, "name": "b.txt"}).json()["id"])

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(ids) == {first["id"]}
    wait_for(api, first["id"])
    again = api.post("/v1/summaries", json={"text": QINGHE + "\n"})  # same normalised text
    assert again.status_code == 200 and again.json()["reused"] is True and again.json()["id"] == first["id"]
    assert again.json()["result"] is not None
    # the same text from another key is that key's own job
    other = api.post("/v1/summaries", json={"text": QINGHE}, headers=OTHER_AUTH).json()
    assert other["id"] != first["id"] and other["reused"] is False
    assert len(api.get("/v1/summaries").json()["items"]) == 1


def test_cancel_a_running_and_a_queued_job(serve, judge_llm):
    gate = Gate(responder)
    judge_llm.responder = gate
    api = serve(api_max_jobs=1)
    running = api.post("/v1/summaries", json={"text": QINGHE}).json()
    queued = api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")}).json()
    assert gate.held.wait(10)
    assert api.get(f"/v1/summaries/{running['id']}").json()["status"] == "running"
    assert api.get(f"/v1/summaries/{queued['id']}").json()["status"] == "queued"

    for job in (queued, running):
        r = api.delete(f"/v1/summaries/{job['id']}")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        assert r.json()["error"]["type"] == "cancelled"
    gate.open()
    after = api.post("/v1/summaries?wait=true", json={"text": QINGHE.replace("青禾", "青石")}).json()
    assert after["status"] == "done"  # the runner is free again: the cancelled jobs let go of it
    for job in (queued, running):
        assert api.get(f"/v1/summaries/{job['id']}").json()["status"] == "cancelled"
        assert api.delete(f"/v1/summaries/{job['id']}").status_code == 200  # again: harmless
    r = api.delete(f"/v1/summaries/{after['id']}")
    assert r.status_code == 409 and r.json()["type"] == "already_finished"
    # a cancelled submission is not reused: submitting it again starts a new job
    again = api.post("/v1/summaries", json={"text": QINGHE}).json()
    assert again["id"] != running["id"] and again["reused"] is False
    # the list pages newest first
    first = api.get("/v1/summaries", params={"limit": 3}).json()
    assert [j["id"] for j in first["items"]] == [again["id"], after["id"], queued["id"]]
    rest = api.get("/v1/summaries", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [j["id"] for j in rest["items"]] == [running["id"]] and rest["next_cursor"] is None
    cancelled = api.get("/v1/summaries", params={"status": "cancelled"}).json()["items"]
    assert {j["id"] for j in cancelled} == {running["id"], queued["id"]}


def test_rendering_routes_and_the_job_route_do_not_shadow_each_other(serve, judge_llm):
    gate = Gate(responder)
    judge_llm.responder = gate
    api = serve()
    job = api.post("/v1/summaries", json={"text": QINGHE}).json()
    r = api.get(f"/v1/summaries/{job['id']}.md")
    assert r.status_code == 409 and r.json()["type"] == "not_done"
    gate.open()
    wait_for(api, job["id"])
    assert api.get(f"/v1/summaries/{job['id']}").headers["content-type"] == "application/json"
    assert api.get(f"/v1/summaries/{job['id']}.md").headers["content-type"].startswith("text/markdown")
    assert api.get(f"/v1/summaries/{job['id']}.csv").headers["content-type"].startswith("text/csv")
    for path in (f"/v1/summaries/{job['id']}.pdf", "/v1/summaries/nope.md", "/v1/summaries/nope"):
        r = api.get(path)
        assert r.status_code == 404 and set(r.json()) == ERROR_KEYS, path
    r = api.delete(f"/v1/summaries/{job['id']}.md")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"


def test_errors_share_one_shape(serve):
    api = serve()
    cases = [
        (api.get("/nowhere"), 404, "not_found"),
        (api.put("/v1/summaries"), 405, "method_not_allowed"),
        (api.get("/v1/summaries", params={"limit": 0}), 422, "validation_error"),
        (api.post("/v1/summaries", json={"txt": "x"}), 422, "validation_error"),
        (
            api.post("/v1/summaries", content=b"{not json", headers={"content-type": "application/json"}),
            422,
            "validation_error",
        ),
        (api.post("/v1/summaries", json={"text": QINGHE, "model": "openai/gpt-4o"}), 422, "unknown_model"),
        (api.post("/v1/summaries", json={"text": QINGHE, "prompt_version": "v99"}), 422, "unknown_prompt_version"),
        (api.get("/v1/summaries/0123abc"), 404, "not_found"),
        (api.delete("/v1/summaries/0123abc"), 404, "not_found"),
    ]
    for r, status, type_ in cases:
        assert (r.status_code, r.json()["type"]) == (status, type_), r.text
        assert set(r.json()) == ERROR_KEYS and r.json()["message"]
    assert cases[1][0].headers["allow"] == "GET, HEAD, POST"
    assert cases[5][0].json()["detail"] == {"allowed": ["openai/fake-model"]}
    assert "v1" in cases[6][0].json()["detail"]["available"]


def test_models_lists_what_a_submission_may_ask_for(serve):
    info = serve(api_models="openai/other-model").get("/v1/models").json()
    assert info["models"] == ["openai/fake-model", "openai/other-model"]
    assert info["default_prompt_version"] in info["prompt_versions"]


def test_request_ids_are_echoed_or_made(serve):
    api = serve()
    assert api.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = api.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert made != "bad id\twith spaces" and len(made) == 32


def test_health_and_readiness(tmp_path):
    with FakeLLM() as llm:
        llm.responder = responder
        srv = LiveServer(create_app(api_settings(tmp_path, llm.url))).start()
        try:
            assert httpx.get(f"{srv.url}/healthz").json() == {"status": "ok", "checks": {}}
            ready = _poll_readyz(srv.url, 200)  # ready once the model client is loaded
            assert ready.status_code == 200 and ready.json()["status"] == "ready"
            assert set(ready.json()["checks"]) == {"jobs_db", "cache", "runner", "model"}
            llm.stop()
            not_ready = _poll_readyz(srv.url, 503)
            assert not_ready.json()["type"] == "not_ready"
            assert not not_ready.json()["detail"]["checks"]["model"]["ok"]
            assert httpx.get(f"{srv.url}/healthz").status_code == 200  # up, just not ready
        finally:
            srv.stop()


def _poll_readyz(url: str, status: int) -> httpx.Response:
    import time

    deadline = time.monotonic() + 30
    while True:
        r = httpx.get(f"{url}/readyz")
        if r.status_code == status or time.monotonic() > deadline:
            return r
        time.sleep(0.5)


MARK = "故障标记"


class BreakingClient(LLMClient):
    """A model client with a bug that shows only on one document, and quotes it in its message."""

    async def structured(self, prompt, response_model, variables=None, **kwargs):  # type: ignore[override]
        if MARK in json.dumps(variables or {}, ensure_ascii=False, default=str):
            raise RuntimeError(f"cannot handle {MARK}")
        return await super().structured(prompt, response_model, variables, **kwargs)


def test_a_job_that_breaks_fails_alone_and_its_message_stays_out_of_the_logs(tmp_path, judge_llm, caplog):
    caplog.set_level(logging.INFO)
    app = create_app(api_settings(tmp_path, judge_llm.url), client_factory=BreakingClient)
    with LiveServer(app) as srv, httpx.Client(base_url=srv.url, headers=AUTH, timeout=30) as api:
        broken = api.post("/v1/summaries?wait=true", json={"text": QINGHE.replace("。", f"{MARK}。")}).json()
        assert broken["status"] == "failed" and broken["result"] is None
        assert broken["error"]["type"] == "internal" and MARK in broken["error"]["message"]
        assert broken["links"] == {"self": f"/v1/summaries/{broken['id']}"}
        assert api.get(f"/v1/summaries/{broken['id']}.md").status_code == 409
        fine = api.post("/v1/summaries?wait=true", json={"text": QINGHE}).json()
        assert fine["status"] == "done"  # the runner goes on
        retried = api.post("/v1/summaries", json={"text": QINGHE.replace("。", f"{MARK}。")}).json()
        assert retried["id"] != broken["id"]  # a failed job is not reused: it can be tried again
    failed = [r.getMessage() for r in caplog.records if '"job_failed"' in r.getMessage()]
    assert failed and '"type": "internal"' in failed[0] and '"exception": "RuntimeError"' in failed[0]
    assert all(MARK not in r.getMessage() for r in caplog.records)


@pytest.mark.browser
def test_the_served_review_page_works_in_chromium(serve, browser):
    """The page as the service serves it (with the key), in real Chromium: loads clean, offline."""
    from browser import watch

    api = serve()
    job = wait_for(api, api.post("/v1/summaries", json={"text": QINGHE, "name": "qinghe.txt"}).json()["id"])
    record = SummaryRecord.model_validate(job["result"])
    context = browser.new_context(extra_http_headers=AUTH)
    try:
        page = context.new_page()
        log = watch(page)
        page.goto(str(api.base_url).rstrip("/") + job["links"]["html"])
        page.wait_for_load_state("load")
        assert page.title() and record.problems[0].title in page.locator("body").inner_text()
        assert page.locator("[data-kind=problem]").count() >= len(record.problems)
        # only the page itself was requested from the service; nothing else, no errors
        assert [u for u in log.failed_requests if not u.endswith(".html")] == []
        assert log.console_errors == [] and log.page_errors == []
    finally:
        context.close()
