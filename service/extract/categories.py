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

The model is asked only where the prior is unsure: a problem whose prior leads its runner-up by
`ASK_MARGIN` or more keeps the prior's choice (source `heading`). On the seeds and layouts the
prior is right for 94% of the problems it is sure of and 56% of the 16% it is not (gold is among
the top four of those for 95%), so the model has only those to decide, and few calls to make.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
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
CANDIDATES = 4  # the prior's top four hold gold's category for 95% of the problems it is unsure of
ASK_MARGIN = 0.5  # the prior's lead over its runner-up under which the model is asked (about one short keyword's half)
NONE = "none"
_CONTEXT_CHARS = 40
_TITLE_CHARS = 120


def candidates(
    taxonomy: Taxonomy,
    title: str,
    parents: list[str] | None = None,
    area: str = "",
    k: int = CANDIDATES,
    unit: str = "",
) -> list[str]:
    """The prior's top k categories for this problem, then `other`; every id when nothing matches."""
    ranked = prior_for(taxonomy).scores(title, parents, area, unit)
    if not ranked or ranked[0].score <= 0:
        return taxonomy.ids
    return [r.id for r in ranked[:k] if r.score > 0] + [OTHER]


def choose(
    taxonomy: Taxonomy, title: str, parents: list[str] | None = None, area: str = "", unit: str = ""
) -> tuple[str, str]:
    """The prior's primary and secondary ('' for none) for this problem, with no call."""
    return prior_for(taxonomy).choose(title, parents, area, unit)


def unsure(taxonomy: Taxonomy, x: Placed, margin: float = ASK_MARGIN) -> bool:
    """Whether the prior's first category leads its runner-up by less than `margin`."""
    ranked = prior_for(taxonomy).scores(x.problem.title, x.parents, x.area, x.unit)
    return len(ranked) < 2 or ranked[0].score - ranked[1].score < margin


def _keep_prior(taxonomy: Taxonomy, x: Placed) -> None:
    p = x.problem
    p.category, p.category_secondary = choose(taxonomy, p.title, x.parents, x.area, x.unit)
    p.category_source = CategorySource.heading


def choice_models(per_problem: list[list[str]], taxonomy: Taxonomy | None = None) -> type[BaseModel]:
    """The response model: keys P1…Pn, each a primary and a secondary among that problem's ids.
    Its description names the taxonomy's version and digest: the schema is part of the cache
    key, so a changed taxonomy never reuses an answer given under another one."""
    fields: dict[str, Any] = {}
    for k, ids in enumerate(per_problem, start=1):
        primary = StrEnum(f"P{k}Category", {i: i for i in ids})  # type: ignore[misc]
        secondary = StrEnum(f"P{k}Secondary", {i: i for i in [*ids, NONE]})  # type: ignore[misc]
        fields[f"P{k}"] = (
            create_model(f"P{k}Choice", __base__=BaseModel, primary=(primary, ...), secondary=(secondary, ...)),
            ...,
        )
    doc = f"taxonomy {taxonomy.version} {taxonomy.digest}" if taxonomy is not None else None
    return create_model(f"Categories{len(per_problem)}", __base__=BaseModel, __doc__=doc, **fields)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Placed:
    """A problem with its heading path: its area's title and its parents' titles, root first."""

    problem: Problem
    area: str
    parents: list[str]
    unit: str = ""  # the inspected unit's name: a problem of its own business is core duties

    @property
    def context(self) -> str:
        heads = [h for h in [self.area, *self.parents] if h]
        return " > ".join(_clip(h, _CONTEXT_CHARS) for h in heads) or "(无)"


def placed(problems: list[Problem], unit: str = "") -> list[Placed]:
    """Every problem in document order with its heading path (and the inspected unit's name)."""
    out: list[Placed] = []

    def visit(p: Problem, parents: list[str]) -> None:
        out.append(Placed(p, p.area, parents, unit))
        for c in p.children:
            visit(c, [*parents, p.title])

    for p in problems:
        visit(p, [])
    return out


def with_context(problems: list[Problem]) -> list[tuple[Problem, str]]:
    """Every problem in document order with its heading path as one line: area > parents."""
    return [(x.problem, x.context) for x in placed(problems)]


async def _one_batch(
    client: LLMClient,
    prompt: Prompt,
    taxonomy: Taxonomy,
    batch: list[Placed],
    model: str | None,
) -> tuple[list[Warning], CallUsage | None]:
    shown = [candidates(taxonomy, x.problem.title, x.parents, x.area, unit=x.unit) for x in batch]
    variables = {
        "problems": [
            {
                "n": k + 1,
                "context": x.context,
                "title": _clip(x.problem.title, _TITLE_CHARS),
                "candidates": [{"id": i, "label": taxonomy.label(i)} for i in ids],
            }
            for k, (x, ids) in enumerate(zip(batch, shown, strict=True))
        ],
    }
    try:
        response_model = choice_models(shown, taxonomy)
        res = await client.structured(prompt, response_model=response_model, variables=variables, model=model)
    except (LLMError, ValueError) as e:  # a failed call costs the model's choice, never the record
        for x in batch:
            _keep_prior(taxonomy, x)
        paths = ", ".join(x.problem.path for x in batch)
        message = f"{type(e).__name__}: {e}"[:300] + f"; the prior's first category kept ({paths})"
        usage = getattr(e, "usage", None)
        return [Warning(code="categorize_failed", message=message)], usage if isinstance(usage, CallUsage) else None
    for k, x in enumerate(batch):
        p = x.problem
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
    ask_margin: float = ASK_MARGIN,
    unit: str = "",
) -> tuple[list[Warning], list[CallUsage]]:
    """Set `category`, `category_secondary`, `category_source` on every problem (in place);
    `use_model=False` keeps the prior's choice for each, with no call; otherwise the model
    chooses for the problems where the prior leads by less than `ask_margin` (`math.inf`: all).
    Returns the warnings and the calls' usage (charged to the report)."""
    return await categorize_placed(
        client,
        prompt,
        taxonomy,
        placed(problems, unit),
        model=model,
        batch=batch,
        use_model=use_model,
        ask_margin=ask_margin,
    )


async def categorize_placed(
    client: LLMClient,
    prompt: Prompt,
    taxonomy: Taxonomy,
    problems: list[Placed],
    *,
    model: str | None = None,
    batch: int = BATCH,
    use_model: bool = True,
    ask_margin: float = ASK_MARGIN,
) -> tuple[list[Warning], list[CallUsage]]:
    """`categorize` for problems already placed on their heading path (the eval places gold
    problems so, to score the categorizer alone)."""
    items = []
    for x in problems:
        _keep_prior(taxonomy, x)
        if use_model and unsure(taxonomy, x, ask_margin):
            items.append(x)
    batches = [items[i : i + batch] for i in range(0, len(items), batch)]
    results = await asyncio.gather(*(_one_batch(client, prompt, taxonomy, b, model) for b in batches))
    return [w for ws, _u in results for w in ws], [u for _ws, u in results if u is not None]
