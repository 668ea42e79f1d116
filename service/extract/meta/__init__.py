"""Metadata of a report, each field with the words it was read from (`ReportMeta.evidence`).

- `region`: where it is read (title, opening, the start of the body); `reading`: a one-to-one
  view with traditional characters simplified for the patterns;
- `names`: title, publisher, inspected unit (short forms resolved); `inspection`: team, round,
  kind, forms; `dates`: period and feedback date; `stamps`: publication and signature dates;
- `reader`: the patterns' reading; `fallback`: the model's quotes for what they left empty;
- `gazetteer`, `place`, `level`: the unit's province, city, county (a vendored gazetteer) and
  its level (province … village, department, court, school, hospital, enterprise, other).
"""

from zhenggai.extract.meta.reader import opening_region, place_and_level, read_meta, report_meta

__all__ = ["opening_region", "place_and_level", "read_meta", "report_meta"]
