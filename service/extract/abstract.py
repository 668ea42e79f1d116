"""The abstract: a model writes it from a digest of the merged record; unsupported numbers are cut."""

from __future__ import annotations

import re
from collections import Counter

from pydantic import BaseModel, Field

from zhenggai.llm.client import CallUsage, LLMClient
from zhenggai.llm.prompts import Prompt
from zhenggai.schemas.record import Problem, Status, SummaryRecord, Warning

STATUS_ZH = {
    Status.completed: "已完成",
    Status.basically_completed: "基本完成",
    Status.partly_completed: "阶段性完成",
    Status.in_progress: "正在推进",
    Status.long_term: "长期坚持",
    Status.not_completed: "未完成",
    Status.not_stated: "未说明",
}
_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
_SENTENCE_RE = re.compile(r"[^。!?;]+[。!?;]?")


class AbstractOut(BaseModel):
    abstract: str = Field(min_length=20, max_length=800)


def _flatten(problems: list[Problem]) -> list[Problem]:
    out = []
    for p in problems:
        out.append(p)
        out.extend(_flatten(p.children))
    return out


def digest(record: SummaryRecord) -> str:
    r = record.report
    flat = _flatten(record.problems)
    statuses = Counter(p.status for p in flat)
    areas = list(dict.fromkeys(p.area for p in flat if p.area))
    lines = [
        f"标题：{r.title}",
        f"被巡视（巡察）单位：{r.inspected_unit or '未说明'}；巡视组：{r.inspection_team or '未说明'}",
        f"问题数：{len(flat)}；措施数：{sum(len(p.measures) for p in flat)}",
        "状态：" + "，".join(f"{STATUS_ZH[s]}{n}个" for s, n in statuses.most_common()),
        "问题方面：" + "；".join(a[:40] for a in areas[:8]),
        "部分问题：" + "；".join(p.title[:30] for p in flat[:6]),
    ]
    totals = [t.evidence.text for t in record.overview.declared_totals[:6]]
    if totals:
        lines.append("报告自述：" + "；".join(totals))
    if record.leads_petitions.text:
        lines.append("线索和信访件：" + record.leads_petitions.text[:120])
    if record.next_steps:
        lines.append("下一步：" + "；".join(n.text[:30] for n in record.next_steps[:4]))
    return "\n".join(lines)


def fallback_abstract(record: SummaryRecord) -> str:
    """A plain abstract from the record alone, for when no model answer can be used."""
    flat = _flatten(record.problems)
    statuses = Counter(p.status for p in flat)
    r = record.report
    who = (
        f"{r.inspection_team}对{r.inspected_unit}开展巡视（巡察）后，" if r.inspection_team and r.inspected_unit else ""
    )
    parts = [f"{who}{r.publisher or '该单位'}通报了整改进展。报告列出{len(flat)}个问题"]
    parts.append("，状态为" + "、".join(f"{STATUS_ZH[s]}{n}个" for s, n in statuses.most_common()) + "。")
    if record.next_steps:
        parts.append("下一步将" + "；".join(n.text[:24] for n in record.next_steps[:3]) + "。")
    return "".join(parts)


def check_numbers(text: str, allowed: str) -> tuple[str, list[str]]:
    """Drop sentences whose numbers are not in `allowed` (the digest, itself read from the source)."""
    allowed_numbers = set(_NUM_RE.findall(allowed))
    kept, dropped = [], []
    for sentence in _SENTENCE_RE.findall(text):
        bad = [n for n in _NUM_RE.findall(sentence) if n not in allowed_numbers]
        (dropped if bad else kept).append(sentence)
    return "".join(kept).strip(), dropped


async def write_abstract(
    client: LLMClient, prompt: Prompt, record: SummaryRecord, *, model: str | None = None
) -> tuple[str, CallUsage | None, list[Warning]]:
    d = digest(record)
    warnings: list[Warning] = []
    try:
        res = await client.structured(prompt, response_model=AbstractOut, variables={"digest": d}, model=model)
    except Exception as e:  # the abstract is a courtesy: never lose the record for it
        warnings.append(
            Warning(code="abstract_failed", message=f"abstract call failed ({type(e).__name__}): {e}"[:300])
        )
        return fallback_abstract(record), None, warnings
    text, dropped = check_numbers(res.value.abstract, d)
    for s in dropped:
        warnings.append(Warning(code="abstract_number_not_in_source", message=f"dropped from the abstract: {s[:80]}"))
    if len(text) < 20:
        text = fallback_abstract(record)
    return text, res.usage, warnings
