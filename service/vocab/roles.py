"""What a part of a report is for its reader."""

from __future__ import annotations

from enum import StrEnum


class SectionRole(StrEnum):
    title = "title"
    opening = "opening"
    overview = "overview"
    details = "details"
    leads_petitions = "leads_petitions"
    next_steps = "next_steps"
    closing = "closing"
    other = "other"
