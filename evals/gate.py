"""The regression gate: compare a run with a saved baseline and fail on any metric that dropped.

The baseline is an eval.json written by an earlier run. Variants are matched by model and prompt
version; a baseline variant the run did not include is an error (the gate would silently pass
otherwise), and so is a report set that differs (rates over other reports do not compare).
"""

from __future__ import annotations

from pydantic import BaseModel

from zhenggai.evals.runner import EvalSuite, short_model
from zhenggai.evals.scorer import Metrics

# Rates the gate guards (micro averages): every one the scorer computes.
GATED = list(Metrics.model_fields)
DEFAULT_MARGIN = 0.02


class GateError(ValueError):
    """The run and the baseline cannot be compared."""


class Regression(BaseModel):
    variant: str
    metric: str
    baseline: float
    current: float | None

    @property
    def drop(self) -> float:
        return self.baseline - (self.current or 0.0)

    def __str__(self) -> str:
        now = "none" if self.current is None else f"{self.current:.3f}"
        return f"{self.variant}: {self.metric} {self.baseline:.3f} → {now} (−{self.drop:.3f})"


class GateResult(BaseModel):
    margin: float
    compared: list[str]
    regressions: list[Regression]
    improvements: list[str]

    @property
    def passed(self) -> bool:
        return not self.regressions


def check(current: EvalSuite, baseline: EvalSuite, margin: float = DEFAULT_MARGIN) -> GateResult:
    if sorted(current.reports) != sorted(baseline.reports):
        raise GateError(f"the run scored reports {current.reports}, the baseline {baseline.reports}")
    regressions: list[Regression] = []
    improvements: list[str] = []
    compared: list[str] = []
    for base in baseline.variants:
        run = current.variant(base.model, base.prompt_version)
        name = f"{base.prompt_version} · {short_model(base.model)}"
        if run is None:
            raise GateError(f"the baseline has {name}, which this run did not evaluate")
        if run.failures:
            raise GateError(f"{name}: reports failed: {', '.join(run.failures)}")
        compared.append(name)
        # the whole run, then each report set on its own: a gain on one set must not hide a loss on another
        scopes = [(name, base.suite, run.suite)]
        scopes += [(f"{name} [{s}]", score, run.sets.get(s)) for s, score in base.sets.items() if len(base.sets) > 1]
        for label, before_suite, now_suite in scopes:
            for metric in GATED:
                before = getattr(before_suite.micro, metric)
                now = getattr(now_suite.micro, metric) if now_suite else None
                if before is None:
                    continue
                if now is None or before - now > margin + 1e-9:
                    regressions.append(Regression(variant=label, metric=metric, baseline=before, current=now))
                elif now - before > margin:
                    improvements.append(f"{label}: {metric} {before:.3f} → {now:.3f}")
    return GateResult(margin=margin, compared=compared, regressions=regressions, improvements=improvements)
