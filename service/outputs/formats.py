"""Output formats: one registry every shell reads (batch files, API renderings, CLI choices).

A format renders either one record (`one`: a file per report, `<stem>.<name>`, and the API's
`GET /v1/summaries/{id}.<name>`) or many (`many`: one combined file of a batch; the API serves a
combined format over the one record). Adding a format is one renderer plus one entry here; no
shell knows the list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zhenggai.outputs.review import render_review_html
from zhenggai.outputs.writers import record_json, record_jsonl, record_markdown, records_csv
from zhenggai.schemas.record import SummaryRecord


@dataclass(frozen=True)
class OutputFormat:
    name: str
    media_type: str
    summary: str
    one: Callable[[SummaryRecord, str], str] | None = None  # (record, normalised text) → a report's file
    many: Callable[[Sequence[SummaryRecord]], str] | None = None  # records → the batch's combined file
    combined_file: str = ""  # the combined file's name in the output folder
    needs_text: bool = False  # needs the normalised text the spans index into (can be megabytes)
    default: bool = False  # written by `summarize` unless --format says otherwise
    served: bool = True  # an API rendering of a finished job (the record itself is the job's JSON)

    def render_one(self, record: SummaryRecord, text: str) -> str:
        if self.one is not None:
            return self.one(record, text)
        assert self.many is not None
        return self.many([record])


OUTPUT_FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat(
            "json",
            "application/json",
            "The full record",
            one=lambda r, _t: record_json(r),
            default=True,
            served=False,
        ),
        OutputFormat(
            "jsonl",
            "application/x-ndjson",
            "All records, one per line",
            many=lambda rs: "".join(record_jsonl(r) for r in rs),
            combined_file="summaries.jsonl",
            default=True,
            served=False,
        ),
        OutputFormat(
            "csv",
            "text/csv; charset=utf-8",
            "One row per problem, UTF-8 with BOM (opens cleanly in Excel)",
            many=records_csv,
            combined_file="problems.csv",
            default=True,
        ),
        OutputFormat(
            "md",
            "text/markdown; charset=utf-8",
            "The summary as a readable Markdown digest",
            one=lambda r, _t: record_markdown(r),
            default=True,
        ),
        OutputFormat(
            "html",
            "text/html; charset=utf-8",
            "The review page: the report with every extracted item highlighted in place (self-contained)",
            one=render_review_html,
            needs_text=True,  # opt-in in a batch: a page per report is for reading, not for loading
        ),
    )
}
DEFAULT_FORMATS = tuple(name for name, f in OUTPUT_FORMATS.items() if f.default)
SERVED_FORMATS = {name: f for name, f in OUTPUT_FORMATS.items() if f.served}


def unknown_formats(names: Sequence[str]) -> list[str]:
    return sorted(set(names) - set(OUTPUT_FORMATS))
