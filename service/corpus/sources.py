"""Finding summary records in output folders: `<report>.json` files and `summaries.jsonl` lines,
as `zhenggai summarize` (or `eval`) writes them. Anything else is passed over; a record that does
not validate is listed and never stops the build.

Each candidate is hashed as found (sha256 of its bytes), so a re-run passes over what it has
seen without parsing it; a candidate is parsed only when its hash is new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from zhenggai.schemas.record import SummaryRecord


@dataclass(frozen=True)
class Candidate:
    """A record as found, not yet parsed. `own_file`: a report's own `.json` (with its review page
    beside it), which wins over the report's line in `summaries.jsonl`."""

    record_hash: str
    origin: str
    text: bytes  # as read: hashed and parsed without decoding it first
    own_file: bool = False
    review_html: str | None = None

    def parse(self) -> SummaryRecord:
        return SummaryRecord.model_validate_json(self.text)


@dataclass(frozen=True)
class Skipped:
    origin: str
    reason: str


def candidate(text: bytes | str, origin: str, *, own_file: bool = False, review_html: str | None = None) -> Candidate:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Candidate(hashlib.sha256(data).hexdigest(), origin, data, own_file, review_html)


def report_key(record: SummaryRecord) -> str:
    """One report, one key: the sha256 of its normalised text (the same report from two folders
    is one report); a record without it is keyed by its source file and title."""
    meta = record.report
    if meta.content_sha256:
        return meta.content_sha256[:32]
    basis = f"{meta.source_file}\x00{meta.title}"
    return "f" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:31]


def _looks_like_record(text: bytes) -> bool:
    """Cheap: eval.json, SOURCES.json and the like are not records and are passed over quietly."""
    return text.lstrip()[:1] == b"{" and b'"provenance"' in text and b'"report"' in text


def _from_file(path: Path, skipped: list[Skipped]) -> Candidate | None:
    try:
        text = path.read_bytes()
    except OSError as e:
        skipped.append(Skipped(str(path), f"unreadable: {type(e).__name__}: {e}"))
        return None
    if not _looks_like_record(text):
        return None
    html = path.with_suffix(".html")
    return candidate(text, str(path), own_file=True, review_html=str(html.resolve()) if html.is_file() else None)


def _from_jsonl(path: Path, skipped: list[Skipped]) -> Iterator[Candidate]:
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as e:
        skipped.append(Skipped(str(path), f"unreadable: {type(e).__name__}: {e}"))
        return
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if _looks_like_record(line):
            yield candidate(line, f"{path}:{n}")
        else:
            skipped.append(Skipped(f"{path}:{n}", "not a summary record"))


def _hidden(path: Path, root: Path) -> bool:
    """A cache or other dot-folder inside an output folder holds no records."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def find_candidates(paths: Sequence[Path]) -> tuple[list[Candidate], list[Skipped]]:
    """Every candidate record under `paths` (folders recursively, or files): reports' own `.json`
    files first, then `.jsonl` lines, so a report's own file wins."""
    skipped: list[Skipped] = []
    files: list[Candidate] = []
    lines: list[Candidate] = []
    for root in paths:
        if not root.exists():
            skipped.append(Skipped(str(root), "no such file or folder"))
            continue
        found = [root] if root.is_file() else sorted(f for f in root.rglob("*") if f.is_file() and not _hidden(f, root))
        for f in found:
            if f.suffix == ".jsonl":
                lines.extend(_from_jsonl(f, skipped))
            elif f.suffix == ".json":
                c = _from_file(f, skipped)
                if c is not None:
                    files.append(c)
    return files + lines, skipped


def validate(c: Candidate, skipped: list[Skipped]) -> SummaryRecord | None:
    try:
        return c.parse()
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        skipped.append(
            Skipped(
                c.origin, f"not a valid summary record: {e.error_count()} error(s), first at {where}: {first['msg']}"
            )
        )
        return None
