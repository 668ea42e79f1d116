"""Run the pipeline over annotated reports and score it: the engine behind `zhenggai eval`."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from zhenggai import __version__
from zhenggai.evals.accounting import CallCost, account, price_usd
from zhenggai.evals.gold_schema import GoldReport
from zhenggai.evals.misses import Miss, find_misses, worst
from zhenggai.evals.scorer import (
    ReportScore,
    SuiteScore,
    aggregate,
    schema_validity,
    score_refusal,
    score_report,
)
from zhenggai.evals.sets import SET_NAMES, EvalSet, known_set
from zhenggai.extract.judge import JUDGE_PROMPT
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.llm.prompts import load_prompt
from zhenggai.outputs.writers import write_text_atomic
from zhenggai.pipeline import PipelineOptions, summarize_traced
from zhenggai.schemas.record import SummaryRecord
from zhenggai.settings import Settings
from zhenggai.structure.genre import NotARectificationReport


class AnnotatedReport(BaseModel):
    """One annotated report of a set: `key` is `set/stem`, unique across sets."""

    key: str
    set: str
    stem: str
    path: Path
    gold: GoldReport


class ReportRun(BaseModel):
    """One report under one variant: its scores, what its calls cost, and how long it took."""

    stem: str
    set: str = "seeds"
    score: ReportScore
    cost: CallCost
    wall_seconds: float = 0.0
    chunks: int = 0
    warnings: dict[str, int] = Field(default_factory=dict, description="pipeline warnings by code")


class VariantRun(BaseModel):
    """One model × prompt version over the suite."""

    model: str
    prompt_version: str
    suite: SuiteScore
    sets: dict[str, SuiteScore] = Field(default_factory=dict, description="the same scores per report set")
    reports: list[ReportRun]
    cost: CallCost = Field(default_factory=CallCost)
    misses: list[Miss] = Field(default_factory=list, description="the worst misses of each kind, worst first")
    records: dict[str, SummaryRecord] = Field(default_factory=dict, exclude=True)
    failures: dict[str, str] = Field(default_factory=dict)
    wall_seconds: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.prompt_version} · {short_model(self.model)}"


class EvalSuite(BaseModel):
    """Every variant of one `zhenggai eval` run; eval.json holds exactly this."""

    created_at: str
    tool_version: str
    prompt_id: str = JUDGE_PROMPT
    reports_dir: str
    sets: dict[str, str] = Field(default_factory=dict, description="set name → its reports folder")
    reports: list[str]
    variants: list[VariantRun]

    def variant(self, model: str, prompt_version: str) -> VariantRun | None:
        return next((v for v in self.variants if v.model == model and v.prompt_version == prompt_version), None)


def short_model(model: str) -> str:
    return model.split("/", 1)[-1]


def select_gold(sets: list[EvalSet], only: list[str] | None = None) -> list[AnnotatedReport]:
    """The annotated reports of `sets` that `only` selects (prefixes of a stem or of `set/stem`)."""
    chosen: list[AnnotatedReport] = []
    for es in sets:
        gold = es.gold()
        if not gold:
            raise FileNotFoundError(f"no gold annotations (*.json) in {es.gold_dir}")
        for stem, g in gold.items():
            key = f"{es.name}/{stem}"
            if not only or any(stem.startswith(o) or key.startswith(o) for o in only):
                chosen.append(AnnotatedReport(key=key, set=es.name, stem=stem, path=es.reports_dir / g.source, gold=g))
    if not chosen:
        have = ", ".join(es.name for es in sets)
        raise FileNotFoundError(f"no annotated report matches {', '.join(only or [])} (sets: {have})")
    return chosen


def resolve_sets(names: list[str] | None) -> list[EvalSet]:
    """Known sets by name; the default is every known set whose gold is present."""
    if names:
        return [known_set(n) for n in names]
    return [es for es in map(known_set, SET_NAMES) if any(es.gold_dir.glob("*.json"))]


async def run_variant(
    settings: Settings,
    *,
    model: str,
    prompt_version: str | None = None,
    sets: list[EvalSet] | None = None,
    only: list[str] | None = None,
    client: LLMClient | None = None,
    with_abstract: bool = False,
    misses: int = 15,
    gold: list[AnnotatedReport] | None = None,
) -> VariantRun:
    """One model × prompt over the annotated reports (`gold`, else those of `sets` that `only` selects)."""
    gold = gold if gold is not None else select_gold(sets or resolve_sets(None), only)
    version = load_prompt(JUDGE_PROMPT, prompt_version).version
    own = client is None
    client = client or LLMClient(settings)
    # The abstract is not scored: leaving it out keeps a prompt comparison to the judging calls.
    options = PipelineOptions(model=model, judge_version=version, with_abstract=with_abstract)
    runs: list[ReportRun] = []
    records: dict[str, SummaryRecord] = {}
    failures: dict[str, str] = {}
    found: list[Miss] = []
    raw: list[str] = []
    started = time.perf_counter()
    try:
        for a in gold:
            stem, g = a.key, a.gold
            try:
                doc = load_path(a.path)
                summary = await summarize_traced(doc, client, settings, options)
            except NotARectificationReport as e:  # a verdict on the page, scored like any other (no call asked)
                runs.append(
                    ReportRun(stem=stem, set=a.set, score=score_refusal(g, str(e)), cost=account([], None, model))
                )
                continue
            except Exception as e:  # keep scoring the others; the failure is reported
                failures[stem] = f"{type(e).__name__}: {e}"
                continue
            record = summary.record
            records[stem] = record
            raw.append(record.model_dump_json())
            score = score_report(record, g, doc.text)
            found.extend(find_misses(record, g, score))
            codes: dict[str, int] = {}
            for w in record.provenance.warnings:
                codes[w.code] = codes.get(w.code, 0) + 1
            runs.append(
                ReportRun(
                    stem=stem,
                    set=a.set,
                    score=score,
                    cost=account(summary.calls, client.cache, model),
                    wall_seconds=record.provenance.wall_seconds,
                    chunks=record.provenance.chunks,
                    warnings=codes,
                )
            )
    finally:
        if own:
            await client.aclose()
    total = runs[0].cost if runs else CallCost(usd=price_usd(model, 0, 0))
    for r in runs[1:]:
        total = total + r.cost
    return VariantRun(
        model=model,
        prompt_version=version,
        suite=aggregate([r.score for r in runs], schema_validity(raw)),
        sets={name: aggregate([r.score for r in runs if r.set == name]) for name in dict.fromkeys(a.set for a in gold)},
        reports=runs,
        cost=total,
        # each kind gets its share: a flood of missed problems must not hide the wrong statuses
        misses=[
            m for kind in ("missed", "invented", "status") for m in worst([x for x in found if x.kind == kind], misses)
        ],
        records=records,
        failures=failures,
        wall_seconds=round(time.perf_counter() - started, 2),
    )


async def run_matrix(
    settings: Settings,
    *,
    models: list[str],
    prompt_versions: list[str | None],
    sets: list[EvalSet] | None = None,
    only: list[str] | None = None,
    with_abstract: bool = False,
    progress: Callable[[str], None] | None = None,
) -> EvalSuite:
    """Every model × prompt version, one after the other on one client (one local server per model)."""
    sets = sets or resolve_sets(None)
    gold = select_gold(sets, only)  # once, and before any model is loaded: a bad --only fails at once
    variants: list[VariantRun] = []
    client = LLMClient(settings)
    try:
        for model in models:
            for version in prompt_versions:
                if progress:
                    progress(f"{load_prompt(JUDGE_PROMPT, version).version} · {short_model(model)}")
                variants.append(
                    await run_variant(
                        settings,
                        model=model,
                        prompt_version=version,
                        client=client,
                        with_abstract=with_abstract,
                        gold=gold,
                    )
                )
    finally:
        await client.aclose()
    return EvalSuite(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
        prompt_id=JUDGE_PROMPT,
        reports_dir=str(sets[0].reports_dir) if len(sets) == 1 else "",
        sets={es.name: str(es.reports_dir) for es in sets if any(a.set == es.name for a in gold)},
        reports=[a.key for a in gold],
        variants=variants,
    )


def write_suite(suite: EvalSuite, out: Path) -> dict[str, Path]:
    """eval.json (machines), eval.md (the table), eval.html (the page), and each variant's records."""
    from zhenggai.evals.report_html import render_html
    from zhenggai.evals.report_md import render_markdown

    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "eval.json", "md": out / "eval.md", "html": out / "eval.html"}
    write_text_atomic(paths["json"], suite.model_dump_json(indent=2))
    write_text_atomic(paths["md"], render_markdown(suite))
    write_text_atomic(paths["html"], render_html(suite))
    for v in suite.variants:
        folder = out / "records" / f"{v.prompt_version}-{short_model(v.model).replace('/', '_')}"
        folder.mkdir(parents=True, exist_ok=True)
        for key, record in v.records.items():
            (folder / key).parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(folder / f"{key}.json", record.model_dump_json(indent=2))
    return paths


def load_suite(path: Path) -> EvalSuite:
    return EvalSuite.model_validate_json(path.read_text(encoding="utf-8"))
