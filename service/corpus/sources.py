"""Finding summary records in output folders: `<report>.json` files and `summaries.jsonl` lines,
as `zhenggai summarize` (or `eval`) writes them; anything else is passed over, and a record that
does not validate is listed, never stops the build."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from zhenggai.schemas.record import SummaryRecord


@dataclass(frozen=True)
class RawRecord:
    """A record as found: its key, its content hash, where it came from; parsed only when needed."""

    report_id: str
    record_hash: str
    origin: str
    review_html: str | None
    data: dict[str, Any]

    def parse(self) -> SummaryRecord:
        return SummaryRecord.model_validate(self.data)


@dataclass(frozen=True)
class Skipped:
    origin: str
    reason: str


def canonical_hash(data: dict[str, Any]) -> str:
    """The same record hashes the same from a pretty `.json` file and from a `.jsonl` line."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def report_key(data: dict[str, Any]) -> str:
    """One report, one key: the sha256 of its normalised text (the same report from two folders
    is one report); a record without it is keyed by its source file and title."""
    meta = data.get("report") or {}
    sha = meta.get("content_sha256") or ""
    if sha:
        return sha[:32]
    basis = f"{meta.get('source_file', '')}\x00{meta.get('title', '')}"
    return "f" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:31]


def _looks_like_record(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("report"), dict) and "provenance" in data


def raw_record(data: dict[str, Any], origin: str, review_html: str | None = None) -> RawRecord:
    return RawRecord(report_key(data), canonical_hash(data), origin, review_html, data)


def _from_file(path: Path, skipped: list[Skipped]) -> RawRecord | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        skipped.append(Skipped(str(path), f"unreadable: {type(e).__name__}: {e}"))
        return None
    if not _looks_like_record(data):
        return None  # eval.json, SOURCES.json …: not a summary record
    html = path.with_suffix(".html")
    return raw_record(data, str(path), str(html.resolve()) if html.is_file() else None)


def _from_jsonl(path: Path, skipped: list[Skipped]) -> Iterator[RawRecord]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        skipped.append(Skipped(str(path), f"unreadable: {type(e).__name__}: {e}"))
        return
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as e:
            skipped.append(Skipped(f"{path}:{n}", f"not JSON: {e}"))
            continue
        if _looks_like_record(data):
            yield raw_record(data, f"{path}:{n}")
        else:
            skipped.append(Skipped(f"{path}:{n}", "not a summary record"))


def _hidden(path: Path, root: Path) -> bool:
    """A cache or other dot-folder inside an output folder holds no records."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def find_records(paths: Sequence[Path]) -> tuple[list[RawRecord], list[Skipped]]:
    """Every record under `paths` (folders recursively, or files), one per report key: a report's
    own `.json` (with its review page beside it) wins over its line in `summaries.jsonl`."""
    skipped: list[Skipped] = []
    found: dict[str, RawRecord] = {}
    lines: list[RawRecord] = []
    for root in paths:
        if not root.exists():
            skipped.append(Skipped(str(root), "no such file or folder"))
            continue
        files = [root] if root.is_file() else sorted(f for f in root.rglob("*") if f.is_file() and not _hidden(f, root))
        for f in files:
            if f.suffix == ".jsonl":
                lines.extend(_from_jsonl(f, skipped))
            elif f.suffix == ".json":
                rec = _from_file(f, skipped)
                if rec is not None:
                    found.setdefault(rec.report_id, rec)
    for rec in lines:
        found.setdefault(rec.report_id, rec)
    return list(found.values()), skipped


def validate(raw: RawRecord, skipped: list[Skipped]) -> SummaryRecord | None:
    try:
        return raw.parse()
    except ValidationError as e:
        skipped.append(
            Skipped(
                raw.origin, f"not a valid summary record: {e.error_count()} error(s), first: {e.errors()[0]['msg']}"
            )
        )
        return None
