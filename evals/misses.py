"""The worst misses of a run, each with the source sentence beside the model's answer.

A table of rates says *that* a prompt is worse; a reader fixing it needs *where*: the problem
the model missed, the one it invented, and the status it got wrong with the sentence it cited
next to the sentence the annotator cited.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from zhenggai.evals.gold_schema import GoldReport
from zhenggai.evals.scorer import ReportScore, flatten_problems
from zhenggai.schemas.record import SummaryRecord

MissKind = Literal["missed", "invented", "status"]
# A confident wrong status misleads a reader more than a status left unread.
SEVERITY = {"missed": 3, "invented": 2, "status_wrong": 2, "status_unread": 1}


class Miss(BaseModel):
    report: str
    kind: MissKind
    severity: int
    path: str
    title: str
    gold_status: str = ""
    pred_status: str = ""
    model_sentence: str = ""  # what the model cited (or, for an invented problem, its heading)
    gold_sentence: str = ""  # what the annotator cited


def find_misses(record: SummaryRecord, gold: GoldReport, score: ReportScore) -> list[Miss]:
    """Every miss of one report, worst first (then in document order)."""
    report = gold.source.rsplit(".", 1)[0]
    preds = {p.path: p for p in reversed(flatten_problems(record.problems))}
    golds = {g.path: g for g in reversed(gold.problems)}
    out: list[Miss] = []
    for path in score.unmatched_gold:
        g = golds[path]
        out.append(
            Miss(
                report=report,
                kind="missed",
                severity=SEVERITY["missed"],
                path=path,
                title=g.title,
                gold_status=str(g.status),
                gold_sentence=g.status_quote or "",
            )
        )
    for path in score.unmatched_pred:
        p = preds[path]
        out.append(
            Miss(
                report=report,
                kind="invented",
                severity=SEVERITY["invented"],
                path=path,
                title=p.title,
                pred_status=str(p.status),
                model_sentence=p.evidence.text,
            )
        )
    for m in score.matches:
        if m.gold_status == m.pred_status:
            continue
        g, p = golds[m.gold_path], preds[m.pred_path]
        unread = "not_stated" in (m.gold_status, m.pred_status)
        out.append(
            Miss(
                report=report,
                kind="status",
                severity=SEVERITY["status_unread" if unread else "status_wrong"],
                path=m.gold_path,
                title=g.title,
                gold_status=m.gold_status,
                pred_status=m.pred_status,
                model_sentence=p.status_evidence.text if p.status_evidence else "",
                gold_sentence=g.status_quote or "",
            )
        )
    order = {g.path: k for k, g in enumerate(gold.problems)}
    return sorted(out, key=lambda x: (-x.severity, order.get(x.path, len(order))))


def worst(misses: list[Miss], n: int) -> list[Miss]:
    """The n worst across reports, spread fairly: ties go round-robin over reports."""
    ranked: dict[str, list[Miss]] = {}
    for m in sorted(misses, key=lambda x: -x.severity):
        ranked.setdefault(m.report, []).append(m)
    out: list[Miss] = []
    for severity in sorted({m.severity for m in misses}, reverse=True):
        queues = [[m for m in ms if m.severity == severity] for ms in ranked.values()]
        while any(queues) and len(out) < n:
            for q in queues:
                if q and len(out) < n:
                    out.append(q.pop(0))
    return out
