"""The JSON Schema files in schemas/ are what the pydantic models say, and the contract holds."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from zhenggai.schemas.export import EXPORTED, HERE, render
from zhenggai.schemas.record import Evidence, Problem, Provenance, ReportMeta, Span, Status, SummaryRecord


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_checked_in_json_schema_matches_the_model(name):
    on_disk = (HERE / name).read_text(encoding="utf-8")
    assert on_disk == render(EXPORTED[name]), f"schemas/{name} drifted: run `python -m zhenggai.schemas.export`"


def test_record_round_trips_and_rejects_unknown_fields():
    ev = Evidence(text="已完成整改", span=Span(start=10, end=15))
    record = SummaryRecord(
        report=ReportMeta(title="t"),
        problems=[Problem(path="二.(一).1", title="问题", evidence=ev, status=Status.completed, status_evidence=ev)],
        provenance=Provenance(tool_version="test"),
    )
    again = SummaryRecord.model_validate_json(record.model_dump_json())
    assert again == record
    with pytest.raises(ValidationError):
        SummaryRecord.model_validate({**record.model_dump(), "surprise": 1})
    with pytest.raises(ValidationError):
        Span(start=5, end=2)
    with pytest.raises(ValidationError):
        Problem.model_validate({**record.problems[0].model_dump(), "status": "done"})
