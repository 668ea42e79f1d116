"""A figure's "what it counts" is a noun phrase of the source next to the number, or empty."""

from __future__ import annotations

import pytest
from _paths import SEED_FILES

from zhenggai.extract.figures import find_figures
from zhenggai.structure.reader import read_report


@pytest.mark.parametrize(
    ("text", "value", "counts"),
    [
        ("巡察反馈的41个问题中共30个问题已完成整改", "41", "问题"),
        ("共处置猴痘病例疫情5起", "5", "猴痘病例疫情"),
        ("修改完善制度24项", "24", "制度"),
        ("对全区38个单位开展督查", "38", "单位"),
        ("2023年第5次会议研究整改", "5", ""),  # never 年第
        ("对12人进行提醒谈话", "12", ""),  # never 对
        ("累计清退违规发放津补贴3.5万元", "3.5", "津补贴"),
    ],
)
def test_what_a_figure_counts(text: str, value: str, counts: str) -> None:
    figures = [f for f in find_figures(text, 0, len(text)) if f.value == value]
    assert figures and figures[0].counts == counts


@pytest.mark.skipif(not SEED_FILES, reason="needs ../shared/seeds")
def test_no_figure_of_the_seeds_counts_a_fragment() -> None:
    for path in SEED_FILES:
        doc, _ = read_report(path)
        for f in find_figures(doc.text, 0, len(doc.text)):
            c = f.counts
            assert c == "" or (len(c) >= 2 and c in doc.text and c[-1] not in "年月日第对为与向将等在至"), (path, c)
