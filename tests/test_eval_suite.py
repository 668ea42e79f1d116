"""`zhenggai eval` end to end with a scripted fake model: two judging prompts compared on a seed,
the three outputs, the cache, the regression gate, and the HTML report in real Chromium."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from _cli import fake_model_env, run_cli
from _paths import SEEDS_DIR
from browser import screenshot_path
from conftest import llm_test_settings
from fake_judge import responder
from fake_llm import FakeLLM

from zhenggai.evals.report_md import METRIC_LABELS

pytestmark = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="needs ../shared/seeds")
SEED = "seeds/001"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env, timeout=300)


@pytest.fixture(scope="module")
def judge():
    with FakeLLM() as server:
        server.responder = responder
        yield server


@pytest.fixture(scope="module")
def env(judge, tmp_path_factory) -> dict[str, str]:
    settings = llm_test_settings(
        model="openai/fake-model",
        api_base=judge.url,
        api_key="sk-eval-test-key-987654",
        cache_dir=tmp_path_factory.mktemp("cache"),
    )
    return fake_model_env(settings, ZHENGGAI_SEEDS_DIR=str(SEEDS_DIR))


@pytest.fixture(scope="module")
def first_run(env, judge, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str], int]:
    out = tmp_path_factory.mktemp("eval")
    res = _cli(env, "eval", "--prompts", "v1,v2", "--models", "openai/fake-model", "--only", SEED, "--out", str(out))
    return out, res, len(judge.requests)


def test_two_prompts_are_scored_side_by_side(first_run, judge) -> None:
    out, res, sent = first_run
    assert res.returncode == 0, res.stdout + res.stderr
    assert "sk-eval-test-key-987654" not in res.stdout + res.stderr
    suite = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert [(v["prompt_version"], v["model"]) for v in suite["variants"]] == [
        ("v1", "openai/fake-model"),
        ("v2", "openai/fake-model"),
    ]
    assert len(suite["reports"]) == 1 and suite["reports"][0].startswith(SEED)
    # each prompt really reached the model, in its own design
    bodies = [json.dumps(r.body, ensure_ascii=False) for r in judge.requests[:sent]]
    assert any("可能说明整改状态的句子" in b for b in bodies)  # v1: status sentences only
    assert any("它自己的全部句子" in b and "示例" in b for b in bodies)  # v2: full text, worked example
    for v in suite["variants"]:
        micro = v["suite"]["micro"]
        assert micro["problem_f1"] == 1.0  # the parser finds the problems; the fake only judges
        assert 0.0 <= micro["status_accuracy"] <= 1.0
        assert v["suite"]["sd"] is not None and v["suite"]["status_classes"]
        cost = v["cost"]
        assert cost["calls"] > 0 and cost["prompt_tokens"] == 300 * cost["calls"]  # the fake's usage
        assert cost["usd"] is None  # the fake model has no price
        report = v["reports"][0]
        assert report["cost"]["calls"] == cost["calls"] and report["chunks"] > 0
        # misses carry the sentences to compare
        for m in v["misses"]:
            assert m["kind"] in ("missed", "invented", "status")
            if m["kind"] == "status":
                assert m["gold_status"] != m["pred_status"]
    # the per-prompt records are kept for inspection
    assert sorted(p.name for p in (out / "records").iterdir()) == ["v1-fake-model", "v2-fake-model"]
    md = (out / "eval.md").read_text(encoding="utf-8")
    assert "| v1 | fake-model |" in md and "| v2 | fake-model |" in md
    assert "status acc." in md and "n/a" in md


def test_a_rerun_is_served_from_the_cache_and_charged_as_computed(first_run, env, judge, tmp_path) -> None:
    out, _res, _sent = first_run
    before = len(judge.requests)
    args = ["eval", "--prompts", "v1,v2", "--models", "openai/fake-model", "--only", SEED]
    again = _cli(env, *args, "--out", str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert len(judge.requests) == before
    old = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    new = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    for a, b in zip(old["variants"], new["variants"], strict=True):
        assert a["suite"]["micro"] == b["suite"]["micro"]
        assert b["cost"]["cache_hits"] == b["cost"]["calls"]
        assert b["cost"]["prompt_tokens"] == a["cost"]["prompt_tokens"]  # charged what it cost when computed


def test_the_gate_passes_on_its_own_baseline_and_fails_on_a_better_one(first_run, env, tmp_path) -> None:
    out, _res, _sent = first_run
    args = ["eval", "--prompts", "v1,v2", "--models", "openai/fake-model", "--only", SEED]
    ok = _cli(env, *args, "--out", str(tmp_path / "a"), "--baseline", str(out / "eval.json"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "gate passed" in ok.stdout

    # a baseline whose v2 status accuracy was 0.05 higher: beyond a 0.02 margin
    better = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    micro = better["variants"][1]["suite"]["micro"]
    micro["status_accuracy"] += 0.05
    base = tmp_path / "better.json"
    base.write_text(json.dumps(better, ensure_ascii=False), encoding="utf-8")
    bad = _cli(env, *args, "--out", str(tmp_path / "b"), "--baseline", str(base), "--margin", "0.02")
    assert bad.returncode == 3, bad.stdout + bad.stderr
    assert "gate failed" in bad.stdout and "v2 · fake-model: status_accuracy" in bad.stdout
    assert "v1 · fake-model" not in bad.stdout.split("gate failed")[1]  # v1 did not regress
    # within a wider margin the same drop passes
    wide = _cli(env, *args, "--out", str(tmp_path / "w"), "--baseline", str(base), "--margin", "0.06")
    assert wide.returncode == 0, wide.stdout + wide.stderr

    # a baseline over other reports does not compare: refuse rather than pass
    other = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    other["reports"] = ["000_other.txt"]
    (tmp_path / "other.json").write_text(json.dumps(other), encoding="utf-8")
    refused = _cli(env, *args, "--out", str(tmp_path / "c"), "--baseline", str(tmp_path / "other.json"))
    assert refused.returncode == 2 and "cannot compare" in refused.stderr


def test_an_unknown_prompt_version_is_a_usage_error(env, tmp_path) -> None:
    res = _cli(env, "eval", "--prompts", "v99", "--only", SEED, "--out", str(tmp_path))
    assert res.returncode == 2
    assert "v99" in res.stderr
    nothing = _cli(env, "eval", "--only", "999", "--out", str(tmp_path))
    assert nothing.returncode == 2 and "no annotated report matches 999" in nothing.stderr
    no_gold = _cli(env, "eval", "--gold", str(tmp_path / "empty"), "--out", str(tmp_path))
    assert no_gold.returncode == 2 and "no gold annotations" in no_gold.stderr


@pytest.mark.browser
def test_the_html_report_renders_its_charts_in_chromium(first_run, page) -> None:
    out, _res, _sent = first_run
    page.goto((out / "eval.html").as_uri())
    page.wait_for_load_state("load")
    # one bar per metric and variant, plus the two cost charts
    bars = page.locator("figure.chart rect.bar")
    assert bars.count() == (len(METRIC_LABELS) + 2) * 2
    widths = [float(bars.nth(i).get_attribute("width")) for i in range(bars.count())]
    assert any(w > 0 for w in widths)
    f1 = page.locator('figure.chart[data-metric="problem_f1"] rect.bar').first.bounding_box()
    assert f1 is not None and f1["width"] > 100  # F1 = 1.0 fills the chart: it is drawn, not just present
    assert page.locator("#comparison tbody tr").count() == 2
    # the variant tabs switch the per-report, confusion and misses panels
    first, second = page.locator("section.variant").nth(0), page.locator("section.variant").nth(1)
    assert first.is_visible() and not second.is_visible()
    page.locator(".tabs button").nth(1).click()
    assert second.is_visible() and not first.is_visible()
    assert second.locator("table.confusion td").count() > 0
    assert second.locator("table.per-report tbody tr").count() == 3  # the report, micro, sd
    page.screenshot(path=str(screenshot_path("eval_report.png")), full_page=True)
    assert page.log.problems == []
