"""Problem categories: each problem gets one primary (and at most one secondary) category of the
taxonomy (`zhenggai.schemas.taxonomy`), chosen by the model from the enumerated ids.

The answer's schema is built from the taxonomy: an object with exactly the keys P1…Pn, each
`{"primary": <id>, "secondary": <id or "none">}` with the ids as a JSON-schema enum, so with
constrained decoding a small model can only name a real category and answers for every problem.
Several problems go in one call (`BATCH`) to keep the 0.5B/1.5B cost small; the heading path
(area, parent problems) is each problem's context. A failed call costs only those problems'
categories, with a warning, never the record.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, create_model

from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import LLMError
from zhenggai.llm.prompts import Prompt
from zhenggai.schemas.record import CategorySource, Problem, Warning
from zhenggai.schemas.taxonomy import Taxonomy

BATCH = 8  # problems per call: the 0.5B keeps its answers apart up to about this many
NONE = "none"
_CONTEXT_CHARS = 40
_TITLE_CHARS = 120


def choice_models(taxonomy: Taxonomy, n: int) -> type[BaseModel]:
    """The response model for n problems: keys P1…Pn, each a primary and a secondary category."""
    ids = taxonomy.ids
    primary = StrEnum("CategoryId", {i: i for i in ids})  # type: ignore[misc]
    secondary = StrEnum("SecondaryId", {i: i for i in [*ids, NONE]})  # type: ignore[misc]
    choice = create_model("CategoryChoice", __base__=BaseModel, primary=(primary, ...), secondary=(secondary, ...))
    fields: dict[str, Any] = {f"P{k}": (choice, ...) for k in range(1, n + 1)}
    return create_model(f"Categories{n}", __base__=BaseModel, **fields)


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
) -> list[Warning]:
    rm = choice_models(taxonomy, len(batch))
    variables = {
        "categories": [c.model_dump() for c in taxonomy.categories],
        "problems": [
            {"n": k + 1, "context": ctx, "title": _clip(p.title, _TITLE_CHARS)} for k, (p, ctx) in enumerate(batch)
        ],
    }
    try:
        res = await client.structured(prompt, response_model=rm, variables=variables, model=model)
    except (LLMError, ValueError) as e:  # a failed call costs these categories, never the record
        paths = ", ".join(p.path for p, _ in batch)
        return [Warning(code="categorize_failed", message=f"{type(e).__name__}: {e}"[:300] + f" ({paths})")]
    for k, (p, _ctx) in enumerate(batch):
        choice = getattr(res.value, f"P{k + 1}")
        p.category = str(choice.primary)
        second = str(choice.secondary)
        p.category_secondary = "" if second in (NONE, p.category) else second
        p.category_source = CategorySource.model
    return []


async def categorize(
    client: LLMClient,
    prompt: Prompt,
    taxonomy: Taxonomy,
    problems: list[Problem],
    *,
    model: str | None = None,
    batch: int = BATCH,
) -> list[Warning]:
    """Set `category`, `category_secondary`, `category_source` on every problem (in place)."""
    items = with_context(problems)
    batches = [items[i : i + batch] for i in range(0, len(items), batch)]
    results = await asyncio.gather(*(_one_batch(client, prompt, taxonomy, b, model) for b in batches))
    return [w for ws in results for w in ws]
