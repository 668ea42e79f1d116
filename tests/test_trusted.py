"""The parsing stages build their models without re-validating them (`zhenggai.ingest.trusted`):
what they build must be exactly what validation would accept and give back."""

from __future__ import annotations

import pytest
from _paths import LAYOUTS_DIR, PAGES_DIR, SEED_FILES
from pydantic import TypeAdapter

from zhenggai.chunks.chunker import ChunkOptions, chunk_outline
from zhenggai.ingest.document import load_path
from zhenggai.ingest.trusted import from_fields, span, trusted
from zhenggai.schemas.document import Chunk, NumberingKind, Outline, Section
from zhenggai.structure.outline import parse_outline
from zhenggai.vocab.roles import SectionRole
from zhenggai.vocab.spans import Span

_SECTION = TypeAdapter(Section)
REPORTS = [*SEED_FILES, *sorted(PAGES_DIR.glob("*.txt"))[:12], *sorted(LAYOUTS_DIR.glob("*.txt"))]


def _fields(**over):
    return {
        "label": "(1)",
        "kind": NumberingKind.arabic_paren,
        "number": 1,
        "path": "二.(一).1.(1)",
        "level": 4,
        "title": "关于某某问题",
        "title_span": span(3, 9),
        "run_in": False,
        "span": span(0, 20),
        **over,
    }


def test_trusted_equals_validated_with_defaults_filled() -> None:
    built = trusted(Section, **_fields())
    checked = Section(**_fields())
    assert built == checked
    assert repr(built) == repr(checked)
    assert _SECTION.dump_json(built) == _SECTION.dump_json(checked)
    assert _SECTION.validate_python(_SECTION.dump_python(built)) == built
    assert all(hasattr(built, name) for name in Section.__pydantic_fields__)  # every slot set
    assert built.role == SectionRole.other and built.children == [] and built.enumerations == []
    other = trusted(Section, **_fields())
    assert other.children is not built.children  # a fresh list per object, as validation gives
    assert span(2, 5) == Span(start=2, end=5)


def test_value_objects_are_slotted() -> None:
    """Spans and sections are slotted (no per-object dict): a dense outline's memory was mostly
    their dicts. Validation still checks them."""
    for obj in (span(1, 2), trusted(Section, **_fields())):
        assert not hasattr(obj, "__dict__")
    with pytest.raises(ValueError, match="end 1 < start 3"):
        Span(start=3, end=1)
    with pytest.raises(ValueError):
        Outline.model_validate({"sections": [{**_SECTION.dump_python(trusted(Section, **_fields())), "colour": "red"}]})


def test_trusted_refuses_missing_and_unknown_fields() -> None:
    with pytest.raises(TypeError, match="missing required field 'kind'"):
        trusted(Section, label="1")
    with pytest.raises(TypeError, match="unknown fields"):
        trusted(Section, **_fields(), colour="red")


def test_from_fields_equals_validated() -> None:
    values = _fields(role=SectionRole.details, numbering_note="", enumerations=[], children=[])
    assert from_fields(Section, dict(values)) == Section(**values)


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_outline_and_chunks_survive_validation(path) -> None:
    """Dumped and validated again, the outline and chunks are the same objects: every value the
    stages built without validation is one the contracts accept."""
    doc = load_path(path)
    outline = parse_outline(doc.text)
    assert Outline.model_validate(outline.model_dump()) == outline
    for section in outline.walk():
        assert all(hasattr(section, name) for name in Section.__pydantic_fields__)
    for budget in (900, 120):
        chunks = chunk_outline(doc.text, outline, options=ChunkOptions(budget=budget))
        for chunk in chunks:
            assert Chunk.model_validate(chunk.model_dump()) == chunk
            assert doc.text[chunk.span.start : chunk.span.end] == chunk.text
