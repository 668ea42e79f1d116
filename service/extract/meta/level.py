"""The inspected unit's level: what kind of body it is (`UnitLevel`), with the words that say so.

Read from the unit's name (the publisher's when the unit is not named). Kinds of institution
are told by their words wherever they stand (人民法院, 中学, 疾控中心, 公司); a name that is
only a division (烟台市芝罘区, 东营经济技术开发区) or a territorial committee (区委, 市委) takes
that division's level; any other name ending in a body's word (局, 厅, 部, 中心, 机关) is a
department. The patterns are alternations of literals, linear on any input.
"""

from __future__ import annotations

import re

from zhenggai.extract.meta.gazetteer import gazetteer
from zhenggai.extract.meta.reading import to_reading
from zhenggai.schemas.record import Evidence, ReportMeta, Span, UnitLevel

_KINDS: list[tuple[UnitLevel, re.Pattern[str]]] = [
    (UnitLevel.court, re.compile(r"人民法院|人民检察院|法院|检察院|中院|高院")),
    (UnitLevel.hospital, re.compile(r"医院|卫生院|疾病预防控制中心|疾控中心|妇幼保健|急救中心|血站")),
    (UnitLevel.school, re.compile(r"大学|学院|学校|中学|小学|幼儿园|党校")),
    (UnitLevel.enterprise, re.compile(r"有限公司|公司|集团|银行|信用社|信用合作联社")),
    (
        UnitLevel.department,
        re.compile(
            r"共青团|团[省市县区]委|总工会|工会|妇联|科协|文联|社科联|残联|侨联|工商联|政协|人大常委会|人大|供销合作社|供销社"
        ),
    ),
]
_PARTY_PREFIX = re.compile(r"^(?:中共|中国共产党)")
# the Party body of the unit, at the end of its name (longest first)
_PARTY_SUFFIX = re.compile(r"(?:工作委员会|委员会|党工委|党组织|党组|党委|党总支部|党总支|总支部|党支部|支部)$")
_COMMITTEE = re.compile(r"(?<=[省市县区州旗盟])委$")  # 芝罘区委 → 芝罘区
_TERRITORIAL = {"省": UnitLevel.province, "市": UnitLevel.city, "州": UnitLevel.city, "县": UnitLevel.county}
_TERRITORIAL.update({"区": UnitLevel.county, "旗": UnitLevel.county})
_TOWNSHIP = re.compile(r"(?:乡|镇|街道|街道办事处)$")
_VILLAGE = re.compile(r"(?:村|社区|居委会|村委会)$")
_BODY = re.compile(r"(?:局|厅|部|署|办|办公室|委|中心|机关|站|所|馆|处|会|院|队|分局)$")


def _span(ev: Evidence, start: int, end: int) -> Evidence:
    return Evidence(text=ev.text[start:end], span=Span(start=ev.span.start + start, end=ev.span.start + end))


def _core(name: str) -> tuple[int, int, bool]:
    """[start, end) of the unit's own name inside `name` (no 中共, no party body, no parentheses),
    and whether it was a territorial committee's name (芝罘区委, 青禾县委)."""
    start = m.end() if (m := _PARTY_PREFIX.match(name)) else 0
    end = len(name)
    for bracket in ("(", "（"):
        cut = name.find(bracket, start)
        if cut > start:
            end = min(end, cut)
    for k in range(2):  # 中共…中学支部委员会: the committee, then the branch
        m = _PARTY_SUFFIX.search(name, start, end)
        if m is None or m.start() <= start or (k and m.group(0) in ("委员会", "工作委员会")):
            break
        end = m.start()
    m = _COMMITTEE.search(name, start, end)
    committee = m is not None and m.start() > start
    if committee:
        end = m.start()
    return start, end, committee


def read_level(meta: ReportMeta) -> tuple[UnitLevel | None, Evidence | None]:
    ev = meta.evidence.get("inspected_unit") or meta.evidence.get("publisher")
    if ev is None or not ev.text:
        return None, None
    name = to_reading(ev.text)
    start, end, committee = _core(name)
    for level, pattern in _KINDS:
        if m := pattern.search(name, start, end):
            return level, _span(ev, m.start(), m.end())
    core = name[start:end]
    if not core:
        return None, None
    hits = gazetteer().scan(core)
    if hits and hits[-1].end == len(core) and sum(h.end - h.start for h in hits) == len(core):
        last = hits[-1]
        level = UnitLevel(last.divisions[0].level) if len({d.level for d in last.divisions}) == 1 else None
        if level is not None:
            return level, _span(ev, start + last.start, start + last.end)
    if committee and core[-1] in _TERRITORIAL:  # 区委, 市委, 青禾县委: a territorial committee
        return _TERRITORIAL[core[-1]], _span(ev, start, end + 1)
    for level, pattern in ((UnitLevel.township, _TOWNSHIP), (UnitLevel.village, _VILLAGE)):
        if m := pattern.search(core):
            return level, _span(ev, start + m.start(), start + m.end())
    if m := _BODY.search(core):
        return UnitLevel.department, _span(ev, start + m.start(), start + m.end())
    # a division the gazetteer lacks (青禾县) by its suffix; a zone it lacks (西咸新区) has no level of its own
    if core[-1] in _TERRITORIAL and len(core) >= 2 and not core.endswith(("新区", "开发区", "园区", "高新区")):
        return _TERRITORIAL[core[-1]], _span(ev, start, end)
    return UnitLevel.other, _span(ev, start, end)
