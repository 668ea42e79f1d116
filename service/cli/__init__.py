"""The `zhenggai` command: a thin shell over the pipeline."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from zhenggai import __version__
from zhenggai.corpus.cli import app as corpus_app
from zhenggai.ingest.errors import IngestError
from zhenggai.llm.prompts import PromptError

app = typer.Typer(
    name="zhenggai",
    help="Structured, traceable summaries of inspection-rectification reports (巡视/巡察整改进展情况的通报).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(corpus_app, name="corpus")
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
    from zhenggai.cli.outline_view import render_outline
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

    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if settings.model_pool is not None:  # a bad pool file is a clear message before any work starts
        from zhenggai.llm.pool import PoolConfigError, load_pool

        try:
            load_pool(settings.model_pool).secrets()
        except PoolConfigError as e:
            err_console.print(f"[red]{e}[/red]")
            raise typer.Exit(2) from None
    return settings


_POOL_HELP = "YAML file of model deployments balanced by litellm's Router [default: ZHENGGAI_MODEL_POOL]"


@app.command()
def summarize(
    paths: Annotated[list[Path], typer.Argument(help="Report files and/or folders (searched recursively)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder")] = Path("out"),
    model: Annotated[str | None, typer.Option(help="Model alias or litellm model string [default: settings]")] = None,
    prompt_version: Annotated[
        str | None, typer.Option(help="Version of the judging prompt [default: its default]")
    ] = None,
    formats: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="Comma list of output formats (html: a review page each) [default: json,jsonl,csv,md]",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Reports processed at once")] = 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the response cache")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ignore cached answers (store the new ones)")] = False,
    abstract: Annotated[bool, typer.Option("--abstract/--no-abstract", help="Write the Chinese abstract")] = True,
    chunk_tokens: Annotated[int | None, typer.Option(help="Chunk token budget")] = None,
    queue: Annotated[
        str | None,
        typer.Option(help="postgresql://… of a shared job store: enqueue the files there for `zhenggai worker`s"),
    ] = None,
    owner: Annotated[str, typer.Option(help="With --queue: whose jobs they are (export by it)")] = "batch",
    pool: Annotated[Path | None, typer.Option(help=_POOL_HELP)] = None,
) -> None:
    """Summarize reports into JSON, JSONL, CSV, Markdown, HTML review pages; failures are listed, the rest complete."""
    import asyncio

    from zhenggai.batch import run_batch
    from zhenggai.cli.progress import BatchDisplay
    from zhenggai.outputs.formats import DEFAULT_FORMATS, OUTPUT_FORMATS, unknown_formats
    from zhenggai.pipeline import PipelineOptions

    chosen = [f.strip() for f in formats.split(",") if f.strip()] if formats else list(DEFAULT_FORMATS)
    unknown = unknown_formats(chosen)
    if unknown:
        known = ", ".join(OUTPUT_FORMATS)
        err_console.print(f"[red]unknown format(s)[/red]: {', '.join(unknown)}; choose from {known}")
        raise typer.Exit(2)
    settings = _settings(
        model=model,
        cache_enabled=False if no_cache else None,
        cache_refresh=True if refresh else None,
        chunk_tokens=chunk_tokens,
        model_pool=pool,
    )
    if queue is not None:
        _summarize_queued(queue, paths, out, settings.model, prompt_version, chosen, owner)
        return
    options = PipelineOptions(model=settings.model, judge_version=prompt_version, with_abstract=abstract)
    display = BatchDisplay(err_console)
    # SIGTERM (a service manager, `kill`) stops the batch the way Ctrl-C does: the reports done so
    # far and the combined files are written, the rest are listed as interrupted.
    previous = signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    try:
        with display:
            result = asyncio.run(
                run_batch(
                    paths, out, settings, options=options, formats=chosen, workers=workers, events=display.events()
                )
            )
    finally:
        signal.signal(signal.SIGTERM, previous)
    display.summary(result, out)
    raise typer.Exit(0 if result.ok else 1)


def _summarize_queued(
    url: str, paths: list[Path], out: Path, model: str, prompt_version: str | None, formats: list[str], owner: str
) -> None:
    """Enqueue on the shared store, follow to the end, export like a local batch; exit 1 if any failed."""
    from zhenggai.api.stores import open_store
    from zhenggai.pgdb import redact
    from zhenggai.queue import dispatch

    store = open_store(url)
    try:
        sent = dispatch.enqueue(store, paths, owner=owner, model=model, prompt_version=prompt_version)
        err_console.print(
            f"{len(sent.jobs)} job(s) on {redact(url)} for {owner!r} ({sent.reused} already there), "
            f"{len(sent.failures)} file(s) unreadable"
        )
        last: list[str] = [""]

        def shown(counts: dict[str, int]) -> None:
            line = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            if line != last[0]:
                err_console.print(f"[dim]{line}[/dim]")
                last[0] = line

        dispatch.follow(store, list(sent.jobs), on_update=shown)
        result = dispatch.export(
            store, out, owner=owner, job_ids=list(sent.jobs), formats=formats, failures=sent.failures
        )
    finally:
        store.close()
    _print_export(result, out)


def _print_export(result, out: Path) -> None:
    err_console.print(f"{len(result.records)} summarized, {len(result.failures)} failed → {out}")
    for f in result.failures:
        err_console.print(f"[red]failed[/red] {f.path} ({f.reason}): {f.message}"[:300])
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def export(
    queue: Annotated[str, typer.Option(help="postgresql://… of the shared job store")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder")] = Path("out"),
    owner: Annotated[str, typer.Option(help="Whose jobs (the --owner of summarize --queue)")] = "batch",
    formats: Annotated[
        str | None, typer.Option("--format", "-f", help="Comma list of output formats [default: json,jsonl,csv,md]")
    ] = None,
) -> None:
    """Write the outputs of a local batch from the owner's jobs on a shared store (newest job per file)."""
    from zhenggai.api.stores import open_store
    from zhenggai.outputs.formats import DEFAULT_FORMATS, OUTPUT_FORMATS, unknown_formats
    from zhenggai.queue import dispatch

    chosen = _comma(formats) or list(DEFAULT_FORMATS)
    unknown = unknown_formats(chosen)
    if unknown:
        err_console.print(
            f"[red]unknown format(s)[/red]: {', '.join(unknown)}; choose from {', '.join(OUTPUT_FORMATS)}"
        )
        raise typer.Exit(2)
    store = open_store(queue)
    try:
        result = dispatch.export(store, out, owner=owner, formats=chosen)
    finally:
        store.close()
    _print_export(result, out)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on [default: settings, 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: settings, 8000]")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLite file of jobs and results, or postgresql://… shared by many processes "
            "[default: ZHENGGAI_API_DB, else <cache>/jobs.sqlite]"
        ),
    ] = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Jobs summarized at once [default: settings, 2]")] = None,
    model: Annotated[str | None, typer.Option(help="Default model [default: settings]")] = None,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="On postgresql://, also run jobs here (else HTTP only)")
    ] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "info",
    pool: Annotated[Path | None, typer.Option(help=_POOL_HELP)] = None,
) -> None:
    """Run the HTTP service (OpenAPI page at /docs). API keys come from ZHENGGAI_API_KEYS."""
    import uvicorn

    from zhenggai.api.app import create_app
    from zhenggai.api.logs import configure_logging

    settings = _settings(
        api_host=host,
        api_port=port,
        api_db=_db_target(db),
        api_max_jobs=jobs,
        model=model,
        api_worker=None if worker else False,
        model_pool=pool,
    )
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


def _db_target(db: str | None) -> Path | str | None:
    """A URL stays a string (a Path would fold its `//`); anything else is a file."""
    if db is None:
        return None
    return db if "://" in db else Path(db)


@app.command()
def worker(
    db: Annotated[
        str | None, typer.Option(help="postgresql://… of the shared job store [default: ZHENGGAI_API_DB]")
    ] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", min=1, help="Jobs run at once [default: settings, 2]")] = None,
    lease: Annotated[float | None, typer.Option(min=1, help="Seconds a job is leased, renewed every quarter")] = None,
    health_port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Serve /healthz and /readyz on this port [default: off]")
    ] = None,
    health_host: Annotated[str, typer.Option(help="Address of the health endpoint")] = "127.0.0.1",
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "info",
) -> None:
    """Run jobs of a shared (PostgreSQL) job store, each under a lease, until SIGTERM or Ctrl-C
    (running jobs go back to the queue). Any number of workers, on any number of machines.
    `--health-port` serves the worker's own /healthz (liveness) and /readyz (database, LISTEN)."""
    from zhenggai.api.logs import configure_logging
    from zhenggai.queue.run import NotSharedError, run_worker

    settings = _settings(api_db=_db_target(db), api_max_jobs=jobs, api_lease_s=lease)
    configure_logging(log_level)
    try:
        run_worker(settings, console=err_console, health=None if health_port is None else (health_host, health_port))
    except NotSharedError as e:
        err_console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from e


@app.command("eval")
def eval_(
    prompts: Annotated[
        str | None,
        typer.Option("--prompts", "--prompt-version", help="Comma list of judging prompt versions [default: default]"),
    ] = None,
    models: Annotated[
        str | None, typer.Option("--models", "--model", help="Comma list of models (aliases or litellm strings)")
    ] = None,
    sets: Annotated[
        str | None,
        typer.Option(
            help="Comma list of annotated sets (seeds, pages, layouts, holdout, holdout_pages, holdout_pages2, "
            "holdout_pages3, holdout_pages4, holdout_pages5) [default: every set with gold]"
        ),
    ] = None,
    reports: Annotated[
        Path | None, typer.Option(help="Folder of your own annotated reports (instead of --sets)")
    ] = None,
    only: Annotated[
        str | None, typer.Option(help="Comma list of report prefixes, of the stem or set/stem: 000,pages/01")
    ] = None,
    gold: Annotated[
        Path | None, typer.Option(help="Folder of gold annotations for --reports (evals/gold_schema.py)")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write eval.json, eval.md, eval.html and the records")] = Path(
        "out/eval"
    ),
    baseline: Annotated[
        Path | None, typer.Option(help="An earlier eval.json: exit 3 if a metric dropped by more than --margin")
    ] = None,
    margin: Annotated[float, typer.Option(min=0.0, max=1.0, help="Largest allowed drop of a metric")] = 0.02,
    abstract: Annotated[bool, typer.Option("--abstract/--no-abstract", help="Also write (unscored) abstracts")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the response cache")] = False,
    pool: Annotated[Path | None, typer.Option(help=_POOL_HELP)] = None,
) -> None:
    """Compare judging prompts and models on the annotated reports: Markdown, HTML and JSON, and a regression gate.

    Exit codes: 0 all well, 1 a report failed, 2 bad arguments or an incomparable baseline, 3 the gate failed.
    """
    import asyncio

    from zhenggai.evals.console import print_gate, print_suite
    from zhenggai.evals.gate import GateError, check
    from zhenggai.evals.runner import load_suite, resolve_sets, run_matrix, write_suite
    from zhenggai.evals.sets import custom_set

    settings = _settings(cache_enabled=False if no_cache else None, model_pool=pool)
    model_list = _comma(models) or [settings.model]
    prompt_list: list[str | None] = list(_comma(prompts)) or [None]
    base = None
    if baseline is not None:
        try:
            base = load_suite(baseline)
        except (OSError, ValueError) as e:
            err_console.print(f"[red]cannot read the baseline[/red] {baseline}: {e}")
            raise typer.Exit(2) from e
    try:
        chosen = [custom_set(reports, gold)] if reports or gold else resolve_sets(_comma(sets) or None)
        suite = asyncio.run(
            run_matrix(
                settings,
                models=model_list,
                prompt_versions=prompt_list,
                sets=chosen,
                only=_comma(only) or None,
                with_abstract=abstract,
                progress=lambda name: err_console.print(f"[dim]running {name}…[/dim]"),
            )
        )
    except (PromptError, FileNotFoundError, ValueError) as e:
        err_console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from e
    paths = write_suite(suite, out)
    print_suite(console, suite)
    console.print("written: " + ", ".join(str(p) for p in paths.values()))
    for v in suite.variants:
        for stem, why in v.failures.items():
            err_console.print(f"[red]failed[/red] {v.name} {stem}: {why}")
    if base is not None:
        try:
            result = check(suite, base, margin)
        except GateError as e:
            err_console.print(f"[red]gate cannot compare[/red]: {e}")
            raise typer.Exit(2) from e
        print_gate(console, result, str(baseline))
        if not result.passed:
            raise typer.Exit(3)
    raise typer.Exit(1 if any(v.failures for v in suite.variants) else 0)


def _comma(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").split(",") if x.strip()]


if __name__ == "__main__":  # pragma: no cover
    app()
