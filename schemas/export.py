"""Write the JSON Schema files checked into `schemas/` from the pydantic models.

Run `python -m zhenggai.schemas.export` after changing a model; a test fails when the files drift.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from zhenggai.schemas.document import Chunk, Outline
from zhenggai.schemas.record import SummaryRecord

EXPORTED: dict[str, type[BaseModel]] = {
    "summary_record.schema.json": SummaryRecord,
    "outline.schema.json": Outline,
    "chunk.schema.json": Chunk,
}
HERE = Path(__file__).resolve().parent


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export(directory: Path = HERE) -> list[Path]:
    written = []
    for name, model in EXPORTED.items():
        path = directory / name
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in export():
        print(p)
