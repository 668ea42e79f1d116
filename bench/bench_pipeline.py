"""Per-report cost of the main job on the seed reports, cold and warm.

For each seed: wall time, model time, time outside the model (share of wall), model calls,
tokens read and written, and tokens read relative to the source's own token count. Then the
same run again on a warm response cache. Figures are from one run on this machine; the targets
(issue 4) are: outside-model time < 2% of wall on a cold run, warm rerun of all seeds < 3 s,
tokens read < 1.6 x the source's tokens.

For the embedded models it also reports each cold report's time against its token floor: the
tokens it read and wrote at the model's own read and write speeds, measured in the same run
(llama.cpp's timings, before and after the cold pass, the mean of both), the floor being what
the model alone must spend on those tokens. Issue 11's target: cold wall <= 1.3 x the floor.

With --busy the passes run beside one process that spins a core (issue 12's contention target:
the cold run of a seed beside one busy process <= 2.2 x its idle time; run it once without and
once with --busy, back to back).

Run: python bench/bench_pipeline.py [--model local/qwen2.5-coder-0.5b] [--cache-dir DIR] [--only 000] [--busy]
(a fresh --cache-dir makes the first pass truly cold).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

from bench_llm import _busy, chunk, raw_speed

from zhenggai.chunks.tokens import estimate_tokens
from zhenggai.evals.sets import default_reports_dir
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.llm.registry import is_local
from zhenggai.pipeline import summarize_document
from zhenggai.settings import Settings

SEEDS = default_reports_dir()


def speeds(client: LLMClient, model: str) -> tuple[float, float]:
    """The local model's read and write tokens/s now (prompt cache off)."""
    s = raw_speed(client.local_server(model), chunk(), runs=2, max_tokens=96)
    return s["read_tok_s"], s["write_tok_s"]


async def one_pass(settings: Settings, label: str, only: str = "", floor: bool = False) -> float:
    total = 0.0
    print(f"\n{label}")
    cols = ["wall s", "model s", "outside", "calls", "cached", "read", "written", "read/src"]
    print(f"{'report':28s} " + " ".join(f"{c:>8s}" for c in cols))
    rows: list[tuple[str, float, int, int]] = []
    async with LLMClient(settings) as client:
        measure = floor and is_local(settings.model)
        if measure:
            client.count_tokens("启动", model=settings.model)  # load the model before timing anything
            before = speeds(client, settings.model)
        for path in sorted(SEEDS.glob(f"{only}*.txt")):
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
            rows.append((path.name, wall, pv.usage.prompt_tokens, pv.usage.completion_tokens))
        if measure:
            after = speeds(client, settings.model)
            read, write = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
            print(f"\ntoken floor at read {read:.1f} tok/s, write {write:.1f} tok/s (before {before}, after {after})")
            for name, wall, n_read, n_written in rows:
                floor_s = n_read / read + n_written / write
                print(f"{name:28s} floor {floor_s:8.1f} s  wall/floor {wall / floor_s:6.2f}")
    print(f"{'all seeds':28s} {total:8.2f}")
    return total


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--only", default="", help="seed file name prefix, e.g. 000")
    ap.add_argument("--busy", action="store_true", help="run beside one process that spins a core")
    args = ap.parse_args()
    cache_dir = Path(args.cache_dir) if args.cache_dir else Path(tempfile.mkdtemp(prefix="zhenggai-bench-"))
    overrides = {"cache_dir": cache_dir, "concurrency": 1, "local_models_dir": Settings().models_dir}
    if args.model:
        overrides["model"] = args.model
    settings = Settings(**overrides)
    print(f"model {settings.model}; cache {cache_dir}; beside a busy process: {args.busy}")
    hog = mp.get_context("spawn").Process(target=_busy, daemon=True) if args.busy else None
    if hog:
        hog.start()
    try:
        cold = await one_pass(settings, "cold (empty response cache)", args.only, floor=True)
        warm = await one_pass(settings, "warm (same cache)", args.only)
    finally:
        if hog:
            hog.kill()
            hog.join()
    print(f"\nwarm / cold = {warm / cold:.4f}; warm rerun of all seeds {warm:.2f} s (target < 3 s)")


if __name__ == "__main__":
    asyncio.run(main())
