"""Deterministic parts of the record: overview, leads and petitions, next steps.

Declared totals are read by `zhenggai.extract.totals`; the report's metadata by
`zhenggai.extract.meta` (re-exported here as `report_meta` for older imports).
"""

from __future__ import annotations

from zhenggai.extract.figures import find_figures
from zhenggai.extract.meta import report_meta
from zhenggai.extract.sentences import first_clause, split_sentences
from zhenggai.extract.totals import read_declared_totals
from zhenggai.ingest.document import Document
from zhenggai.schemas.document import Outline
from zhenggai.schemas.record import (
    Evidence,
    LeadsAndPetitions,
    Measure,
    NextStep,
    Overview,
    SectionRole,
    Span,
)

__all__ = ["leads", "next_steps", "overview", "report_meta"]


def overview(doc: Document, outline: Outline) -> Overview:
    text = doc.text
    measures: list[Measure] = []
    for s in outline.sections:
        if s.role == SectionRole.overview:
            for c in s.children or [s]:
                ev = c.title_span
                measures.append(
                    Measure(
                        text=c.title,
                        evidence=Evidence(text=text[ev.start : ev.end], span=ev),
                        figures=find_figures(text, c.span.start, c.span.end),
                    )
                )
    return Overview(organisational_measures=measures, declared_totals=read_declared_totals(text, outline))


def leads(doc: Document, outline: Outline) -> LeadsAndPetitions:
    text = doc.text
    sections = [s for s in outline.walk() if s.role == SectionRole.leads_petitions]
    top = [s for s in sections if not any(s is not t and s.path.startswith(t.path + ".") for t in sections)]
    if not top:
        return LeadsAndPetitions()
    s = top[0]
    body = Span(start=s.title_span.end, end=s.span.end)
    sentences = split_sentences(text, body.start, body.end)
    span = Span(start=sentences[0].start, end=sentences[-1].end) if sentences else body
    return LeadsAndPetitions(
        text=text[span.start : span.end][:300],
        evidence=Evidence(text=text[span.start : span.end], span=span),
        figures=find_figures(text, span.start, span.end),
    )


def next_steps(doc: Document, outline: Outline) -> list[NextStep]:
    text = doc.text
    out = []
    for s in outline.sections:
        if s.role != SectionRole.next_steps:
            continue
        items = [c for c in s.walk() if c is not s and not c.children]
        enums = [e for c in s.walk() for e in c.enumerations]
        if not items and enums:
            for e in enums:
                sent = split_sentences(text, e.span.start, e.span.end)[0]
                out.append(
                    NextStep(
                        text=first_clause(sent.text),
                        evidence=Evidence(text=sent.text, span=Span(start=sent.start, end=sent.end)),
                    )
                )
        elif items:
            for c in items:
                out.append(
                    NextStep(
                        text=c.title,
                        evidence=Evidence(text=text[c.title_span.start : c.title_span.end], span=c.title_span),
                    )
                )
        else:
            for sent in split_sentences(text, s.title_span.end, s.span.end):
                if len(sent.text) > 8:
                    out.append(
                        NextStep(
                            text=first_clause(sent.text),
                            evidence=Evidence(text=sent.text, span=Span(start=sent.start, end=sent.end)),
                        )
                    )
    return out
