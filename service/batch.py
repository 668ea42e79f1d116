"""Summarize many reports: find the files, run the pipeline, write every output, list failures.

One bad file never stops a batch. Each report's own files are written as soon as it is done
(atomically), and the combined files are rewritten at the end or on interruption, so an
interrupted run leaves consistent outputs; a re-run is fast because model answers are cached.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zhenggai.ingest import formats
from zhenggai.ingest.document import load_path
from zhenggai.ingest.errors import IngestError
from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import LLMError
from zhenggai.outputs.formats import DEFAULT_FORMATS, OUTPUT_FORMATS
from zhenggai.outputs.writers import write_text_atomic
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
                if f.is_file() and formats.by_suffix(f.name) and not _skipped_in_folders(f)
            )
        elif p.is_file():
            if formats.by_suffix(p.name):
                files.append(p)
            else:
                failures.append(
                    Failure(
                        str(p),
                        "unsupported_media",
                        f"unsupported file type {p.suffix or '(none)'}; expected {formats.describe()}",
                    )
                )
        else:
            failures.append(Failure(str(p), "not_found", "no such file or folder"))
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return unique, failures


_UNSAFE_NAME_RE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
MAX_STEM_BYTES = 120  # leaves room for the suffix within any file system's 255-byte name limit


def _safe(part: str) -> str:
    return _UNSAFE_NAME_RE.sub("_", part).strip(" .") or "_"


def _capped(stem: str, path: Path) -> str:
    """A stem within MAX_STEM_BYTES: a long one keeps its start and gains a hash of the full path."""
    if len(stem.encode("utf-8")) <= MAX_STEM_BYTES:
        return stem
    digest = hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    head = stem.encode("utf-8")[: MAX_STEM_BYTES - 11].decode("utf-8", "ignore")
    return f"{head}_{digest}"


def output_stems(paths: Sequence[Path]) -> dict[Path, str]:
    """One output name per input, unique (case-insensitively) and safe: the file stem, then as
    many parent folders as it takes to tell inputs apart, then the suffix (z.txt / z.md), then a
    hash. Never a path: names never climb out of the output folder."""

    def candidates(p: Path) -> list[str]:
        folders = [_safe(x) for x in p.resolve().parent.parts[1:]]  # no root or drive
        stem = _safe(p.stem)
        out = [stem] + ["__".join([*folders[-k:], stem]) for k in range(1, len(folders) + 1)]
        out.append(f"{out[-1]}_{_safe(p.suffix.lstrip('.'))}")
        return [_capped(c, p) for c in out]

    names: dict[Path, str] = {}
    options = {p: candidates(p) for p in paths}
    level = {p: 0 for p in paths}
    while True:
        chosen = {p: options[p][min(level[p], len(options[p]) - 1)] for p in paths}
        by_name: dict[str, list[Path]] = {}
        for p, n in chosen.items():
            by_name.setdefault(n.casefold(), []).append(p)
        clashes = [ps for ps in by_name.values() if len(ps) > 1]
        if not clashes:
            return chosen
        moved = False
        for ps in clashes:
            for p in ps:
                if level[p] + 1 < len(options[p]):
                    level[p] += 1
                    moved = True
        if not moved:  # the same name at every level: a hash of each full path tells them apart
            for ps in clashes:
                for p in ps:
                    digest = hashlib.sha256(str(p).encode("utf-8", "surrogateescape")).hexdigest()[:10]
                    names[p] = f"{chosen[p][: MAX_STEM_BYTES - 11]}_{digest}"
            return {p: names.get(p, chosen[p]) for p in paths}


class OutputError(OSError):
    """A report was summarized but its files could not be written."""


def write_outputs(out_dir: Path, stem: str, record: SummaryRecord, text: str, formats: Sequence[str]) -> None:
    try:
        for name in formats:
            fmt = OUTPUT_FORMATS[name]
            if fmt.one is not None:
                write_text_atomic(out_dir / f"{stem}.{name}", fmt.one(record, text))
    except OSError as e:
        raise OutputError(f"{stem}: {type(e).__name__}: {e}") from e


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

    stems = output_stems(files)

    async def one(path: Path) -> None:
        async with sem:
            events.on_start(path)
            done: tuple[Path, SummaryRecord] | None = None
            try:
                doc = await asyncio.to_thread(load_path, path)
                record = await summarize_document(
                    doc, client, settings, options, progress=lambda d, n: events.on_chunks(path, d, n)
                )
                # summarized: the combined files carry it even if the run stops while its own files are written
                done = (path, record)
                result.records.append(done)
                await asyncio.to_thread(write_outputs, out_dir, stems[path], record, doc.text, formats)
            except IngestError as e:
                fail = Failure(str(path), e.reason, str(e))
            except LLMError as e:
                fail = Failure(str(path), "model", f"{type(e).__name__}: {e}")
            except OutputError as e:  # writing its outputs failed (disk full, a name the file system refuses)
                fail = Failure(str(path), "write_failed", str(e))
            except Exception as e:  # a bug must cost one report, not the batch
                fail = Failure(str(path), "internal", f"{type(e).__name__}: {e}")
            else:
                events.on_done(path, record, None)
                return
            if done is not None:  # summarized, then its files failed: a failure, not a record
                result.records.remove(done)
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
    for name in formats:
        fmt = OUTPUT_FORMATS[name]
        if fmt.many is not None:
            write_text_atomic(out_dir / fmt.combined_file, fmt.many(records))
    errors = out_dir / "errors.jsonl"
    if result.failures:
        lines = [json.dumps(f.__dict__, ensure_ascii=False) + "\n" for f in result.failures]
        write_text_atomic(errors, "".join(lines))
    elif errors.exists():
        errors.unlink()
