"""The heading cap: past it the text stays as plain text of the section before, with one warning."""

from __future__ import annotations

import itertools

from zhenggai.chunks.chunker import chunk_outline
from zhenggai.ingest.document import load_text
from zhenggai.structure.outline import MAX_HEADINGS, parse_outline

REPORT = "关于某某局巡察整改进展情况的通报\n二、整改落实情况\n" + "".join(
    f"({k % 9 + 1})关于问题{k}\n整改措施已落实。\n" for k in range(40)
)


def test_under_the_cap_nothing_changes() -> None:
    text = load_text(REPORT).text
    capped = parse_outline(text, max_headings=41)
    assert capped == parse_outline(text)
    assert not any(w.code == "headings_capped" for w in capped.warnings)
    assert MAX_HEADINGS >= 2_000


def test_past_the_cap_text_is_kept_with_one_warning() -> None:
    text = load_text(REPORT).text
    outline = parse_outline(text, max_headings=11)
    sections = list(outline.walk())
    assert len(sections) == 11  # 二 and ten items
    [warning] = [w for w in outline.warnings if w.code == "headings_capped"]
    first_dropped = text.index("(2)关于问题10")
    assert (warning.span.start, text[warning.span.start : warning.span.end]) == (first_dropped, "(2)关于问题10")
    last = sections[-1]
    assert last.title == "关于问题9"
    # nothing is dropped: the last item and the top section run to the end of the text
    assert last.span.end == outline.sections[0].span.end == len(text.rstrip("\n"))
    chunks = chunk_outline(text, outline)
    assert "".join(c.text for c in chunks).rstrip("\n").endswith("(4)关于问题39\n整改措施已落实。")
    assert chunks[0].span.start == outline.sections[0].span.start
    assert all(a.span.end == b.span.start for a, b in itertools.pairwise(chunks))
