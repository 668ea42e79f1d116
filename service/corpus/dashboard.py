"""The corpus dashboard: one self-contained HTML page drawn from the database.

The data goes in as one gzip-compressed, base64-encoded JSON block that the page inflates with
the browser's own `DecompressionStream` (Chinese text compresses about threefold; 10,000 reports
stay under 5 MB). Charts are plain SVG written by the page's own script (templates/dashboard.js),
so there is no chart library to vendor, pin or audit, and every count is computed by one small
function over the filtered rows. The Content-Security-Policy allows nothing but the page's own
style and script (by hash): no network, as for the review page.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment
from markupsafe import Markup

from zhenggai import __version__
from zhenggai.extract.abstract import STATUS_ZH
from zhenggai.schemas.record import Status
from zhenggai.schemas.taxonomy import load_taxonomy

TITLE_CHARS = 80  # a problem's text kept for the search box (enough to recognise it)
QUOTE_CHARS = 120
UNSTATED_ZH = "未注明"


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def category_labels() -> dict[str, str]:
    """Category id → its Chinese name: labels never change between taxonomy versions (a test holds
    that), so the default one names the ids of every record."""
    return {c.id: c.label for c in load_taxonomy().categories}


class _Dict:
    """Repeated strings (province, category …) sent once and referred to by index."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: object) -> int:
        key = "" if value is None else str(value)
        if key not in self._index:
            self._index[key] = len(self.values)
            self.values.append(key)
        return self._index[key]


def _link(review_html: str | None, out: Path) -> str | None:
    if not review_html:
        return None
    try:
        return Path(os.path.relpath(review_html, out.resolve().parent)).as_posix()
    except ValueError:  # another drive
        return Path(review_html).as_uri()


def dashboard_data(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, Any]:
    """Everything the page filters and draws, compacted (see `dashboard.js` for the layout)."""
    province, level, kind, category, status = _Dict(), _Dict(), _Dict(), _Dict(), _Dict()
    for s in Status:
        status(s.value)
    reports = con.execute(
        """SELECT report_id, title, inspected_unit, province, unit_level, year, inspection_kind, review_html,
                  leaf_problems, evidenced_completed, declared_rate, declares_all, declared_quote, findings
           FROM reports ORDER BY year NULLS LAST, title, report_id"""
    ).fetchall()
    index = {r[0]: k for k, r in enumerate(reports)}
    report_rows = [
        [
            r[1] or r[2] or "",
            province(r[3]),
            level(r[4]),
            r[5],
            kind(r[6]),
            _link(r[7], out),
            r[8],
            r[9],
            None if r[10] is None else round(r[10], 4),
            int(bool(r[11])),
            (r[12] or "")[:QUOTE_CHARS],
            r[13],
        ]
        for r in reports
    ]
    problem_rows = [
        [index[rid], category(cat or "uncategorised"), status(st), path, (title or "")[:TITLE_CHARS]]
        for rid, cat, st, path, title in con.execute(
            "SELECT report_id, category, status, path, title FROM problems WHERE is_leaf ORDER BY report_id, seq"
        ).fetchall()
    ]
    finding_rows = [
        [index[rid], path, word, (quote or "")[:QUOTE_CHARS], (dq or "")[:QUOTE_CHARS]]
        for rid, path, word, quote, dq in con.execute(
            "SELECT report_id, path, word, quote, declared_quote FROM findings ORDER BY report_id, seq"
        ).fetchall()
    ]
    labels = category_labels()
    return {
        "dict": {
            "province": province.values,
            "level": level.values,
            "kind": kind.values,
            "category": category.values,
            "category_zh": [labels.get(c, "未分类" if c == "uncategorised" else c) for c in category.values],
            "status": status.values,
            "status_zh": [STATUS_ZH[Status(s)] for s in status.values],
        },
        "reports": report_rows,
        "problems": problem_rows,
        "findings": finding_rows,
    }


def _assets() -> tuple[Environment, str, str]:
    base = resources.files("zhenggai.corpus") / "templates"
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = (base / "dashboard.html.j2").read_text(encoding="utf-8")
    env.globals["_template"] = template
    return (
        env,
        (base / "dashboard.css").read_text(encoding="utf-8"),
        (base / "dashboard.js").read_text(encoding="utf-8"),
    )


def render_dashboard(con: duckdb.DuckDBPyConnection, out: Path, *, title: str = "整改通报语料") -> str:
    data = dashboard_data(con, out)
    payload = base64.b64encode(
        gzip.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
    )
    env, css, js = _assets()
    return env.from_string(env.globals["_template"]).render(
        title=title,
        version=__version__,
        css=Markup(css),
        js=Markup(js),
        csp=f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; img-src data:",
        payload=Markup(payload.decode("ascii")),
        unstated=UNSTATED_ZH,
    )


def write_dashboard(db: Path, out: Path) -> Path:
    from zhenggai.corpus.database import connect
    from zhenggai.outputs.writers import write_text_atomic

    con = connect(db, read_only=True)
    try:
        html = render_dashboard(con, out)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, html)
    return out
