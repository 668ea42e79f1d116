"""Contracts of the early stages: the ingested document, its outline and its chunks.

All spans refer to `SourceDocument.text`, the normalised text; `OffsetMap` takes them back
to the original file.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass

from zhenggai.vocab.roles import SectionRole
from zhenggai.vocab.spans import Span, page_of


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DebrisKind(StrEnum):
    breadcrumb = "breadcrumb"
    source_line = "source_line"  # 来源 / 发布时间 / 访问次数
    date_banner = "date_banner"  # 今天是: …
    page_menu = "page_menu"  # 01版:要闻 …, navigation bars
    keywords = "keywords"  # 关键词 / 文章关键字
    contact = "contact"  # 联系方式 / 电话 / 电子邮箱
    signature = "signature"  # the issuing committee under the text
    signature_date = "signature_date"
    footer = "footer"  # 版权所有, 打印本页, 分享到 …
    running_header = "running_header"  # a PDF page's or Word section's header
    running_footer = "running_footer"
    page_number = "page_number"  # - 3 - / 第3页 共10页


class SetAside(Stage):
    """Page furniture a reader left out of the text (a PDF's running header, a Word footer):
    not in the normalised text, so it has a page instead of a span."""

    kind: DebrisKind
    text: str
    page: int | None = Field(default=None, description="1-based page of a PDF; None for a Word header or footer")


class Debris(Stage):
    """A line that is page furniture, set aside from the structure but kept with what it says."""

    kind: DebrisKind
    span: Span
    text: str


class SourceInfo(Stage):
    path: str = ""
    media_type: str = Field(default="text/plain", description="the input format's media type (zhenggai.ingest.formats)")
    encoding: str = Field(default="utf-8", description="encoding the bytes were decoded with")
    bom: bool = False
    size_bytes: int = 0
    sha256: str = Field(default="", description="sha256 of the original bytes")
    newline: str = Field(default="\n", description="dominant line ending of the original")
    hard_wrapped: bool = Field(default=False, description="lines were re-joined into paragraphs")
    pages: list[Span] = Field(
        default_factory=list, description="each page's span in the normalised text, in order (PDF); empty when unpaged"
    )
    set_aside: list[SetAside] = Field(
        default_factory=list, description="running headers, footers and page numbers left out of the text"
    )

    def page_of(self, offset: int) -> int | None:
        """1-based page of the character at `offset` of the normalised text; None when unpaged."""
        return page_of(self.pages, offset)


class NumberingKind(StrEnum):
    """Heading label styles, outermost first (their usual nesting order)."""

    cn_dun = "cn_dun"  # 一、
    cn_paren = "cn_paren"  # (一)
    arabic_dot = "arabic_dot"  # 1. / 1、
    arabic_paren = "arabic_paren"  # (1)
    circled = "circled"  # ①
    problem_label = "problem_label"  # 问题1: / 问题一: / 反馈问题一:
    ordinal = "ordinal"  # 第一, / 其一, : nests under whatever heading it follows
    letter = "letter"  # A. / B、


@dataclass(slots=True, kw_only=True, config=ConfigDict(extra="forbid"))
class Enumeration:  # slotted, as `Section` is
    """An in-paragraph item: 一是… 二是…"""

    label: str
    number: int
    span: Span


@dataclass(slots=True, kw_only=True, config=ConfigDict(extra="forbid"))
class Section:
    """One numbered heading and what it holds."""

    # A slotted dataclass rather than a model, like `Span`: an outline holds one per heading (a dense
    # text, one every 8 bytes), and a model's per-object dict was most of its memory. It validates,
    # serialises and appears in the JSON schema as the model did.
    label: str = Field(description="the label as normalised: '二', '(一)', '1', '(3)'")
    kind: NumberingKind
    number: int
    path: str = Field(description="labels from the root, joined by '.', e.g. '二.(一).1.(3)'")
    level: int = Field(description="depth in the tree, 1 = top")
    title: str
    title_span: Span
    run_in: bool = Field(description="the heading runs into the paragraph (title ends at the first full stop)")
    span: Span = Field(description="heading start to the end of the section's last paragraph")
    role: SectionRole = SectionRole.other
    numbering_note: str = Field(default="", description="'repeat', 'skip', 'continued' or '' when in sequence")
    enumerations: list[Enumeration] = Field(default_factory=list)
    children: list[Section] = Field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class OutlineWarning(Stage):
    code: str
    message: str
    span: Span | None = None


class Outline(Stage):
    """How the report was read: title, opening, the section tree, debris set aside, the closing."""

    title: str = ""
    title_span: Span | None = None
    opening: Span | None = None
    closing: Span | None = None
    sections: list[Section] = Field(default_factory=list)
    debris: list[Debris] = Field(default_factory=list)
    warnings: list[OutlineWarning] = Field(default_factory=list)

    def walk(self):
        for section in self.sections:
            yield from section.walk()

    def find(self, path: str) -> Section | None:
        return next((s for s in self.walk() if s.path == path), None)


@dataclass(slots=True, kw_only=True, config=ConfigDict(extra="forbid"))
class HeadingRef:  # slotted, as `Section` is
    path: str
    label: str
    title: str


class Chunk(Stage):
    """One unit of work for a model: `source[span.start:span.end] == text`."""

    id: str
    index: int
    path: str = Field(description="numbering path of the section this chunk belongs to")
    section_paths: list[str] = Field(default_factory=list, description="sections whose headings start inside")
    role: SectionRole
    span: Span
    text: str
    context: list[HeadingRef] = Field(
        default_factory=list, description="headings above the chunk, repeated for the model as context"
    )
    tokens: int
    part: int = Field(default=1, description="k of `parts` when an oversize section was split")
    parts: int = 1
