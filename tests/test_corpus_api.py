"""The corpus over HTTP on a real uvicorn with the fake judge: a key downloads its finished records
as JSONL and CSV, and `GET /v1/corpus/summary` aggregates its reports only (never another key's)."""

from __future__ import annotations

import csv
import io
import json

import httpx
from api_server import OTHER_AUTH, QINGHE, wait_for

# a second fictional county, so the two keys' reports differ in text, title and place
BAILU = QINGHE.replace("青禾", "白鹭")


def _submit(client: httpx.Client, text: str, name: str) -> dict:
    r = client.post("/v1/summaries", json={"text": text, "name": name})
    assert r.status_code in (200, 202), r.text
    job = wait_for(client, r.json()["id"], timeout=120)
    assert job["status"] == "done", job
    return job


def test_each_key_exports_and_summarises_its_own_reports_only(serve):
    a = serve()
    b = httpx.Client(base_url=a.base_url, headers=OTHER_AUTH, timeout=30)
    job_a = _submit(a, QINGHE, "qinghe.txt")
    job_b = _submit(b, BAILU, "bailu.txt")
    _submit(b, QINGHE, "qinghe-too.txt")  # the same text under key B is B's own job

    lines = a.get("/v1/corpus/export.jsonl")
    assert lines.status_code == 200 and lines.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in lines.text.splitlines()]
    assert [r["report"]["title"] for r in records] == [job_a["result"]["report"]["title"]]
    assert records[0] == job_a["result"]

    table = a.get("/v1/corpus/export.csv")
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert rows and all("白鹭" not in json.dumps(row, ensure_ascii=False) for row in rows)

    mine = a.get("/v1/corpus/summary").json()
    theirs = b.get("/v1/corpus/summary").json()
    assert mine["reports"] == 1 and theirs["reports"] == 2
    assert [c["title"] for c in mine["completion"]] == ["中共青禾县委关于巡察整改进展情况的通报"]
    assert "白鹭" not in json.dumps(mine, ensure_ascii=False)
    bailu_id = job_b["result"]["report"]["content_sha256"][:32]
    assert bailu_id not in json.dumps(mine) and bailu_id in json.dumps(theirs)
    # the same aggregates as the dashboard: leaf problems and their statuses add up
    leaves = mine["problems"]
    assert leaves == 8 and sum(s["problems"] for s in mine["status_shares"]) == leaves
    assert sum(c["problems"] for c in mine["by_category"]) == leaves
    # 已完成整改6个 of 8个具体问题: declared 75%
    assert mine["completion"][0]["declared_rate"] == 0.75
    assert a.get("/v1/corpus/summary", params={"year": 1999}).json()["reports"] == 0
    assert a.get("/v1/corpus/summary", params={"kind": "巡察"}).json()["reports"] == 1

    nobody = httpx.get(f"{a.base_url}/v1/corpus/summary")
    assert nobody.status_code == 401
