"""Deterministic parts of the record: declared totals, leads and petitions, next steps.

Declared totals follow fixed phrasings in this genre, so regular expressions read them more
reliably than a small model would. The report's metadata is read by `zhenggai.extract.meta`
(re-exported here as `report_meta` for older imports).
"""

from __future__ import annotations

import re

from zhenggai.extract.figures import find_figures
from zhenggai.extract.meta import report_meta
from zhenggai.extract.sentences import first_clause, split_sentences
from zhenggai.ingest.document import Document
from zhenggai.schemas.document import Outline
from zhenggai.schemas.record import (
    DeclaredTotal,
    Evidence,
    LeadsAndPetitions,
    Measure,
    NextStep,
    Overview,
    SectionRole,
    Span,
)

_TOTAL_RE = re.compile(
    r"(\d+)\s*(?:个|项|条|类)\s*(?:方面|具体问题|问题|整改事项|具体整改事项|整改任务|整改措施|具体整改要求|整改要求)"
    r"|(?:已完成|完成整改|已整改完成|已办结|基本完成|已全部完成)(?:整改)?\s*(\d+)\s*(?:个|项|条|件)"
    r"|完成率\s*\d+(?:\.\d+)?%"
)

__all__ = ["leads", "next_steps", "overview", "report_meta"]


def _totals(text: str, spans: list[Span]) -> list[DeclaredTotal]:
    out = []
    for span in spans:
        for m in _TOTAL_RE.finditer(text, span.start, span.end):
            figs = find_figures(text, m.start(), m.end())
            value = figs[0].value if figs else re.search(r"\d+(?:\.\d+)?", m.group(0)).group(0)
            out.append(
                DeclaredTotal(
                    label=re.sub(r"[\d.%]+\s*(?:个|项|条|类|件)?", "", m.group(0)).strip() or m.group(0),
                    value=value,
                    number=float(value),
                    unit=figs[0].unit if figs else "%",
                    evidence=Evidence(text=m.group(0), span=Span(start=m.start(), end=m.end())),
                )
            )
    return out


def overview(doc: Document, outline: Outline) -> Overview:
    text = doc.text
    measures: list[Measure] = []
    spans: list[Span] = []
    for s in outline.sections:
        if s.role == SectionRole.overview:
            spans.append(s.span)
            for c in s.children or [s]:
                ev = c.title_span
                measures.append(
                    Measure(
                        text=c.title,
                        evidence=Evidence(text=text[ev.start : ev.end], span=ev),
                        figures=find_figures(text, c.span.start, c.span.end),
                    )
                )
        if s.role == SectionRole.details:
            intro_end = s.children[0].span.start if s.children else s.span.end
            spans.append(Span(start=s.span.start, end=intro_end))
    if outline.opening:
        spans.append(outline.opening)
    totals, seen = [], set()
    for t in _totals(text, spans):
        if (t.label, t.value) not in seen:
            seen.add((t.label, t.value))
            totals.append(t)
    return Overview(organisational_measures=measures, declared_totals=totals)


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
