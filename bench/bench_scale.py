"""Throughput of the queue past one machine: 1, 2 and 4 worker processes on one PostgreSQL store,
each job a fixed model latency (the fake model), so what limits the rate is how the workers share
the queue, not the CPU. Printed, from one run: jobs per second and its ratio to one worker
(target >= 3.2x at 4), submit-to-done p50/p99, and the store's overhead per job (submit; claim,
renew, finish in the worker, each call timed where it runs; target < 20 ms), and a slot's time per
job less the model's latency (the store calls plus thread hand-offs, wake-ups and timer slack).

Every worker is a real process running the real `QueueWorker` (leases, heartbeat, takeover sweep,
LISTEN/NOTIFY wake-ups) over the real `PgJobStore`; its `execute` waits the fixed latency and then
stores a result, as a job whose time is all model calls would. The pipeline's own CPU is left out on
purpose (the fault test, tests/test_pg_faults.py, runs it end to end through `zhenggai worker`).

Run: python bench/bench_scale.py [--jobs 1000] [--latency 0.5] [--workers 1,2,4]
(needs the PostgreSQL server binaries: `sh scripts/install-test-deps.sh`).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

RESULT = '{"bench": true}'


WORKER_CALLS = ("claim", "renew", "progress", "finish", "fail", "release", "recover")


class Timed:
    """The store with every call a worker makes timed (seconds, summed into `spent`, shared with the
    parent process), in the thread that runs it: the store's own cost, pool checkout included."""

    def __init__(self, store: object, spent: mp.Value) -> None:  # type: ignore[valid-type]
        self._store = store
        self._spent = spent

    def __getattr__(self, name: str) -> object:
        fn = getattr(self._store, name)
        if name not in WORKER_CALLS:
            return fn

        def timed(*args: object, **kwargs: object) -> object:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with self._spent.get_lock():
                    self._spent.value += time.perf_counter() - t0

        return timed


def _worker(url: str, latency: float, slots: int, ready: mp.Event, spent: mp.Value) -> None:  # type: ignore[valid-type]
    from zhenggai.api.pgstore import PgJobStore
    from zhenggai.queue.listen import JobEvents
    from zhenggai.queue.worker import QueueWorker, WorkerOptions

    store = Timed(PgJobStore(url, max_connections=slots + 4), spent)

    async def execute(job_id: str, inp: object, holder: str, keep: object) -> None:
        await asyncio.sleep(latency)  # the model's answer
        await asyncio.to_thread(store.finish, job_id, RESULT, worker_id=holder)

    async def main() -> None:
        events = JobEvents(url)
        listening = asyncio.create_task(events.run())
        await events.connected.wait()
        ready.set()
        worker = QueueWorker(store, execute, store.worker_id, WorkerOptions(slots=slots, lease_s=30), events)
        try:
            await worker.run()
        finally:
            listening.cancel()

    asyncio.run(main())


def _new_job(n: int, tag: str):
    from zhenggai.api.jobs import NewJob

    text = f"{tag} 第{n}号 整改报告"
    return NewJob("bench", f"r{n}.txt", None, None, "text", text.encode(), text, "openai/fake", "v1")


def run_once(server, workers: int, jobs: int, latency: float, slots: int) -> dict[str, float]:
    from zhenggai.api.pgstore import PgJobStore

    url = server.new_database()
    store = PgJobStore(url)  # migrates before the workers start
    ctx = mp.get_context("spawn")
    readies = [ctx.Event() for _ in range(workers)]
    spent = ctx.Value("d", 0.0)
    procs = [ctx.Process(target=_worker, args=(url, latency, slots, r, spent), daemon=True) for r in readies]
    for p in procs:
        p.start()
    for r in readies:
        r.wait(120)
    t0 = time.perf_counter()
    for n in range(jobs):
        store.submit(_new_job(n, f"w{workers}"), max_pending=jobs + 1)
    submit_s = (time.perf_counter() - t0) / jobs
    while store.pending():
        time.sleep(0.05)
    store_s = spent.value / jobs  # read at once: idle workers keep polling and sweeping
    with store._conn() as c:  # the server's own clock: created, started and finished of every job
        rows = c.execute("SELECT created_at, started_at, finished_at FROM jobs WHERE status = 'done'").fetchall()
    for p in procs:
        p.terminate()
        p.join(10)
    store.close()
    assert len(rows) == jobs, f"{len(rows)} of {jobs} done"
    first, last = min(r[0] for r in rows), max(r[2] for r in rows)
    latencies = sorted(r[2] - r[0] for r in rows)
    rate = jobs / (last - first)
    slot_time = workers * slots / rate  # seconds of one slot per job
    return {
        "workers": workers,
        "jobs_per_s": rate,
        "p50_s": statistics.median(latencies),
        "p99_s": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "submit_ms": submit_s * 1000,
        "store_ms": store_s * 1000,
        "slot_overhead_ms": max(slot_time - latency, 0.0) * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.5, help="seconds of model time per job")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--slots", type=int, default=4, help="jobs at once per worker")
    args = ap.parse_args()
    from pgserver import launch

    server = launch()
    try:
        runs = [run_once(server, int(w), args.jobs, args.latency, args.slots) for w in args.workers.split(",")]
    finally:
        server.cleanup()
    base = runs[0]["jobs_per_s"]
    print(f"{args.jobs} jobs, {args.latency}s model latency each, {args.slots} slot(s) per worker")
    print("workers  jobs/s  ratio  p50 s  p99 s  submit ms/job  worker's store calls ms/job  slot overhead ms/job")
    for r in runs:
        print(
            f"{r['workers']:>7}  {r['jobs_per_s']:6.2f}  {r['jobs_per_s'] / base:4.2f}x  {r['p50_s']:5.2f}  "
            f"{r['p99_s']:5.2f}  {r['submit_ms']:13.2f}  {r['store_ms']:27.2f}  {r['slot_overhead_ms']:20.2f}"
        )


if __name__ == "__main__":
    main()
