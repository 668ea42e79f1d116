"""Warning codes, what each means to a reader, how grave it is, and the warning itself.

Every warning the pipeline writes has a code from `WarningCode`: the review page, the digest and
the evals read the label and severity from here, not from tables of their own.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from zhenggai.vocab.contract import Contract
from zhenggai.vocab.spans import Span


class Severity(StrEnum):
    dropped = "dropped"  # something the model or parser said was removed from the record
    doubt = "doubt"  # kept, but a reader should look: overruled, disagreeing, cut off, failed
    note = "note"  # how the text was read: converted, re-broken, numbering oddities


class WarningCode(StrEnum):
    # grounding: a quote, figure or field the source does not hold is dropped
    not_located = "not_located"
    ungrounded_quote = "ungrounded_quote"
    ungrounded_status = "ungrounded_status"
    ungrounded_meta = "ungrounded_meta"
    figure_not_in_span = "figure_not_in_span"
    meta_quote_dropped = "meta_quote_dropped"
    abstract_figure_dropped = "abstract_figure_dropped"
    # status: where the status did not come from the model's own reading
    status_overruled = "status_overruled"
    status_without_evidence = "status_without_evidence"
    completed_not_told = "completed_not_told"
    status_unsupported = "status_unsupported"
    status_from_rule = "status_from_rule"
    status_from_field = "status_from_field"
    status_from_whole = "status_from_whole"
    status_from_group = "status_from_group"
    status_from_cover = "status_from_cover"
    status_from_model = "status_from_model"
    kind_overruled = "kind_overruled"
    # the report against itself
    declared_total_mismatch = "declared_total_mismatch"
    truncated = "truncated"
    # model calls that failed (the record keeps the parser's reading)
    chunk_failed = "chunk_failed"
    abstract_failed = "abstract_failed"
    meta_fallback_failed = "meta_fallback_failed"
    # reading the text
    converted_traditional = "converted_traditional"
    line_breaks_restored = "line_breaks_restored"
    numbering_repeat = "numbering_repeat"
    numbering_skip = "numbering_skip"
    numbering_restart = "numbering_restart"
    no_headings = "no_headings"

    @property
    def label(self) -> str:
        return _ABOUT[self][0]

    @property
    def severity(self) -> Severity:
        return _ABOUT[self][1]


_D, _W, _N = Severity.dropped, Severity.doubt, Severity.note
_ABOUT: dict[WarningCode, tuple[str, Severity]] = {
    WarningCode.not_located: ("未能在原文定位（未高亮）", _D),
    WarningCode.ungrounded_quote: ("引文与原文不符，已丢弃", _D),
    WarningCode.ungrounded_status: ("状态依据与原文不符，已丢弃", _D),
    WarningCode.ungrounded_meta: ("基本信息与原文不符，已清除", _D),
    WarningCode.figure_not_in_span: ("数字不在引文中，已丢弃", _D),
    WarningCode.meta_quote_dropped: ("模型给出的基本信息引文不在原文中，已丢弃", _D),
    WarningCode.abstract_figure_dropped: ("摘要中模型写的数量或完成情况句，已删除", _D),
    WarningCode.status_overruled: ("模型给出的状态与原文所述不符，按原文改判", _W),
    WarningCode.status_without_evidence: ("模型给出的状态无依据，改为未说明", _W),
    WarningCode.completed_not_told: ("模型据所述工作判为已完成，原文未言明，未采纳", _W),
    WarningCode.status_unsupported: ("模型引用的是对机器下达的指令，不是原文所述状态，未采纳", _W),
    WarningCode.status_from_rule: ("状态由规则判定（模型未说明）", _N),
    WarningCode.status_from_field: ("状态取自“整改情况/完成情况”栏（模型未说明）", _N),
    WarningCode.status_from_whole: ("状态取自说明该问题整体的句子（模型未说明）", _N),
    WarningCode.status_from_group: ("状态取自所在分组标题（模型未说明）", _N),
    WarningCode.status_from_cover: ("状态取自覆盖多项问题的句子（模型未说明）", _N),
    WarningCode.status_from_model: ("状态由模型判定", _N),
    WarningCode.kind_overruled: ("模型判定的类别被改判", _W),
    WarningCode.declared_total_mismatch: ("报告自述的总数与逐项记录不符", _W),
    WarningCode.truncated: ("原文不完整（截断）", _W),
    WarningCode.chunk_failed: ("模型调用失败，沿用解析结果", _W),
    WarningCode.abstract_failed: ("摘要生成失败", _W),
    WarningCode.meta_fallback_failed: ("基本信息的模型补读失败", _W),
    WarningCode.converted_traditional: ("繁体字按简体读取（引文仍为原文）", _N),
    WarningCode.line_breaks_restored: ("原文断行已恢复", _N),
    WarningCode.numbering_repeat: ("编号重复", _N),
    WarningCode.numbering_skip: ("编号跳号", _N),
    WarningCode.numbering_restart: ("编号重新开始", _N),
    WarningCode.no_headings: ("未找到编号标题", _N),
}


class Warning(Contract):
    """Something the pipeline dropped or doubted; kept so nothing is lost silently."""

    code: WarningCode
    message: str
    span: Span | None = None
    chunk_id: str | None = None
    path: str | None = Field(default=None, description="the problem's path, when the warning is about one problem")
