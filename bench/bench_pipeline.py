"""Per-report cost of the main job on the seed reports, cold and warm.

For each seed: wall time, model time, time outside the model (share of wall), model calls,
tokens read and written, and tokens read relative to the source's own token count. Then the
same run again on a warm response cache. Figures are from one run on this machine; the targets
(issue 4) are: outside-model time < 2% of wall on a cold run, warm rerun of all seeds < 3 s,
tokens read < 1.6 x the source's tokens.

Run: python bench/bench_pipeline.py [--model local/qwen2.5-coder-0.5b] [--cache-dir DIR]
(a fresh --cache-dir makes the first pass truly cold).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from zhenggai.chunks.tokens import estimate_tokens
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.pipeline import summarize_document
from zhenggai.settings import Settings

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


async def one_pass(settings: Settings, label: str) -> float:
    total = 0.0
    print(f"\n{label}")
    cols = ["wall s", "model s", "outside", "calls", "cached", "read", "written", "read/src"]
    print(f"{'report':28s} " + " ".join(f"{c:>8s}" for c in cols))
    async with LLMClient(settings) as client:
        for path in sorted(SEEDS.glob("*.txt")):
            t0 = time.perf_counter()
            doc = load_path(path)
            record = await summarize_document(doc, client, settings)
            wall = time.perf_counter() - t0
            total += wall
            pv = record.provenance
            src_tokens = client.count_tokens(doc.text) or estimate_tokens(doc.text)
            outside = max(wall - pv.model_seconds, 0.0)
            print(
                f"{path.name:28s} {wall:8.2f} {pv.model_seconds:8.2f} {outside / wall:8.2%} {pv.usage.calls:6d} "
                f"{pv.usage.cache_hits:6d} {pv.usage.prompt_tokens:7d} {pv.usage.completion_tokens:7d} "
                f"{pv.usage.prompt_tokens / max(src_tokens, 1):8.2f}"
            )
    print(f"{'all seeds':28s} {total:8.2f}")
    return total


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--cache-dir", default=None)
    args = ap.parse_args()
    cache_dir = Path(args.cache_dir) if args.cache_dir else Path(tempfile.mkdtemp(prefix="zhenggai-bench-"))
    overrides = {"cache_dir": cache_dir, "concurrency": 1, "local_models_dir": Settings().models_dir}
    if args.model:
        overrides["model"] = args.model
    settings = Settings(**overrides)
    print(f"model {settings.model}; cache {cache_dir}")
    cold = await one_pass(settings, "cold (empty response cache)")
    warm = await one_pass(settings, "warm (same cache)")
    print(f"\nwarm / cold = {warm / cold:.4f}; warm rerun of all seeds {warm:.2f} s (target < 3 s)")


if __name__ == "__main__":
    asyncio.run(main())
