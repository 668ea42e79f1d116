"""One job end to end through the HTTP service on the real embedded 0.5B model."""

from __future__ import annotations

import httpx
import pytest
from _paths import EXAMPLES_DIR
from api_server import AUTH, KEY, LiveServer, wait_for
from pydantic import SecretStr

from zhenggai.api import create_app
from zhenggai.ingest.document import load_path
from zhenggai.outputs.writers import walk
from zhenggai.schemas.record import SummaryRecord

pytestmark = pytest.mark.integration

DONGLAN = EXAMPLES_DIR / "donglan_newarea_2024_gbk.txt"  # the shortest example, in GB18030


def test_a_report_summarized_by_the_real_model_over_http(tmp_path, local_llm_settings):
    settings = local_llm_settings.model_copy(
        update={"api_keys": [SecretStr(f"team-a:{KEY}")], "api_db": tmp_path / "jobs.sqlite", "api_rate_per_s": 100.0}
    )
    with LiveServer(create_app(settings)) as srv, httpx.Client(base_url=srv.url, headers=AUTH, timeout=60) as api:
        deadline_ready = wait_ready(api)
        assert deadline_ready["checks"]["model"]["ok"], deadline_ready
        r = api.post("/v1/summaries", files={"file": (DONGLAN.name, DONGLAN.read_bytes(), "text/plain")})
        assert r.status_code == 202, r.text
        job = wait_for(api, r.json()["id"], timeout=900)
        assert job["status"] == "done", job["error"]
        assert job["progress"]["done"] == job["progress"]["total"] >= 1

        record = SummaryRecord.model_validate(job["result"])
        text = load_path(DONGLAN).text  # the service read the upload exactly as the library does
        assert job["sha256"] == load_path(DONGLAN).sha256
        problems = list(walk(record.problems))
        assert problems and record.report.source_encoding == "gb18030"
        for p in problems:
            assert text[p.evidence.span.start : p.evidence.span.end] == p.evidence.text
            if p.status_evidence is not None:
                span = p.status_evidence.span
                assert text[span.start : span.end] == p.status_evidence.text
        assert record.provenance.model == "local/qwen2.5-coder-0.5b" and record.provenance.usage.calls >= 2
        assert record.abstract
        md = api.get(f"/v1/summaries/{job['id']}.md")
        assert md.status_code == 200 and "## 问题与整改" in md.text


def wait_ready(api: httpx.Client) -> dict:
    import time

    deadline = time.monotonic() + 120
    while True:
        r = api.get("/readyz")
        if r.status_code == 200 or time.monotonic() > deadline:
            return r.json() if r.status_code == 200 else r.json()["detail"]
        time.sleep(0.5)
