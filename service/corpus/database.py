"""The corpus database: build or update it from output folders, and export it as Parquet.

Incremental by content hash: a report whose record hash is already stored is passed over
unparsed; a changed one has all its rows replaced; a new one is added. Rows go in through one
newline-delimited JSON file per table read by DuckDB, which is far faster than row inserts.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from zhenggai.corpus.sources import RawRecord, Skipped, find_records, validate
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
        for name, sql in VIEWS.items():
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
    return con


def _json_default(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _insert(con: duckdb.DuckDBPyConnection, rows: Rows, workdir: Path) -> None:
    for table, cols in TABLES.items():
        data = rows.get(table) or []
        if not data:
            continue
        names = [c for c, _ in cols]
        path = workdir / f"{table}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for row in data:
                fh.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, default=_json_default))
                fh.write("\n")
        columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in cols) + "}"
        select = ", ".join(f'"{c}"' for c in names)
        con.execute(
            f"INSERT INTO \"{table}\" SELECT {select} FROM read_json(?, format = 'newline_delimited', "
            f"columns = {columns}, maximum_object_size = 1073741824)",
            [str(path)],
        )


def load_records(con: duckdb.DuckDBPyConnection, found: Sequence[RawRecord], result: BuildResult) -> BuildResult:
    """Add or replace `found` in the database behind `con` (see the module docstring)."""
    stored = dict(con.execute("SELECT report_id, record_hash FROM reports").fetchall())
    rows: Rows = {t: [] for t in TABLES}
    replaced: list[str] = []
    for raw in found:
        old = stored.get(raw.report_id)
        if old == raw.record_hash:
            result.unchanged += 1
            continue
        record = validate(raw, result.skipped)
        if record is None:
            continue
        for t, rs in flatten(record, raw.report_id, raw.record_hash, raw.origin, raw.review_html).items():
            rows[t].extend(rs)
        (replaced if old is not None else result.added).append(raw.report_id)
    con.execute("BEGIN TRANSACTION")
    try:
        if replaced:
            con.execute("CREATE OR REPLACE TEMP TABLE _gone (report_id VARCHAR)")
            con.executemany("INSERT INTO _gone VALUES (?)", [[r] for r in replaced])
            for t in TABLES:
                con.execute(f'DELETE FROM "{t}" WHERE report_id IN (SELECT report_id FROM _gone)')
        with tempfile.TemporaryDirectory(prefix="zhenggai-corpus-") as tmp:
            _insert(con, rows, Path(tmp))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    result.replaced.extend(replaced)
    return result


def build(db: Path, sources: Sequence[Path]) -> BuildResult:
    """Build or update the database file `db` from the records under `sources`."""
    import time

    t0 = time.perf_counter()
    found, skipped = find_records(sources)
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
