"""Parsing speed: ingest + outline + chunk on the seeds, a ~5 MB synthetic report, and ~1 MB of
each adversarial shape (no punctuation, one line, tens of thousands of headings, repeated page
menus, flow arrows, deep nesting).

Prints seconds per MB and the ratio to the 1 s/MB target; figures are from one run on this machine.
Run: python bench/bench_parse.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from zhenggai.chunks.chunker import chunk_outline
from zhenggai.ingest.document import load_bytes
from zhenggai.structure.outline import parse_outline

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def run(name: str, data: bytes) -> float:
    t0 = time.perf_counter()
    doc = load_bytes(data, name=name)
    t1 = time.perf_counter()
    outline = parse_outline(doc.text)
    t2 = time.perf_counter()
    chunks = chunk_outline(doc.text, outline)
    t3 = time.perf_counter()
    mb = len(data) / 1e6
    per_mb = (t3 - t0) / mb
    print(
        f"{name:28s} {mb:6.2f} MB  ingest {t1 - t0:6.3f}s  outline {t2 - t1:6.3f}s  chunk {t3 - t2:6.3f}s  "
        f"{per_mb:6.3f} s/MB ({per_mb:.2f}x of target)  sections {sum(1 for _ in outline.walk())}  chunks {len(chunks)}"
    )
    return per_mb


def main() -> int:
    seeds = sorted(SEEDS.glob("*.txt"))
    for path in seeds:
        run(path.name, path.read_bytes())
    # ~5 MB: the body of every seed repeated, renumbered so the tree keeps growing.
    parts = []
    for k in range(20):
        for path in seeds:
            text = path.read_text(encoding="utf-8")
            parts.append(text.replace("二、", f"{'二三四五六七八九十'[k % 9]}、"))
    big = "\n".join(parts).encode("utf-8")
    while len(big) < 5_000_000:
        big += big[: 5_000_000 - len(big)]
    worst = run("synthetic-5MB.txt", big)
    worst_gbk = run("synthetic-5MB-gb18030.txt", big.decode("utf-8", errors="ignore").encode("gb18030"))
    # Adversarial shapes (issue 12), about 1 MB each: what a careless or hostile input looks like.
    mb = 1_000_000
    head = "二、整改落实情况\n(一)关于问题\n1.关于“问题”的问题\n"
    shapes = {
        "adv-no-punctuation": head + "整改措施落实到位" * (mb // 24),
        "adv-one-line": "根据统一部署 " + "一、关于问题。整改情况:已完成。" * (mb // 48),
        "adv-headings": "二、整改落实情况\n" + "".join(f"({k % 9 + 1})关于问题{k}\n内容。\n" for k in range(mb // 36)),
        "adv-repeated-menu": ("1版1" * 20 + "\n") * (mb // 64),
        "adv-flow-arrows": ("流程→步骤" * 17 + "\n") * (mb // 260),
        "adv-deep-nesting": "二、整改落实情况\n"
        + "".join(f"({'一二三四五'[k % 5]})甲\n{k % 9 + 1}.乙\n({k % 9 + 1})丙\n①丁。\n" for k in range(mb // 60)),
    }
    adversarial = max(run(f"{name}.txt", text.encode("utf-8")) for name, text in shapes.items())
    real = max(worst, worst_gbk)
    print(f"target: < 1 s/MB; worst real-shaped {real:.3f} s/MB, worst adversarial {adversarial:.3f} s/MB")
    return 0 if max(worst, worst_gbk, adversarial) < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
