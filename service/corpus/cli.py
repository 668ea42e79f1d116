"""`zhenggai corpus build` and `zhenggai corpus report`: the corpus database and its dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="corpus",
    help="Many reports compared: load summary records into a DuckDB database, draw its dashboard.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


@app.command()
def build(
    out_dirs: Annotated[
        list[Path],
        typer.Argument(help="Folders written by `zhenggai summarize` (searched recursively), or record files"),
    ],
    db: Annotated[Path, typer.Option("--db", help="The DuckDB file (created or updated)")] = Path("corpus.duckdb"),
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Also write every table as Parquet here")] = None,
) -> None:
    """Add new records and replace changed ones (by content hash); list what could not be read."""
    from zhenggai.corpus.database import build as build_db
    from zhenggai.corpus.database import export_parquet

    try:
        result = build_db(db, out_dirs)
    except OSError as e:
        err_console.print(f"[red]cannot write the database[/red] {db}: {e}")
        raise typer.Exit(2) from e
    for s in result.skipped:
        err_console.print(f"[yellow]skipped[/yellow] {s.origin}: {s.reason}")
    console.print(
        f"{db}: {len(result.added)} added, {len(result.replaced)} replaced, {result.unchanged} unchanged, "
        f"{len(result.skipped)} skipped ({result.seconds:.2f} s)"
    )
    if parquet is not None:
        paths = export_parquet(db, parquet)
        console.print(f"parquet: {len(paths)} tables in {parquet}")
    raise typer.Exit(1 if result.skipped else 0)


@app.command()
def report(
    db: Annotated[Path, typer.Option("--db", exists=True, dir_okay=False, help="The DuckDB file")] = Path(
        "corpus.duckdb"
    ),
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML page to write")] = Path("corpus.html"),
) -> None:
    """One self-contained HTML page: filters, charts, search, each report linked to its review page."""
    from zhenggai.corpus.dashboard import write_dashboard

    path = write_dashboard(db, out)
    console.print(f"written: {path} ({path.stat().st_size / 1e6:.2f} MB)")
