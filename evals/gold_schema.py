"""The gold annotation format for a report: what a careful human reader records.

Quotes are copied from the report's *normalised* text (full-width ASCII variants U+FF01–U+FF5E
turned half-width, each line stripped), so the scorer can locate them with `str.find`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from zhenggai.schemas.record import Status, StatusScope, UnitLevel


class GoldModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldFigure(GoldModel):
    value: str = Field(description="the number as written, e.g. '42', '3.46', '100%' → '100'")
    unit: str = ""
    counts: str = Field(default="", description="what it counts, short")
    quote: str = Field(description="a short verbatim quote containing the figure")


class GoldMeasure(GoldModel):
    quote: str = Field(description="verbatim opening of the measure, 10–40 characters, unique in the report")


class GoldProblem(GoldModel):
    path: str = Field(description="numbering path in the report's own labels, e.g. '二.(一).1.(3)'")
    parent: str | None = Field(default=None, description="path of the parent problem, if nested")
    title: str = Field(description="the problem as stated (verbatim from the heading or lead sentence)")
    status: Status
    status_quote: str | None = Field(default=None, description="verbatim sentence supporting status")
    status_scope: StatusScope = Field(
        default=StatusScope.own, description="what the status sentence covers: the problem, its group, section, report"
    )
    measures: list[GoldMeasure] = Field(default_factory=list)
    figures: list[GoldFigure] = Field(default_factory=list, description="key figures only")
    truncated: bool = Field(default=False, description="the excerpt stops inside this problem")
    category: str | None = Field(
        default=None, description="primary category id of the taxonomy (schemas/taxonomy); None = not annotated"
    )
    category_secondary: str = Field(default="", description="a second category the problem also fits; '' = none")


class GoldMeta(GoldModel):
    title: str
    publisher: str
    inspected_unit: str
    inspection_team: str
    inspection_round: str = ""
    inspection_start: dt.date | None = None
    inspection_end: dt.date | None = None
    feedback_date: dt.date | None = None
    publication_date: dt.date | None = None
    signature_date: dt.date | None = None
    inspection_kind: Literal["巡视", "巡察"] | None = Field(default=None, description="巡视 or 巡察, as the text says")
    inspection_forms: list[str] = Field(
        default_factory=list,
        description="forms the text names, in this order: 常规 专项 机动 回头看 提级 交叉 联动 (empty when not said)",
    )


class GoldPlace(GoldModel):
    """Where the inspected unit is and what it is, as its name, the publisher's and the title say.

    Names are the gazetteer's full names (烟台市, 东营经济技术开发区); "" when none of those names
    says the division (nor a lower one it can be inferred from). Every field is scored, "" too.
    """

    province: str = ""
    city: str = ""
    county: str = ""
    level: UnitLevel | None = None


class GoldReport(GoldModel):
    source: str = Field(description="file name of the report (under ../shared/seeds or ../shared/corpus/pages)")
    document: Literal["rectification_report", "not_a_rectification_report"] = "rectification_report"
    truncated: bool = Field(default=False, description="the text stops before the report ends (a page cut off)")
    problems_reached: bool = Field(
        default=True, description="the text reaches the problem-by-problem list (False: problems must be empty)"
    )
    meta: GoldMeta
    place: GoldPlace | None = Field(default=None, description="the unit's place and level; None = not annotated")
    declared_totals: list[GoldFigure] = Field(default_factory=list)
    problems: list[GoldProblem]
    leads_petitions: list[GoldFigure] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list, description="verbatim openings of each plan item")
    notes: str = Field(default="", description="annotator's notes on judgement calls")
