"""The batch progress display: reports and chunks with ETA, then a table of what failed."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from zhenggai.batch import BatchResult, Events, Failure
from zhenggai.extract.tally import walk
from zhenggai.schemas.record import SummaryRecord


class BatchDisplay:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.reports: TaskID | None = None
        self.tasks: dict[Path, TaskID] = {}

    def __enter__(self) -> BatchDisplay:
        self.progress.__enter__()
        self.reports = self.progress.add_task("reports", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def events(self) -> Events:
        def start(path: Path) -> None:
            self.tasks[path] = self.progress.add_task(f"  {path.name}", total=None)

        def chunks(path: Path, done: int, total: int) -> None:
            if path in self.tasks:
                self.progress.update(self.tasks[path], completed=done, total=total)

        def done(path: Path, record: SummaryRecord | None, failure: Failure | None) -> None:
            if path in self.tasks:
                self.progress.update(self.tasks[path], visible=False)
            self.progress.advance(self.reports)
            if failure:
                self.console.print(f"[red]✗[/red] {path}: {failure.reason}")
            elif record is not None:
                n = len(walk(record.problems))
                self.console.print(
                    f"[green]✓[/green] {path.name}: {n} problems, {len(record.provenance.warnings)} warnings, "
                    f"{record.provenance.wall_seconds:.1f}s"
                )

        return Events(on_start=start, on_chunks=chunks, on_done=done)

    def summary(self, result: BatchResult, out: Path) -> None:
        self.console.print(f"{len(result.records)} summarized, {len(result.failures)} failed → {out}/")
        if result.failures:
            table = Table(title="failed", title_justify="left")
            table.add_column("file")
            table.add_column("reason")
            table.add_column("message")
            for f in result.failures:
                table.add_row(f.path, f.reason, f.message[:160])
            self.console.print(table)
            self.console.print(f"details in {out / 'errors.jsonl'}")
