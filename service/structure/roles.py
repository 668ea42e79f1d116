"""Tag the parts a reader cares about from the top-level headings' own words, then by position."""

from __future__ import annotations

import re

from zhenggai.schemas.document import NumberingKind, Section
from zhenggai.structure.signals import (
    SHORTCOMING_RE,
    is_organisation_heading,
    is_problem_heading,
    names_area,
    status_group,
)
from zhenggai.vocab.roles import SectionRole

_LEADS = re.compile(r"(?:移交|交办|转办).{0,12}(?:线索|信访)|(?:线索|信访).{0,12}(?:办理|办结|查处)情况")
_NEXT = re.compile(r"下一步|下步|今后|打算|下阶段|努力方向|计划安排|工作安排|巩固深化")
_DETAILS = re.compile(r"落实情况|整改情况|进展情况|整改事项|反馈意见|反馈问题|问题整改|存在问题的整改|整改成效")
_OVERVIEW = re.compile(r"基本情况|总体|履责|组织领导|工作开展|主要做法|整改工作情况|整体推进")


def classify_title(title: str) -> SectionRole | None:
    if _NEXT.search(title[:40]):
        return SectionRole.next_steps
    if is_problem_heading(title) or status_group(title) is not None:
        return SectionRole.details  # 一、关于“…”问题的整改情况 / 一、已完成整改的问题
    if is_organisation_heading(title):
        return SectionRole.overview  # 一、组织整改落实情况: "落实情况" but organisation work
    if _DETAILS.search(title):
        return SectionRole.details
    if _OVERVIEW.search(title):
        return SectionRole.overview
    return None


def _set(section: Section, role: SectionRole) -> None:
    section.role = role
    for child in section.children:
        # (五)关于巡视移交问题线索…: a part of its own under the top heading, not a measure deeper down
        if role == SectionRole.details and section.level == 1 and _LEADS.search(child.title):
            _set(child, SectionRole.leads_petitions)
        else:
            _set(child, role)


def states_problem_at_top(section: Section) -> bool:
    """A top heading that is itself a problem (一)…制度执行不严格,…记录不全。), not a part of the report."""
    title = section.title
    return (
        len(title) >= 8
        and bool(SHORTCOMING_RE.search(title[:60]))
        and not names_area(title)
        and not is_organisation_heading(title)
        and classify_title(title) is None
    )


def _size(section: Section) -> int:
    return sum(1 for _ in section.walk())


def _is_area(section: Section) -> bool:
    """一、村级组织建设方面 with items under it: an area of problems, beside the others."""
    return names_area(section.title) and bool(section.children)


def _lists_problems(section: Section) -> bool:
    inner = [c for c in section.walk() if c is not section]
    return any(c.kind == NumberingKind.problem_label or is_problem_heading(c.title) for c in inner)


def assign_roles(top: list[Section]) -> None:
    """Set `role` on every section in place."""
    if not top:
        return
    roles: list[SectionRole | None] = [classify_title(s.title) for s in top]
    details = [k for k, r in enumerate(roles) if r == SectionRole.details]
    if not details and not any(roles):
        # No heading names a part, and the top headings state shortcomings (一)…不严格,…): the
        # problems are listed at the top, with no 二、反馈问题整改情况 over them.
        stated = [k for k, s in enumerate(top) if states_problem_at_top(s)]
        if len(stated) >= 2 and len(stated) * 2 > len(top):
            for k in stated:
                roles[k] = SectionRole.details
            details = stated
    if not details:
        # No heading says so: the rectification details are the biggest subtree.
        # Organisation work is never taken for the details, however big (a page cut off there).
        biggest = max(range(len(top)), key=lambda k: _size(top[k]))
        if roles[biggest] is None and not is_organisation_heading(top[biggest].title):
            roles[biggest] = SectionRole.details
            details = [biggest]
    # A part whose own subtree lists problems (问题N labels, 关于“…”问题 headings) is details,
    # wherever it stands: reports with no 二、 wrapper number their areas at the top
    # (一、…方面 问题一 … 二、…方面 问题三 …), and position alone would call them overview or next steps;
    # so is an area (…方面) with items under it.
    if details:
        for k in range(len(top)):
            if (
                roles[k] is None
                and not is_organisation_heading(top[k].title)
                and (_lists_problems(top[k]) or _is_area(top[k]))
            ):
                roles[k] = SectionRole.details
        details = [k for k, r in enumerate(roles) if r == SectionRole.details]
    first, last = (details[0], details[-1]) if details else (len(top), -1)
    for k, role in enumerate(roles):
        if role is None:
            if _LEADS.search(top[k].title):
                role = SectionRole.leads_petitions
            elif k < first:
                role = SectionRole.overview
            elif k > last:
                role = SectionRole.next_steps
            else:
                role = SectionRole.details
        _set(top[k], role)
