"""The one pipeline behind the CLI, the API and the evals.

ingest → structure → chunks → one judging call per chunk → merge into the problem tree →
metadata, totals, leads, next steps → grounding → abstract → provenance.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from zhenggai import __version__
from zhenggai.chunks.chunker import ChunkOptions, chunk_outline
from zhenggai.extract.abstract import write_abstract
from zhenggai.extract.grounding import ground_record
from zhenggai.extract.judge import JUDGE_PROMPT, Judged, judge_chunk
from zhenggai.extract.merge import merge_units
from zhenggai.extract.meta import read_meta
from zhenggai.extract.metadata import leads, next_steps, overview
from zhenggai.extract.totals import check_totals
from zhenggai.extract.units import assign_chunks, build_units
from zhenggai.ingest.document import Document
from zhenggai.ingest.traditional import restore_script
from zhenggai.llm.client import LLMClient
from zhenggai.llm.prompts import load_prompt
from zhenggai.llm.usage import CallUsage
from zhenggai.schemas.document import Outline
from zhenggai.schemas.record import Provenance, Span, SummaryRecord, Usage, Warning
from zhenggai.settings import Settings
from zhenggai.structure.genre import check_genre, cut_inside_details, is_truncated
from zhenggai.structure.outline import parse_outline

ProgressFn = Callable[[int, int], None]  # (chunks done, chunks total)


@dataclass
class PipelineOptions:
    model: str | None = None  # None = settings.model
    judge_prompt: str = JUDGE_PROMPT
    judge_version: str | None = None  # None = the default version
    abstract_prompt: str = "abstract"
    abstract_version: str | None = None
    meta_prompt: str = "read_meta"  # asked only for metadata the patterns left empty
    meta_version: str | None = None
    with_abstract: bool = True


@dataclass(frozen=True)
class Summary:
    """A record and the model calls that made it (an eval charges each call to its report)."""

    record: SummaryRecord
    calls: list[CallUsage]


async def summarize_document(
    doc: Document,
    client: LLMClient,
    settings: Settings,
    options: PipelineOptions | None = None,
    progress: ProgressFn | None = None,
) -> SummaryRecord:
    return (await summarize_traced(doc, client, settings, options, progress)).record


async def summarize_traced(
    doc: Document,
    client: LLMClient,
    settings: Settings,
    options: PipelineOptions | None = None,
    progress: ProgressFn | None = None,
) -> Summary:
    """The pipeline. Its usage is the sum of its own calls' usage (each call returns it, a failed
    one carries it on its error), so reports sharing a client never count each other's calls."""
    opt = options or PipelineOptions()
    model = opt.model or settings.model
    started = time.perf_counter()
    judge_prompt = load_prompt(opt.judge_prompt, opt.judge_version)
    meta_prompt = load_prompt(opt.meta_prompt, opt.meta_version)

    source, doc = doc, doc.for_reading()  # the rules read simplified characters; the record quotes the source
    outline = parse_outline(doc.text)
    check_genre(doc.text, outline, source=doc.source.path)
    chunks = chunk_outline(doc.text, outline, options=ChunkOptions(budget=settings.chunk_tokens))
    units = build_units(doc.text, outline)
    by_chunk = assign_chunks(units, chunks)
    work = [c for c in chunks if by_chunk[c.id]]
    warnings: list[Warning] = [*doc.warnings]
    warnings += [Warning(code=w.code, message=w.message, span=w.span) for w in outline.warnings]
    calls: list[CallUsage] = []
    done = 0
    if progress:
        progress(0, len(work))

    async def one(chunk) -> list[Judged]:
        nonlocal done
        # a failed call costs only its units' judgements: they keep the parser's reading
        judged, usages, notes = await judge_chunk(client, judge_prompt, chunk, by_chunk[chunk.id], model=model)
        calls.extend(usages)
        warnings.extend(notes)
        done += 1
        if progress:
            progress(done, len(work))
        return judged

    (meta, meta_usage, meta_notes), *results = await asyncio.gather(
        read_meta(doc, outline, client, meta_prompt, model=model), *(one(c) for c in work)
    )
    warnings.extend(meta_notes)
    if meta_usage is not None:
        calls.append(meta_usage)
    judged = [j for group in results for j in group]
    problems = merge_units(doc.text, judged)

    record = SummaryRecord(
        report=meta,
        overview=overview(doc, outline),
        problems=problems,
        leads_petitions=leads(doc, outline),
        next_steps=next_steps(doc, outline),
        provenance=Provenance(tool_version=__version__),
    )
    record, dropped = ground_record(record, doc.text)
    warnings.extend(dropped)
    record, notes = _completeness(record, doc.text, outline)
    warnings.extend(notes)

    prompt_versions = {judge_prompt.id: judge_prompt.version}
    if meta_usage is not None:  # the metadata prompt was asked
        prompt_versions[meta_prompt.id] = meta_prompt.version
    if opt.with_abstract:
        abstract_prompt = load_prompt(opt.abstract_prompt, opt.abstract_version)
        prompt_versions[abstract_prompt.id] = abstract_prompt.version
        text, usage, notes = await write_abstract(client, abstract_prompt, record, model=model)
        if usage is not None:
            calls.append(usage)
        warnings.extend(notes)
        record = record.model_copy(update={"abstract": text})

    if source.reading:
        record = restore_script(record, doc.text, source.text)
        report = record.report.model_copy(update={"content_sha256": source.sha256})
        record = record.model_copy(update={"report": report})

    usage = Usage.total(c.counters() for c in calls)
    provenance = Provenance(
        tool_version=__version__,
        model=model,
        prompt_versions=prompt_versions,
        usage=usage,
        wall_seconds=round(time.perf_counter() - started, 3),
        model_seconds=usage.model_seconds,
        chunks=len(work),
        warnings=warnings,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    return Summary(record.model_copy(update={"provenance": provenance}), calls)


def _completeness(record: SummaryRecord, text: str, outline: Outline) -> tuple[SummaryRecord, list[Warning]]:
    """A cut-off page keeps its problems up to the cut and says so; a whole one has its declared
    totals set against what was found."""
    warnings: list[Warning] = []
    if is_truncated(text, outline):
        record.report.truncated = True
        last = record.problems[-1] if record.problems and cut_inside_details(outline) else None
        while last is not None:
            last.truncated = True
            last = last.children[-1] if last.children else None
        warnings.append(
            Warning(
                code="truncated",
                message="the text stops before the report ends"
                + ("; its last problem is cut off" if record.problems and record.problems[-1].truncated else ""),
                span=Span(start=len(text.rstrip()), end=len(text.rstrip())),
            )
        )
    checks, mismatches = check_totals(record)
    record.overview.checks = checks
    warnings.extend(mismatches)
    return record, warnings
