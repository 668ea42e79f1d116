"""The corpus at scale: 10,000 generated summary records loaded into DuckDB, 100 more added
incrementally, the dashboard written and opened in real headless Chromium.

The generator is built from real records' shapes: the records `zhenggai summarize` writes (with
the fake judge) for the seeds and the 46 annotated pages, or any folder given with --records.
Each generated record is a real one with a new content hash, a fictional unit, a year and kind
drawn at random, its leaf problems' statuses redrawn from the real mix, and each problem text
rotated by a random offset (same characters, so it compresses like Chinese text, but no two
records repeat each other, which would flatter gzip). The mix of long and short records is the
real one (4 full reports to 46 openings).

Targets (issue 14): build < 60 s, incremental add of 100 < 5 s, dashboard < 5 MB, loaded in
Chromium < 2 s, a filter applied < 200 ms.

Run: python bench/bench_corpus.py [--reports 10000] [--records DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _corpus import summarize_into  # noqa: E402
from _paths import PAGES_DIR, SEED_FILES  # noqa: E402

from zhenggai.corpus.dashboard import write_dashboard  # noqa: E402
from zhenggai.corpus.database import build  # noqa: E402

STATUSES = ["completed", "in_progress", "not_stated", "basically_completed", "long_term", "partly_completed"]
KINDS = ["巡视", "巡察", ""]


def templates(folder: Path) -> list[dict]:
    out = []
    for p in sorted(folder.rglob("*.json")):
        data = json.loads(p.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "report" in data and "provenance" in data:
            out.append(data)
    return out


def _walk(problems: list[dict]):
    for p in problems:
        yield p
        yield from _walk(p["children"])


def generate(base: list[dict], n: int, seed: int, start: int = 0) -> list[dict]:
    rng = random.Random(seed)
    status_mix = [p["status"] for t in base for p in _walk(t["problems"]) if not p["children"]] or STATUSES
    out = []
    for i in range(start, start + n):
        rec = copy.deepcopy(rng.choice(base))
        meta = rec["report"]
        unit = f"样本{i}县"
        meta["title"] = f"中共{unit}委关于巡察整改进展情况的通报"
        meta["inspected_unit"] = unit
        meta["content_sha256"] = hashlib.sha256(f"generated-{i}".encode()).hexdigest()
        meta["publication_date"] = f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        meta["inspection_kind"] = rng.choice(KINDS)
        for p in _walk(rec["problems"]):
            k = rng.randrange(max(len(p["title"]), 1))
            p["title"] = p["title"][k:] + p["title"][:k]
            if not p["children"] and p["status_evidence"] is not None:
                p["status"] = rng.choice(status_mix)
        out.append(rec)
    return out


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def browser_timings(html: Path) -> dict[str, float]:
    from browser import launch, watch

    for browser in launch():
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        log = watch(page)
        t0 = time.perf_counter()
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=60000)
        load = time.perf_counter() - t0
        years = page.eval_on_selector_all("#f-year option", "os => os.map(o => o.value).filter(v => v)")
        filters = []
        for value in years[:4]:
            t1 = time.perf_counter()
            page.select_option("#f-year", value)
            page.wait_for_function("document.body.dataset.applyMs !== undefined")
            wall = time.perf_counter() - t1
            filters.append((float(page.evaluate("document.body.dataset.applyMs")), wall))
        t2 = time.perf_counter()
        page.fill("#search", "整改")
        search = time.perf_counter() - t2
        if log.problems:
            raise SystemExit(f"the page reported problems: {log.problems[:3]}")
        return {
            "load_s": load,
            "filter_ms_in_page_max": max(f[0] for f in filters),
            "filter_ms_wall_max": 1000 * max(f[1] for f in filters),
            "search_ms_wall": 1000 * search,
        }
    raise RuntimeError("no browser")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=10000)
    ap.add_argument("--records", type=Path, help="folder of real records to shape the generator (default: made now)")
    ap.add_argument("--keep", type=Path, help="keep the generated files, database and page here")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="zhenggai-bench-corpus-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        src = args.records
        if src is None:
            src = work / "real"
            summarize_into(src / "seeds", list(SEED_FILES), formats=("json",))
            summarize_into(src / "pages", sorted(PAGES_DIR.glob("*.txt")), formats=("json",))
        base = templates(src)
        print(f"generator: {len(base)} real records as templates")
        gen = generate(base, args.reports, args.seed)
        for k in range(0, len(gen), 1000):
            write_jsonl(work / "gen" / f"part-{k // 1000:03d}.jsonl", gen[k : k + 1000])
        size = sum(p.stat().st_size for p in (work / "gen").glob("*.jsonl"))
        print(f"generated: {len(gen)} records, {size / 1e6:.1f} MB of JSONL")
        db = work / "corpus.duckdb"
        db.unlink(missing_ok=True)
        cpu = time.process_time()
        first = build(db, [work / "gen"])
        first_cpu = time.process_time() - cpu
        write_jsonl(work / "more" / "new.jsonl", generate(base, 100, args.seed + 1, start=args.reports))
        cpu = time.process_time()
        more = build(db, [work / "gen", work / "more"])
        more_cpu = time.process_time() - cpu
        again = build(db, [work / "gen", work / "more"])
        t0 = time.perf_counter()
        html = write_dashboard(db, work / "corpus.html")
        report_s = time.perf_counter() - t0
        mb = html.stat().st_size / 1e6
        b = browser_timings(html)
        rows = [
            ("build, 10,000 records", f"{first.seconds:.1f} s (CPU {first_cpu:.1f} s)", "< 60 s", first.seconds < 60),
            ("incremental add of 100", f"{more.seconds:.2f} s (CPU {more_cpu:.2f} s)", "< 5 s", more.seconds < 5),
            ("re-run, nothing new", f"{again.seconds:.2f} s", "", True),
            ("corpus report (write page)", f"{report_s:.1f} s", "", True),
            ("dashboard file", f"{mb:.2f} MB", "< 5 MB", mb < 5),
            ("loaded in Chromium", f"{b['load_s']:.2f} s", "< 2 s", b["load_s"] < 2),
            (
                "filter applied (in page)",
                f"{b['filter_ms_in_page_max']:.0f} ms",
                "< 200 ms",
                b["filter_ms_in_page_max"] < 200,
            ),
            ("filter applied (wall, via Playwright)", f"{b['filter_ms_wall_max']:.0f} ms", "", True),
            ("search typed (wall)", f"{b['search_ms_wall']:.0f} ms", "", True),
        ]
        assert len(first.added) == args.reports and len(more.added) == 100 and again.unchanged == args.reports + 100
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("| measure | figure | target | met |\n|---|---|---|---|")
        for name, fig, target, ok in rows:
            print(f"| {name} | {fig} | {target} | {'yes' if ok else 'NO'} |")
        if not all(r[3] for r in rows):
            raise SystemExit(1)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
