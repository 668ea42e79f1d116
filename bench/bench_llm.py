"""Benchmark of the embedded models (not a test): time to first call and tokens/s.

For each local model: assembly/verification of the GGUF file, model load, the first
structured call through the real client path (litellm → in-process llama.cpp, strict JSON
schema), then read (prompt processing) and write (generation) speeds from llama.cpp's own
timings on a ~900-character seed chunk with the prompt cache off. Prints a table and the
0.5B / 1.5B ratios; writes JSON to bench/results/ (git-ignored).

    python bench/bench_llm.py                 # both models, assembled files reused
    python bench/bench_llm.py --fresh         # assemble into a temp dir to time assembly too
    python bench/bench_llm.py --models local/qwen2.5-coder-0.5b --runs 5
    python bench/bench_llm.py --contention    # each thread/poll setting idle and beside one busy process

Contention: users run this on laptops and shared servers. For each llama.cpp setting (threads,
busy-wait polling) the same judging-sized calls (a ~900-character chunk read, 85 tokens written)
are timed on the idle machine and again while one other process keeps a core busy; the table
gives seconds per call and the ratio, and the setting that degrades least is the default.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from enum import StrEnum
from pathlib import Path

import httpx
from pydantic import BaseModel, Field

from zhenggai.llm.client import LLMClient
from zhenggai.llm.embedded import LocalServer, ensure_model_file
from zhenggai.llm.registry import LOCAL_MODELS
from zhenggai.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / ".." / "shared" / "seeds"


class Status(StrEnum):
    completed = "completed"
    in_progress = "in_progress"
    long_term = "long_term"
    not_stated = "not_stated"


class Measure(BaseModel):
    text: str = Field(max_length=60)
    status: Status


class Excerpt(BaseModel):
    topic: str = Field(max_length=60)
    measures: list[Measure] = Field(min_length=1, max_length=3)


def chunk(chars: int = 900) -> str:
    lines = (SEEDS / "000_b84e28186fa3600f.txt").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "区委海洋发展委员会形同虚设" in line)
    return "\n".join(line.strip() for line in lines[start:] if line.strip())[:chars]


def raw_speed(server: LocalServer, text: str, runs: int, max_tokens: int) -> dict[str, float]:
    """Read/write tokens/s from llama.cpp's timings; prompt cache off so every run reads it all."""
    reads, writes, n_prompt, n_gen = [], [], 0, 0
    for i in range(runs):
        body = {
            "messages": [
                {"role": "system", "content": "你是信息抽取助手。"},
                {"role": "user", "content": f"第{i}次。概括下面的片段并列出整改措施：\n{text}"},
            ],
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "cache_prompt": False,
        }
        t = httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=600).json()["timings"]
        reads.append(t["prompt_per_second"])
        writes.append(t["predicted_per_second"])
        n_prompt, n_gen = t["prompt_n"], t["predicted_n"]
    return {
        "read_tok_s": statistics.median(reads),
        "write_tok_s": statistics.median(writes),
        "prompt_tokens": n_prompt,
        "generated_tokens": n_gen,
    }


def bench_model(alias: str, settings: Settings, runs: int, max_tokens: int) -> dict[str, object]:
    text = chunk()
    target = settings.models_dir / LOCAL_MODELS[alias].filename
    existed = target.exists()
    t0 = time.perf_counter()
    ensure_model_file(alias, settings)
    t_file = time.perf_counter() - t0

    client = LLMClient(settings)
    t1 = time.perf_counter()
    n_tokens = client.count_tokens(text, model=alias)  # starts the server: model load
    t_load = time.perf_counter() - t1
    server = client.local_server(alias)

    t2 = time.perf_counter()
    res = client.structured_sync(
        "llm_selftest", Excerpt, {"text": text, "max_items": 3}, model=alias, max_tokens=max_tokens, cache=False
    )
    t_call = time.perf_counter() - t2
    speed = raw_speed(server, text, runs, max_tokens)
    client.close()  # releases the server: stopped, memory freed before the next model
    return {
        "model": alias,
        "model_file_s": round(t_file, 2),
        "model_file_was": "reused (size+mtime marker)" if existed else "assembled + sha256",
        "load_s": round(t_load, 2),
        "first_call_s": round(t_call, 2),
        "time_to_first_answer_s": round(t_file + t_load + t_call, 2),
        "first_call_tokens": [res.usage.prompt_tokens, res.usage.completion_tokens],
        "chunk_chars": len(text),
        "chunk_tokens": n_tokens,
        "chars_per_token": round(len(text) / n_tokens, 2) if n_tokens else None,
        **{k: round(v, 1) if isinstance(v, float) else v for k, v in speed.items()},
    }


def _busy() -> None:  # pragma: no cover - runs in a child process
    while True:
        pass


def call_seconds(server: LocalServer, text: str, runs: int, max_tokens: int) -> float:
    """Median wall seconds of a judging-sized call (prompt cache off: every call reads it all)."""
    times = []
    for i in range(runs):
        body = {
            "messages": [{"role": "user", "content": f"第{i}次。概括下面的片段并列出整改措施：\n{text}"}],
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "cache_prompt": False,
            "ignore_eos": True,  # write exactly max_tokens, so every call does the same work
        }
        t0 = time.perf_counter()
        httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=900).raise_for_status()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def contention(alias: str, settings: Settings, configs: list[tuple[int, int]], runs: int) -> list[dict]:
    import multiprocessing as mp

    text, rows = chunk(), []
    for threads, poll in configs:
        s = settings.model_copy(update={"local_threads": threads, "local_poll": poll})
        client = LLMClient(s)
        server = client.local_server(alias)
        call_seconds(server, text, 1, 8)  # warm up: pages in the weights
        idle = call_seconds(server, text, runs, 85)
        hog = mp.get_context("spawn").Process(target=_busy, daemon=True)
        hog.start()
        try:
            time.sleep(1.0)
            busy = call_seconds(server, text, runs, 85)
        finally:
            hog.kill()
            hog.join()
        client.close()
        row = {"model": alias, "threads": threads, "poll": poll, "idle_s": round(idle, 2), "busy_s": round(busy, 2)}
        row["busy_over_idle"] = round(busy / idle, 2)
        rows.append(row)
        print(json.dumps(row))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["local/qwen2.5-coder-0.5b", "local/qwen2.5-coder-1.5b"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0 = cores)")
    ap.add_argument("--fresh", action="store_true", help="assemble into a temporary models dir")
    ap.add_argument("--contention", action="store_true", help="time each setting idle and beside a busy process")
    ap.add_argument(
        "--configs", default="2:50,2:0,1:50,1:0", help="threads:poll settings for --contention (comma list)"
    )
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="zhenggai-bench-")
    overrides: dict[str, object] = {
        "cache_dir": Path(tmp.name) / "cache",
        "local_ctx": 4096,
        "local_threads": args.threads,
    }
    base = Settings()
    overrides["local_models_dir"] = Path(tmp.name) / "models" if args.fresh else base.models_dir
    settings = base.model_copy(update=overrides)

    if args.contention:
        configs = [(int(t), int(p)) for t, p in (c.split(":") for c in args.configs.split(","))]
        table = [r for alias in args.models for r in contention(alias, settings, configs, args.runs)]
        print(f"\n{'model':28} {'threads':>7} {'poll':>5} {'idle s/call':>11} {'busy s/call':>11} {'busy/idle':>9}")
        for r in table:
            print(
                f"{r['model']:28} {r['threads']:>7} {r['poll']:>5} {r['idle_s']:>11} {r['busy_s']:>11} "
                f"{r['busy_over_idle']:>9}"
            )
        out = REPO / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"bench_contention_{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(table, indent=1))
        tmp.cleanup()
        return

    rows = []
    for alias in args.models:
        row = bench_model(alias, settings, args.runs, args.max_tokens)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False))

    print(f"\n{'model':28} {'file s':>7} {'load s':>7} {'1st call s':>10} {'read tok/s':>10} {'write tok/s':>11}")
    for r in rows:
        print(
            f"{r['model']:28} {r['model_file_s']:>7} {r['load_s']:>7} {r['first_call_s']:>10} "
            f"{r['read_tok_s']:>10} {r['write_tok_s']:>11}"
        )
    by = {r["model"]: r for r in rows}
    small, large = by.get("local/qwen2.5-coder-0.5b"), by.get("local/qwen2.5-coder-1.5b")
    if small and large:
        print(
            f"\n0.5B vs 1.5B: read x{small['read_tok_s'] / large['read_tok_s']:.2f}, "
            f"write x{small['write_tok_s'] / large['write_tok_s']:.2f}, "
            f"load x{large['load_s'] / small['load_s']:.2f} faster, "
            f"first call x{large['first_call_s'] / small['first_call_s']:.2f} faster"
        )
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"bench_llm_{stamp}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    tmp.cleanup()


if __name__ == "__main__":
    main()
