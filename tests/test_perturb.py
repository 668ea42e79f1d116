"""The same report rendered as other templates would (evals/perturb.py) reads the same: every
rendering of a real seed and of real pages yields the problems, measures and statuses of the
original. A rule fitted to one template fails here."""

from __future__ import annotations

import pytest
from _paths import PAGES_DIR, SEEDS_DIR, seed

from zhenggai.evals.perturb import RENDERINGS, main, render_sets
from zhenggai.ingest.document import load_text
from zhenggai.llm.client import LLMClient
from zhenggai.pipeline import PipelineOptions, summarize_document

pytestmark = pytest.mark.skipif(not SEEDS_DIR.is_dir() or not PAGES_DIR.is_dir(), reason="needs ../shared")


def _flat(record) -> list[tuple]:
    out = []

    def walk(p):
        out.append((p.path, p.title, p.status.value, len(p.measures)))
        for c in p.children:
            walk(c)

    for p in record.problems:
        walk(p)
    return out


@pytest.mark.parametrize("kind", sorted(RENDERINGS))
async def test_a_seed_reads_the_same_in_every_rendering(kind, judge_llm, llm_fake_settings) -> None:
    text = seed("001").read_text(encoding="utf-8")
    opts = PipelineOptions(with_abstract=False)
    async with LLMClient(llm_fake_settings) as client:
        original = await summarize_document(load_text(text), client, llm_fake_settings, opts)
        rendered = await summarize_document(load_text(RENDERINGS[kind](text)), client, llm_fake_settings, opts)
    assert len(_flat(original)) == 12
    if kind == "wrap":
        # a wrapped paragraph cut right after a sentence may stay split, and an 一是…二是… run
        # across it is read as fewer items: problems and statuses stay, measures nearly
        assert [p[:3] for p in _flat(rendered)] == [p[:3] for p in _flat(original)]
        measures = sum(p[3] for p in _flat(original))
        assert sum(p[3] for p in _flat(rendered)) >= 0.95 * measures
    else:
        assert _flat(rendered) == _flat(original)
    assert rendered.report.inspection_team == original.report.inspection_team
    assert rendered.report.feedback_date == original.report.feedback_date


def test_rendered_sets_keep_their_gold_beside_them(tmp_path, capsys) -> None:
    reports, gold, n = render_sets("wrap", ["seeds", "pages"], tmp_path)
    assert n == 50 and len(list(reports.iterdir())) == len(list(gold.iterdir())) == 50
    assert max(len(line) for p in reports.iterdir() for line in p.read_text(encoding="utf-8").splitlines()) == 38
    main(["--kinds", "oneline", "--sets", "pages", "--out", str(tmp_path)])
    assert "oneline: 46 reports  zhenggai eval --reports" in capsys.readouterr().out
    assert all("\n" not in p.read_text(encoding="utf-8") for p in (tmp_path / "oneline" / "reports").iterdir())
    with pytest.raises(SystemExit):
        main(["--kinds", "sideways"])
