"""`zhenggai summarize DIR --queue postgresql://…` and `zhenggai export --queue …`, as a user runs
them (real processes), with the jobs run by a worker in another process: the same outputs as a
local batch of the same folder, and the exit code of one."""

from __future__ import annotations

import csv
import json

import pytest
from _cli import fake_model_env, run_cli
from _paths import EXAMPLES_DIR
from api_server import LiveServer, api_settings

from zhenggai.api import create_app

pytestmark = pytest.mark.postgres


def _rows(path):
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_a_queued_folder_gives_the_outputs_of_a_local_batch(tmp_path, pg_url, judge_llm, llm_fake_settings):
    folder = tmp_path / "reports"
    folder.mkdir()
    for p in EXAMPLES_DIR.glob("*.*"):
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "empty.txt").write_text("")  # unreadable: listed as failed, never a job
    settings = llm_fake_settings.model_copy(update={"api_base": judge_llm.url})
    env = fake_model_env(settings)
    worker = LiveServer(create_app(api_settings(tmp_path / "w", judge_llm.url, api_db=pg_url))).start(60)
    try:
        queued = run_cli(
            "summarize", str(folder), "--queue", pg_url, "--out", str(tmp_path / "q"), env=env, timeout=400
        )
    finally:
        worker.stop()
    local = run_cli("summarize", str(folder), "--out", str(tmp_path / "l"), env=env, timeout=400)
    assert queued.returncode == local.returncode == 1, queued.stderr[-2000:]  # the empty file failed in both
    assert "3 summarized, 1 failed" in queued.stderr
    names = {p.name for p in (tmp_path / "l").iterdir()}
    assert {p.name for p in (tmp_path / "q").iterdir()} == names
    assert {"problems.csv", "summaries.jsonl", "errors.jsonl", "qinghe_county_2023.md"} <= names
    assert _rows(tmp_path / "q" / "problems.csv") == _rows(tmp_path / "l" / "problems.csv")
    errors = [json.loads(x) for x in (tmp_path / "q" / "errors.jsonl").read_text().splitlines()]
    assert [(e["path"].endswith("empty.txt"), e["reason"]) for e in errors] == [(True, "empty")]

    again = run_cli("export", "--queue", pg_url, "--out", str(tmp_path / "e"), env=env)  # later, from the store alone
    assert again.returncode == 0, again.stderr[-2000:]  # the store holds jobs only: the unreadable file is not there
    assert _rows(tmp_path / "e" / "problems.csv") == _rows(tmp_path / "l" / "problems.csv")


def test_a_worker_needs_a_shared_store(tmp_path):
    got = run_cli("worker", "--db", str(tmp_path / "jobs.sqlite"))
    assert got.returncode == 2
    assert "postgresql://" in got.stderr and "shared store" in got.stderr
