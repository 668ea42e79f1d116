"""The inspection itself: the team, the round, the kind (巡视/巡察) and its forms.

Teams are named at every level (`中央第四巡视组`, `省委第十五巡视组`, `市委巡视六组`, `县委巡察三组`,
`区委巡察组`, `市委第一专项巡察组`, `市委第七提级交叉巡察组`, `市委深化…优化营商环境专项巡察组`); a
term or round before the team is not part of it (`十三届市委第二巡察组` → `市委第二巡察组`,
`七届市委第十二轮巡察一组` → `巡察一组`). Rounds read `十九届中央第四轮`, `十四届第五轮`,
`十二届省委第八轮`, `2024年第一轮`. A team named with its place (`凤冈县委第二巡察组`, as a cross
inspection names the county the team comes from) keeps it, when the gazetteer knows the place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhenggai.extract.meta.gazetteer import gazetteer
from zhenggai.extract.meta.region import Region
from zhenggai.schemas.record import INSPECTION_FORMS, Evidence

_N = "[一二三四五六七八九十]{1,4}"
_PLACE_MAX = 4  # characters of a place name before its level word (乌兰察布市委, 凤冈县委, 十四届延吉市委)
# an enterprise or a ministry inspects its own units too: 集团党组第二巡视组, 部党组巡视组, 公司党委第一巡察组
_LEVEL = (
    "(?:中央|自治区党委|[省市区县州盟旗]委|(?:集团公司|集团|总公司|公司|[部署局行])?党组|(?:集团公司|集团|公司)党委)"
)
_FORM_WORDS = "(?:专项|提级|交叉|联动|机动)"
_TEAM_RE = re.compile(
    # level first: 省委第三巡视组, 市委巡视六组, 区委巡察组, 市委第一专项巡察组, 市委深化…专项巡察组
    rf"{_LEVEL}(?:第{_N})?(?:[^,。;:!?\n组委第巡]{{1,30}}?(?={_FORM_WORDS}))?{_FORM_WORDS}{{0,3}}(?:巡视|巡察)(?:{_N})?组"
    # no level (after a round): 第六巡视组, 巡察一组
    rf"|第{_N}{_FORM_WORDS}{{0,3}}(?:巡视|巡察)组|(?:巡视|巡察){_N}组"
)
_NUMBERED_RE = re.compile(rf"第{_N}|(?:巡视|巡察){_N}组")
_ROUND_RE = re.compile(
    rf"{_N}届{_LEVEL}?第{_N}轮|{_N}届[\u4e00-\u9fff]{{1,{_PLACE_MAX}}}?{_LEVEL}第{_N}轮|{_LEVEL}第{_N}轮(?=巡视|巡察)|(?<!\d)\d{{4}}年度?(?:{_LEVEL})?第{_N}轮"
)
_KIND_RE = re.compile(r"巡视|巡察")
# a form said of an inspection: 常规巡视, 专项巡察, 提级交叉巡察, 巡视“回头看”
_FORM_RE = re.compile(
    r"((?:常规|专项|机动|提级|交叉|联动){1,3})(?=巡视|巡察)|(?<=巡视|巡察)[“\"']?(回头看)"
    r"|(?<=巡视|巡察)[^,。;:\n]{0,8}?(联动)"  # 采取市区巡察上下联动方式
)


@dataclass(frozen=True)
class Read:
    value: str
    evidence: Evidence


def read_team(regions: list[Region]) -> Read | None:
    """The team as first named: the first numbered one, else the first with a level (`市委巡察组`)."""
    found: list[Read] = []
    for r in regions:
        for m in _TEAM_RE.finditer(r.text):
            start = _with_place(r.text, m.start())
            found.append(Read(r.words(start, m.end()), r.evidence(start, m.end())))
    numbered = [f for f in found if _NUMBERED_RE.search(f.value)]
    return (numbered or found or [None])[0]


def _with_place(text: str, start: int) -> int:
    """Where the team's name starts when a known place stands before its level word (`凤冈县委…`)."""
    if start == 0 or text[start] not in "省市区县州盟旗":
        return start
    names = gazetteer()
    for k in range(min(_PLACE_MAX, start), 0, -1):
        if names.lookup(text[start - k : start + 1]):
            return start - k
    return start


def read_round(regions: list[Region]) -> Read | None:
    for r in regions:
        m = _ROUND_RE.search(r.text)
        if m:
            return Read(r.words(m.start(), m.end()), r.evidence(m.start(), m.end()))
    return None


def read_kind(team: Read | None, regions: list[Region]) -> Read | None:
    """巡视 or 巡察 (simplified, whatever the script): the team's word, else the first the title or opening says."""
    if team:
        regions = [Region(team.evidence.text, team.evidence.span.start), *regions]
    for r in regions:
        m = _KIND_RE.search(r.text)
        if m:
            return Read(m.group(0), r.evidence(m.start(), m.end()))
    return None


def read_forms(regions: list[Region]) -> dict[str, Evidence]:
    """Each form named of the inspection (first mention), in INSPECTION_FORMS order."""
    found: dict[str, Evidence] = {}
    for r in regions:
        for m in _FORM_RE.finditer(r.text):
            if m.group(2):
                found.setdefault("回头看", r.evidence(m.start(), m.end()))
                continue
            if m.group(3):
                found.setdefault("联动", r.evidence(m.start(3), m.end(3)))
                continue
            words = m.group(1)
            for form in INSPECTION_FORMS:
                if form in words:
                    found.setdefault(form, r.evidence(m.start(), m.end()))
    return {f: found[f] for f in INSPECTION_FORMS if f in found}
