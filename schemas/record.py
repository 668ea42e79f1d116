"""The output contract: one `SummaryRecord` per report.

Every extracted item carries a `Span` into the *normalised* source text (see
`zhenggai.ingest`), so a reader can always go back to the sentence it came from.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

# The shared words live in the bottom layer; re-exported here because the contract speaks them.
from zhenggai.vocab.contract import Contract
from zhenggai.vocab.roles import SectionRole as SectionRole
from zhenggai.vocab.spans import Evidence as Evidence
from zhenggai.vocab.spans import Span as Span
from zhenggai.vocab.statuses import STATUS_ZH as STATUS_ZH
from zhenggai.vocab.statuses import Status as Status
from zhenggai.vocab.statuses import StatusScope as StatusScope
from zhenggai.vocab.usage import Usage as Usage
from zhenggai.vocab.warnings import Severity as Severity
from zhenggai.vocab.warnings import Warning as Warning
from zhenggai.vocab.warnings import WarningCode as WarningCode

SCHEMA_VERSION = "1.0"


INSPECTION_FORMS = ("常规", "专项", "机动", "回头看", "提级", "交叉", "联动")


class Figure(Contract):
    """A number the report uses to back a claim, e.g. 完成整改56个."""

    value: str = Field(description="the number exactly as written in the source, e.g. '56', '3.46', '百分之百'")
    number: float | None = Field(default=None, description="numeric value when it can be parsed")
    unit: str = Field(default="", description="unit or measure word as written, e.g. 个, 件, 万元, %")
    counts: str = Field(default="", description="what the figure counts, in the source's words")
    evidence: Evidence


class Deadline(Contract):
    text: str = Field(description="the deadline as written, e.g. 2020年底前, 长期坚持")
    date: dt.date | None = None
    evidence: Evidence


class Measure(Contract):
    """One rectification measure taken (一是…, 二是…, or a measure paragraph)."""

    text: str = Field(description="the measure as stated (a summary line or the quote itself)")
    evidence: Evidence
    figures: list[Figure] = Field(default_factory=list)


class Problem(Contract):
    """One problem raised by the inspection team, at its place in the report's own numbering."""

    path: str = Field(description="the report's own numbering path, e.g. '二.(一).1.(3)'")
    area: str = Field(default="", description="title of the (一)-level area it falls under")
    title: str = Field(description="the problem as stated in the report")
    evidence: Evidence
    status: Status = Status.not_stated
    status_evidence: Evidence | None = None
    status_scope: StatusScope = Field(default=StatusScope.own, description="what the status sentence covers")
    truncated: bool = Field(default=False, description="the text stops inside this problem (a page cut off)")
    measures: list[Measure] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    children: list[Problem] = Field(default_factory=list)


class TotalKind(StrEnum):
    """What a declared total counts, so it can be set against what the record found."""

    problems = "problems"  # 反馈问题25个 / 41个问题
    completed = "completed"  # 已完成19个 / 已全部完成整改
    completed_or_basically = "completed_or_basically"  # 已完成(含基本完成)30个
    basically_completed = "basically_completed"  # 基本完成3个
    partly_completed = "partly_completed"  # 12类具体问题均取得阶段性成效
    in_progress = "in_progress"  # 正在推进5个 / 持续推进
    long_term = "long_term"  # 需长期坚持11个
    not_completed = "not_completed"  # 未完成1个
    tasks = "tasks"  # 整改事项 / 整改任务 / 整改要求 (what the plan broke the problems into)
    measures = "measures"  # 整改措施109条
    areas = "areas"  # 4个方面
    rate = "rate"  # 完成率100%
    other = "other"  # 制度24项, 问题线索 …


class DeclaredTotal(Contract):
    """A total the report declares about itself, e.g. 30个具体问题已全部完成整改."""

    label: str = Field(description="what is counted, e.g. 具体问题, 已完成整改, 整改事项")
    value: str
    number: float | None = None
    unit: str = ""
    kind: TotalKind = TotalKind.other
    evidence: Evidence


class TotalCheck(Contract):
    """A declared total set against the count of the same thing in the record (leaf problems)."""

    kind: TotalKind
    declared: float
    found: int
    agrees: bool
    quote: str = Field(description="the declared total's words (its evidence in declared_totals)")
    span: Span


class Overview(Contract):
    organisational_measures: list[Measure] = Field(default_factory=list)
    declared_totals: list[DeclaredTotal] = Field(default_factory=list)
    checks: list[TotalCheck] = Field(
        default_factory=list, description="declared totals against what was found; a disagreement is also a warning"
    )


class LeadsAndPetitions(Contract):
    """移交问题线索和信访件办理情况: what was handed over and how much is closed."""

    text: str = ""
    evidence: Evidence | None = None
    figures: list[Figure] = Field(default_factory=list)


class NextStep(Contract):
    text: str
    evidence: Evidence


class DateRange(Contract):
    start: dt.date | None = None
    end: dt.date | None = None
    evidence: Evidence | None = None


class ReportMeta(Contract):
    title: str = ""
    publisher: str = ""
    inspected_unit: str = ""
    inspection_team: str = ""
    inspection_round: str = ""
    inspection_kind: str = Field(default="", description="巡视 or 巡察; empty when the text does not say")
    inspection_forms: list[str] = Field(
        default_factory=list, description=f"forms the text names, among {' '.join(INSPECTION_FORMS)}"
    )
    inspection_period: DateRange | None = None
    feedback_date: dt.date | None = None
    publication_date: dt.date | None = None
    signature_date: dt.date | None = None
    source_file: str = ""
    source_encoding: str = ""
    content_sha256: str = Field(default="", description="sha256 of the normalised text")
    characters: int = 0
    truncated: bool = Field(default=False, description="the text stops before the report ends (a page cut off)")
    evidence: dict[str, Evidence] = Field(
        default_factory=dict, description="per metadata field (title, publisher, inspection_team, ...): the words read"
    )


class Provenance(Contract):
    tool_version: str
    schema_version: str = SCHEMA_VERSION
    model: str = ""
    prompt_versions: dict[str, str] = Field(default_factory=dict)
    usage: Usage = Field(default_factory=Usage)
    wall_seconds: float = 0.0
    model_seconds: float = 0.0
    chunks: int = 0
    warnings: list[Warning] = Field(default_factory=list)
    created_at: str = ""


class SummaryRecord(Contract):
    """Everything the tool says about one report."""

    schema_version: str = SCHEMA_VERSION
    report: ReportMeta
    overview: Overview = Field(default_factory=Overview)
    problems: list[Problem] = Field(default_factory=list)
    leads_petitions: LeadsAndPetitions = Field(default_factory=LeadsAndPetitions)
    next_steps: list[NextStep] = Field(default_factory=list)
    abstract: str = Field(default="", description="a short Chinese abstract, a few hundred characters")
    provenance: Provenance
