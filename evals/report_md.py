"""The eval as Markdown: the comparison table a README or a pull request quotes."""

from __future__ import annotations

from zhenggai.evals.runner import EvalSuite, VariantRun, short_model
from zhenggai.evals.scorer import Metrics, SuiteScore

METRIC_LABELS: list[tuple[str, str]] = [
    ("problem_f1", "problem F1"),
    ("problem_precision", "problem P"),
    ("problem_recall", "problem R"),
    ("status_accuracy", "status acc."),
    ("measure_recall", "measure R"),
    ("figure_precision", "figure P"),
    ("figure_recall", "figure R"),
    ("grounding_rate", "grounding"),
    ("meta_accuracy", "metadata"),
    ("document_accuracy", "document"),
]
# The headline columns of the comparison (all metrics are in the per-variant tables and the JSON).
HEADLINE = ["problem_f1", "status_accuracy", "measure_recall", "figure_precision", "grounding_rate", "meta_accuracy"]
LABEL = dict(METRIC_LABELS)


def fmt_rate(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def fmt_spread(mean: float | None, sd: float | None) -> str:
    if mean is None:
        return "—"
    return f"{mean:.3f}" if not sd else f"{mean:.3f} ±{sd:.3f}"


def fmt_usd(v: float | None) -> str:
    if v is None:
        return "n/a"
    return "$0 (local)" if v == 0 else f"${v:.4f}"


def per_report(v: VariantRun, what: str, set_name: str | None = None) -> float | None:
    """Mean over the scored reports (of one set, or all) of a cost figure (model seconds, tokens)."""
    reports = [r for r in v.reports if set_name is None or r.set == set_name]
    if not reports:
        return None
    if what == "seconds":
        return sum(r.cost.model_seconds for r in reports) / len(reports)
    return sum(r.cost.prompt_tokens + r.cost.completion_tokens for r in reports) / len(reports)


def rule_share(v: VariantRun, set_name: str | None = None) -> float | None:
    """Share of the matched problems whose status the DOMAIN status words filled in after the model
    said not_stated: how much of the status score is the rules', not the prompt's."""
    reports = [r for r in v.reports if set_name is None or r.set == set_name]
    matched = sum(r.score.counts.matched_problems for r in reports)
    ruled = sum(r.warnings.get("status_from_rule", 0) for r in reports)
    return ruled / matched if matched else None


def scopes(v: VariantRun) -> list[tuple[str | None, SuiteScore]]:
    """(set name, its scores) for each report set, then (None, all of them) when there are several."""
    out: list[tuple[str | None, SuiteScore]] = list(v.sets.items())
    if len(out) != 1:
        out.append((None, v.suite))
    return out


def _metric_row(name: str, m: Metrics, keys: list[str], sd: Metrics | None = None) -> str:
    cells = [fmt_spread(getattr(m, k), getattr(sd, k) if sd else None) for k in keys]
    return f"| {name} | " + " | ".join(cells) + " |"


def comparison_table(suite: EvalSuite) -> str:
    """One row per variant and report set: micro averages (± population sd over reports), then what
    it costs. Each set is its own section of rows, then all of them together."""
    head = (
        "| set | prompt | model | reports | "
        + " | ".join(LABEL[k] for k in HEADLINE)
        + " | status by rule | tokens/report | model s/report | re-sends/call | invalid/call | cost |"
    )
    rule = "|---|---|---|---:|" + "---:|" * (len(HEADLINE) + 6)
    rows = [head, rule]
    names = list(dict.fromkeys(name for v in suite.variants for name, _ in scopes(v)))
    for name in names:
        for v in suite.variants:
            score = v.suite if name is None else v.sets.get(name)
            if score is None:
                continue
            pc = v.cost.per_call
            cells = [fmt_spread(getattr(score.micro, k), getattr(score.sd, k)) for k in HEADLINE]
            tokens, seconds = per_report(v, "tokens", name), per_report(v, "seconds", name)
            rows.append(
                f"| {name or '**all**'} | {v.prompt_version} | {short_model(v.model)} | {score.reports} | "
                + " | ".join(cells)
                + f" | {fmt_rate(rule_share(v, name))} | {tokens or 0:,.0f} | {seconds or 0:.1f} | "
                + f"{fmt_rate(pc['resends'])} | {fmt_rate(pc['validation_failures'])} | {fmt_usd(v.cost.usd)} |"
            )
    return "\n".join(rows) + "\n"


def meta_fields_table(v: VariantRun) -> str:
    """Per metadata field and report set: the share of annotated reports read exactly right."""
    columns = scopes(v)
    fields = list(dict.fromkeys(f for _, s in columns for f in s.meta_fields))
    if not fields:
        return ""
    lines = ["| field | " + " | ".join(name or "all" for name, _ in columns) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for f in fields:
        lines.append(f"| {f} | " + " | ".join(fmt_rate(s.meta_fields.get(f)) for _, s in columns) + " |")
    return "\n".join(lines) + "\n"


def variant_section(v: VariantRun) -> str:
    keys = [k for k, _ in METRIC_LABELS]
    lines = [f"### {v.prompt_version} · `{v.model}`", ""]
    lines.append("| report | " + " | ".join(LABEL[k] for k in keys) + " | calls | model s | tokens |")
    lines.append("|---|" + "---:|" * (len(keys) + 3))
    for r in v.reports:
        c = r.cost
        lines.append(
            _metric_row(r.stem, r.score.metrics, keys)[:-1]
            + f"| {c.calls} | {c.model_seconds:.0f} | {c.prompt_tokens + c.completion_tokens:,} |"
        )
    lines.append(_metric_row("**micro**", v.suite.micro, keys) + "  |  |  |")
    lines.append(_metric_row("**macro**", v.suite.macro, keys) + "  |  |  |")
    lines.append("")
    c = v.cost
    lines.append(
        f"{c.calls} calls ({c.cache_hits} from cache, charged what they cost when computed"
        + (f"; {c.unaccounted} not in the call log" if c.unaccounted else "")
        + f"), {c.prompt_tokens:,} tokens read, {c.completion_tokens:,} written, {c.model_seconds:.0f} model s, "
        f"{c.resends} re-sends ({c.transient_retries} after faults), {c.validation_failures} validation failures; "
        "schema-valid "
        f"{fmt_rate(v.suite.schema_valid_rate)}."
    )
    for stem, why in v.failures.items():
        lines.append(f"- **failed** {stem}: {why}")
    meta = meta_fields_table(v)
    if meta:
        lines += ["", "Metadata, share of annotated reports right, per field:", "", meta]
    return "\n".join(lines) + "\n"


def render_markdown(suite: EvalSuite) -> str:
    parts = [
        f"# Eval: `{suite.prompt_id}` on {len(suite.reports)} report(s)",
        "",
        f"{suite.created_at} · zhenggai {suite.tool_version} · sets: "
        + ", ".join(f"{name} ({sum(k.startswith(name + '/') for k in suite.reports)})" for name in suite.sets),
        "",
        "Micro averages over the reports (± population standard deviation of the per-report rates). "
        "*Status by rule*: share of problems whose status the status-word rules filled in after the model "
        "answered not_stated.",
        "",
        comparison_table(suite),
    ]
    for v in suite.variants:
        parts.append(variant_section(v))
        if v.misses:
            parts.append("Worst misses:\n")
            for m in v.misses[:10]:
                said = f"{m.gold_status or '—'} → {m.pred_status or '—'}"
                parts.append(f"- {m.report} `{m.path}` {m.kind} ({said}): {m.title[:40]}")
            parts.append("")
    return "\n".join(parts)
