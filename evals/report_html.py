"""The eval as one self-contained HTML page: charts, tables, confusion matrices, worst misses.

Charts are inline SVG drawn here, not by a script library: the page opens offline, prints, and
shows its charts even with scripts off. The small script only switches between variants.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import jinja2

from zhenggai.evals.report_md import (
    HEADLINE,
    LABEL,
    METRIC_LABELS,
    fmt_rate,
    fmt_spread,
    fmt_usd,
    per_report,
    rule_share,
)
from zhenggai.evals.runner import EvalSuite, VariantRun, short_model
from zhenggai.schemas.record import Status

PALETTE = ["#2f6fb3", "#d9822b", "#3a9a5b", "#b8463b", "#7b5ea7", "#8c6d31", "#c45c9b", "#5f6b73"]
STATUS_ORDER = [s.value for s in Status]


@dataclass
class Bar:
    label: str
    value: float | None
    color: str
    text: str


@dataclass
class Chart:
    """One horizontal bar chart (an inline SVG): a metric, one bar per variant."""

    key: str
    title: str
    bars: list[Bar]
    scale: float  # the value at full width
    width: int = 420
    bar_h: int = 18
    gap: int = 6
    label_w: int = 170

    @property
    def height(self) -> int:
        return len(self.bars) * (self.bar_h + self.gap) + self.gap

    def bar_width(self, bar: Bar) -> float:
        if bar.value is None or self.scale <= 0:
            return 0.0
        return max(0.0, min(1.0, bar.value / self.scale)) * (self.width - self.label_w - 60)


def _color(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def metric_charts(suite: EvalSuite) -> list[Chart]:
    charts = []
    for key in [k for k, _ in METRIC_LABELS]:
        bars = [
            Bar(v.name, getattr(v.suite.micro, key), _color(i), fmt_rate(getattr(v.suite.micro, key)))
            for i, v in enumerate(suite.variants)
        ]
        charts.append(Chart(key=key, title=LABEL[key], bars=bars, scale=1.0))
    return charts


def cost_charts(suite: EvalSuite) -> list[Chart]:
    out = []
    for key, title, fmt in (
        ("seconds", "model seconds per report", "{:.0f} s"),
        ("tokens", "tokens per report", "{:,.0f}"),
    ):
        values = [per_report(v, key) for v in suite.variants]
        scale = max([x for x in values if x is not None] or [0.0])
        bars = [
            Bar(v.name, x, _color(i), "—" if x is None else fmt.format(x))
            for i, (v, x) in enumerate(zip(suite.variants, values, strict=True))
        ]
        out.append(Chart(key=key, title=title, bars=bars, scale=scale))
    return out


def confusion_grid(v: VariantRun) -> tuple[list[str], list[str], list[list[int]], int]:
    """Rows gold, columns predicted, in the Status order; only the values that occur."""
    conf = v.suite.status_confusion
    gold = [s for s in STATUS_ORDER if s in conf]
    pred = [s for s in STATUS_ORDER if any(s in row for row in conf.values())]
    cells = [[conf.get(g, {}).get(p, 0) for p in pred] for g in gold]
    peak = max([c for row in cells for c in row] or [1])
    return gold, pred, cells, peak


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: resources.files("zhenggai.evals").joinpath("templates", name).read_text(encoding="utf-8")
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rate"] = fmt_rate
    env.filters["usd"] = fmt_usd
    env.globals.update(short_model=short_model, fmt_spread=fmt_spread, per_report=per_report, rule_share=rule_share)
    return env


def render_html(suite: EvalSuite) -> str:
    data = json.dumps(
        {"variants": [v.name for v in suite.variants], "reports": suite.reports}, ensure_ascii=False
    ).replace("</", "<\\/")
    return (
        _env()
        .get_template("eval.html.j2")
        .render(
            suite=suite,
            headline=HEADLINE,
            labels=LABEL,
            metric_keys=[k for k, _ in METRIC_LABELS],
            charts=metric_charts(suite),
            cost_charts=cost_charts(suite),
            confusion=[confusion_grid(v) for v in suite.variants],
            colors=[_color(i) for i in range(len(suite.variants))],
            data_json=data,
        )
    )
