"""The corpus tables: their columns, and one record flattened into rows of each.

Every row carries `report_id`; problems are numbered `seq` in document order within a report
(a path can repeat, see `numbering_repeat`), and measures, figures and findings point at their
problem by `problem_seq`. Spans are `start`/`end` into the report's normalised text.

Problem categories and the place and level of a report come from other stages; a record made
before them has none, so they are read defensively and are NULL when absent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhenggai.corpus.claims import completion
from zhenggai.extract.tally import walk
from zhenggai.schemas.record import Evidence, Figure, Measure, Problem, SummaryRecord

# (table, [(column, DuckDB type)]); the order is the row order of `flatten`.
TABLES: dict[str, list[tuple[str, str]]] = {
    "reports": [
        ("report_id", "VARCHAR"),
        ("record_hash", "VARCHAR"),
        ("origin", "VARCHAR"),
        ("review_html", "VARCHAR"),
        ("title", "VARCHAR"),
        ("publisher", "VARCHAR"),
        ("inspected_unit", "VARCHAR"),
        ("inspection_team", "VARCHAR"),
        ("inspection_round", "VARCHAR"),
        ("inspection_kind", "VARCHAR"),
        ("inspection_forms", "VARCHAR"),
        ("feedback_date", "DATE"),
        ("publication_date", "DATE"),
        ("signature_date", "DATE"),
        ("year", "INTEGER"),
        ("province", "VARCHAR"),
        ("city", "VARCHAR"),
        ("county", "VARCHAR"),
        ("unit_level", "VARCHAR"),
        ("province_quote", "VARCHAR"),
        ("unit_level_quote", "VARCHAR"),
        ("source_file", "VARCHAR"),
        ("characters", "INTEGER"),
        ("truncated", "BOOLEAN"),
        ("problems", "INTEGER"),
        ("leaf_problems", "INTEGER"),
        ("measures", "INTEGER"),
        ("warnings", "INTEGER"),
        ("evidenced_completed", "INTEGER"),
        ("evidenced_rate", "DOUBLE"),
        ("declared_completed", "DOUBLE"),
        ("declared_rate", "DOUBLE"),
        ("declares_all", "BOOLEAN"),
        ("declared_quote", "VARCHAR"),
        ("declared_start", "INTEGER"),
        ("declared_end", "INTEGER"),
        ("findings", "INTEGER"),
        ("model", "VARCHAR"),
        ("tool_version", "VARCHAR"),
        ("schema_version", "VARCHAR"),
        ("created_at", "VARCHAR"),
        ("abstract", "VARCHAR"),
    ],
    "problems": [
        ("report_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("parent_seq", "INTEGER"),
        ("depth", "INTEGER"),
        ("is_leaf", "BOOLEAN"),
        ("path", "VARCHAR"),
        ("area", "VARCHAR"),
        ("title", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
        ("status", "VARCHAR"),
        ("status_scope", "VARCHAR"),
        ("status_quote", "VARCHAR"),
        ("status_start", "INTEGER"),
        ("status_end", "INTEGER"),
        ("category", "VARCHAR"),
        ("category_secondary", "VARCHAR"),
        ("truncated", "BOOLEAN"),
        ("measures", "INTEGER"),
        ("figures", "INTEGER"),
        ("deadlines", "VARCHAR"),
    ],
    "measures": [
        ("report_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("problem_seq", "INTEGER"),
        ("text", "VARCHAR"),
        ("quote", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
        ("figures", "INTEGER"),
    ],
    "figures": [
        ("report_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("place", "VARCHAR"),
        ("problem_seq", "INTEGER"),
        ("measure_seq", "INTEGER"),
        ("value", "VARCHAR"),
        ("number", "DOUBLE"),
        ("unit", "VARCHAR"),
        ("counts", "VARCHAR"),
        ("quote", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
    ],
    "declared_totals": [
        ("report_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("kind", "VARCHAR"),
        ("label", "VARCHAR"),
        ("value", "VARCHAR"),
        ("number", "DOUBLE"),
        ("unit", "VARCHAR"),
        ("quote", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
    ],
    "checks": [
        ("report_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("kind", "VARCHAR"),
        ("declared", "DOUBLE"),
        ("found", "INTEGER"),
        ("agrees", "BOOLEAN"),
        ("quote", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
    ],
    "warnings": [
        ("report_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("code", "VARCHAR"),
        ("message", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
        ("chunk_id", "VARCHAR"),
    ],
    "findings": [
        ("report_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("problem_seq", "INTEGER"),
        ("path", "VARCHAR"),
        ("title", "VARCHAR"),
        ("declared_by", "VARCHAR"),
        ("declared_quote", "VARCHAR"),
        ("declared_start", "INTEGER"),
        ("declared_end", "INTEGER"),
        ("word", "VARCHAR"),
        ("word_start", "INTEGER"),
        ("word_end", "INTEGER"),
        ("quote", "VARCHAR"),
        ("start", "INTEGER"),
        ("end", "INTEGER"),
    ],
}

Rows = dict[str, list[tuple[Any, ...]]]


def _opt(obj: object, name: str) -> str | None:
    """A field another stage adds (category, province …): its id or text, or None when absent."""
    if name not in type(obj).model_fields:  # type: ignore[attr-defined]
        return None
    value = getattr(obj, name)
    for attr in ("id", "value", "name", "text"):
        if value is not None and not isinstance(value, str) and hasattr(value, attr):
            value = getattr(value, attr)
    return str(value) if value not in (None, "") else None


def _quote(evidence: dict[str, Evidence], name: str) -> str | None:
    ev = evidence.get(name)
    return ev.text if ev is not None else None


def _year(*dates: dt.date | None) -> int | None:
    return next((d.year for d in dates if d is not None), None)


def _span(ev: Evidence | None) -> tuple[int | None, int | None]:
    return (ev.span.start, ev.span.end) if ev is not None else (None, None)


def flatten(record: SummaryRecord, report_id: str, record_hash: str, origin: str, review_html: str | None) -> Rows:
    """The rows of every table for one record."""
    rows: Rows = {name: [] for name in TABLES}
    meta, ov = record.report, record.overview
    flat = walk(record.problems)
    seq_of = {id(p): k for k, p in enumerate(flat)}
    parent: dict[int, int] = {}
    depth: dict[int, int] = {}

    def mark(ps: list[Problem], up: int | None, d: int) -> None:
        for p in ps:
            if up is not None:
                parent[id(p)] = up
            depth[id(p)] = d
            mark(p.children, seq_of[id(p)], d + 1)

    mark(record.problems, None, 0)
    fig_seq = 0
    measure_seq = 0

    def figures(figs: list[Figure], place: str, problem: int | None, measure: int | None) -> None:
        nonlocal fig_seq
        for f in figs:
            s, e = _span(f.evidence)
            rows["figures"].append(
                (
                    report_id,
                    fig_seq,
                    place,
                    problem,
                    measure,
                    f.value,
                    f.number,
                    f.unit,
                    f.counts,
                    f.evidence.text,
                    s,
                    e,
                )
            )
            fig_seq += 1

    def measures(ms: list[Measure], problem: int | None) -> None:
        nonlocal measure_seq
        for m in ms:
            s, e = _span(m.evidence)
            rows["measures"].append((report_id, measure_seq, problem, m.text, m.evidence.text, s, e, len(m.figures)))
            figures(m.figures, "measure", problem, measure_seq)
            measure_seq += 1

    measures(ov.organisational_measures, None)
    for p in flat:
        k = seq_of[id(p)]
        s, e = _span(p.evidence)
        ss, se = _span(p.status_evidence)
        rows["problems"].append(
            (
                report_id,
                k,
                parent.get(id(p)),
                depth[id(p)],
                not p.children,
                p.path,
                p.area,
                p.title,
                s,
                e,
                p.status.value,
                p.status_scope.value,
                p.status_evidence.text if p.status_evidence else None,
                ss,
                se,
                _opt(p, "category"),
                _opt(p, "category_secondary"),
                p.truncated,
                len(p.measures),
                len(p.figures) + sum(len(m.figures) for m in p.measures),
                "；".join(d.text for d in p.deadlines) or None,
            )
        )
        measures(p.measures, k)
        figures(p.figures, "problem", k, None)
    figures(record.leads_petitions.figures, "leads", None, None)
    for k, t in enumerate(ov.declared_totals):
        s, e = _span(t.evidence)
        rows["declared_totals"].append(
            (report_id, k, t.kind.value, t.label, t.value, t.number, t.unit, t.evidence.text, s, e)
        )
    for k, c in enumerate(ov.checks):
        rows["checks"].append(
            (report_id, k, c.kind.value, c.declared, c.found, c.agrees, c.quote, c.span.start, c.span.end)
        )
    for k, w in enumerate(record.provenance.warnings):
        s, e = (w.span.start, w.span.end) if w.span else (None, None)
        rows["warnings"].append((report_id, k, w.code, w.message, s, e, w.chunk_id))

    comp = completion(record)
    seq_by_path: dict[str, int] = {}
    for p in flat:
        seq_by_path.setdefault(p.path, seq_of[id(p)])
    for k, f in enumerate(comp.findings):
        rows["findings"].append(
            (
                report_id,
                k,
                seq_by_path.get(f.path),
                f.path,
                f.title,
                f.declared_by,
                f.declared_quote,
                f.declared_span.start,
                f.declared_span.end,
                f.word,
                f.word_span.start,
                f.word_span.end,
                f.quote,
                f.span.start,
                f.span.end,
            )
        )
    headline = comp.declared[0] if comp.declared else None
    rows["reports"].append(
        (
            report_id,
            record_hash,
            origin,
            review_html,
            meta.title,
            meta.publisher,
            meta.inspected_unit,
            meta.inspection_team,
            meta.inspection_round,
            meta.inspection_kind or None,
            " ".join(meta.inspection_forms) or None,
            meta.feedback_date,
            meta.publication_date,
            meta.signature_date,
            _year(meta.publication_date, meta.signature_date, meta.feedback_date),
            _opt(meta, "province"),
            _opt(meta, "city"),
            _opt(meta, "county"),
            _opt(meta, "unit_level"),
            _quote(meta.evidence, "province"),
            _quote(meta.evidence, "unit_level"),
            meta.source_file,
            meta.characters,
            meta.truncated,
            len(flat),
            comp.leaves,
            len(rows["measures"]),
            len(record.provenance.warnings),
            comp.evidenced_completed,
            comp.evidenced_rate,
            comp.declared_completed,
            comp.declared_rate,
            comp.declares_all,
            headline.quote if headline else None,
            headline.span.start if headline else None,
            headline.span.end if headline else None,
            len(comp.findings),
            record.provenance.model,
            record.provenance.tool_version,
            record.schema_version,
            record.provenance.created_at,
            record.abstract,
        )
    )
    return rows
