"""Renderings of a finished job, each served at `GET /v1/summaries/{id}.<ext>`.

A rendering is a function of the record and the normalised text its offsets point into;
adding one (the review page `.html`, for instance) is one more entry in `RENDERINGS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zhenggai.outputs.review import render_review_html
from zhenggai.outputs.writers import record_markdown, records_csv
from zhenggai.schemas.record import SummaryRecord


@dataclass(frozen=True)
class Rendering:
    ext: str
    media_type: str
    render: Callable[[SummaryRecord, str], str]  # (record, normalised source text) → body
    summary: str
    needs_text: bool = False  # load the normalised text from the store (it can be megabytes)


RENDERINGS: dict[str, Rendering] = {
    r.ext: r
    for r in (
        Rendering(
            ext="md",
            media_type="text/markdown; charset=utf-8",
            render=lambda record, text: record_markdown(record),
            summary="The summary as a readable Markdown digest",
        ),
        Rendering(
            ext="csv",
            media_type="text/csv; charset=utf-8",
            render=lambda record, text: records_csv([record]),
            summary="One row per problem, UTF-8 with BOM (opens cleanly in Excel)",
        ),
        Rendering(
            ext="html",
            media_type="text/html; charset=utf-8",
            render=render_review_html,
            summary="The review page: the report with every extracted item highlighted in place (self-contained)",
            needs_text=True,
        ),
    )
}
