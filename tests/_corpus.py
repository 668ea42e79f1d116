"""Real summary records for the corpus tests: `zhenggai summarize`'s own batch over the seeds and a
handful of annotated pages, with the rule-following fake judge (tests/fake_judge.py)."""

from __future__ import annotations

import asyncio
import atexit
import functools
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _paths import PAGES_DIR, SEED_FILES
from fake_judge import responder
from fake_llm import FakeLLM

from zhenggai.batch import run_batch
from zhenggai.pipeline import PipelineOptions
from zhenggai.settings import Settings

# pages whose openings declare totals (已完成整改34个, 已完成(含基本完成)30个 …) and two that do not
PAGES = ("001_", "010_", "030_", "033_", "044_", "045_")


def page_files() -> list[Path]:
    return [p for p in sorted(PAGES_DIR.glob("*.txt")) if p.name.startswith(PAGES)]


def summarize_into(out: Path, files: list[Path], *, formats: tuple[str, ...] = ("json", "jsonl", "html")) -> Path:
    """Run the batch over `files` into `out` (records, summaries.jsonl, review pages)."""
    with FakeLLM() as fake:
        fake.responder = responder
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            model="openai/fake-model",
            api_base=fake.url,
            api_key="sk-test-key-123456",
            cache_dir=out / ".cache",
        )
        batch = lambda: asyncio.run(  # noqa: E731 (in a thread: a browser test's Playwright loop may be running)
            run_batch(
                files,
                out,
                settings,
                options=PipelineOptions(model=settings.model, with_abstract=False),
                formats=list(formats),
                workers=2,
            )
        )
        with ThreadPoolExecutor(1) as pool:
            result = pool.submit(batch).result()
    assert not result.failures, result.failures
    return out


@functools.cache
def development_records() -> tuple[Path, Path]:
    """(seeds folder, pages folder) of records, made once per test run (the modules share them)."""
    root = Path(tempfile.mkdtemp(prefix="zhenggai-corpus-records-"))
    atexit.register(shutil.rmtree, root, True)
    return summarize_into(root / "seeds", list(SEED_FILES)), summarize_into(root / "pages", page_files())
