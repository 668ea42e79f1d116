"""Load run of the HTTP service: a few hundred submissions from concurrent clients against a real
uvicorn with the scripted fake model, then a check that every job completed exactly once.

The service runs as `zhenggai serve` in its own process (as in production); the clients and the
fake model share this one.

Each client submits reports (JSON text and multipart uploads of the three examples, each made
unique by a tag in every sentence so that every model call is a real one, plus a share of exact
duplicates that must come back as the same job) and polls each job until it is done. Printed:
HTTP latency p50/p99 of submissions and polls, submit-to-done latency p50/p99, jobs per second;
and the checks: no 5xx, one job per distinct report, all done, none lost or doubled in the store.

Then `/healthz` under a big parse: its latency idle, and while one job reads and chunks a 3.9 MB
report with no sentence punctuation (the CPU work runs in a worker process, so the ratio should
stay near 1; with the parse in a thread of the service it was the parse's own length).

Run: python bench/bench_api.py [--reports 300] [--clients 16] [--duplicates 0.2] [--jobs 4] [--only-healthz]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from api_server import AUTH, KEY  # noqa: E402
from fake_judge import responder  # noqa: E402
from fake_llm import FakeLLM  # noqa: E402

EXAMPLES = ROOT / "examples"


def variant(k: int) -> tuple[str, dict]:
    """Report number k: (a key saying which distinct report it is, httpx request kwargs)."""
    kind = k % 3
    tag = f"（样本{k}）"
    if kind == 0:
        text = (EXAMPLES / "qinghe_county_2023.txt").read_text(encoding="utf-8").replace("。", f"{tag}。")
        return f"r{k}", {"json": {"text": text, "name": f"qinghe-{k}.txt"}}
    if kind == 1:
        text = (EXAMPLES / "donglan_newarea_2024_gbk.txt").read_bytes().decode("gb18030").replace("。", f"{tag}。")
        data = text.encode("gb18030")
        return f"r{k}", {"files": {"file": (f"donglan-{k}.txt", data, "text/plain")}}
    text = (EXAMPLES / "wangchuan_district_2022.html").read_text(encoding="utf-8").replace("。", f"{tag}。")
    return f"r{k}", {"json": {"text": text, "name": f"wangchuan-{k}.html", "media_type": "text/html"}}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def run(url: str, plan: list[tuple[str, dict]], clients: int) -> dict:
    queue: asyncio.Queue[tuple[str, dict]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    post_ms: list[float] = []
    poll_ms: list[float] = []
    e2e_s: list[float] = []
    statuses: Counter[int] = Counter()
    job_of: dict[str, set[str]] = {}
    outcome: dict[str, str] = {}
    reused = 0

    async def client() -> None:
        nonlocal reused
        async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=60) as http:
            while not queue.empty():
                key, kwargs = queue.get_nowait()
                t0 = time.perf_counter()
                r = await http.post("/v1/summaries", **kwargs)
                post_ms.append((time.perf_counter() - t0) * 1000)
                statuses[r.status_code] += 1
                if r.status_code not in (200, 202):
                    outcome[f"{key}-{len(outcome)}"] = f"HTTP {r.status_code}: {r.text[:200]}"
                    continue
                job = r.json()
                reused += job["reused"]
                job_of.setdefault(key, set()).add(job["id"])
                while job["status"] not in ("done", "failed", "cancelled"):
                    await asyncio.sleep(0.1)
                    t1 = time.perf_counter()
                    r = await http.get(f"/v1/summaries/{job['id']}")
                    poll_ms.append((time.perf_counter() - t1) * 1000)
                    statuses[r.status_code] += 1
                    job = r.json()
                e2e_s.append(time.perf_counter() - t0)
                outcome[job["id"]] = job["status"]

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - t0
    return {
        "wall": wall,
        "post_ms": post_ms,
        "poll_ms": poll_ms,
        "e2e_s": e2e_s,
        "statuses": statuses,
        "job_of": job_of,
        "outcome": outcome,
        "reused": reused,
    }


BIG_HEAD = "关于巡察整改进展情况的通报\n二、整改落实情况\n(一)关于问题\n1.关于“问题”的问题\n"


def healthz_during_parse(url: str) -> dict:
    """/healthz latency idle and while a 3.9 MB hostile report is parsed; the job is cancelled after."""
    body = json.dumps({"text": BIG_HEAD + "整改措施落实到位" * 160_000, "name": "big.txt"}, ensure_ascii=False)
    with httpx.Client(base_url=url, headers=AUTH, timeout=120) as api, httpx.Client(base_url=url) as probe:

        def latency() -> float:
            t0 = time.perf_counter()
            probe.get("/healthz").raise_for_status()
            return (time.perf_counter() - t0) * 1000

        latency()
        idle = [latency() for _ in range(100)]
        t0 = time.perf_counter()
        r = api.post("/v1/summaries", content=body.encode(), headers={"content-type": "application/json"})
        post_s = time.perf_counter() - t0
        r.raise_for_status()
        job_id = r.json()["id"]
        during: list[float] = []
        t0 = time.perf_counter()
        while api.get(f"/v1/summaries/{job_id}").json()["progress"]["total"] is None and len(during) < 5000:
            during.append(latency())
        parse_s = time.perf_counter() - t0
        api.delete(f"/v1/summaries/{job_id}")
    return {"idle": idle, "during": during, "post_s": post_s, "parse_s": parse_s, "mb": len(body.encode()) / 1e6}


def print_healthz(res: dict) -> None:
    idle, during = res["idle"], res["during"]
    print(
        f"/healthz idle            p50 {pct(idle, 0.5):7.1f} ms   p99 {pct(idle, 0.99):7.1f} ms   ({len(idle)} probes)"
    )
    print(
        f"/healthz during a parse  p50 {pct(during, 0.5):7.1f} ms   p99 {pct(during, 0.99):7.1f} ms   "
        f"({len(during)} probes over {res['parse_s']:.1f} s of parsing a {res['mb']:.1f} MB body; "
        f"its POST took {res['post_s']:.2f} s)"
    )
    if during:
        p50, p99 = pct(during, 0.5) / pct(idle, 0.5), pct(during, 0.99) / pct(idle, 0.99)
        print(f"ratio to idle            p50 {p50:5.2f}x  p99 {p99:5.2f}x")


def start_service(tmp: Path, llm_url: str, db: Path, jobs: int) -> tuple[subprocess.Popen, str]:
    """`zhenggai serve` on a free port, pointed at the fake model; returns once it is ready."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "ZHENGGAI_MODEL": "openai/fake-model",
        "ZHENGGAI_API_BASE": llm_url,
        "ZHENGGAI_API_KEY": "sk-fake",
        "ZHENGGAI_CACHE_DIR": str(tmp / "cache"),
        "ZHENGGAI_API_KEYS": f"bench:{KEY}",
        "ZHENGGAI_CONCURRENCY": "8",
        "ZHENGGAI_API_RATE_PER_S": "10000",
        "ZHENGGAI_API_RATE_BURST": "10000",
        "ZHENGGAI_API_MAX_PENDING": "10000",
        "ZHENGGAI_API_MAX_BODY_BYTES": str(8 * 1024 * 1024),
    }
    cmd = [sys.executable, "-m", "zhenggai.cli", "serve", "--port", str(port), "--db", str(db), "--jobs", str(jobs)]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:  # model client loaded
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise TimeoutError("zhenggai serve did not become ready")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=300, help="submissions in all")
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients")
    ap.add_argument("--duplicates", type=float, default=0.2, help="share of submissions repeating an earlier one")
    ap.add_argument("--jobs", type=int, default=4, help="api_max_jobs of the service")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--only-healthz", action="store_true", help="only the /healthz-under-a-big-parse case")
    args = ap.parse_args()
    if args.only_healthz:
        with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm:
            llm.responder = responder
            server, url = start_service(Path(tmp), llm.url, Path(tmp) / "jobs.sqlite", args.jobs)
            try:
                print_healthz(healthz_during_parse(url))
            finally:
                server.terminate()
                server.wait(30)
        return 0

    rng = random.Random(args.seed)
    distinct = round(args.reports * (1 - args.duplicates))
    plan = [variant(k) for k in range(distinct)]
    plan += [rng.choice(plan) for _ in range(args.reports - distinct)]
    rng.shuffle(plan)

    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm:
        llm.responder = responder
        db = Path(tmp) / "jobs.sqlite"
        server, url = start_service(Path(tmp), llm.url, db, args.jobs)
        try:
            res = asyncio.run(run(url, plan, args.clients))
            parse = healthz_during_parse(url)
            listed: list[str] = []
            cursor = None
            with httpx.Client(base_url=url, headers=AUTH) as http:
                while True:
                    page = http.get("/v1/summaries", params={"limit": 200, **({"cursor": cursor} if cursor else {})})
                    listed += [j["id"] for j in page.json()["items"]]
                    cursor = page.json()["next_cursor"]
                    if cursor is None:
                        break
        finally:
            server.terminate()
            server.wait(30)
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT status, COUNT(*), SUM(attempts) FROM jobs GROUP BY status").fetchall()
        model_requests = len(llm.requests)

    ids = {i for s in res["job_of"].values() for i in s}
    problems = []
    if any(code >= 500 for code in res["statuses"]):
        problems.append(f"server errors: {dict(res['statuses'])}")
    if any(len(s) != 1 for s in res["job_of"].values()):
        problems.append("a distinct report got more than one job")
    if len(ids) != distinct:
        problems.append(f"{len(ids)} jobs for {distinct} distinct reports")
    if sorted(listed) != sorted(ids) or len(listed) != len(set(listed)):
        problems.append(f"listed {len(listed)} jobs ({len(set(listed))} distinct), submitted {len(ids)}")
    if any(v != "done" for v in res["outcome"].values()):
        problems.append(f"not done: {Counter(res['outcome'].values())}")
    if rows != [("done", distinct, distinct)]:
        problems.append(f"store: {rows} (expected every job done, started once)")

    requests = sum(res["statuses"].values())
    print(f"{args.reports} submissions ({distinct} distinct, {res['reused']} reused), {args.clients} clients")
    print(f"service: api_max_jobs={args.jobs}, fake model; {requests} HTTP requests, {model_requests} model calls")
    print(f"wall {res['wall']:.1f} s; {distinct / res['wall']:.1f} jobs/s; {requests / res['wall']:.0f} requests/s")
    print(f"POST /v1/summaries     p50 {pct(res['post_ms'], 0.5):7.1f} ms   p99 {pct(res['post_ms'], 0.99):7.1f} ms")
    print(f"GET  /v1/summaries/id  p50 {pct(res['poll_ms'], 0.5):7.1f} ms   p99 {pct(res['poll_ms'], 0.99):7.1f} ms")
    print(f"submit → done          p50 {pct(res['e2e_s'], 0.5):7.2f} s    p99 {pct(res['e2e_s'], 0.99):7.2f} s")
    print(f"status codes: {dict(sorted(res['statuses'].items()))}")
    print_healthz(parse)
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    print(f"OK: every job done exactly once; {len(listed)} jobs listed, none lost or doubled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
