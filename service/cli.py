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


if __name__ == "__main__":  # pragma: no cover
    app()
