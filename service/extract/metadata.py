"""Deterministic parts of the record: metadata, declared totals, leads and petitions, next steps.

Dates, team names, rounds and declared totals follow fixed phrasings in this genre, so regular
expressions read them more reliably than a small model would.
"""

from __future__ import annotations

import datetime as dt
import re

from zhenggai.extract.figures import find_figures
from zhenggai.extract.sentences import first_clause, split_sentences
from zhenggai.extract.totals import read_declared_totals
from zhenggai.ingest.debris import publication_date, signature
from zhenggai.ingest.document import Document
from zhenggai.schemas.document import Outline
from zhenggai.schemas.record import (
    DateRange,
    Evidence,
    LeadsAndPetitions,
    Measure,
    NextStep,
    Overview,
    ReportMeta,
    SectionRole,
    Span,
)

_TEAM_RE = re.compile(
    r"(?:中央|省委|市委|区委|县委|州委|盟委|党委|党组|[\u4e00-\u9fff]{0,6}委)?第[一二三四五六七八九十]+(?:巡视|巡察)组"
    r"|(?:中央|省委|市委|区委|县委|州委)(?:巡视|巡察)[一二三四五六七八九十]+组"
    r"|(?:省委|市委|区委|县委)(?:专项)?(?:巡视|巡察)组"
)
_YEAR_RE = re.compile(r"(\d{4})年")
_ROUND_RE = re.compile(r"[一二三四五六七八九十]+届(?:中央|省委|市委|区委|县委|州委)第[一二三四五六七八九十]+轮")
_PERIOD_RE = re.compile(r"((?:\d{4})年)?(\d{1,2})月(\d{1,2})日(?:至|—|-|到)((?:\d{4})年)?(\d{1,2})月(\d{1,2})日")
_UNIT_RE = re.compile(r"对(.{2,30}?)(?:党委|党组|党工委)?(?:开展了|进行了|开展)(?:常规|专项|机动)?(?:巡视|巡察)")
_FEEDBACK_RE = re.compile(r"((?:\d{4})年)?(\d{1,2})月(\d{1,2})日,?[^。]{0,30}?反馈")
_PUBLISHER_RE = re.compile(r"^(.{2,40}?)关于")


def _date(year: str | None, month: str, day: str, fallback_year: int | None) -> dt.date | None:
    y = int(year.rstrip("年")) if year else fallback_year
    try:
        return dt.date(y, int(month), int(day)) if y else None
    except ValueError:
        return None


def report_meta(doc: Document, outline: Outline) -> ReportMeta:
    text = doc.text
    # the opening paragraph, and the start of the overview, which some reports use instead
    start = outline.opening.start if outline.opening else 0
    end = outline.opening.end if outline.opening else 0
    if outline.sections:
        end = max(end, min(outline.sections[0].span.start + 1500, outline.sections[0].span.end))
    opening = text[start:end]
    base = start
    team = _TEAM_RE.search(opening)
    rnd = _ROUND_RE.search(outline.title) or _ROUND_RE.search(opening) or _ROUND_RE.search(text[: min(len(text), 6000)])
    period = None
    year_hint: int | None = None
    m = _PERIOD_RE.search(opening)
    if m:
        start = _date(m.group(1), m.group(2), m.group(3), None)
        year_hint = start.year if start else None
        end = _date(m.group(4), m.group(5), m.group(6), year_hint)
        period = DateRange(
            start=start,
            end=end,
            evidence=Evidence(text=m.group(0), span=Span(start=base + m.start(), end=base + m.end())),
        )
    feedback = None
    for fm in _FEEDBACK_RE.finditer(opening):
        if period and period.evidence and base + fm.start() < period.evidence.span.end:
            continue
        years = _YEAR_RE.findall(opening[: fm.start()])
        feedback = _date(fm.group(1), fm.group(2), fm.group(3), year_hint or (int(years[-1]) if years else None))
        break
    name, sig_date = signature(outline.debris)
    unit = _UNIT_RE.search(opening)
    publisher = name
    if not publisher:
        pm = _PUBLISHER_RE.match(outline.title)
        publisher = pm.group(1) if pm else ""
    return ReportMeta(
        title=outline.title,
        publisher=publisher,
        inspected_unit=unit.group(1) if unit else "",
        inspection_team=team.group(0) if team else "",
        inspection_round=rnd.group(0) if rnd else "",
        inspection_period=period,
        feedback_date=feedback,
        publication_date=publication_date(outline.debris),
        signature_date=sig_date or None,
        source_file=doc.source.path,
        source_encoding=doc.source.encoding,
        content_sha256=doc.sha256,
        characters=len(text),
    )


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
