"""The one pipeline behind the CLI, the API and the evals.

ingest → structure → chunks → one judging call per chunk → merge into the problem tree →
metadata, totals, leads, next steps → grounding → problem categories → abstract → provenance.
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
from zhenggai.extract.categories import categorize
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
from zhenggai.schemas.record import Problem, Provenance, Span, SummaryRecord, Usage, Warning
from zhenggai.schemas.taxonomy import DEFAULT_VERSION as TAXONOMY_VERSION
from zhenggai.schemas.taxonomy import load_taxonomy
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
    with_categories: bool = True  # each problem's category from the taxonomy (one call per few problems)
    categorize_prompt: str = "categorize"
    categorize_version: str | None = None
    taxonomy_version: str = TAXONOMY_VERSION
    categories_by_model: bool | None = None  # None: settings.categories_by_model; False: the prior's first, no call


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
    taxonomy = ""
    if opt.with_categories and record.problems:
        categorize_prompt = load_prompt(opt.categorize_prompt, opt.categorize_version)
        by_model = settings.categories_by_model if opt.categories_by_model is None else opt.categories_by_model
        if by_model:
            prompt_versions[categorize_prompt.id] = categorize_prompt.version
        taxonomy = opt.taxonomy_version
        notes, usages = await categorize(
            client,
            categorize_prompt,
            load_taxonomy(taxonomy),
            record.problems,
            model=model,
            use_model=by_model,
            unit=record.report.inspected_unit or record.report.publisher,
        )
        calls.extend(usages)
        warnings.extend(notes)
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
        taxonomy_version=taxonomy,
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
    totals set against what was found. Returns a new record, like every other stage."""
    warnings: list[Warning] = []
    if is_truncated(text, outline):
        problems = record.problems
        if problems and cut_inside_details(outline):
            problems = [*problems[:-1], _cut_off(problems[-1])]
        record = record.model_copy(
            update={"report": record.report.model_copy(update={"truncated": True}), "problems": problems}
        )
        warnings.append(
            Warning(
                code="truncated",
                message="the text stops before the report ends"
                + ("; its last problem is cut off" if problems and problems[-1].truncated else ""),
                span=Span(start=len(text.rstrip()), end=len(text.rstrip())),
            )
        )
    checks, mismatches = check_totals(record)
    record = record.model_copy(update={"overview": record.overview.model_copy(update={"checks": checks})})
    warnings.extend(mismatches)
    return record, warnings


def _cut_off(problem: Problem) -> Problem:
    """The problem the text stops inside, and its last descendant down the line of last children."""
    children = problem.children
    if children:
        children = [*children[:-1], _cut_off(children[-1])]
    return problem.model_copy(update={"truncated": True, "children": children})
