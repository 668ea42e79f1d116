"""Batch at scale: `summarize DIR --queue postgresql://…` puts every report file of a folder on the
shared store as a job (under one owner) and follows them to the end; `export --queue … --out DIR`
writes the outputs a local batch writes (the same writers: `batch.write_outputs`, `write_combined`,
`outputs.formats.OUTPUT_FORMATS`), from the stored records and texts.

A job's name is the file's path as given, so the export names outputs as the local batch does
(`batch.output_stems`). Submission is idempotent (the store's dedupe key: same normalised text,
model and prompt version for the owner), so enqueueing a folder again adds only what changed or
failed, and the export takes the newest job of each name.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhenggai.api.intake import prompt_versions
from zhenggai.api.jobs import JobRow, NewJob
from zhenggai.api.remote import read_submission_text
from zhenggai.batch import BatchResult, Failure, discover, output_stems, write_combined, write_outputs
from zhenggai.outputs.formats import DEFAULT_FORMATS
from zhenggai.schemas.record import SummaryRecord

FINISHED = ("done", "failed", "cancelled")


@dataclass
class Enqueued:
    jobs: dict[str, str] = field(default_factory=dict)  # job id → file name
    reused: int = 0
    failures: list[Failure] = field(default_factory=list)  # files that could not be read (never submitted)


def enqueue(
    store: Any,
    paths: Sequence[Path],
    *,
    owner: str,
    model: str,
    prompt_version: str | None = None,
    max_pending: int = 1_000_000,
    on_file: Callable[[Path], None] | None = None,
) -> Enqueued:
    """One job per report file under `paths`; a file that cannot be read is a failure, not a job."""
    files, failures = discover(paths)
    out = Enqueued(failures=list(failures))
    version = prompt_version or prompt_versions()[1]
    for path in files:
        data = path.read_bytes()
        status, value = read_submission_text(("bytes", data, path.name, None, None))
        if status != "ok":
            detail = value[3] or {}
            out.failures.append(Failure(str(path), detail.get("reason") or value[1], value[2]))
            continue
        new = NewJob(
            owner=owner,
            name=str(path),
            media_type=None,
            encoding=None,
            source_kind="bytes",
            source=data,
            text=value,
            model=model,
            prompt_version=version,
        )
        row, reused = store.submit(new, max_pending=max_pending)
        out.jobs[row.id] = str(path)
        out.reused += reused
        if on_file is not None:
            on_file(path)
    return out


def follow(
    store: Any,
    job_ids: Sequence[str],
    *,
    poll_s: float = 1.0,
    on_update: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, str]:
    """Wait until every job is finished; their final statuses. `on_update` gets the counts per status."""
    status: dict[str, str] = {}
    left = list(job_ids)
    while True:
        still = []
        for job_id in left:
            row = store.get(job_id)
            status[job_id] = row.status if row is not None else "lost"
            if status[job_id] not in (*FINISHED, "lost"):
                still.append(job_id)
        left = still
        if on_update is not None:
            counts: dict[str, int] = {}
            for s in status.values():
                counts[s] = counts.get(s, 0) + 1
            on_update(counts)
        if not left:
            return status
        time.sleep(poll_s)


def owner_jobs(store: Any, owner: str, page: int = 200) -> list[JobRow]:
    """Every job of the owner, newest first."""
    rows: list[JobRow] = []
    before = None
    while True:
        batch = store.list(owner, limit=page, before=before)
        rows.extend(batch)
        if len(batch) < page:
            return rows
        before = batch[-1].id


def export(
    store: Any,
    out_dir: Path,
    *,
    owner: str,
    job_ids: Sequence[str] | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    failures: Sequence[Failure] = (),
) -> BatchResult:
    """The outputs of a local batch for the owner's jobs (or `job_ids`): the newest job of each name."""
    wanted = set(job_ids) if job_ids is not None else None
    newest: dict[str, JobRow] = {}
    for row in owner_jobs(store, owner):
        if (wanted is None or row.id in wanted) and row.name not in newest:
            newest[row.name] = row
    names = sorted(newest)
    files = [Path(n) for n in names]
    stems = output_stems(files)
    result = BatchResult(failures=list(failures))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, path in zip(names, files, strict=True):
        row = newest[name]
        if row.status != "done":
            error = row.error or {}
            if row.status in FINISHED:
                result.failures.append(Failure(name, error.get("type", row.status), error.get("message", "")))
            else:
                result.failures.append(Failure(name, "interrupted", f"the job is still {row.status}"))
            continue
        full = store.get(row.id, with_result=True)
        record = SummaryRecord.model_validate_json(full.result)
        write_outputs(out_dir, stems[path], record, store.text(row.id) or "", formats)
        result.records.append((path, record))
    write_combined(out_dir, result, [Path(f.path) for f in failures] + files, formats)
    return result
