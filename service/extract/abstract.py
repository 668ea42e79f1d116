"""The abstract: figures written from the record by code, qualitative sentences by a model.

A model shown counts writes counts (and invents some: 其中38个已经完成 where the record had no
statuses), so it is shown none and asked for none, and any sentence of its that states a
quantity or a completion is dropped with a warning.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from zhenggai.extract.tally import tally, walk
from zhenggai.llm.client import LLMClient
from zhenggai.llm.prompts import Prompt
from zhenggai.llm.usage import CallUsage
from zhenggai.schemas.record import SummaryRecord, TotalKind
from zhenggai.vocab.statuses import STATUS_ZH, Status
from zhenggai.vocab.warnings import Warning

# A model sentence that states a quantity or a completion: such figures come from the record only.
_QUANTITY_RE = re.compile(
    r"\d|[零一二三四五六七八九十百千万两]+(?:个|项|条|件|类|名|人|次|家|批|起|方面)|全部|所有|均已|均|一律|百分"
    r"|完成率|已完成|已经完成|完成了|整改完成|完成整改|已整改|整改完毕|整改到位|已办结|办结|销号|清零"
)
_SENTENCE_RE = re.compile(r"[^。!?;]+[。!?;]?")
_ORDER = [s for s in Status if s != Status.not_stated]
# Declared totals the abstract quotes: counts of problems and of problems at a status.
_CLAIM_KINDS = set(TotalKind) - {TotalKind.measures, TotalKind.areas, TotalKind.tasks, TotalKind.other}


class AbstractOut(BaseModel):
    abstract: str = Field(min_length=20, max_length=800)


def digest(record: SummaryRecord) -> str:
    """What the model may write about: the areas, some problems, measures and plans; no counts."""
    r = record.report
    flat = walk(record.problems)
    areas = list(dict.fromkeys(p.area for p in flat if p.area))
    measures = [m.text[:30] for p in flat for m in p.measures[:1]]
    lines = [
        f"标题：{r.title or '未说明'}",
        f"被巡视（巡察）单位：{r.inspected_unit or '未说明'}；巡视（巡察）组：{r.inspection_team or '未说明'}",
        "问题方面：" + ("；".join(a[:40] for a in areas[:8]) or "未说明"),
        "部分问题：" + ("；".join(p.title[:30] for p in flat[:6]) or "未说明"),
        "部分措施：" + ("；".join(measures[:6]) or "未说明"),
    ]
    if record.next_steps:
        lines.append("下一步：" + "；".join(n.text[:30] for n in record.next_steps[:4]))
    return "\n".join(lines)


def facts(record: SummaryRecord) -> str:
    """The abstract's figures, written from the record: who, how many problems at which status,
    what the report declares of itself, and where that disagrees with what was found."""
    r = record.report
    t = tally(record)
    kind = r.inspection_kind or "巡视（巡察）"
    who = f"{r.inspection_team}对{r.inspected_unit}开展{kind}后，" if r.inspection_team and r.inspected_unit else ""
    parts = [f"{who}{r.publisher or '该单位'}通报了整改进展。"]
    if t.problems:
        stated = [f"{STATUS_ZH[s]}{t.by_status[s]}个" for s in _ORDER if t.by_status.get(s)]
        silent = t.by_status.get(Status.not_stated, 0)
        detail = "、".join(stated) + (f"，{silent}个未说明完成情况" if stated and silent else "")
        if not stated:
            detail = "均未逐项说明完成情况"
        cut = "（原文不完整，只记录到截断处）" if r.truncated else ""
        parts.append(f"逐项记录{t.problems}个问题{cut}：{detail}。")
    claims = [d.evidence.text for d in record.overview.declared_totals if d.kind in _CLAIM_KINDS]
    if claims:
        parts.append("报告自述：" + "；".join(dict.fromkeys(claims[:6])) + "。")
    for c in record.overview.checks:
        if not c.agrees:
            parts.append(f"自述“{c.quote}”与逐项记录不符（记录中为{c.found}个）。")
    return "".join(parts)


def qualitative(text: str) -> tuple[str, list[str]]:
    """The model's sentences without any that states a quantity or a completion."""
    kept, dropped = [], []
    for sentence in _SENTENCE_RE.findall(text):
        (dropped if _QUANTITY_RE.search(sentence) else kept).append(sentence)
    return "".join(kept).strip(), dropped


async def write_abstract(
    client: LLMClient, prompt: Prompt, record: SummaryRecord, *, model: str | None = None
) -> tuple[str, CallUsage | None, list[Warning]]:
    computed = facts(record)
    warnings: list[Warning] = []
    try:
        res = await client.structured(
            prompt, response_model=AbstractOut, variables={"digest": digest(record)}, model=model
        )
    except Exception as e:  # the abstract is a courtesy: never lose the record for it
        warnings.append(
            Warning(code="abstract_failed", message=f"abstract call failed ({type(e).__name__}): {e}"[:300])
        )
        usage = getattr(e, "usage", None)
        return computed, usage if isinstance(usage, CallUsage) else None, warnings
    text, dropped = qualitative(res.value.abstract)
    for s in dropped:
        warnings.append(Warning(code="abstract_figure_dropped", message=f"dropped from the abstract: {s[:80]}"))
    return computed + text, res.usage, warnings
