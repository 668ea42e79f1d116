"""The eval on the terminal: the comparison table and the gate's verdict, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from zhenggai.evals.gate import GateResult
from zhenggai.evals.report_md import HEADLINE, LABEL, fmt_rate, fmt_spread, fmt_usd, per_report
from zhenggai.evals.runner import EvalSuite, short_model


def print_suite(console: Console, suite: EvalSuite) -> None:
    table = Table(
        title=f"{suite.prompt_id} on {len(suite.reports)} report(s) (micro ± sd over reports)", title_justify="left"
    )
    table.add_column("prompt")
    table.add_column("model")
    for k in HEADLINE:
        table.add_column(LABEL[k], justify="right")
    for name in ("tok/report", "model s/report", "retries/call", "invalid/call", "cost"):
        table.add_column(name, justify="right")
    for v in suite.variants:
        pc = v.cost.per_call
        table.add_row(
            v.prompt_version,
            short_model(v.model),
            *(fmt_spread(getattr(v.suite.micro, k), getattr(v.suite.sd, k)) for k in HEADLINE),
            f"{per_report(v, 'tokens') or 0:,.0f}",
            f"{per_report(v, 'seconds') or 0:.1f}",
            fmt_rate(pc["retries"]),
            fmt_rate(pc["validation_failures"]),
            fmt_usd(v.cost.usd),
        )
    console.print(table)
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
