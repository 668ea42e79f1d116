"""The `zhenggai` command: a thin shell over the pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from zhenggai import __version__
from zhenggai.ingest.errors import IngestError

app = typer.Typer(
    name="zhenggai",
    help="Structured, traceable summaries of inspection-rectification reports (巡视/巡察整改进展情况的通报).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"zhenggai {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """zhenggai: read a report's structure, summarize reports, evaluate prompts and models."""


@app.command()
def outline(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A .txt, .md or .html report")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the outline (and chunks) as JSON")] = False,
    chunks: Annotated[bool, typer.Option("--chunks/--no-chunks", help="Also plan the chunks")] = True,
    budget: Annotated[int, typer.Option(help="Chunk token budget")] = 900,
    encoding: Annotated[str | None, typer.Option(help="Force an encoding instead of detecting it")] = None,
) -> None:
    """Show how a report was read: its sections, roles, spans, page debris and chunks."""
    from zhenggai.chunks.chunker import ChunkOptions, chunk_outline
    from zhenggai.outputs.outline_view import render_outline
    from zhenggai.structure.reader import read_report

    try:
        doc, tree = read_report(file, encoding=encoding)
    except IngestError as e:
        err_console.print(f"[red]error[/red] ({e.reason}): {e}")
        raise typer.Exit(2) from e
    planned = chunk_outline(doc.text, tree, options=ChunkOptions(budget=budget)) if chunks else None
    if as_json:
        payload = {
            "source": doc.source.model_dump(mode="json"),
            "outline": tree.model_dump(mode="json"),
        }
        if planned is not None:
            payload["chunks"] = [c.model_dump(mode="json") for c in planned]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console.print(render_outline(doc, tree, planned))


def _settings(**overrides):
    from zhenggai.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@app.command()
def summarize(
    paths: Annotated[list[Path], typer.Argument(help="Report files and/or folders (searched recursively)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder")] = Path("out"),
    model: Annotated[str | None, typer.Option(help="Model alias or litellm model string [default: settings]")] = None,
    prompt_version: Annotated[
        str | None, typer.Option(help="Version of the judging prompt [default: its default]")
    ] = None,
    formats: Annotated[
        str, typer.Option("--format", "-f", help="Comma list of json,jsonl,csv,md")
    ] = "json,jsonl,csv,md",
    workers: Annotated[int, typer.Option(min=1, help="Reports processed at once")] = 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the response cache")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ignore cached answers (store the new ones)")] = False,
    abstract: Annotated[bool, typer.Option("--abstract/--no-abstract", help="Write the Chinese abstract")] = True,
    chunk_tokens: Annotated[int | None, typer.Option(help="Chunk token budget")] = None,
) -> None:
    """Summarize reports into JSON, JSONL, CSV and Markdown; failures are listed, the rest complete."""
    import asyncio

    from zhenggai.batch import run_batch
    from zhenggai.outputs.progress import BatchDisplay
    from zhenggai.outputs.writers import FORMATS
    from zhenggai.pipeline import PipelineOptions

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown:
        err_console.print(f"[red]unknown format(s)[/red]: {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
        raise typer.Exit(2)
    settings = _settings(
        model=model,
        cache_enabled=False if no_cache else None,
        cache_refresh=True if refresh else None,
        chunk_tokens=chunk_tokens,
    )
    options = PipelineOptions(model=settings.model, judge_version=prompt_version, with_abstract=abstract)
    display = BatchDisplay(err_console)
    with display:
        result = asyncio.run(
            run_batch(paths, out, settings, options=options, formats=chosen, workers=workers, events=display.events())
        )
    display.summary(result, out)
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on [default: settings, 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: settings, 8000]")] = None,
    db: Annotated[
        Path | None, typer.Option(help="SQLite file of jobs and results [default: <cache>/jobs.sqlite]")
    ] = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Jobs summarized at once [default: settings, 2]")] = None,
    model: Annotated[str | None, typer.Option(help="Default model [default: settings]")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "info",
) -> None:
    """Run the HTTP service (OpenAPI page at /docs). API keys come from ZHENGGAI_API_KEYS."""
    import uvicorn

    from zhenggai.api.app import create_app
    from zhenggai.api.logs import configure_logging

    settings = _settings(api_host=host, api_port=port, api_db=db, api_max_jobs=jobs, model=model)
    if not settings.api_keys:
        err_console.print(
            "[red]no API keys[/red]: set ZHENGGAI_API_KEYS, e.g. ZHENGGAI_API_KEYS='team-a:<long random key>'"
        )
        raise typer.Exit(2)
    configure_logging(log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,  # ours is structured, with request ids and without query strings
        timeout_graceful_shutdown=10,
    )


@app.command("eval")
def eval_(
    model: Annotated[str | None, typer.Option(help="Model alias or litellm model string [default: settings]")] = None,
    prompt_version: Annotated[str | None, typer.Option(help="Version of the judging prompt")] = None,
    reports: Annotated[
        Path | None, typer.Option(help="Folder of the annotated reports [default: ../shared/seeds]")
    ] = None,
    only: Annotated[str | None, typer.Option(help="Comma list of report name prefixes, e.g. 000,002")] = None,
    out: Annotated[Path, typer.Option(help="Where to write eval.json and the records")] = Path("out/eval"),
) -> None:
    """Score the pipeline against the gold annotations (problem P/R/F1, status, measures, figures, grounding)."""
    import asyncio

    from rich.table import Table

    from zhenggai.evals.runner import METRIC_LABELS, fmt_rate, run_variant, write_run

    settings = _settings(model=model)
    run = asyncio.run(
        run_variant(
            settings,
            model=settings.model,
            prompt_version=prompt_version,
            reports_dir=reports,
            only=[o.strip() for o in only.split(",")] if only else None,
        )
    )
    write_run(run, out)
    table = Table(title=f"{run.model} · judge_units@{prompt_version or 'default'}", title_justify="left")
    table.add_column("report")
    for _, label in METRIC_LABELS:
        table.add_column(label, justify="right")
    for r in run.reports:
        table.add_row(r.source[:3], *(fmt_rate(getattr(r.metrics, k)) for k, _ in METRIC_LABELS))
    table.add_row("micro", *(fmt_rate(getattr(run.suite.micro, k)) for k, _ in METRIC_LABELS), style="bold")
    console.print(table)
    console.print(
        f"schema-valid {fmt_rate(run.suite.schema_valid_rate)} · {run.calls} calls ({run.cache_hits} cached) · "
        f"{run.tokens_read:,} tokens read / {run.tokens_written:,} written · {run.wall_seconds:.0f}s"
    )
    console.print(f"written: {out}/eval.json, {out}/eval.md")
    for stem, why in run.failures.items():
        err_console.print(f"[red]failed[/red] {stem}: {why}")
    raise typer.Exit(1 if run.failures else 0)


if __name__ == "__main__":  # pragma: no cover
    app()
