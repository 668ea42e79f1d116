"""Check every piece of evidence against the normalised source; drop what does not hold.

An item whose quote is not the source's own text at its offsets, or a figure whose number is
not inside its cited span, is removed and counted as a warning: never kept. A metadata field
whose words do not hold is cleared the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from zhenggai.schemas.record import Evidence, Figure, Measure, Problem, ReportMeta, SummaryRecord, Warning

T = TypeVar("T")


def holds(ev: Evidence | None, text: str) -> bool:
    return ev is not None and ev.holds(text)


def _keep(
    items: Iterable[T], ok: Callable[[T], bool], dropped: Callable[[T], Warning], warnings: list[Warning]
) -> list[T]:
    """The items that hold; each one that does not becomes a warning (nothing is dropped silently)."""
    kept = []
    for x in items:
        if ok(x):
            kept.append(x)
        else:
            warnings.append(dropped(x))
    return kept


def _figures(figures: list[Figure], text: str, where: str, warnings: list[Warning]) -> list[Figure]:
    return _keep(
        figures,
        lambda f: holds(f.evidence, text) and f.value in f.evidence.text,
        lambda f: Warning(
            code="figure_not_in_span", message=f"{where}: figure {f.value!r} dropped", span=f.evidence.span
        ),
        warnings,
    )


def _quoted(items: list[T], text: str, message: Callable[[T], str], warnings: list[Warning]) -> list[T]:
    """Items (with an `evidence`) whose quote is the source's text at its span."""
    return _keep(
        items,
        lambda x: holds(x.evidence, text),  # type: ignore[attr-defined]
        lambda x: Warning(code="ungrounded_quote", message=message(x), span=x.evidence.span),  # type: ignore[attr-defined]
        warnings,
    )


def _measures(measures: list[Measure], text: str, where: str, warnings: list[Warning]) -> list[Measure]:
    return [
        m.model_copy(update={"figures": _figures(m.figures, text, where, warnings)})
        for m in _quoted(measures, text, lambda m: f"{where}: measure dropped: {m.text[:40]}", warnings)
    ]


def _problems(problems: list[Problem], text: str, warnings: list[Warning]) -> list[Problem]:
    kept = []
    for p in problems:
        if not holds(p.evidence, text):
            warnings.append(
                Warning(
                    code="ungrounded_quote",
                    message=f"{p.path}: problem dropped: {p.title[:40]}",
                    span=p.evidence.span,
                    path=p.path,
                )
            )
            continue
        first = len(warnings)
        update: dict = {
            "measures": _measures(p.measures, text, p.path, warnings),
            "figures": _figures(p.figures, text, p.path, warnings),
            "deadlines": _quoted(
                p.deadlines, text, lambda d, path=p.path: f"{path}: deadline dropped: {d.text[:20]}", warnings
            ),
            "children": _problems(p.children, text, warnings),
        }
        if p.status_evidence is not None and not holds(p.status_evidence, text):
            warnings.append(
                Warning(
                    code="ungrounded_status", message=f"{p.path}: status evidence dropped", span=p.status_evidence.span
                )
            )
            update |= {"status_evidence": None, "status": "not_stated"}
        # what was dropped inside this problem names it (a child's own warnings name the child)
        warnings[first:] = [w if w.path else w.model_copy(update={"path": p.path}) for w in warnings[first:]]
        kept.append(p.model_copy(update=update))
    return kept


def _meta(meta: ReportMeta, text: str, warnings: list[Warning]) -> ReportMeta:
    """Metadata whose words hold; a field whose evidence does not is cleared, with a warning.

    Evidence keys are field names, or `inspection_forms.<form>` for one form of the list.
    """
    evidence: dict[str, Evidence] = {}
    update: dict = {}
    forms = list(meta.inspection_forms)
    for key, ev in meta.evidence.items():
        if holds(ev, text):
            evidence[key] = ev
            continue
        field, _, form = key.partition(".")
        warnings.append(
            Warning(code="ungrounded_meta", message=f"metadata {key} dropped: {ev.text[:40]!r}", span=ev.span)
        )
        if field == "inspection_forms":
            forms = [f for f in forms if f != form]
        elif field in ReportMeta.model_fields:
            update[field] = ReportMeta.model_fields[field].get_default(call_default_factory=True)
    period = meta.inspection_period
    if period is not None and period.evidence is not None and not holds(period.evidence, text):
        if "inspection_period" not in update:
            warnings.append(Warning(code="ungrounded_meta", message="metadata inspection_period dropped"))
        update["inspection_period"] = None
    return meta.model_copy(update={**update, "inspection_forms": forms, "evidence": evidence})


def ground_record(record: SummaryRecord, text: str) -> tuple[SummaryRecord, list[Warning]]:
    warnings: list[Warning] = []
    report = _meta(record.report, text, warnings)
    ov = record.overview
    overview = ov.model_copy(
        update={
            "organisational_measures": _measures(ov.organisational_measures, text, "overview", warnings),
            "declared_totals": _keep(
                ov.declared_totals,
                lambda t: holds(t.evidence, text) and t.value in t.evidence.text,
                lambda t: Warning(
                    code="figure_not_in_span", message=f"overview: total {t.value!r} dropped", span=t.evidence.span
                ),
                warnings,
            ),
        }
    )
    lp = record.leads_petitions
    leads = lp.model_copy(update={"figures": _figures(lp.figures, text, "leads", warnings)})
    if lp.evidence is not None and not holds(lp.evidence, text):
        leads = leads.model_copy(update={"evidence": None, "figures": []})
        warnings.append(Warning(code="ungrounded_quote", message="leads and petitions evidence dropped"))
    steps = _quoted(record.next_steps, text, lambda n: f"next step dropped: {n.text[:40]}", warnings)
    grounded = record.model_copy(
        update={
            "report": report,
            "problems": _problems(record.problems, text, warnings),
            "overview": overview,
            "leads_petitions": leads,
            "next_steps": steps,
        }
    )
    return grounded, warnings
