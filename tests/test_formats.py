"""Output formats are one registry: a new entry is written by the batch and served by the API."""

from __future__ import annotations

import json

import pytest
from _paths import EXAMPLES_DIR

from zhenggai.batch import run_batch
from zhenggai.extract.tally import walk
from zhenggai.outputs import formats
from zhenggai.outputs.formats import OUTPUT_FORMATS, OutputFormat

QINGHE = EXAMPLES_DIR / "qinghe_county_2023.txt"


def problem_lines(record) -> list[str]:
    return [f"{p.path} {p.title}" for p in walk(record.problems)]


@pytest.fixture
def outline_format(monkeypatch):
    """A format the tree does not have: problem paths and titles, one per line, and an index."""
    fmt = OutputFormat(
        "paths",
        "text/plain; charset=utf-8",
        "Problem paths",
        one=lambda r, _t: "".join(f"{line}\n" for line in problem_lines(r)),
    )
    index = OutputFormat(
        "index",
        "application/json",
        "Reports and their problem counts",
        many=lambda rs: json.dumps({r.report.source_file: len(problem_lines(r)) for r in rs}, ensure_ascii=False),
        combined_file="index.json",
    )
    monkeypatch.setitem(OUTPUT_FORMATS, "paths", fmt)
    monkeypatch.setitem(OUTPUT_FORMATS, "index", index)
    return fmt


async def test_a_registered_format_is_written_by_the_batch(outline_format, judge_llm, llm_fake_settings, tmp_path):
    result = await run_batch([QINGHE], tmp_path, llm_fake_settings, formats=["json", "paths", "index"])
    assert not result.failures
    written = (tmp_path / "qinghe_county_2023.paths").read_text(encoding="utf-8").splitlines()
    assert "二.(一).1.(1) " in "\n".join(written) + " " and len(written) >= 8
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert list(index.values()) == [len(written)]
    assert not (tmp_path / "qinghe_county_2023.md").exists()  # only the formats asked for


def test_defaults_and_served_come_from_the_entries():
    assert formats.DEFAULT_FORMATS == ("json", "jsonl", "csv", "md")
    assert set(formats.SERVED_FORMATS) == {"csv", "md", "html"}
    assert formats.unknown_formats(["md", "pdf"]) == ["pdf"]
