"""The metadata the patterns read, each field with the words it was read from."""

from __future__ import annotations

import re

from zhenggai.extract.meta.dates import read_feedback, read_period
from zhenggai.extract.meta.fallback import read_missing
from zhenggai.extract.meta.inspection import Read, read_forms, read_kind, read_round, read_team
from zhenggai.extract.meta.level import read_level
from zhenggai.extract.meta.names import (
    clean_unit,
    is_short_form,
    read_byline,
    read_object,
    read_signature,
    read_source_org,
    read_title,
    resolve_short_form,
    title_publisher,
)
from zhenggai.extract.meta.place import read_place
from zhenggai.extract.meta.region import Region, regions
from zhenggai.extract.meta.stamps import published, signed
from zhenggai.ingest.debris import parse_date, publication_date, signature
from zhenggai.ingest.document import Document
from zhenggai.llm.client import CallUsage, LLMClient
from zhenggai.llm.prompts import Prompt
from zhenggai.schemas.document import DebrisKind, Outline
from zhenggai.schemas.record import Evidence, ReportMeta, Warning

_SENTENCE_RE = re.compile(r"[^。\n]+[。]?")


def _sentences_with(region: Region, word: str) -> list[Region]:
    return [
        Region(region.words(m.start(), m.end()), region.base + m.start())
        for m in _SENTENCE_RE.finditer(region.text)
        if word in m.group(0)
    ]


def _debris_evidence(text: str, outline: Outline, kind: DebrisKind) -> Evidence | None:
    d = next((d for d in reversed(outline.debris) if d.kind == kind), None)
    if d is None or text[d.span.start : d.span.end] != d.text:
        return None
    return Evidence(text=d.text, span=d.span)


def report_meta(doc: Document, outline: Outline) -> ReportMeta:
    """Title, publisher, unit, team, round, kind, forms, period and feedback date by pattern."""
    text = doc.text
    evidence: dict[str, Evidence] = {}
    title = read_title(text, outline)
    rg = regions(text, outline, title.evidence.span.end if title else 0)
    title_region = [Region(title.evidence.text, title.evidence.span.start)] if title else []
    opening = [rg.opening] if rg.opening.text else []
    # the opening first; when it says nothing, the opening run on into the first section
    where = [*opening, rg.extended]

    team = (
        read_team([*title_region, *where])
        if not opening
        else read_team(opening) or read_team([*title_region, rg.extended])
    )
    rnd = read_round([*title_region, *where, rg.head])
    kind = read_kind(team, [*title_region, *where])

    # forms: said of this inspection in the title, the opening, the team's name; a page without
    # an opening names them where it speaks of the feedback
    form_regions = [*title_region, *opening]
    if team:
        form_regions.append(Region(team.evidence.text, team.evidence.span.start))
    if not opening:
        form_regions += _sentences_with(rg.extended, "反馈")
    forms = read_forms(form_regions)

    period, period_end = read_period(rg.opening) if opening else (None, 0)
    feedback, feedback_ev = read_feedback(rg.opening, period_end) if opening else (None, None)
    if period is None and feedback is None:
        # the inspection told in the first section (一、总体履责情况 …): its sentence, not any date
        period, period_end = read_period(rg.extended)
        if period is not None or period_end or read_team([rg.extended]) is not None:
            feedback, feedback_ev = read_feedback(rg.extended, period_end)

    sig = read_signature(text, outline, title.evidence.span.end if title else 0)
    publisher = sig or title_publisher(title) or read_byline(text, title) or read_source_org(text)
    unit = read_object(where)
    if unit is not None:
        name = clean_unit(unit.value)
        unit = resolve_short_form(name, publisher, rg.head) if is_short_form(name) else Read(name, unit.evidence)
    if publisher is None and unit is not None:
        publisher = unit

    for key, read in (
        ("title", title),
        ("publisher", publisher),
        ("inspected_unit", unit),
        ("inspection_team", team),
        ("inspection_round", rnd),
        ("inspection_kind", kind),
    ):
        if read is not None:
            evidence[key] = read.evidence
    for form, ev in forms.items():
        evidence[f"inspection_forms.{form}"] = ev
    if feedback_ev is not None:
        evidence["feedback_date"] = feedback_ev
    pub_date, pub_ev = publication_date(outline.debris), None
    if pub_date:
        line = next(d for d in outline.debris if d.kind == DebrisKind.source_line and parse_date(d.text) == pub_date)
        pub_ev = Evidence(text=line.text, span=line.span)
    else:
        pub_date, pub_ev = published(text)
    _, sig_date = signature(outline.debris)
    sig_ev = _debris_evidence(text, outline, DebrisKind.signature_date) if sig_date else None
    if not sig_date:
        sig_date, sig_ev = signed(text)
    if pub_date and pub_ev:
        evidence["publication_date"] = pub_ev
    if sig_date and sig_ev:
        evidence["signature_date"] = sig_ev

    return ReportMeta(
        title=title.value if title else "",
        publisher=publisher.value if publisher else "",
        inspected_unit=unit.value if unit else "",
        inspection_team=team.value if team else "",
        inspection_round=rnd.value if rnd else "",
        inspection_kind=kind.value if kind else "",
        inspection_forms=list(forms),
        inspection_period=period,
        feedback_date=feedback,
        publication_date=pub_date,
        signature_date=sig_date or None,
        source_file=doc.source.path,
        source_encoding=doc.source.encoding,
        pages=doc.source.pages,
        content_sha256=doc.sha256,
        characters=len(text),
        evidence=evidence,
    )


def opening_region(text: str, outline: Outline) -> Region:
    """What the model is shown: the opening paragraph, else the start of the body."""
    title = read_title(text, outline)
    rg = regions(text, outline, title.evidence.span.end if title else 0)
    return rg.opening if rg.opening.text.strip() else rg.extended


async def read_meta(
    doc: Document, outline: Outline, client: LLMClient, prompt: Prompt, *, model: str | None = None
) -> tuple[ReportMeta, CallUsage | None, list[Warning]]:
    """The patterns' reading, completed by the model's quotes for what they left empty, then the
    unit's place and level read from the names found."""
    meta = report_meta(doc, outline)
    meta, usage, notes = await read_missing(client, prompt, meta, opening_region(doc.text, outline), model=model)
    return place_and_level(meta), usage, notes


def place_and_level(meta: ReportMeta) -> ReportMeta:
    """The unit's province, city, county and level, from its name, the publisher's and the title."""
    level, level_ev = read_level(meta)
    evidence = {**meta.evidence, "level": level_ev} if level_ev is not None else meta.evidence
    return meta.model_copy(update={"place": read_place(meta), "level": level, "evidence": evidence})
