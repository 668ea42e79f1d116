"""Check every piece of evidence against the normalised source; drop what does not hold.

An item whose quote is not the source's own text at its offsets, or a figure whose number is
not inside its cited span, is removed and counted as a warning: never kept.
"""

from __future__ import annotations

from zhenggai.schemas.record import Evidence, Figure, Measure, Problem, SummaryRecord, Warning


def holds(ev: Evidence | None, text: str) -> bool:
    return (
        ev is not None
        and 0 <= ev.span.start < ev.span.end <= len(text)
        and text[ev.span.start : ev.span.end] == ev.text
    )


def _figures(figures: list[Figure], text: str, where: str, warnings: list[Warning]) -> list[Figure]:
    kept = []
    for f in figures:
        if holds(f.evidence, text) and f.value in f.evidence.text:
            kept.append(f)
        else:
            warnings.append(
                Warning(code="figure_not_in_span", message=f"{where}: figure {f.value!r} dropped", span=f.evidence.span)
            )
    return kept


def _measures(measures: list[Measure], text: str, where: str, warnings: list[Warning]) -> list[Measure]:
    kept = []
    for m in measures:
        if not holds(m.evidence, text):
            warnings.append(
                Warning(
                    code="ungrounded_quote", message=f"{where}: measure dropped: {m.text[:40]}", span=m.evidence.span
                )
            )
            continue
        kept.append(m.model_copy(update={"figures": _figures(m.figures, text, where, warnings)}))
    return kept


def _problems(problems: list[Problem], text: str, warnings: list[Warning]) -> list[Problem]:
    kept = []
    for p in problems:
        if not holds(p.evidence, text):
            warnings.append(
                Warning(
                    code="ungrounded_quote", message=f"{p.path}: problem dropped: {p.title[:40]}", span=p.evidence.span
                )
            )
            continue
        update: dict = {
            "measures": _measures(p.measures, text, p.path, warnings),
            "figures": _figures(p.figures, text, p.path, warnings),
            "deadlines": [d for d in p.deadlines if holds(d.evidence, text)],
            "children": _problems(p.children, text, warnings),
        }
        if p.status_evidence is not None and not holds(p.status_evidence, text):
            warnings.append(
                Warning(
                    code="ungrounded_status", message=f"{p.path}: status evidence dropped", span=p.status_evidence.span
                )
            )
            update |= {"status_evidence": None, "status": "not_stated"}
        kept.append(p.model_copy(update=update))
    return kept


def ground_record(record: SummaryRecord, text: str) -> tuple[SummaryRecord, list[Warning]]:
    warnings: list[Warning] = []
    ov = record.overview
    overview = ov.model_copy(
        update={
            "organisational_measures": _measures(ov.organisational_measures, text, "overview", warnings),
            "declared_totals": [
                t for t in ov.declared_totals if holds(t.evidence, text) and t.value in t.evidence.text
            ],
        }
    )
    lp = record.leads_petitions
    leads = lp.model_copy(update={"figures": _figures(lp.figures, text, "leads", warnings)})
    if lp.evidence is not None and not holds(lp.evidence, text):
        leads = leads.model_copy(update={"evidence": None, "figures": []})
        warnings.append(Warning(code="ungrounded_quote", message="leads and petitions evidence dropped"))
    steps = [n for n in record.next_steps if holds(n.evidence, text)]
    grounded = record.model_copy(
        update={
            "problems": _problems(record.problems, text, warnings),
            "overview": overview,
            "leads_petitions": leads,
            "next_steps": steps,
        }
    )
    return grounded, warnings
