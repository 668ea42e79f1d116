"""The inspected unit's place (province, city, county from the vendored gazetteer) and level, on
every annotated real report and on fictional names for the cases the real ones lack."""

from __future__ import annotations

import json

import pytest
from _paths import PAGES_DIR, REPO, SEEDS_DIR

from zhenggai.evals.gold_schema import GoldReport
from zhenggai.evals.scorer import score_place
from zhenggai.extract.meta import place_and_level, report_meta
from zhenggai.extract.meta.gazetteer import gazetteer
from zhenggai.ingest.document import load_path
from zhenggai.schemas.record import Evidence, ReportMeta, Span, SummaryRecord, UnitLevel
from zhenggai.structure.outline import parse_outline

GOLD = REPO / "evals" / "gold"
ANNOTATED = [(g, SEEDS_DIR) for g in sorted(GOLD.glob("*.json"))] + [
    (g, PAGES_DIR) for g in sorted((GOLD / "pages").glob("*.json"))
]


def _meta(path) -> ReportMeta:
    doc = load_path(path).for_reading()
    return place_and_level(report_meta(doc, parse_outline(doc.text)))


@pytest.mark.skipif(not SEEDS_DIR.is_dir() or not PAGES_DIR.is_dir(), reason="needs ../shared")
def test_place_and_level_are_right_for_every_annotated_report() -> None:
    wrong = []
    for gold_file, folder in ANNOTATED:
        gold = GoldReport.model_validate(json.loads(gold_file.read_text(encoding="utf-8")))
        assert gold.place is not None, gold_file.name
        doc = load_path(folder / gold.source)
        meta = _meta(folder / gold.source)
        record = SummaryRecord.model_validate({"report": meta.model_dump(), "provenance": {"tool_version": "t"}})
        if not all(score_place(record, gold.place).values()):
            wrong.append((gold.source, meta.place, meta.level))
        for name in (meta.place.province, meta.place.city, meta.place.county):
            if name is not None:  # each division keeps the words it was read from, at their offsets
                span = name.evidence.span
                assert doc.text[span.start : span.end] == name.evidence.text
        if meta.level is not None:
            ev = meta.evidence["level"]
            assert doc.text[ev.span.start : ev.span.end] == ev.text
    assert not wrong, wrong


def _named(unit: str, publisher: str = "", title: str = "") -> ReportMeta:
    evidence, text = {}, ""
    for key, words in (("inspected_unit", unit), ("publisher", publisher), ("title", title)):
        if words:
            evidence[key] = Evidence(text=words, span=Span(start=len(text), end=len(text) + len(words)))
            text += words + "\n"
    return place_and_level(ReportMeta(inspected_unit=unit, publisher=publisher, evidence=evidence))


def test_a_county_name_several_divisions_share_needs_its_city() -> None:
    assert len(gazetteer().names["鼓楼区"]) > 1
    alone = _named("鼓楼区")
    assert alone.place.county is None  # which 鼓楼区? the text does not say
    assert alone.level == UnitLevel.county  # a district, wherever it is
    told = _named("鼓楼区", publisher="中共福州市鼓楼区委")
    assert told.place.county.name == "鼓楼区" and told.place.county.code.startswith("3501")
    assert told.place.city.name == "福州市" and not told.place.city.inferred
    assert told.place.province.name == "福建省" and told.place.province.inferred
    assert told.place.province.evidence.text == "鼓楼区"  # inferred from the words of the county


def test_levels_of_fictional_units() -> None:
    cases = {
        "中共青禾县委": UnitLevel.county,  # a fictional county: no division, the committee says it
        "青禾县": UnitLevel.county,  # … or its suffix
        "市委": UnitLevel.city,
        "中共某某镇委员会": UnitLevel.township,
        "中共某某街道工作委员会": UnitLevel.township,
        "某某村党支部": UnitLevel.village,
        "某某市人民医院党委": UnitLevel.hospital,
        "某某职业技术学院党委": UnitLevel.school,
        "某某投资集团有限公司党委": UnitLevel.enterprise,
        "某某县人民法院党组": UnitLevel.court,
        "县妇联党组": UnitLevel.department,
        "市发展和改革委员会党组": UnitLevel.department,
        "中共湖南省委": UnitLevel.province,
        "中共重庆市渝中区委": UnitLevel.county,
    }
    got = {unit: _named(unit).level for unit in cases}
    assert got == cases


def test_a_municipality_is_its_own_city_and_short_forms_are_read() -> None:
    m = _named("渝中区", publisher="中共重庆市渝中区委")
    assert (m.place.province.name, m.place.city.name, m.place.county.name) == ("重庆市", "重庆市", "渝中区")
    short = _named("某某局", title="山东烟台某某局关于巡察整改进展情况的通报")
    assert (short.place.province.name, short.place.city.name) == ("山东省", "烟台市")
    assert short.place.city.evidence.text == "烟台" and short.place.county is None


def test_traditional_characters_are_read_and_quoted_as_written() -> None:
    m = _named("嵐山區", publisher="中共日照市嵐山區委")
    assert m.place.county.name == "岚山区" and m.place.county.evidence.text == "嵐山區"
    assert m.level == UnitLevel.county


def test_the_scan_is_linear_on_long_input() -> None:
    hits = gazetteer().scan("烟台市芝罘区" * 20000 + "无" * 100000)
    assert len(hits) == 40000


def test_a_general_branch_committee_written_out_is_the_party_body_not_the_name() -> None:
    """中共…中心总支部委员会: 委员会 and then 总支部 are the Party body; the unit is the 中心."""
    from zhenggai.extract.meta.level import _core

    name = "中共青禾县河湖保护服务中心总支部委员会"
    start, end, _ = _core(name)
    assert name[start:end] == "青禾县河湖保护服务中心"


def test_a_supply_and_marketing_cooperative_is_a_department() -> None:
    """供销合作社 is a county's department (its 党组 answers to the county), not a company."""
    assert _named("青禾县供销合作社", publisher="中共青禾县供销合作社党组").level == UnitLevel.department
    assert _named("青禾县农村信用合作联社", publisher="中共青禾县农村信用合作联社委员会").level == UnitLevel.enterprise
