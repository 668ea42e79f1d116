"""Score the taxonomy prior alone against every gold category, per set, with no model call.

Each gold problem is categorised from what the pipeline would show the categorizer: its gold
title and its heading path, that is the nearest enclosing heading that is not itself a problem
(the area, read from the report's outline: `build_units`) and then its gold parents' titles. So
the figure measures the prior's rules, not the judge's reading of the report. Run it with
`python -m zhenggai.evals.category_prior [--sets seeds,layouts] [--confusions]`.

`--model M` lets model M choose where the prior is unsure, as the pipeline does with
`ZHENGGAI_CATEGORIES_BY_MODEL=1` (same prompt, candidates and margin), still on gold problems: it
measures the categorizer without the judge, at a few calls per report.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from dataclasses import dataclass, field

from zhenggai.evals.gold_schema import GoldProblem, GoldReport
from zhenggai.evals.scorer import normalise_path
from zhenggai.evals.sets import SET_NAMES, EvalSet, known_set
from zhenggai.extract.categories import Placed, categorize_placed, choose
from zhenggai.extract.units import build_units
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.llm.prompts import load_prompt
from zhenggai.schemas.record import Problem
from zhenggai.schemas.taxonomy import Taxonomy, load_taxonomy
from zhenggai.settings import Settings
from zhenggai.structure.outline import parse_outline
from zhenggai.structure.signals import status_group
from zhenggai.vocab.spans import Evidence, Span


@dataclass
class Tally:
    """Counts of one set: scored, primary right, either right, and gold → predicted confusions."""

    scored: int = 0
    correct: int = 0
    either: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[str, str, str, str]] = field(default_factory=list)  # key, gold, predicted, text

    @property
    def accuracy(self) -> float:
        return self.correct / self.scored if self.scored else 0.0

    @property
    def either_accuracy(self) -> float:
        return self.either / self.scored if self.scored else 0.0

    def add(self, other: Tally) -> None:
        self.scored += other.scored
        self.correct += other.correct
        self.either += other.either
        self.confusions.update(other.confusions)
        self.misses.extend(other.misses)


def _area_titles(es: EvalSet, gold: GoldReport) -> dict[str, str]:
    """Normalised path → title of every heading of the report's outline (empty when unreadable)."""
    path = es.reports_dir / gold.source
    if not path.is_file():
        return {}
    doc = load_path(path).for_reading()
    units = build_units(doc.text, parse_outline(doc.text))
    return {normalise_path(u.path): u.title for u in units if status_group(u.heading) is None}


def problem_texts(es: EvalSet, gold: GoldReport) -> list[tuple[GoldProblem, list[str], str]]:
    """Each gold problem with its parents' titles (root first) and its area heading ('' if none)."""
    flat = list(gold.problems)
    by_path = {normalise_path(p.path): p for p in flat}
    headings = _area_titles(es, gold)
    out: list[tuple[GoldProblem, list[str], str]] = []
    for p in flat:
        parents: list[str] = []
        up = by_path.get(normalise_path(p.parent)) if p.parent else None
        while up is not None and len(parents) < 8:
            parents.insert(0, up.title)
            up = by_path.get(normalise_path(up.parent)) if up.parent else None
        area = ""
        parts = normalise_path(p.path).split(".")
        for k in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:k])
            if prefix not in by_path and prefix in headings:
                area = headings[prefix]
                break
        out.append((p, parents, area))
    return out


def _placed(p: GoldProblem, parents: list[str], area: str, unit: str = "") -> Placed:
    """A gold problem as the categorizer sees it (title and heading path; the quote is its title)."""
    evidence = Evidence(text=p.title, span=Span(start=0, end=len(p.title)))
    return Placed(Problem(path=p.path, area=area, title=p.title, evidence=evidence), area, parents, unit)


def _by_model(client: LLMClient, model: str, taxonomy: Taxonomy, items: list[Placed]) -> list[tuple[str, str]]:
    prompt = load_prompt("categorize")
    asyncio.run(categorize_placed(client, prompt, taxonomy, items, model=model))
    return [(x.problem.category, x.problem.category_secondary) for x in items]


def score_set(es: EvalSet, taxonomy: Taxonomy, client: LLMClient | None = None, model: str = "") -> Tally:
    tally = Tally()
    for stem, gold in es.gold().items():
        texts = [(p, parents, area) for p, parents, area in problem_texts(es, gold) if p.category is not None]
        unit = gold.meta.inspected_unit or gold.meta.publisher
        if client is not None:
            chosen = _by_model(client, model, taxonomy, [_placed(*t, unit) for t in texts])
        else:
            chosen = [choose(taxonomy, p.title, parents, area, unit) for p, parents, area in texts]
        for (p, parents, area), (primary, secondary) in zip(texts, chosen, strict=True):
            assert p.category is not None
            wanted = {p.category, p.category_secondary or ""} - {""}
            tally.scored += 1
            tally.correct += primary == p.category
            tally.either += primary in wanted or (bool(secondary) and secondary == p.category)
            tally.confusions[(p.category, primary)] += 1
            if primary != p.category:
                heads = " > ".join(h for h in [area, *parents] if h)
                tally.misses.append((f"{es.name}/{stem}:{p.path}", p.category, primary, f"{p.title} | {heads}"))
    return tally


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SET_NAMES))
    ap.add_argument("--taxonomy", default=None)
    ap.add_argument("--confusions", action="store_true")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--model", default="", help="let this model choose where the prior is unsure")
    args = ap.parse_args(argv)
    taxonomy = load_taxonomy(args.taxonomy) if args.taxonomy else load_taxonomy()
    total = Tally()
    client = LLMClient(Settings(model=args.model)) if args.model else None
    try:
        for name in args.sets.split(","):
            t = score_set(known_set(name), taxonomy, client, args.model)
            total.add(t)
            print(f"{name:8} {t.scored:4d}  category {t.accuracy:.3f}  1st/2nd {t.either_accuracy:.3f}", flush=True)
    finally:
        if client is not None:
            client.close()
    print(f"{'all':8} {total.scored:4d}  category {total.accuracy:.3f}  1st/2nd {total.either_accuracy:.3f}")
    if args.confusions:
        for (g, pr), n in total.confusions.most_common():
            if g != pr:
                print(f"  {n:3d}  {g} -> {pr}")
    if args.misses:
        for key, g, pr, text in total.misses:
            print(f"  {key}  {g} -> {pr}  {text}")


if __name__ == "__main__":
    main()
