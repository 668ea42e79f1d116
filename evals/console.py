"""The eval on the terminal: the comparison table and the gate's verdict, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from zhenggai.evals.gate import GateResult
from zhenggai.evals.report_md import HEADLINE, fmt_rate, fmt_usd, per_report, scopes
from zhenggai.evals.runner import EvalSuite, short_model

SHORT = {
    "problem_f1": "F1",
    "status_accuracy": "status",
    "measure_recall": "meas.R",
    "figure_precision": "fig.P",
    "grounding_rate": "ground",
    "meta_accuracy": "meta",
}


def print_suite(console: Console, suite: EvalSuite) -> None:
    """A compact table (the ± spreads and every other figure are in eval.md / eval.html)."""
    table = Table(title=f"{suite.prompt_id} on {len(suite.reports)} report(s), micro averages", title_justify="left")
    table.add_column("set")
    table.add_column("prompt")
    table.add_column("model", overflow="fold")
    for k in HEADLINE:
        table.add_column(SHORT.get(k, k), justify="right")
    for name in ("s/report", "resend/call", "cost"):
        table.add_column(name, justify="right")
    for v in suite.variants:
        for name, score in scopes(v):
            table.add_row(
                name or "all",
                v.prompt_version,
                short_model(v.model),
                *(fmt_rate(getattr(score.micro, k)) for k in HEADLINE),
                f"{per_report(v, 'seconds', name) or 0:.0f}",
                fmt_rate(v.cost.per_call["resends"]),
                fmt_usd(v.cost.usd),
            )
    # a pipe or log file has no width: do not squeeze the numbers into 80 columns
    width = console.width
    if not console.is_terminal:
        console.width = max(width, 132)
    console.print(table)
    console.width = width
    for v in suite.variants:
        c = v.cost
        console.print(
            f"{v.name}: {c.calls} calls ({c.cache_hits} cached), {v.wall_seconds:.0f} s this run"
            + (f", [red]{len(v.failures)} report(s) failed[/red]" if v.failures else "")
        )


def print_gate(console: Console, result: GateResult, baseline: str) -> None:
    if result.passed:
        console.print(
            f"[green]gate passed[/green]: no metric dropped more than {result.margin:.3f} below {baseline} "
            f"({', '.join(result.compared)})"
        )
    else:
        console.print(
            f"[red]gate failed[/red]: {len(result.regressions)} metric(s) dropped more than {result.margin:.3f}"
        )
        for r in result.regressions:
            console.print(f"  [red]✗[/red] {r}")
    for line in result.improvements:
        console.print(f"  [green]↑[/green] {line}")
