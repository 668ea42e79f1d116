"""Parsing speed and memory: ingest + outline + chunk on the seeds, a ~5 MB synthetic report, ~1 MB
of each adversarial shape (no punctuation, one line, tens of thousands of headings, repeated page
menus, flow arrows, deep nesting), and ingest alone on 5 MB hostile inputs (one huge line, deep
HTML tag nesting, unclosed markup).

Prints CPU seconds per MB (time.process_time: other work on the machine inflates wall time, not
this) beside wall time, the ratio to the 1 s/MB target, and the peak of Python allocations during
the run as a multiple of the input (target <= 20x; measured in a second, untimed run, since
tracemalloc slows everything down). CPU time on a shared machine varies by tens of percent
between runs, so each input is timed `--repeat` times (default 3) and the median is reported.
Run: python bench/bench_parse.py [--quick] [--repeat N]   (--quick: skip the memory runs)
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

from zhenggai.chunks.chunker import chunk_outline
from zhenggai.ingest.document import load_bytes
from zhenggai.structure.outline import parse_outline

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
TARGET_S_PER_MB = 1.0
TARGET_MEMORY = 20.0


def _stages(name: str, data: bytes, ingest_only: bool) -> tuple[list[float], str]:
    marks = [time.process_time()]
    doc = load_bytes(data, name=name)
    marks.append(time.process_time())
    if ingest_only:
        return marks, f"chars {len(doc.text)}"
    outline = parse_outline(doc.text)
    marks.append(time.process_time())
    chunks = chunk_outline(doc.text, outline)
    marks.append(time.process_time())
    return marks, f"sections {sum(1 for _ in outline.walk())}  chunks {len(chunks)}"


REPEAT = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3


def run(name: str, data: bytes, *, ingest_only: bool = False, memory: bool = True) -> tuple[float, float]:
    """(median CPU s/MB, peak memory / input size) of one input."""
    timed = []
    for _ in range(REPEAT):
        wall = time.perf_counter()
        marks, what = _stages(name, data, ingest_only)
        timed.append((marks[-1] - marks[0], time.perf_counter() - wall, marks))
    cpu, wall, marks = sorted(timed, key=lambda t: t[0])[len(timed) // 2]
    mb = len(data) / 1e6
    per_mb = cpu / mb
    spread = f"{min(t[0] for t in timed) / mb:.2f}-{max(t[0] for t in timed) / mb:.2f}"
    stages = zip(("ingest", "outline", "chunk"), marks, marks[1:], strict=False)
    steps = "  ".join(f"{label} {b - a:6.3f}s" for label, a, b in stages)
    ratio = 0.0
    if memory:
        tracemalloc.start()
        _stages(name, data, ingest_only)
        ratio = tracemalloc.get_traced_memory()[1] / len(data)
        tracemalloc.stop()
    print(
        f"{name:30s} {mb:5.2f} MB  {steps}  {per_mb:6.3f} s/MB (of {REPEAT}: {spread}; {per_mb / TARGET_S_PER_MB:.2f}x "
        f"of target, wall {wall / mb:.3f} s/MB)  memory {ratio:5.1f}x  {what}",
        flush=True,
    )
    return per_mb, ratio


def main() -> int:
    memory = "--quick" not in sys.argv
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; median of {REPEAT} timings", flush=True)
    seeds = sorted(SEEDS.glob("*.txt"))
    results: dict[str, tuple[float, float]] = {}
    for path in seeds:
        run(path.name, path.read_bytes(), memory=memory)  # small: start-up costs dominate, not compared
    # ~5 MB: the body of every seed repeated, renumbered so the tree keeps growing.
    parts = []
    for k in range(20):
        for path in seeds:
            text = path.read_text(encoding="utf-8")
            parts.append(text.replace("二、", f"{'二三四五六七八九十'[k % 9]}、"))
    big = "\n".join(parts).encode("utf-8")
    while len(big) < 5_000_000:
        big += big[: 5_000_000 - len(big)]
    results["synthetic-5MB"] = run("synthetic-5MB.txt", big, memory=memory)
    gbk = big.decode("utf-8", errors="ignore").encode("gb18030")
    results["synthetic-5MB-gb18030"] = run("synthetic-5MB-gb18030.txt", gbk, memory=memory)
    real = dict(results)
    # Adversarial shapes (issue 12), about 1 MB each: what a careless or hostile input looks like.
    mb = 1_000_000
    head = "二、整改落实情况\n(一)关于问题\n1.关于“问题”的问题\n"
    shapes = {
        "adv-no-punctuation": head + "整改措施落实到位" * (mb // 24),
        "adv-one-line": "根据统一部署 " + "一、关于问题。整改情况:已完成。" * (mb // 48),
        "adv-headings": "二、整改落实情况\n" + "".join(f"({k % 9 + 1})关于问题{k}\n内容。\n" for k in range(mb // 36)),
        "adv-repeated-menu": ("1版1" * 20 + "\n") * (mb // 64),
        "adv-flow-arrows": ("流程→步骤" * 17 + "\n") * (mb // 260),
        # a table drawn with bars, a row per line (normalised, then cut into cells)
        "adv-barred-table": "二、整改落实情况\n序号 | 问题 | 整改措施 | 整改状态\n"
        + "".join(f"| {k} | 甲问题不够规范 | 做了整改工作 | 已完成 |\n" for k in range(1, mb // 66)),
        "adv-deep-nesting": "二、整改落实情况\n"
        + "".join(f"({'一二三四五'[k % 5]})甲\n{k % 9 + 1}.乙\n({k % 9 + 1})丙\n①丁。\n" for k in range(mb // 60)),
    }
    for name, text in shapes.items():
        results[name] = run(f"{name}.txt", text.encode("utf-8"), memory=memory)
    # Ingest alone on 5 MB hostile inputs.
    big_mb = 5_000_000
    ingest_shapes = {
        "ing-one-line-5MB.txt": "整改措施落实到位,已完成整改," * (big_mb // 42),
        "ing-one-line-headings-5MB.txt": "一、关于问题。整改情况:已完成。(一)甲。1.乙。" * (big_mb // 70),
        "ing-traditional-5MB.txt": "整改措施落實到位,已完成整改。關於問題\n" * (big_mb // 55),
        "ing-html-deep-tags-5MB.html": "<html><body>" + "<div><span>" * (big_mb // 11) + "整改情况</body></html>",
        "ing-html-deep-text-5MB.html": "<html><body>" + "<div>整改" * (big_mb // 11) + "</body></html>",
        "ing-html-unclosed-5MB.html": "<html><body><p>整改情况</p>" + "<!--<!x</a<?" * (big_mb // 12),
        "ing-html-stray-lt-5MB.html": "<html><body><p>整改情况</p>" + "<" * big_mb,
    }
    for name, text in ingest_shapes.items():
        results[name] = run(name, text.encode("utf-8"), ingest_only=True, memory=memory)

    over = {k: v for k, v in results.items() if v[0] > TARGET_S_PER_MB or v[1] > TARGET_MEMORY}
    worst_real = max(v[0] for v in real.values())
    worst_adv = max(v[0] for k, v in results.items() if k not in real)
    worst_mem = max(v[1] for v in results.values())
    print(
        f"target: <= {TARGET_S_PER_MB} s/MB and <= {TARGET_MEMORY:.0f}x memory; worst real-shaped "
        f"{worst_real:.3f} s/MB, worst adversarial {worst_adv:.3f} s/MB, worst memory {worst_mem:.1f}x"
    )
    for name, (per_mb, ratio) in over.items():
        print(f"  over target: {name} {per_mb:.2f} s/MB, memory {ratio:.1f}x")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
