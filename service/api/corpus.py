"""The corpus over HTTP: a key's finished records as one JSONL or CSV export, and the same
aggregates the dashboard draws (`GET /v1/corpus/summary`), over that key's reports only.

Records are read through the job store's own API (`list` by owner, `get` by id and owner), so a
key never sees another key's jobs. The summary loads them into an in-memory DuckDB with the
corpus loader and runs the corpus SQL: one code path for the command line and the service.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from zhenggai.api.auth import require_key
from zhenggai.api.errors import ErrorBody
from zhenggai.corpus.summary import CorpusSummary, Filters

if TYPE_CHECKING:
    from zhenggai.api.stores import JobStore

PAGE = 200
Owner = Annotated[str, Depends(require_key)]
ERRORS = {
    401: {"model": ErrorBody, "description": "no or wrong API key"},
    429: {"model": ErrorBody, "description": "rate limit of this key reached; see Retry-After"},
}

router = APIRouter(prefix="/v1/corpus", tags=["corpus"])


def _store(request: Request) -> JobStore:
    return request.app.state.service.store


def _done_ids(store: JobStore, owner: str, before: str | None) -> list[str]:
    return [r.id for r in store.list(owner, limit=PAGE, status="done", before=before)]


def owned_results(store: JobStore, owner: str) -> Iterator[str]:
    """The result JSON of every finished job of `owner`, newest first, a page of ids at a time."""
    before: str | None = None
    while True:
        ids = _done_ids(store, owner, before)
        for job_id in ids:
            row = store.get(job_id, owner, with_result=True)
            if row is not None and row.result:
                yield row.result
        if len(ids) < PAGE:
            return
        before = ids[-1]


def _one_line(result: str) -> str:
    return result if "\n" not in result else json.dumps(json.loads(result), ensure_ascii=False)


@router.get(
    "/export.jsonl",
    summary="All finished records of this key, one JSON record a line",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "JSON Lines"}, **ERRORS},
)
async def export_jsonl(request: Request, owner: Owner) -> StreamingResponse:
    store = _store(request)

    async def lines() -> AsyncIterator[str]:
        results = owned_results(store, owner)
        while True:
            batch = await asyncio.to_thread(lambda: [r for _, r in zip(range(PAGE), results, strict=False)])
            if not batch:
                return
            yield "".join(_one_line(r) + "\n" for r in batch)

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="summaries.jsonl"'},
    )


@router.get(
    "/export.csv",
    summary="All finished records of this key, one row per problem (UTF-8 with BOM)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV"}, **ERRORS},
)
async def export_csv(request: Request, owner: Owner) -> Response:
    from zhenggai.outputs.writers import records_csv
    from zhenggai.schemas.record import SummaryRecord

    store = _store(request)

    def build() -> str:
        return records_csv([SummaryRecord.model_validate_json(r) for r in owned_results(store, owner)])

    return Response(
        await asyncio.to_thread(build),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="problems.csv"'},
    )


def corpus_summary(store: JobStore, owner: str, filters: Filters) -> CorpusSummary:
    from zhenggai.corpus.database import BuildResult, connect, load_records
    from zhenggai.corpus.sources import candidate
    from zhenggai.corpus.summary import summarize

    # newest first: the latest record of a text is the one kept
    found = [candidate(result, "job") for result in owned_results(store, owner)]
    con = connect()
    try:
        load_records(con, found, BuildResult())
        return summarize(con, filters)
    finally:
        con.close()


@router.get(
    "/summary",
    response_model=CorpusSummary,
    summary="The dashboard's aggregates over this key's finished reports",
    description="Reports and leaf problems, problems by category per year and level, status shares, declared "
    "against evidenced completion per report, and reports by province; filters as on the dashboard.",
    responses=ERRORS,
)
async def summary(
    request: Request,
    owner: Owner,
    province: Annotated[str | None, Query(max_length=40, description="only reports of this province")] = None,
    level: Annotated[str | None, Query(max_length=40, description="only reports of this unit level")] = None,
    year: Annotated[int | None, Query(ge=1949, le=2200, description="only reports of this year")] = None,
    kind: Annotated[str | None, Query(max_length=8, description="巡视 or 巡察")] = None,
) -> CorpusSummary:
    filters = Filters(province=province, level=level, year=year, kind=kind)
    return await asyncio.to_thread(corpus_summary, _store(request), owner, filters)
