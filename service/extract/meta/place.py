"""Where the inspected unit is: province, city and county from the gazetteer, each with the words.

Read from the unit's name, then the publisher's, then the title (the words the report uses for
itself), never from the body, where other places are named. The first division named at each
level wins; a county name several divisions share is taken only when a province or city read
beside it says which; levels above what was named are filled from the gazetteer (`inferred`).
"""

from __future__ import annotations

from zhenggai.extract.meta.gazetteer import GAZETTEER, Division, gazetteer
from zhenggai.extract.meta.reading import to_reading
from zhenggai.schemas.record import Evidence, Place, PlaceName, ReportMeta, Span

SOURCES = ("inspected_unit", "publisher", "title")


def _words(ev: Evidence, start: int, end: int) -> Evidence:
    return Evidence(text=ev.text[start:end], span=Span(start=ev.span.start + start, end=ev.span.start + end))


def _hits(meta: ReportMeta) -> list[tuple[tuple[Division, ...], Evidence]]:
    out = []
    for key in SOURCES:
        ev = meta.evidence.get(key)
        if ev is None:
            continue
        for h in gazetteer().scan(to_reading(ev.text)):
            out.append((h.divisions, _words(ev, h.start, h.end)))
    return out


def _consistent(d: Division, chosen: list[Division]) -> bool:
    return all(d.within(c) or c.within(d) for c in chosen)


def read_place(meta: ReportMeta) -> Place:
    hits = _hits(meta)
    chosen: dict[str, tuple[Division, Evidence]] = {}
    for level in ("province", "city", "county"):
        for divisions, ev in hits:
            fits = [d for d in divisions if d.level == level and _consistent(d, [c for c, _ in chosen.values()])]
            if len(fits) == 1 or (fits and len({d.code for d in fits}) == 1):
                chosen[level] = (fits[0], ev)
                break
    place = Place(gazetteer=GAZETTEER)
    if not chosen:
        return place
    lowest = next(chosen[lv] for lv in ("county", "city", "province") if lv in chosen)
    names: dict[str, PlaceName] = {
        lv: PlaceName(name=d.name, code=d.code, evidence=ev) for lv, (d, ev) in chosen.items()
    }
    d: Division | None = lowest[0].parent
    while d is not None:  # fill the levels above from the gazetteer
        if d.level not in names:
            names[d.level] = PlaceName(name=d.name, code=d.code, evidence=lowest[1], inferred=True)
        d = d.parent
    prov = names.get("province")
    if prov is not None and "city" not in names and "county" in names and chosen.get("county"):
        county = chosen["county"][0]
        if county.parent is not None and county.parent.level == "province" and prov.code in _MUNICIPALITIES:
            # a municipality's district: the city is the municipality itself
            names["city"] = PlaceName(name=prov.name, code=prov.code, evidence=prov.evidence, inferred=True)
    return place.model_copy(update=names)


_MUNICIPALITIES = {"11", "12", "31", "50"}  # 北京 天津 上海 重庆
