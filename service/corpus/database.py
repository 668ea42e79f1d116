"""The corpus database: build or update it from output folders, and export it as Parquet.

Incremental by content hash: a candidate whose hash was loaded before (table `seen`) is passed
over unparsed; a changed record of a stored report has all its rows replaced; a new one is
added. Rows go in through one CSV file per table read by DuckDB, far faster than row inserts.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from zhenggai.corpus.sources import Candidate, Skipped, find_candidates, report_key, validate
from zhenggai.corpus.tables import TABLES, Rows, flatten

VIEWS = {
    # leaf problems (as a report counts them) by category, per year, level, province and kind
    "problems_by_category": """
        SELECT r.year, r.unit_level, r.province, r.inspection_kind,
               coalesce(p.category, 'uncategorised') AS category,
               count(*) AS problems, count(DISTINCT r.report_id) AS reports
        FROM problems p JOIN reports r USING (report_id)
        WHERE p.is_leaf GROUP BY 1, 2, 3, 4, 5""",
    # the share of each status among a report's leaf problems
    "status_shares": """
        SELECT report_id, status, count(*) AS problems,
               count(*) / sum(count(*)) OVER (PARTITION BY report_id) AS share
        FROM problems WHERE is_leaf GROUP BY report_id, status""",
    # declared completion against completion found with evidence, per report
    "completion": """
        SELECT report_id, title, province, unit_level, year, inspection_kind, leaf_problems,
               evidenced_completed, evidenced_rate, declared_completed, declared_rate, declares_all,
               declared_quote, declared_start, declared_end, findings,
               declared_rate - coalesce(evidenced_rate, 0) AS gap, review_html
        FROM reports""",
    # declared totals set against the record's own counts
    "total_checks": """
        SELECT r.report_id, r.title, c.kind, c.declared, c.found, c.agrees, c.quote, c.start, c."end"
        FROM checks c JOIN reports r USING (report_id)""",
}


@dataclass
class BuildResult:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0


def _ddl(table: str) -> str:
    cols = ", ".join(f'"{c}" {t}' for c, t in TABLES[table])
    return f'CREATE TABLE IF NOT EXISTS "{table}" ({cols})'


def connect(path: Path | str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection with every table and view in place (created when missing)."""
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        for t in TABLES:
            con.execute(_ddl(t))
        # every candidate hash ever loaded (or passed over as another form of a loaded report)
        con.execute("CREATE TABLE IF NOT EXISTS seen (record_hash VARCHAR, report_id VARCHAR)")
        for name, sql in VIEWS.items():
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
    return con


NULL = "\\N"  # how a missing value is written in the staging CSV files


def _cell(value: object) -> object:
    if value is None:
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


SEEN = [("record_hash", "VARCHAR"), ("report_id", "VARCHAR")]


def _insert(con: duckdb.DuckDBPyConnection, rows: Rows, workdir: Path) -> None:
    for table, cols in TABLES.items():
        _stage(con, table, cols, rows.get(table) or [], workdir)


def _stage(
    con: duckdb.DuckDBPyConnection, table: str, cols: list[tuple[str, str]], data: Sequence[tuple], workdir: Path
) -> None:
    """New rows through one CSV file (the csv module and DuckDB's reader are both native code;
    row-by-row inserts take minutes for a large corpus)."""
    if data:
        path = workdir / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerows([_cell(v) for v in row] for row in data)
        columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in cols) + "}"
        con.execute(
            f'INSERT INTO "{table}" SELECT * FROM read_csv(?, header = false, columns = {columns}, '
            f"nullstr = '{NULL}', quote = '\"', escape = '\"', delim = ',', strict_mode = false, "
            "parallel = false, max_line_size = 100000000)",
            [str(path)],
        )


def load_records(con: duckdb.DuckDBPyConnection, candidates: Sequence[Candidate], result: BuildResult) -> BuildResult:
    """Add or replace `candidates` in the database behind `con` (see the module docstring). The
    first candidate of a report (its own `.json` before its `.jsonl` line) is the one kept."""
    seen = dict(con.execute("SELECT record_hash, report_id FROM seen").fetchall())
    stored = set(r for (r,) in con.execute("SELECT report_id FROM reports").fetchall())
    claimed: set[str] = set()
    unchanged: set[str] = set()
    new_seen: list[tuple[str, str]] = []
    rows: Rows = {t: [] for t in TABLES}
    replaced: list[str] = []
    for c in candidates:
        rid = seen.get(c.record_hash)
        if rid is not None:
            if rid not in claimed:
                claimed.add(rid)
                unchanged.add(rid)
            continue
        record = validate(c, result.skipped)
        if record is None:
            continue
        rid = report_key(record)
        new_seen.append((c.record_hash, rid))
        seen[c.record_hash] = rid
        if rid in claimed:
            continue  # another form of a report already taken (its .jsonl line, a copy)
        claimed.add(rid)
        for t, rs in flatten(record, rid, c.record_hash, c.origin, c.review_html).items():
            rows[t].extend(rs)
        (replaced if rid in stored else result.added).append(rid)
    con.execute("BEGIN TRANSACTION")
    try:
        if replaced:
            con.execute("CREATE OR REPLACE TEMP TABLE _gone (report_id VARCHAR)")
            with tempfile.TemporaryDirectory(prefix="zhenggai-corpus-") as tmp:
                _stage(con, "_gone", [("report_id", "VARCHAR")], [(r,) for r in replaced], Path(tmp))
            for t in TABLES:
                con.execute(f'DELETE FROM "{t}" WHERE report_id IN (SELECT report_id FROM _gone)')
            # an old form seen again later must be read again, not taken for the stored one
            con.execute("DELETE FROM seen WHERE report_id IN (SELECT report_id FROM _gone)")
        with tempfile.TemporaryDirectory(prefix="zhenggai-corpus-") as tmp:
            _insert(con, rows, Path(tmp))
            _stage(con, "seen", SEEN, new_seen, Path(tmp))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    result.replaced.extend(replaced)
    result.unchanged += len(unchanged)
    return result


def build(db: Path, sources: Sequence[Path]) -> BuildResult:
    """Build or update the database file `db` from the records under `sources`."""
    import time

    t0 = time.perf_counter()
    found, skipped = find_candidates(sources)
    result = BuildResult(skipped=skipped)
    db.parent.mkdir(parents=True, exist_ok=True)
    con = connect(db)
    try:
        load_records(con, found, result)
    finally:
        con.close()
    result.seconds = time.perf_counter() - t0
    return result


def export_parquet(db: Path, out_dir: Path) -> list[Path]:
    """Every table as `<table>.parquet` in `out_dir`, for pandas, R or a spreadsheet."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect(db, read_only=True)
    written = []
    try:
        for t in TABLES:
            path = out_dir / f"{t}.parquet"
            con.execute(f"COPY \"{t}\" TO '{_sql_str(path)}' (FORMAT parquet)")
            written.append(path)
    finally:
        con.close()
    return written


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")
