"""Problem categories: each problem gets one primary (and at most one secondary) category of the
taxonomy (`zhenggai.schemas.taxonomy`), chosen by the model from enumerated ids.

The taxonomy's lexical prior (`category_prior`) ranks the categories for each problem (its title
and heading path); the model is shown the top `CANDIDATES` of them (and `other`) and chooses.
The answer's schema is an object with exactly the keys P1…Pn, each `{"primary": <id>,
"secondary": <id or "none">}` whose enum is that problem's candidates, so with constrained
decoding a small model can only name one of them and answers for every problem. Several
problems go in one call (`BATCH`) to keep the 0.5B/1.5B cost small. A failed call costs only
the model's choice: those problems keep the prior's first category (`category_source:
heading`) and a warning says so; the record is never lost.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, create_model

from zhenggai.extract.category_prior import prior_for
from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import LLMError
from zhenggai.llm.prompts import Prompt
from zhenggai.llm.usage import CallUsage
from zhenggai.schemas.record import CategorySource, Problem, Warning
from zhenggai.schemas.taxonomy import OTHER, Taxonomy

BATCH = 8  # problems per call: the 0.5B keeps its answers apart up to about this many
CANDIDATES = 4  # the prior's top four hold gold's category for 89% of the development set
NONE = "none"
_CONTEXT_CHARS = 40
_TITLE_CHARS = 120


def candidates(taxonomy: Taxonomy, text: str, k: int = CANDIDATES) -> list[str]:
    """The prior's top k categories for this text, then `other`; every id when nothing matches."""
    ranked = prior_for(taxonomy).rank(text)
    if not ranked or ranked[0][1] <= 0:
        return taxonomy.ids
    return [cid for cid, score in ranked[:k] if score > 0] + [OTHER]


def choice_models(per_problem: list[list[str]]) -> type[BaseModel]:
    """The response model: keys P1…Pn, each a primary and a secondary among that problem's ids."""
    fields: dict[str, Any] = {}
    for k, ids in enumerate(per_problem, start=1):
        primary = StrEnum(f"P{k}Category", {i: i for i in ids})  # type: ignore[misc]
        secondary = StrEnum(f"P{k}Secondary", {i: i for i in [*ids, NONE]})  # type: ignore[misc]
        fields[f"P{k}"] = (
            create_model(f"P{k}Choice", __base__=BaseModel, primary=(primary, ...), secondary=(secondary, ...)),
            ...,
        )
    return create_model(f"Categories{len(per_problem)}", __base__=BaseModel, **fields)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def with_context(problems: list[Problem]) -> list[tuple[Problem, str]]:
    """Every problem in document order with its heading path: the area, then its parents' titles."""
    out: list[tuple[Problem, str]] = []

    def visit(p: Problem, parents: list[str]) -> None:
        heads = [h for h in [p.area, *parents] if h]
        out.append((p, " > ".join(_clip(h, _CONTEXT_CHARS) for h in heads) or "(无)"))
        for c in p.children:
            visit(c, [*parents, p.title])

    for p in problems:
        visit(p, [])
    return out


async def _one_batch(
    client: LLMClient,
    prompt: Prompt,
    taxonomy: Taxonomy,
    batch: list[tuple[Problem, str]],
    model: str | None,
) -> tuple[list[Warning], CallUsage | None]:
    shown = [candidates(taxonomy, f"{p.title} {ctx}") for p, ctx in batch]
    variables = {
        "problems": [
            {
                "n": k + 1,
                "context": ctx,
                "title": _clip(p.title, _TITLE_CHARS),
                "candidates": [{"id": i, "label": taxonomy.label(i)} for i in ids],
            }
            for k, ((p, ctx), ids) in enumerate(zip(batch, shown, strict=True))
        ],
    }
    try:
        res = await client.structured(prompt, response_model=choice_models(shown), variables=variables, model=model)
    except (LLMError, ValueError) as e:  # a failed call costs the model's choice, never the record
        for (p, _ctx), ids in zip(batch, shown, strict=True):
            p.category, p.category_secondary, p.category_source = ids[0], "", CategorySource.heading
        paths = ", ".join(p.path for p, _ in batch)
        message = f"{type(e).__name__}: {e}"[:300] + f"; the prior's first category kept ({paths})"
        usage = getattr(e, "usage", None)
        return [Warning(code="categorize_failed", message=message)], usage if isinstance(usage, CallUsage) else None
    for k, (p, _ctx) in enumerate(batch):
        choice = getattr(res.value, f"P{k + 1}")
        p.category = str(choice.primary)
        second = str(choice.secondary)
        p.category_secondary = "" if second in (NONE, p.category) else second
        p.category_source = CategorySource.model
    return [], res.usage


async def categorize(
    client: LLMClient,
    prompt: Prompt,
    taxonomy: Taxonomy,
    problems: list[Problem],
    *,
    model: str | None = None,
    batch: int = BATCH,
    use_model: bool = True,
) -> tuple[list[Warning], list[CallUsage]]:
    """Set `category`, `category_secondary`, `category_source` on every problem (in place);
    `use_model=False` keeps the prior's first category for each, with no call. Returns the
    warnings and the calls' usage (charged to the report)."""
    items = with_context(problems)
    if not use_model:
        for p, ctx in items:
            p.category, p.category_source = candidates(taxonomy, f"{p.title} {ctx}")[0], CategorySource.heading
        return [], []
    batches = [items[i : i + batch] for i in range(0, len(items), batch)]
    results = await asyncio.gather(*(_one_batch(client, prompt, taxonomy, b, model) for b in batches))
    return [w for ws, _u in results for w in ws], [u for _ws, u in results if u is not None]
