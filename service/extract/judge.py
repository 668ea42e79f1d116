"""One model call per chunk: judge each unit's kind and status, citing a sentence number."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, create_model

from zhenggai.extract.status_rules import rule_status
from zhenggai.extract.units import Unit
from zhenggai.llm.client import CallUsage, LLMClient
from zhenggai.llm.prompts import Prompt
from zhenggai.schemas.document import Chunk
from zhenggai.schemas.record import Status, Warning

Kind = Literal["problem", "measure", "area"]
# Words that state a shortcoming: a heading saying them is a problem whatever a small model thinks.
PROBLEM_WORDS_RE = re.compile(
    r"问题|不足|不到位|不强|不够|不深|不实|不严|不力|不高|不明显|不充分|不规范|不健全|不完善|不及时|滞后|差距|薄弱|缺乏|缺少|欠缺|短板|弱化|"
    r"淡化|淡薄|偏差|缓慢|乏力|突出|隐患|形同虚设|打折扣|反弹|下滑|靠后"
)


class Verdict(BaseModel):
    kind: Literal["problem", "measure"]  # areas are settled by structure
    status: Status
    evidence: int = Field(ge=0, description="sentence number S supporting the status; 0 when none")


def verdicts_model(n: int) -> type[BaseModel]:
    """An object with exactly the keys U1…Un: the schema (a grammar, locally) makes a small model
    answer for every unit instead of stopping after the first."""
    fields = {f"U{k}": (Verdict, ...) for k in range(1, n + 1)}
    return create_model(f"Verdicts{n}", __base__=BaseModel, **fields)


class Judged(BaseModel):
    """A unit with the model's verdict (or the default when the model gave none)."""

    unit: Unit
    kind: Kind
    status: Status = Status.not_stated
    evidence_id: int = 0


def _heading(u: Unit) -> str:
    return u.heading if len(u.heading) <= 90 else u.heading[:88] + "…"


def render_vars(chunk: Chunk, units: list[Unit]) -> dict:
    context = " > ".join(f"{h.label} {h.title[:40]}" for h in chunk.context) or "(无)"
    return {
        "context": context,
        "units": [
            {
                "n": k + 1,
                "path": u.path,
                "heading": _heading(u),
                "children": u.children,
                "candidates": [
                    {"id": c.id, "text": c.text if len(c.text) <= 110 else c.text[:108] + "…"} for c in u.candidates
                ],
            }
            for k, u in enumerate(units)
        ],
    }


def default_kind(u: Unit) -> Kind:
    """What a unit is when the model says nothing: the parser's best guess from shape and words."""
    if u.prior:
        return u.prior  # type: ignore[return-value]
    return "problem" if "问题" in u.heading or u.label.startswith("#") else "measure"


async def judge_chunk(
    client: LLMClient, prompt: Prompt, chunk: Chunk, units: list[Unit], *, model: str | None = None
) -> tuple[list[Judged], CallUsage | None, list[Warning]]:
    fixed = [Judged(unit=u, kind=u.prior) for u in units if u.prior]
    units = [u for u in units if not u.prior]
    if not units:
        return fixed, None, []
    warnings: list[Warning] = []
    res = await client.structured(
        prompt, response_model=verdicts_model(len(units)), variables=render_vars(chunk, units), model=model
    )
    verdicts: dict[int, Verdict] = {k: getattr(res.value, f"U{k}") for k in range(1, len(units) + 1)}
    judged: list[Judged] = []
    for k, u in enumerate(units, start=1):
        v = verdicts.get(k)
        if v is None:
            warnings.append(
                Warning(code="verdict_missing", message=f"{u.path}: the model gave no verdict", chunk_id=chunk.id)
            )
            judged.append(Judged(unit=u, kind=default_kind(u)))
            continue
        status, evidence = v.status, v.evidence
        ids = {c.id for c in u.candidates}
        if status != Status.not_stated and evidence not in ids:
            warnings.append(
                Warning(
                    code="status_without_evidence",
                    message=f"{u.path}: status {status.value} cited S{evidence}, not one of its sentences: not_stated",
                    chunk_id=chunk.id,
                )
            )
            status, evidence = Status.not_stated, 0
        if status == Status.not_stated:
            status, evidence = rule_status(u.candidates)
            if status != Status.not_stated:
                warnings.append(
                    Warning(
                        code="status_from_rule",
                        message=f"{u.path}: the model said not_stated; status words in S{evidence} say {status.value}",
                        chunk_id=chunk.id,
                    )
                )
        kind = v.kind
        if kind != "problem" and PROBLEM_WORDS_RE.search(u.title):
            warnings.append(
                Warning(
                    code="kind_overruled",
                    message=f"{u.path}: model said {kind}, the title states a problem",
                    chunk_id=chunk.id,
                )
            )
            kind = "problem"
        judged.append(Judged(unit=u, kind=kind, status=status, evidence_id=evidence))
    return fixed + judged, res.usage, warnings
