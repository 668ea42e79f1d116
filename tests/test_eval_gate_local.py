"""The regression gate guarding the default judging prompt, on the real embedded 0.5B model.

A cold cache, so the model really answers. Two seeds (63 problems) and the 46 real report
openings of the pages set (their metadata, and the problems of the seven that reach them) keep it
inside CI's time; the margin allows about three status flips, which thread scheduling alone can
cause, and catches a prompt, a parser or a metadata rule that breaks. When the default prompt, the
parser or the gold changes on purpose, regenerate the baseline with the command in
`evals/baselines/README.md`.
"""

from __future__ import annotations

import json
import os

import pytest
from _cli import run_cli
from _paths import PAGES_DIR, REPO, SEEDS_DIR
from conftest import LOCAL_TEST_MODEL, LOCAL_TEST_THREADS

BASELINE = REPO / "evals" / "baselines" / "ci-qwen2.5-coder-0.5b.json"
SUBSET = "seeds/000,seeds/001,pages/"
MARGIN = "0.05"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="needs ../shared/seeds"),
]


def test_the_default_prompt_holds_its_baseline(tmp_path, llm_models_dir) -> None:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert [v["model"] for v in baseline["variants"]] == [LOCAL_TEST_MODEL]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ZHENGGAI_")},
        "ZHENGGAI_CACHE_DIR": str(tmp_path / "cache"),
        "ZHENGGAI_LOCAL_MODELS_DIR": str(llm_models_dir),
        "ZHENGGAI_LOCAL_THREADS": str(LOCAL_TEST_THREADS),
        "ZHENGGAI_SEEDS_DIR": str(SEEDS_DIR),
        "ZHENGGAI_PAGES_DIR": str(PAGES_DIR),
    }
    args = ["eval", "--models", LOCAL_TEST_MODEL, "--sets", "seeds,pages", "--only", SUBSET]
    args += ["--out", str(tmp_path / "out")]
    res = run_cli(*args, "--baseline", str(BASELINE), "--margin", MARGIN, env=env, timeout=1800)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "gate passed" in res.stdout
    run = json.loads((tmp_path / "out" / "eval.json").read_text(encoding="utf-8"))
    # the gate compared the default prompt: the run's variant is the baseline's
    assert [(v["model"], v["prompt_version"]) for v in run["variants"]] == [
        (v["model"], v["prompt_version"]) for v in baseline["variants"]
    ]
    assert run["variants"][0]["cost"]["cache_hits"] == 0  # the model really answered
