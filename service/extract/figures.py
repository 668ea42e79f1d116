"""Figures found deterministically: a number with its unit, never typed by a model.

Dates, years, numbering and document-title numbers are not figures. Each figure's evidence is
its own slice of the source, so it is grounded by construction (and checked again later).
"""

from __future__ import annotations

import re

from zhenggai.schemas.record import Evidence, Figure, Span

_UNITS = (
    "个百分点|万人次|人次|万元|亿元|千元|元|万平方米|平方米|平方公里|公里|千米|米|万亩|亩|万户|户|万人|人|名|位|"
    "件|起|个|项|条|次|家|所|处|场|篇|期|批|份|轮|类|套|栋|间|台|辆|吨|万吨|座|张|本|册|部|支|队|组|家次|"
    "%|‰"
)
_FIGURE_RE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)(余|多)?\s*(万|亿)?(余|多)?\s*({_UNITS})(?![\d])")
_NOT_AFTER = re.compile(r"^(?:年|月|日|号|时|届|版|路)")
_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]{1,12}")
# Where a noun phrase next to a number ends: function words and the verbs that take the count.
_STOP_RE = re.compile(
    r"中|已|均|共|的|了|和|与|及|并|其|等|为|被|由|在|到|从|对|向|将|把|给予|开展|进行|完成|实现|参加|纳入|落实|建立"
    r"|制定|召开|组织|推动|处理|处置|查处|整改|追缴|清退|收回|发放|印发|出台|投资|占|达到|达|约|近|超过|累计|合计|总计|共计|计"
    r"|研究|完善|修订|修改|新增|新建|建成|开通|培训|走访|排查|发现|检查|督查|约谈|问责|通报|清理|下发|签订|引进|选拔|调整|提拔"
)
_MEASURE_WORDS = set("个项条件名位家次所处场篇期批份类套栋间台辆座张本册部支队组起户人")
_FRAGMENT_END = set("年月日号第对为与向将等在至达共计约近超余占是有了的和及由把被")


def _noun_after(text: str, end: int) -> str:
    """41个问题中 → 问题: the words right after a measure word, up to a function word or verb."""
    m = _CJK_RUN_RE.match(text, end)
    if not m:
        return ""
    run = m.group(0)
    stop = _STOP_RE.search(run)
    return run[: stop.start()] if stop else run[:8]


def _noun_before(text: str, start: int) -> str:
    """处置猴痘病例疫情5起 → 猴痘病例疫情: the words right before a number, after its verb."""
    lo = max(start - 12, 0)
    window = text[lo:start]
    runs = list(_CJK_RUN_RE.finditer(window))
    if not runs or runs[-1].end() != len(window):
        return ""
    run = runs[-1].group(0)
    stops = list(_STOP_RE.finditer(run))
    if stops:
        return run[stops[-1].end() :]
    return "" if runs[-1].start() == 0 and lo > 0 else run  # cut by the window: maybe mid-word


def _counts(text: str, start: int, end: int, unit: str) -> str:
    """What a figure counts: a noun phrase of the source next to it, or empty, never a fragment."""
    if start and text[start - 1] == "第":
        return ""  # an ordinal (第5次) counts nothing
    phrase = _noun_after(text, end) if unit and unit[-1] in _MEASURE_WORDS else ""
    if len(phrase) < 2:
        phrase = _noun_before(text, start)
    if len(phrase) < 2 or phrase[-1] in _FRAGMENT_END or phrase[0] in _FRAGMENT_END | _MEASURE_WORDS:
        return ""
    return phrase


def find_figures(text: str, start: int, end: int) -> list[Figure]:
    out: list[Figure] = []
    for m in _FIGURE_RE.finditer(text, start, end):
        if _NOT_AFTER.match(text[m.end() : m.end() + 1]):
            continue
        value, scale, unit = m.group(1), m.group(3) or "", m.group(5)
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None and scale:
            number *= 10_000 if scale == "万" else 100_000_000
        out.append(
            Figure(
                value=value,
                number=number,
                unit=f"{scale}{unit}",
                counts=_counts(text, m.start(), m.end(), unit),
                evidence=Evidence(text=m.group(0), span=Span(start=m.start(), end=m.end())),
            )
        )
    return out
