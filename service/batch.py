"""Summarize many reports: find the files, run the pipeline, write every output, list failures.

One bad file never stops a batch. Each report's own files are written as soon as it is done
(atomically), and the combined files are rewritten at the end or on interruption, so an
interrupted run leaves consistent outputs; a re-run is fast because model answers are cached.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zhenggai.ingest.document import SUPPORTED_SUFFIXES, load_path
from zhenggai.ingest.errors import IngestError
from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import LLMError
from zhenggai.outputs.review import render_review_html
from zhenggai.outputs.writers import (
    DEFAULT_FORMATS,
    record_json,
    record_jsonl,
    record_markdown,
    records_csv,
    write_text_atomic,
)
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.schemas.record import SummaryRecord
from zhenggai.settings import Settings


@dataclass
class Failure:
    path: str
    reason: str
    message: str


@dataclass
class BatchResult:
    records: list[tuple[Path, SummaryRecord]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures and not self.interrupted


class Events:
    """Progress hooks for a display; all optional."""

    def __init__(
        self,
        on_start: Callable[[Path], None] | None = None,
        on_chunks: Callable[[Path, int, int], None] | None = None,
        on_done: Callable[[Path, SummaryRecord | None, Failure | None], None] | None = None,
    ) -> None:
        self.on_start = on_start or (lambda p: None)
        self.on_chunks = on_chunks or (lambda p, d, n: None)
        self.on_done = on_done or (lambda p, r, f: None)


def _skipped_in_folders(path: Path) -> bool:
    """Hidden files and a folder's README are not reports (name them explicitly to include them)."""
    return path.name.startswith(".") or path.stem.lower() == "readme"


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[Failure]]:
    """Report files under `paths` (folders recursively), sorted; problems with the paths themselves."""
    files: list[Path] = []
    failures: list[Failure] = []
    for p in paths:
        if p.is_dir():
            files.extend(
                f
                for f in sorted(p.rglob("*"))
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not _skipped_in_folders(f)
            )
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(p)
            else:
                failures.append(Failure(str(p), "unsupported_media", f"unsupported file type {p.suffix or '(none)'}"))
        else:
            failures.append(Failure(str(p), "not_found", "no such file or folder"))
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return unique, failures


def output_stem(path: Path, all_paths: Sequence[Path]) -> str:
    """The file stem, made unique with its parent folders when two inputs share a name."""
    same = [p for p in all_paths if p.stem == path.stem]
    if len(same) <= 1:
        return path.stem
    return "__".join(path.with_suffix("").parts[-3:])


async def run_batch(
    paths: Sequence[Path],
    out_dir: Path,
    settings: Settings,
    *,
    options: PipelineOptions | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    workers: int = 1,
    events: Events | None = None,
    client: LLMClient | None = None,
) -> BatchResult:
    events = events or Events()
    files, failures = discover(paths)
    result = BatchResult(failures=failures)
    out_dir.mkdir(parents=True, exist_ok=True)
    own_client = client is None
    client = client or LLMClient(settings)
    sem = asyncio.Semaphore(max(workers, 1))

    async def one(path: Path) -> None:
        async with sem:
            events.on_start(path)
            try:
                doc = await asyncio.to_thread(load_path, path)
                record = await summarize_document(
                    doc, client, settings, options, progress=lambda d, n: events.on_chunks(path, d, n)
                )
            except IngestError as e:
                fail = Failure(str(path), e.reason, str(e))
            except LLMError as e:
                fail = Failure(str(path), "model", f"{type(e).__name__}: {e}")
            except Exception as e:  # a bug must cost one report, not the batch
                fail = Failure(str(path), "internal", f"{type(e).__name__}: {e}")
            else:
                stem = output_stem(path, files)
                if "json" in formats:
                    write_text_atomic(out_dir / f"{stem}.json", record_json(record))
                if "md" in formats:
                    write_text_atomic(out_dir / f"{stem}.md", record_markdown(record))
                if "html" in formats:  # the review page needs the text the spans index into
                    write_text_atomic(out_dir / f"{stem}.html", render_review_html(record, doc.text))
                result.records.append((path, record))
                events.on_done(path, record, None)
                return
            result.failures.append(fail)
            events.on_done(path, None, fail)

    try:
        await asyncio.gather(*(one(p) for p in files))
    except (asyncio.CancelledError, KeyboardInterrupt):
        result.interrupted = True
        done = {str(p) for p, _ in result.records} | {f.path for f in result.failures}
        for p in files:
            if str(p) not in done:
                result.failures.append(
                    Failure(str(p), "interrupted", "the run was interrupted before this report finished")
                )
    finally:
        write_combined(out_dir, result, files, formats)
        if own_client:
            await client.aclose()
    return result


def write_combined(out_dir: Path, result: BatchResult, files: Sequence[Path], formats: Sequence[str]) -> None:
    order = {str(p): k for k, p in enumerate(files)}
    records = [r for _, r in sorted(result.records, key=lambda pr: order.get(str(pr[0]), 0))]
    if "jsonl" in formats:
        write_text_atomic(out_dir / "summaries.jsonl", "".join(record_jsonl(r) for r in records))
    if "csv" in formats:
        write_text_atomic(out_dir / "problems.csv", records_csv(records), encoding="utf-8")
    errors = out_dir / "errors.jsonl"
    if result.failures:
        lines = [json.dumps(f.__dict__, ensure_ascii=False) + "\n" for f in result.failures]
        write_text_atomic(errors, "".join(lines))
    elif errors.exists():
        errors.unlink()
