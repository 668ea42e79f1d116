"""The annotated sets as other templates would render the same reports: a metamorphic check.

The held-out reports come from publishers the rules never saw. Much of what differs between
publishers is not the genre but the rendering: one page keeps no line breaks, a PDF copy is
hard-wrapped at a fixed width, a site indents every paragraph with full-width spaces, writes
full-width digits, uses CRLF, or puts its own furniture (breadcrumbs, 字号 大 中 小, 点击数)
around the title. Each rendering here changes only that, so the gold stays true, and a score
that drops under one is a rule fitted to one template. Run

    python -m zhenggai.evals.perturb --kinds oneline,wrap --sets seeds,pages --out out/perturb

then score each folder it names with `zhenggai eval --reports … --gold …`.
"""

from __future__ import annotations

import argparse
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from zhenggai.evals.sets import SET_NAMES, known_set

_FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789().,:;%"}
_BREAKS = re.compile(r"[ \t\u3000]*\n[ \t\u3000]*")
_TITLE_END = re.compile(r"(?:通报|报告|公告|情况)$")
WRAP_WIDTH = 38


def oneline(text: str) -> str:
    """Every line break a space: a page copied out of a viewer that keeps no paragraphs."""
    return _BREAKS.sub(" ", text.strip())


def indent(text: str) -> str:
    """Each paragraph opens with two full-width spaces, as many sites render them."""
    return "\n".join("\u3000\u3000" + line if line.strip() else line for line in text.split("\n"))


def blank(text: str) -> str:
    """A blank line between all paragraphs."""
    return re.sub(r"\n+", "\n\n", text)


def fullwidth(text: str) -> str:
    """Full-width digits and ASCII punctuation (１．关于（一）…：５％)."""
    return "".join(_FULL_WIDTH.get(ch, ch) for ch in text)


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def wrap(text: str, width: int = WRAP_WIDTH) -> str:
    """Hard-wrapped at a fixed width wherever it falls, as a PDF copy is."""
    out = []
    for line in text.split("\n"):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\n".join(out)


def furniture(text: str) -> str:
    """A site's breadcrumb and buttons over the title and a source line under it (no dates: the
    gold's publication date stays the report's own)."""
    head = "首页 > 信息公开 > 工作动态\n字号:[ 大 中 小 ]  打印本页  关闭窗口\n"
    first, _, rest = text.partition("\n")
    if _TITLE_END.search(first.strip()):
        return f"{head}{first}\n作者:办公室  来源:本站  点击数:1024\n{rest}"
    return head + text


RENDERINGS: dict[str, Callable[[str], str]] = {
    "oneline": oneline,
    "indent": indent,
    "blank": blank,
    "fullwidth": fullwidth,
    "crlf": crlf,
    "wrap": wrap,
    "furniture": furniture,
}


def render_sets(kind: str, sets: list[str], out: Path) -> tuple[Path, Path, int]:
    """Write every annotated report of `sets` rendered as `kind`, with its gold beside:
    (reports folder, gold folder, reports written)."""
    render = RENDERINGS[kind]
    reports, gold = out / kind / "reports", out / kind / "gold"
    for folder in (reports, gold):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    n = 0
    for name in sets:
        s = known_set(name)
        for stem in s.gold():
            src = next((p for p in sorted(s.reports_dir.glob(f"{stem}.*")) if p.suffix in (".txt", ".md")), None)
            if src is None:
                continue
            text = src.read_text(encoding="utf-8")
            (reports / src.name).write_bytes(render(text).encode("utf-8"))  # the gold names its source
            shutil.copy(s.gold_dir / f"{stem}.json", gold / f"{stem}.json")
            n += 1
    return reports, gold, n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kinds", default=",".join(RENDERINGS), help=f"comma list of {', '.join(RENDERINGS)}")
    ap.add_argument("--sets", default="seeds,pages", help=f"comma list of {', '.join(SET_NAMES)}")
    ap.add_argument("--out", type=Path, default=Path("out/perturb"))
    args = ap.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in RENDERINGS]
    if unknown:
        ap.error(f"unknown rendering {', '.join(unknown)}; expected {', '.join(RENDERINGS)}")
    for kind in kinds:
        reports, gold, n = render_sets(kind, [s for s in args.sets.split(",") if s], args.out)
        print(f"{kind}: {n} reports  zhenggai eval --reports {reports} --gold {gold} --out {args.out / kind / 'eval'}")


if __name__ == "__main__":
    main()
