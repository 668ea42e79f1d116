"""One model call per chunk: judge each unit's kind and status, citing a sentence number."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Literal

from pydantic import BaseModel, Field, create_model

from zhenggai.chunks.tokens import estimate_tokens
from zhenggai.extract.instructions import looks_like_instruction
from zhenggai.extract.status_rules import Settled, settle_status
from zhenggai.extract.units import PROBLEM_WORDS_RE, Candidate, Unit
from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import LLMError
from zhenggai.llm.prompts import Prompt
from zhenggai.llm.usage import CallUsage
from zhenggai.schemas.document import Chunk
from zhenggai.schemas.record import Span, Status, StatusScope, Warning

JUDGE_PROMPT = "judge_units"  # the judging prompt's id (prompts/judge_units/)

Kind = Literal["problem", "measure", "area", "group"]


class Verdict(BaseModel):
    kind: Literal["problem", "measure"]  # areas are settled by structure
    status: Status
    evidence: int = Field(ge=0, description="sentence number S supporting the status; 0 when none")


@cache
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
    evidence: Span | None = None  # the sentence that states the status
    scope: StatusScope = StatusScope.own  # what that sentence covers


# What a judging prompt is shown of each unit (its file's `options.view`):
#   candidates: only the sentences with status words, numbered across the report (v1);
#   full: every sentence after the heading, numbered from 1 in each chunk.
VIEWS = ("candidates", "full")
FULL_VIEW_MAX = 30  # a problem told across many measure groups: its last sentences speak of the outcome


def _heading(u: Unit) -> str:
    return u.heading if len(u.heading) <= 90 else u.heading[:88] + "…"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 2] + "…"


def shown_sentences(units: list[Unit], view: str) -> list[list[tuple[int, Candidate]]]:
    """Per unit, the (number shown to the model, sentence) pairs of this view."""
    if view not in VIEWS:
        raise ValueError(f"unknown judging view {view!r}; expected one of {VIEWS}")
    if view == "candidates":
        return [[(c.id, c) for c in u.candidates] for u in units]
    out, n = [], 0
    for u in units:
        shown = []
        for c in u.sentences[-FULL_VIEW_MAX:]:
            n += 1
            shown.append((n, c))
        out.append(shown)
    return out


def render_vars(chunk: Chunk, units: list[Unit], view: str = "candidates") -> dict:
    context = " > ".join(f"{h.label} {h.title[:40]}" for h in chunk.context) or "(无)"
    limit = 110 if view == "candidates" else 160
    return {
        "context": context,
        "units": [
            {
                "n": k + 1,
                "path": u.path,
                "heading": _heading(u),
                "children": u.children,
                "candidates": [{"id": n, "text": _clip(c.text, limit)} for n, c in shown],
            }
            for k, (u, shown) in enumerate(zip(units, shown_sentences(units, view), strict=True))
        ],
    }


def _status_notes(u: Unit, chunk_id: str, said: Status, settled: Settled) -> list[Warning]:
    """Say where the status did not come from the model's own reading."""
    if settled.how in ("field", "whole", "group") and said not in (Status.not_stated, settled.status):
        return [
            Warning(
                code="status_overruled",
                message=f"{u.path}: the model said {said.value}; the text tells {settled.status.value} ({settled.how})",
                span=settled.span,
                chunk_id=chunk_id,
                path=u.path,
            )
        ]
    if said == Status.completed and settled.how != "model" and settled.status != Status.completed:
        return [
            Warning(
                code="completed_not_told",
                message=f"{u.path}: the model said completed from work described; {settled.status.value} kept",
                chunk_id=chunk_id,
                path=u.path,
            )
        ]
    if said == Status.not_stated and settled.status != Status.not_stated:
        return [
            Warning(
                code="status_from_rule" if settled.how == "rule" else f"status_from_{settled.how}",
                message=f"{u.path}: the model said not_stated; the text tells {settled.status.value} ({settled.how})",
                span=settled.span,
                chunk_id=chunk_id,
                path=u.path,
            )
        ]
    return []


def unjudged(u: Unit) -> Judged:
    """A unit the model did not judge (no verdict, a failed chunk): structure and status words only."""
    kind = default_kind(u)
    if kind != "problem":
        return Judged(unit=u, kind=kind)
    settled = settle_status(u.told, u.sentences, u.candidates, None)
    return Judged(unit=u, kind=kind, status=settled.status, evidence=settled.span, scope=settled.scope)


def default_kind(u: Unit) -> Kind:
    """What a unit is when the model says nothing: the parser's best guess from shape and words."""
    if u.prior:
        return u.prior  # type: ignore[return-value]
    if u.problem_heading or "问题" in u.heading or u.label.startswith("#") or any(t.source == "field" for t in u.told):
        return "problem"  # a status field (整改结果: / 完成情况) is told of a problem only
    return "measure"


_PROMPT_MARGIN = 0.9  # the token estimate is within 5% of the Qwen tokenizer; leave room for the rest


def judging_batches(units: list[Unit], fits: Callable[[list[Unit]], bool]) -> list[list[Unit]]:
    """Units in document order, cut into the batches one judging call each can hold. A unit that
    does not fit even alone goes alone: its call fails on its own and costs only its judgement."""
    if fits(units):  # the common case, one render: a prompt only grows with its units
        return [units]
    batches: list[list[Unit]] = []
    for u in units:
        if batches and fits([*batches[-1], u]):
            batches[-1].append(u)
        else:
            batches.append([u])
    return batches


def prompt_fits(client: LLMClient, prompt: Prompt, chunk: Chunk, model: str | None) -> Callable[[list[Unit]], bool]:
    """Whether a batch's rendered prompt, plus the answer it asks for, fits the model's context.
    The chunker budgets source text (`chunk_tokens`); what the judge sends is the units' rendered
    sentences and headings, so that is what is measured here."""
    room = client.context_window(model) - (prompt.params.max_tokens or client.settings.max_output_tokens)
    view = prompt.options.get("view", "candidates")

    def fits(batch: list[Unit]) -> bool:
        messages = client.render(prompt, verdicts_model(len(batch)), render_vars(chunk, batch, view), model)
        return sum(estimate_tokens(m["content"]) + 4 for m in messages) <= room * _PROMPT_MARGIN

    return fits


async def judge_chunk(
    client: LLMClient, prompt: Prompt, chunk: Chunk, units: list[Unit], *, model: str | None = None
) -> tuple[list[Judged], list[CallUsage], list[Warning]]:
    """The chunk's units judged, one call per batch that fits the model's context. A failed call
    costs its batch's judgements only (they keep the parser's reading, with a `chunk_failed`)."""
    judged = [Judged(unit=u, kind=u.prior) for u in units if u.prior]
    asked = [u for u in units if not u.prior]
    usages: list[CallUsage] = []
    warnings: list[Warning] = []
    if not asked:
        return judged, usages, warnings
    for batch in judging_batches(asked, prompt_fits(client, prompt, chunk, model)):
        try:
            got, usage, notes = await _judge_batch(client, prompt, chunk, batch, model=model)
        except LLMError as e:
            if isinstance(e.usage, CallUsage):
                usages.append(e.usage)
            warnings.append(Warning(code="chunk_failed", message=f"{type(e).__name__}: {e}"[:400], chunk_id=chunk.id))
            judged.extend(unjudged(u) for u in batch)
            continue
        usages.append(usage)
        judged.extend(got)
        warnings.extend(notes)
    return judged, usages, warnings


async def _judge_batch(
    client: LLMClient, prompt: Prompt, chunk: Chunk, units: list[Unit], *, model: str | None = None
) -> tuple[list[Judged], CallUsage, list[Warning]]:
    warnings: list[Warning] = []
    view = prompt.options.get("view", "candidates")
    shown = shown_sentences(units, view)
    res = await client.structured(
        prompt, response_model=verdicts_model(len(units)), variables=render_vars(chunk, units, view), model=model
    )
    verdicts: dict[int, Verdict] = {k: getattr(res.value, f"U{k}") for k in range(1, len(units) + 1)}
    judged: list[Judged] = []
    for k, (u, sentences) in enumerate(zip(units, shown, strict=True), start=1):
        v = verdicts[k]  # the schema requires every U<k>: a missing one fails validation and is re-asked
        status, evidence = v.status, v.evidence
        cited = dict(sentences)
        if status != Status.not_stated and evidence not in cited:
            warnings.append(
                Warning(
                    code="status_without_evidence",
                    message=f"{u.path}: status {status.value} cited S{evidence}, not one of its sentences: not_stated",
                    chunk_id=chunk.id,
                    path=u.path,
                )
            )
            status, evidence = Status.not_stated, 0
        elif status != Status.not_stated and looks_like_instruction(cited[evidence].text):
            warnings.append(
                Warning(
                    code="status_unsupported",
                    message=f"{u.path}: status {status.value} cited S{evidence}, a sentence addressed to a machine, "
                    f"not a status told: {cited[evidence].text[:60]!r}",
                    span=cited[evidence].span,
                    chunk_id=chunk.id,
                    path=u.path,
                )
            )
        settled = settle_status(u.told, u.sentences, u.candidates, (status, cited.get(evidence)))
        warnings.extend(_status_notes(u, chunk.id, status, settled))
        kind = v.kind
        if kind != "problem" and (u.problem_heading or PROBLEM_WORDS_RE.search(u.title)):
            warnings.append(
                Warning(
                    code="kind_overruled",
                    message=f"{u.path}: model said {kind}, the heading states a problem",
                    chunk_id=chunk.id,
                    path=u.path,
                )
            )
            kind = "problem"
        judged.append(Judged(unit=u, kind=kind, status=settled.status, evidence=settled.span, scope=settled.scope))
    return judged, res.usage, warnings
