"""Where tests find their inputs: the seed reports stay in ../shared/seeds, never in the repo."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO.parent / "shared" / "seeds"
EXAMPLES_DIR = REPO / "examples"
LAYOUTS_DIR = REPO / "evals" / "layouts"  # fictional reports, one per layout family (evals/layouts/README.md)
PAGES_DIR = REPO.parent / "shared" / "corpus" / "pages"
SEED_FILES = sorted(SEEDS_DIR.glob("*.txt"))


def seed(prefix: str) -> Path:
    """The seed report whose file name starts with `prefix` (e.g. '000')."""
    matches = [p for p in SEED_FILES if p.name.startswith(prefix)]
    assert len(matches) == 1, f"expected one seed starting with {prefix!r} in {SEEDS_DIR}, found {matches}"
    return matches[0]
