"""Run the pipeline over annotated reports and score it: the engine behind `zhenggai eval`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, Field

from zhenggai.evals.gold_schema import GoldReport
from zhenggai.evals.scorer import ReportScore, SuiteScore, aggregate, schema_validity, score_report
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.schemas.record import SummaryRecord
from zhenggai.settings import Settings

GOLD_DIR = Path(__file__).resolve().parent / "gold"


def default_reports_dir() -> Path:
    """The seed reports: $ZHENGGAI_SEEDS_DIR, else ../shared/seeds beside the repo or the cwd."""
    env = os.environ.get("ZHENGGAI_SEEDS_DIR")
    if env:
        return Path(env)
    for base in (Path(__file__).resolve().parents[1], Path.cwd()):
        candidate = base.parent / "shared" / "seeds"
        if candidate.is_dir():
            return candidate
    return Path("../shared/seeds")


def load_gold(gold_dir: Path = GOLD_DIR) -> dict[str, GoldReport]:
    return {
        p.stem: GoldReport.model_validate_json(p.read_text(encoding="utf-8")) for p in sorted(gold_dir.glob("*.json"))
    }


class VariantRun(BaseModel):
    """One model × prompt version over the suite."""

    model: str
    prompt_version: str | None
    suite: SuiteScore
    reports: list[ReportScore]
    records: dict[str, SummaryRecord] = Field(default_factory=dict, exclude=True)
    failures: dict[str, str] = Field(default_factory=dict)
    tokens_read: int = 0
    tokens_written: int = 0
    calls: int = 0
    cache_hits: int = 0
    wall_seconds: float = 0.0


async def run_variant(
    settings: Settings,
    *,
    model: str,
    prompt_version: str | None = None,
    reports_dir: Path | None = None,
    only: list[str] | None = None,
    client: LLMClient | None = None,
) -> VariantRun:
    reports_dir = reports_dir or default_reports_dir()
    gold = load_gold()
    own = client is None
    client = client or LLMClient(settings)
    options = PipelineOptions(model=model, judge_version=prompt_version)
    scores: list[ReportScore] = []
    records: dict[str, SummaryRecord] = {}
    failures: dict[str, str] = {}
    raw: list[str] = []
    try:
        for stem, g in gold.items():
            if only and not any(stem.startswith(o) for o in only):
                continue
            path = reports_dir / g.source
            try:
                doc = load_path(path)
                record = await summarize_document(doc, client, settings, options)
            except Exception as e:  # keep scoring the others; the failure is reported
                failures[stem] = f"{type(e).__name__}: {e}"
                continue
            records[stem] = record
            raw.append(record.model_dump_json())
            scores.append(score_report(record, g, doc.text))
    finally:
        if own:
            await client.aclose()
    suite = aggregate(scores, schema_validity(raw))
    usage = [r.provenance for r in records.values()]
    return VariantRun(
        model=model,
        prompt_version=prompt_version,
        suite=suite,
        reports=scores,
        records=records,
        failures=failures,
        tokens_read=sum(p.usage.prompt_tokens for p in usage),
        tokens_written=sum(p.usage.completion_tokens for p in usage),
        calls=sum(p.usage.calls for p in usage),
        cache_hits=sum(p.usage.cache_hits for p in usage),
        wall_seconds=round(sum(p.wall_seconds for p in usage), 2),
    )


METRIC_LABELS = [
    ("problem_f1", "problem F1"),
    ("problem_precision", "problem P"),
    ("problem_recall", "problem R"),
    ("status_accuracy", "status acc."),
    ("measure_recall", "measure R"),
    ("figure_precision", "figure P"),
    ("figure_recall", "figure R"),
    ("grounding_rate", "grounding"),
    ("meta_accuracy", "metadata"),
]


def fmt_rate(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def markdown(run: VariantRun) -> str:
    """The scores as a Markdown table: one row per report, then micro and macro averages."""
    head = "| report | " + " | ".join(label for _, label in METRIC_LABELS) + " |"
    rule = "|---|" + "---:|" * len(METRIC_LABELS)
    rows = [head, rule]
    for r in run.reports:
        cells = " | ".join(fmt_rate(getattr(r.metrics, k)) for k, _ in METRIC_LABELS)
        rows.append(f"| {r.source[:3]} | {cells} |")
    for name in ("micro", "macro"):
        metrics = getattr(run.suite, name)
        rows.append(f"| **{name}** | " + " | ".join(fmt_rate(getattr(metrics, k)) for k, _ in METRIC_LABELS) + " |")
    rows.append("")
    rows.append(
        f"Model `{run.model}`, judging prompt `{run.prompt_version or 'default'}`; schema-valid "
        f"{fmt_rate(run.suite.schema_valid_rate)}; {run.calls} model calls ({run.cache_hits} from cache), "
        f"{run.tokens_read:,} tokens read, {run.tokens_written:,} written, {run.wall_seconds:.0f} s."
    )
    return "\n".join(rows) + "\n"


def write_run(run: VariantRun, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(run.model_dump_json(indent=2), encoding="utf-8")
    (out / "eval.md").write_text(markdown(run), encoding="utf-8")
    for stem, record in run.records.items():
        (out / f"{stem}.json").write_text(record.model_dump_json(indent=2), encoding="utf-8")


def dump(run: VariantRun) -> str:
    return json.dumps(run.model_dump(mode="json"), ensure_ascii=False, indent=2)
