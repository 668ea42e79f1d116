"""The annotated report sets an eval scores: where each set's reports and gold live.

The development set is three sets, scored side by side because they answer different questions:
`seeds` (four full reports, the templates the tool was first built on), `pages` (46 real report
openings from other publishers: metadata, and problems where the excerpt reaches them) and
`layouts` (fictional reports the team wrote, one per layout family the real set lacks), and
`holdout` (fictional reports written by a team member who had not read the code, each mixing
several families' habits: how the rules fare on a layout they were not fitted to), and
`holdout_pages` (sixteen fictional report openings written blind to the code by another team
member, in the variety of templates the real population has: the pages set's kind of check), and
`holdout_pages2` (twenty more, by a third member blind to the code and to the first blind sets:
siblings of the pages set's families from other publishers' templates), and `holdout_pages3`
(twenty more by a fourth blind member, drafting habits the real pages do not show), and
`holdout_pages4` (twenty more by a fifth, close to the real pages' families but with habits none
of the earlier sets had), and `holdout_pages5` (twenty more by a sixth: other label, table, field and
status habits, and pages close to the genre that are not reports). The
report texts of the first two stay in ../shared; only their gold is in the repo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from zhenggai.evals.gold_schema import GoldReport

GOLD_DIR = Path(__file__).resolve().parent / "gold"
REPO = Path(__file__).resolve().parents[1]
SET_NAMES = (
    "seeds",
    "pages",
    "layouts",
    "holdout",
    "holdout_pages",
    "holdout_pages2",
    "holdout_pages3",
    "holdout_pages4",
    "holdout_pages5",
)


@dataclass(frozen=True)
class EvalSet:
    name: str
    reports_dir: Path
    gold_dir: Path

    def gold(self) -> dict[str, GoldReport]:
        return {
            p.stem: GoldReport.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted(self.gold_dir.glob("*.json"))
        }


def _shared(*parts: str) -> Path:
    """A folder of ../shared beside the repo (or beside the working directory)."""
    for base in (REPO, Path.cwd()):
        candidate = base.parent.joinpath("shared", *parts)
        if candidate.is_dir():
            return candidate
    return Path("..").joinpath("shared", *parts)


def default_reports_dir() -> Path:
    """The seed reports: $ZHENGGAI_SEEDS_DIR, else ../shared/seeds beside the repo or the cwd."""
    env = os.environ.get("ZHENGGAI_SEEDS_DIR")
    return Path(env) if env else _shared("seeds")


def pages_dir() -> Path:
    """The real report openings: $ZHENGGAI_PAGES_DIR, else ../shared/corpus/pages."""
    env = os.environ.get("ZHENGGAI_PAGES_DIR")
    return Path(env) if env else _shared("corpus", "pages")


def known_set(name: str) -> EvalSet:
    if name == "seeds":
        return EvalSet("seeds", default_reports_dir(), GOLD_DIR)
    if name == "pages":
        return EvalSet("pages", pages_dir(), GOLD_DIR / "pages")
    if name == "layouts":
        return EvalSet("layouts", REPO / "evals" / "layouts", GOLD_DIR / "layouts")
    if name == "holdout":
        return EvalSet("holdout", REPO / "evals" / "holdout", GOLD_DIR / "holdout")
    if name.startswith("holdout_pages"):
        return EvalSet(name, REPO / "evals" / name, GOLD_DIR / name)
    raise ValueError(f"unknown report set {name!r}; expected one of {', '.join(SET_NAMES)}")


def custom_set(reports_dir: Path | None, gold_dir: Path | None) -> EvalSet:
    """`--reports` / `--gold`: one set of the user's own (seeds' defaults for what is not given)."""
    return EvalSet("custom", reports_dir or default_reports_dir(), gold_dir or GOLD_DIR)
