"""The corpus database on real records (the seeds and annotated pages, summarized by the batch with
the fake judge): tables hold what the records hold, views answer, re-runs are incremental by
content hash, bad files are listed without stopping the build, Parquet holds the same rows."""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from _cli import run_cli
from _corpus import development_records

from zhenggai.corpus.database import TABLES, build, connect, export_parquet
from zhenggai.corpus.summary import Filters, summarize
from zhenggai.extract.tally import leaves, walk
from zhenggai.schemas.record import SummaryRecord


@pytest.fixture
def records() -> tuple[Path, Path]:
    return development_records()


def _loaded(folder: Path) -> list[SummaryRecord]:
    return [SummaryRecord.model_validate_json(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def _copy(records: tuple[Path, Path], to: Path) -> list[Path]:
    out = []
    for src in records:
        dst = to / src.name
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".cache"))
        out.append(dst)
    return out


def test_the_tables_hold_what_the_records_hold(records, tmp_path):
    db = tmp_path / "corpus.duckdb"
    result = build(db, list(records))
    recs = _loaded(records[0]) + _loaded(records[1])
    assert not result.skipped and len(result.added) == len(recs) == 10
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == len(recs)
    assert con.execute("SELECT count(*) FROM problems").fetchone()[0] == sum(len(walk(r.problems)) for r in recs)
    assert con.execute("SELECT count(*) FROM problems WHERE is_leaf").fetchone()[0] == sum(
        len(leaves(r.problems)) for r in recs
    )
    n_totals = sum(len(r.overview.declared_totals) for r in recs)
    assert n_totals > 0 and con.execute("SELECT count(*) FROM declared_totals").fetchone()[0] == n_totals
    assert con.execute("SELECT count(*) FROM checks").fetchone()[0] == sum(len(r.overview.checks) for r in recs)
    n_warn = sum(len(r.provenance.warnings) for r in recs)
    assert con.execute("SELECT count(*) FROM warnings").fetchone()[0] == n_warn
    # every problem's quote is its title's evidence, and its status evidence is where the record says
    seed4 = next(r for r in recs if r.report.source_file.endswith("004_c6f4f01650230f08.txt"))
    rid = seed4.report.content_sha256[:32]
    first = walk(seed4.problems)[0]
    row = con.execute(
        'SELECT path, title, start, "end", status FROM problems WHERE report_id = ? AND seq = 0', [rid]
    ).fetchone()
    assert row == (first.path, first.title, first.evidence.span.start, first.evidence.span.end, first.status.value)
    # a measure joins to its problem by (report_id, problem_seq)
    joined = con.execute(
        "SELECT count(*) FROM measures m JOIN problems p ON p.report_id = m.report_id AND p.seq = m.problem_seq"
    ).fetchone()[0]
    assert joined == sum(len(p.measures) for r in recs for p in walk(r.problems))
    # the review page beside each record is linked
    assert con.execute("SELECT count(*) FROM reports WHERE review_html LIKE '%.html'").fetchone()[0] == len(recs)
    # not filled yet by this branch's records: categories and place read as NULL, not invented
    assert con.execute("SELECT count(*) FROM problems WHERE category IS NOT NULL").fetchone()[0] == 0


def test_the_views_answer_the_common_questions(records, tmp_path):
    db = tmp_path / "corpus.duckdb"
    build(db, list(records))
    con = connect(db, read_only=True)
    leaf = con.execute("SELECT count(*) FROM problems WHERE is_leaf").fetchone()[0]
    assert con.execute("SELECT sum(problems) FROM problems_by_category").fetchone()[0] == leaf
    shares = con.execute("SELECT report_id, sum(share) FROM status_shares GROUP BY 1").fetchall()
    assert shares and all(abs(s - 1) < 1e-9 for _, s in shares)
    # seed 004 declares 30个具体问题已全部完成 and 完成率100%; far fewer are completed with evidence
    row = con.execute(
        "SELECT declared_rate, declares_all, evidenced_rate, declared_quote FROM completion WHERE title LIKE '%东丽区%'"
    ).fetchone()
    assert row[0] == 1.0 and row[1] is True and row[2] < 0.5 and "全部完成" in row[3]
    s = summarize(con)
    assert s.reports == 10 and s.problems == leaf
    assert sum(x.problems for x in s.status_shares) == leaf
    assert sum(x.problems for x in s.by_category) == leaf
    year = next(r.year for r in s.completion if r.year is not None)
    only = summarize(con, Filters(year=year))
    assert 0 < only.reports < s.reports and all(r.year == year for r in only.completion)
    assert summarize(con, Filters(kind="没有这种")).reports == 0


def test_rebuilding_adds_new_replaces_changed_and_passes_over_the_rest(records, tmp_path):
    seeds, pages = _copy(records, tmp_path)
    db = tmp_path / "corpus.duckdb"
    first = build(db, [seeds])
    assert len(first.added) == 4
    again = build(db, [seeds])
    assert (again.added, again.replaced, again.unchanged) == ([], [], 4)
    # change one record: its rows are replaced, nothing is duplicated
    path = sorted(seeds.glob("000_*.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["problems"][0]["children"][0]["status"] = "completed"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    changed = build(db, [seeds, pages])
    assert len(changed.replaced) == 1 and len(changed.added) == 6 and changed.unchanged == 3
    con = connect(db, read_only=True)
    rid = data["report"]["content_sha256"][:32]
    assert con.execute("SELECT count(*) FROM reports WHERE report_id = ?", [rid]).fetchone()[0] == 1
    assert con.execute("SELECT status FROM problems WHERE report_id = ? AND seq = 1", [rid]).fetchone()[0] == (
        "completed"
    )
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 10


def test_a_pretty_record_and_its_jsonl_line_are_one_report(records, tmp_path):
    both = build(tmp_path / "both.duckdb", [records[0]])
    assert len(both.added) == 4 and not both.skipped
    con = connect(tmp_path / "both.duckdb", read_only=True)
    assert (
        con.execute("SELECT count(*) FROM reports WHERE origin LIKE '%.json' AND review_html IS NOT NULL").fetchone()[0]
        == 4
    )
    # the lines were seen as the same reports: a re-run parses neither form again
    assert con.execute("SELECT count(*), count(DISTINCT report_id) FROM seen").fetchone() == (8, 4)
    lines = build(tmp_path / "lines.duckdb", [records[0] / "summaries.jsonl"])
    other = connect(tmp_path / "lines.duckdb", read_only=True)
    key = "SELECT report_id, leaf_problems FROM reports ORDER BY 1"
    assert len(lines.added) == 4 and other.execute(key).fetchall() == con.execute(key).fetchall()


def test_a_bad_file_is_listed_and_the_rest_are_loaded(records, tmp_path):
    seeds, _ = _copy(records, tmp_path)
    (seeds / "broken.json").write_text('{"report": {"title": "x"}, "provenance": {', encoding="utf-8")  # cut off
    bad = json.loads(sorted(seeds.glob("001_*.json"))[0].read_text(encoding="utf-8"))
    bad["report"]["content_sha256"] = "f" * 64
    bad["problems"][0]["status"] = "finished-ish"
    (seeds / "invalid.json").write_text(json.dumps(bad), encoding="utf-8")
    (seeds / "eval.json").write_text('{"variants": []}', encoding="utf-8")  # not a record: passed over
    result = build(tmp_path / "c.duckdb", [seeds, tmp_path / "missing"])
    reasons = {Path(s.origin).name: s.reason for s in result.skipped}
    assert set(reasons) == {"broken.json", "invalid.json", "missing"}
    assert "not a valid summary record" in reasons["invalid.json"]
    assert len(result.added) == 4


def test_parquet_holds_the_same_rows(records, tmp_path):
    db = tmp_path / "corpus.duckdb"
    build(db, list(records))
    paths = export_parquet(db, tmp_path / "pq")
    assert {p.stem for p in paths} == set(TABLES)
    con = connect(db, read_only=True)
    for p in paths:
        n = duckdb.execute(f"SELECT count(*) FROM read_parquet('{p}')").fetchone()[0]
        assert n == con.execute(f'SELECT count(*) FROM "{p.stem}"').fetchone()[0], p.stem


def test_the_commands_build_and_draw(records, tmp_path):
    db, html = tmp_path / "c.duckdb", tmp_path / "corpus.html"
    done = run_cli("corpus", "build", *map(str, records), "--db", str(db), "--parquet", str(tmp_path / "pq"))
    assert done.returncode == 0, done.stderr
    assert "10 added" in done.stdout and (tmp_path / "pq" / "problems.parquet").is_file()
    again = run_cli("corpus", "build", str(records[0]), "--db", str(db))
    assert again.returncode == 0 and "0 added, 0 replaced, 4 unchanged" in again.stdout
    drawn = run_cli("corpus", "report", "--db", str(db), "--out", str(html))
    assert drawn.returncode == 0, drawn.stderr
    page = html.read_text(encoding="utf-8")
    assert "default-src 'none'" in html_lib.unescape(page) and not re.search(r'(?:src|href)="(?:https?:)?//', page)
    missing = run_cli("corpus", "build", str(tmp_path / "nothing-here"), "--db", str(tmp_path / "x.duckdb"))
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
