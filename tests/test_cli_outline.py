"""`zhenggai outline FILE` as a user runs it: a real process, real files."""

from __future__ import annotations

import json
import subprocess

from _cli import run_cli
from _paths import seed


def _run(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, timeout=60)


def test_outline_tree_view():
    res = _run("outline", str(seed("002")))
    assert res.returncode == 0, res.stderr
    assert "中共济南市莱芜区委关于巡视整改进展情况的通报" in res.stdout
    assert "传统产业转型升级慢" in res.stdout
    assert "details" in res.stdout and "chunks" in res.stdout


def test_outline_json_for_machines():
    res = _run("outline", "--json", "--budget", "500", str(seed("000")))
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    text_len = len(data["chunks"][0]["text"])
    assert text_len > 0 and all(c["tokens"] <= 500 for c in data["chunks"])
    paths = [s["path"] for s in data["outline"]["sections"]]
    assert paths == ["一", "二", "三"]


def test_outline_reports_bad_input(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    res = _run("outline", str(empty))
    assert res.returncode == 2
    assert "empty" in res.stderr
