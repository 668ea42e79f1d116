"""Benchmark of the model pool (not a test): throughput with 1 vs 3 deployments of fixed latency.

Each deployment is a scripted OpenAI-compatible server on loopback (tests/fake_llm.py) that
answers after a fixed delay and takes `--slots` requests at once (`max_parallel_requests`);
the same `--calls` distinct structured calls (cache off) go through the real client → pool
transport → litellm Router path. Ideal ratio: the number of deployments. Also prints the pool's
overhead per call (wall time of a call minus the server's delay) on an idle pool.

    python bench/bench_pool.py                       # 1 vs 3 deployments, 0.2 s latency, 2 slots each
    python bench/bench_pool.py --latency 0.5 --calls 120
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fake_llm import FakeLLM, Step  # noqa: E402

from zhenggai.llm.client import LLMClient  # noqa: E402
from zhenggai.llm.prompts import Prompt  # noqa: E402
from zhenggai.settings import Settings  # noqa: E402


class Answer(BaseModel):
    topic: str
    count: int


PROMPT = Prompt(id="bench-pool", version="v1", params={"max_tokens": 32}, system="s", user="Text: {{ text }}")


def settings(pool: Path, cache_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        model="bench",
        model_pool=pool,
        cache_dir=cache_dir,
        cache_enabled=False,
        call_timeout_s=30.0,
        transient_retries=0,
    )


async def run(client: LLMClient, calls: int, tag: str) -> tuple[float, list[float], float]:
    """Wall seconds, each call's latency, and this process's CPU seconds (the fake servers' included)."""
    started, cpu = time.perf_counter(), time.process_time()
    results = await asyncio.gather(*(client.structured(PROMPT, Answer, {"text": f"{tag}-{i}"}) for i in range(calls)))
    return time.perf_counter() - started, [r.usage.latency_s for r in results], time.process_time() - cpu


async def measure(n: int, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    fakes = [FakeLLM().start() for _ in range(n)]
    for fake in fakes:
        fake.responder = lambda body: Step(content='{"topic": "t", "count": 1}', delay=args.latency)
    pool = tmp / f"pool{n}.yaml"
    deployments = [
        {"name": f"d{i}", "model": "openai/bench", "api_base": f.url, "max_parallel_requests": args.slots}
        for i, f in enumerate(fakes)
    ]
    doc = {"models": {"bench": deployments}, "router": {"routing_strategy": args.strategy}}
    pool.write_text(yaml.safe_dump(doc), encoding="utf-8")
    try:
        with LLMClient(settings(pool, tmp / "cache")) as client:
            await run(client, n * args.slots, f"warm{n}")  # imports, HTTP connections
            idle = [(await run(client, 1, f"idle{n}-{i}"))[0] - args.latency for i in range(5)]
            wall, latencies, cpu = await run(client, args.calls, f"run{n}")
        return {
            "deployments": n,
            "calls": args.calls,
            "wall_s": round(wall, 3),
            "calls_per_s": round(args.calls / wall, 2),
            "ideal_calls_per_s": round(n * args.slots / args.latency, 2),
            "p50_call_s": round(statistics.median(latencies), 3),
            "overhead_ms": round(1000 * statistics.median(idle), 1),
            "cpu_ms_per_call": round(1000 * cpu / args.calls, 1),
            "max_inflight": [f.max_inflight for f in fakes],
            "requests": [len(f.requests) for f in fakes],
            "slot_waits": getattr(client.transport, "slot_waits", None),
        }
    finally:
        for fake in fakes:
            fake.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.2, help="seconds each fake deployment takes per request")
    ap.add_argument("--slots", type=int, default=2, help="max_parallel_requests of each deployment")
    ap.add_argument("--calls", type=int, default=60)
    ap.add_argument("--strategy", default="simple-shuffle", help="the Router's routing_strategy")
    args = ap.parse_args()
    os.environ.setdefault("LITELLM_LOG", "ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [asyncio.run(measure(n, args, Path(tmp))) for n in (1, 3)]
    for r in rows:
        print(
            f"{r['deployments']} deployment(s): {r['calls_per_s']:6.2f} calls/s (ideal {r['ideal_calls_per_s']}), "
            f"p50 call {r['p50_call_s']} s, pool overhead {r['overhead_ms']} ms/call, "
            f"CPU {r['cpu_ms_per_call']} ms/call, "
            f"max in flight {r['max_inflight']}, requests {r['requests']}, slot waits {r['slot_waits']}"
        )
    ratio = rows[1]["calls_per_s"] / rows[0]["calls_per_s"]
    print(f"3 vs 1 deployments: {ratio:.2f}x (ideal 3.00x)")
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_pool.json").write_text(json.dumps({"args": vars(args), "rows": rows, "ratio": ratio}, indent=1))


if __name__ == "__main__":
    main()
