"""Request and response models: the service's OpenAPI contract."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from zhenggai.api.errors import ErrorBody
from zhenggai.schemas.record import SummaryRecord

TextMediaType = Literal["text/plain", "text/markdown", "text/html"]


class SubmitOptions(BaseModel):
    """How to summarize: both optional, the server's defaults otherwise."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(
        default=None, max_length=200, description="a model the server allows (GET /v1/models); default: its default"
    )
    prompt_version: str | None = Field(
        default=None,
        max_length=50,
        description="version of the judging prompt, e.g. 'v1' (GET /v1/models lists them); default: the default",
    )


class TextSubmission(SubmitOptions):
    """A report given as text in a JSON body."""

    text: str = Field(description="the report: plain text, Markdown or HTML")
    name: str | None = Field(
        default=None, max_length=255, description="a file name for the record's `source_file` (default '<text>')"
    )
    media_type: TextMediaType | None = Field(default=None, description="default: HTML when it looks like HTML")


# The multipart form, written out by hand because one operation takes two body types.
FILE_SUBMISSION_SCHEMA: dict[str, Any] = {
    "title": "FileSubmission",
    "type": "object",
    "description": "A report uploaded as a file (.txt, .md, .html; any common Chinese encoding).",
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the report file"},
        "model": {"type": "string", "maxLength": 200, "description": "as in TextSubmission"},
        "prompt_version": {"type": "string", "maxLength": 50, "description": "as in TextSubmission"},
        "encoding": {
            "type": "string",
            "maxLength": 40,
            "description": "force a text encoding (e.g. gb18030) instead of detecting it",
        },
    },
    "required": ["file"],
    "additionalProperties": False,
}


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.done, JobStatus.failed, JobStatus.cancelled)


class Progress(BaseModel):
    done: int = Field(description="chunks judged so far")
    total: int | None = Field(description="chunks to judge; null until the job has started")


class JobBrief(BaseModel):
    """A job without its result (lists)."""

    id: str
    status: JobStatus
    name: str = Field(description="file name or the submitted `name`")
    model: str
    prompt_version: str
    characters: int = Field(description="length of the normalised text")
    sha256: str = Field(description="hash of the normalised text")
    progress: Progress
    attempts: int = Field(description="times the job was started (a restart of the service starts it again)")
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    error: ErrorBody | None = Field(default=None, description="why the job failed or was cancelled")
    links: dict[str, str] = Field(description="this job, and its renderings once done")


class Job(JobBrief):
    """A job and, once done, its result."""

    result: SummaryRecord | None = Field(default=None, description="the summary, when status is done")


class Submission(Job):
    """The answer to a submission."""

    reused: bool = Field(description="true when an identical earlier submission's job was returned")


class JobList(BaseModel):
    items: list[JobBrief]
    next_cursor: str | None = Field(
        description="pass as `cursor` to get the next (older) page; null at the end. Opaque: do not parse it"
    )


class ModelsInfo(BaseModel):
    models: list[str] = Field(description="models a submission may ask for; the first is the default")
    prompt_versions: list[str] = Field(description="versions of the judging prompt")
    default_prompt_version: str


class Check(BaseModel):
    ok: bool
    message: str


class Health(BaseModel):
    status: Literal["ok", "ready", "not_ready"]
    checks: dict[str, Check] = Field(default_factory=dict)
