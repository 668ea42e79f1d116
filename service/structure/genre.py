"""Is this a rectification report at all, and is it whole?

Users point the tool at whatever a site publishes: news that a team arrived or fed back, audit
rectification reports, pages of links. Turned into a record, such a page would be a made-up
report, so it is refused with a reason. A page cut off mid-text is a report, but its last problem
and its totals are partial; the record says so.
"""

from __future__ import annotations

import re

from zhenggai.ingest.errors import IngestError
from zhenggai.schemas.document import DebrisKind, Outline
from zhenggai.vocab.roles import SectionRole

_INSPECTION_RE = re.compile(r"巡视|巡視|巡察")
_RECTIFY_RE = re.compile(r"整改")
# The report's own words about itself: the progress of the rectification is made public.
_SELF_RE = re.compile(
    r"(?:整改|进展)[^。]{0,12}(?:予以公布|予以通报|公布如下|通报如下|报告如下|予以公开|公告如下)"
    r"|(?:现将|现就)[^。]{0,30}整改[^。]{0,20}(?:情况|进展)"
    r"|整改(?:工作)?(?:进展|落实|推进)?情况的?(?:通报|报告|公告)"
)
# Details of a rectification: what was done about the problems fed back.
_DETAIL_RE = re.compile(r"整改(?:进展|落实|工作|情况|措施|成效|任务|事项)|集中整改|立行立改|反馈(?:意见|问题)")
_AUDIT_RE = re.compile(r"审计(?:发现|查出)?[^。]{0,6}整改|审计工作报告")
_NEWS_RE = re.compile(r"进驻|动员会|反馈会(?:召开|在)|召开[^。]{0,20}(?:动员会|反馈会)")
# a headline of a meeting held about the rectification: …党组召开巡察反馈意见整改专题民主生活会
# (a report's own text tells such meetings among its work, so only the title counts)
_MEETING_NEWS_RE = re.compile(r"召开[^。]{0,30}(?:民主生活会|组织生活会|推进会|部署会|调度会)$")
# a headline of a notice (…工作的通知) or of an overseer's check on others' rectification
# (…巡察整改监督检查情况的通报): about rectification, and no unit's own report of it
_NOTICE_RE = re.compile(r"^[^。\n]{0,40}关于[^。\n]{2,60}的通知$", re.M)
_OVERSIGHT_RE = re.compile(r"整改(?:工作)?(?:落实)?(?:情况)?(?:监督检查|督查|督导|专项检查|评估)情况的?(?:通报|报告)$")
_LINE_END_RE = re.compile(r"[。!?;:”)]$")
_TERMINAL_RE = re.compile(r"[。!?”…]$")
_CLOSING_KINDS = {DebrisKind.signature, DebrisKind.signature_date, DebrisKind.contact}


class NotARectificationReport(IngestError):
    """The text is readable but is not a 巡视/巡察 rectification report."""

    reason = "not_a_rectification_report"


def _is_link_list(text: str) -> bool:
    """Mostly short lines without sentence punctuation: a list of links or headlines."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 6:
        return False
    # a table row (its cells apart by tabs) is no headline, however short
    short = sum(1 for ln in lines if len(ln) <= 60 and not _LINE_END_RE.search(ln) and "\t" not in ln)
    prose = sum(len(ln) for ln in lines if len(ln) > 80)
    return short / len(lines) > 0.7 and prose < len(text) * 0.3


def _headline(text: str, outline: Outline) -> str:
    """The page's title, or its first line that is no page furniture."""
    if outline.title:
        return outline.title
    furniture = {d.span.start for d in outline.debris}
    pos = 0
    for line in text[:2000].split("\n")[:6]:
        if line.strip() and pos not in furniture:
            return line.strip()
        pos += len(line) + 1
    return ""


def not_a_report_reason(text: str, outline: Outline) -> str | None:
    """Why `text` is not a rectification report, or None when it reads as one."""
    head = f"{outline.title}\n{text[:1500]}"
    if not _INSPECTION_RE.search(head):
        if _AUDIT_RE.search(head):
            return "an audit rectification report (审计整改), not a 巡视/巡察 rectification report"
        return "it does not speak of a 巡视/巡察 inspection"
    speaks_of_itself = bool(_SELF_RE.search(head))
    headline = _headline(text, outline)
    if _NOTICE_RE.search(headline) or _NOTICE_RE.search("\n".join(text[:600].split("\n")[:4])):
        return "a notice (通知) about inspections or their rectification, not a rectification report"
    if _OVERSIGHT_RE.search(headline):
        return "an overseer's check on other units' rectification, not a unit's own rectification report"
    if _is_link_list(text):
        return "a list of links or headlines, not a report"
    if not speaks_of_itself:
        if _NEWS_RE.search(head) or _MEETING_NEWS_RE.search(headline):
            return "news about an inspection (a team arriving or feeding back, a meeting), not a rectification report"
        if len(_RECTIFY_RE.findall(text)) < 3 or not _DETAIL_RE.search(text):
            return "it does not report on a rectification (整改)"
    return None


def check_genre(text: str, outline: Outline, *, source: str = "") -> None:
    """Raise `NotARectificationReport` for a page that is not one."""
    why = not_a_report_reason(text, outline)
    if why:
        raise NotARectificationReport(f"not a rectification report: {why}", source=source)


def is_truncated(text: str, outline: Outline) -> bool:
    """The text stops before the report ends: mid-sentence, or inside the problem list with no
    next steps, signature, date or contact after it."""
    body = text.rstrip()
    if not body:
        return False
    closing = outline.closing is not None or any(d.kind in _CLOSING_KINDS for d in outline.debris)
    last_line = body.rsplit("\n", 1)[-1].strip()
    if not _TERMINAL_RE.search(last_line) and not closing:
        return True
    roles = [s.role for s in outline.sections]
    return not closing and SectionRole.next_steps not in roles and bool(roles)


def cut_inside_details(outline: Outline) -> bool:
    """The last part of the text is the problem list (so its last problem is the one cut off)."""
    return bool(outline.sections) and outline.sections[-1].role in (SectionRole.details, SectionRole.leads_petitions)
