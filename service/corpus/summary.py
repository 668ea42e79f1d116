"""The corpus aggregates: what the dashboard draws and `GET /v1/corpus/summary` returns, from
the same SQL over the database's views, optionally filtered by province, level, year and kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    import duckdb

UNSTATED = ""  # a place, level or kind the record does not give


class Filters(BaseModel):
    province: str | None = None
    level: str | None = None
    year: int | None = None
    kind: str | None = Field(default=None, description="巡视 or 巡察")

    def where(self, alias: str = "r") -> tuple[str, list[Any]]:
        parts, args = ["TRUE"], []
        for col, value in (
            ("province", self.province),
            ("unit_level", self.level),
            ("year", self.year),
            ("inspection_kind", self.kind),
        ):
            if value is not None:
                parts.append(f"coalesce(CAST({alias}.{col} AS VARCHAR), '') = ?")
                args.append(str(value))
        return " AND ".join(parts), args


class CategoryCount(BaseModel):
    year: int | None
    level: str
    category: str
    problems: int


class StatusShare(BaseModel):
    status: str
    problems: int
    share: float


class ReportCompletion(BaseModel):
    report_id: str
    title: str
    province: str
    year: int | None
    leaf_problems: int
    declared_rate: float | None
    evidenced_rate: float | None
    declares_all: bool
    declared_quote: str | None
    findings: int


class ProvinceRow(BaseModel):
    province: str
    reports: int
    problems: int
    declared_rate: float | None = Field(description="mean declared completion of its reports that declare one")
    evidenced_rate: float | None = Field(description="completed with evidence / leaf problems, over its reports")


class CorpusSummary(BaseModel):
    reports: int
    problems: int = Field(description="leaf problems (as the reports count them)")
    findings: int = Field(description="problems declared complete whose own text says work continues")
    by_category: list[CategoryCount]
    status_shares: list[StatusShare]
    completion: list[ReportCompletion]
    by_province: list[ProvinceRow]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def summarize(con: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> CorpusSummary:
    where, args = (filters or Filters()).where()
    head = _rows(
        con,
        f"SELECT count(*) AS reports, coalesce(sum(leaf_problems), 0) AS problems,"
        f" coalesce(sum(findings), 0) AS findings FROM reports r WHERE {where}",
        args,
    )[0]
    by_category = _rows(
        con,
        f"""SELECT r.year, coalesce(r.unit_level, '') AS level, coalesce(p.category, 'uncategorised') AS category,
                   count(*) AS problems
            FROM problems p JOIN reports r USING (report_id) WHERE p.is_leaf AND {where}
            GROUP BY 1, 2, 3 ORDER BY 1 NULLS LAST, 2, 4 DESC, 3""",
        args,
    )
    shares = _rows(
        con,
        f"""SELECT p.status, count(*) AS problems, count(*) / sum(count(*)) OVER () AS share
            FROM problems p JOIN reports r USING (report_id) WHERE p.is_leaf AND {where}
            GROUP BY 1 ORDER BY 2 DESC, 1""",
        args,
    )
    completion = _rows(
        con,
        f"""SELECT report_id, title, coalesce(province, '') AS province, year, leaf_problems, declared_rate,
                   evidenced_rate, declares_all, declared_quote, findings
            FROM completion r WHERE {where}
            ORDER BY gap DESC NULLS LAST, findings DESC, title, report_id""",
        args,
    )
    provinces = _rows(
        con,
        f"""SELECT coalesce(province, '') AS province, count(*) AS reports, sum(leaf_problems) AS problems,
                   avg(declared_rate) AS declared_rate,
                   CASE WHEN sum(leaf_problems) > 0 THEN sum(evidenced_completed) / sum(leaf_problems) END
                       AS evidenced_rate
            FROM reports r WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1""",
        args,
    )
    return CorpusSummary(
        reports=head["reports"],
        problems=head["problems"],
        findings=head["findings"],
        by_category=[CategoryCount(**r) for r in by_category],
        status_shares=[StatusShare(**r) for r in shares],
        completion=[ReportCompletion(**r) for r in completion],
        by_province=[ProvinceRow(**r) for r in provinces],
    )
