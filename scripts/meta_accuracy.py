"""Per-field metadata accuracy of the pattern reader against the gold (seeds and pages).

    python scripts/meta_accuracy.py [--misses]

Reads each gold file's report, runs `report_meta` (no model), and scores it with the eval's own
`score_meta`, so the figures are the ones `zhenggai eval` reports for metadata.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

from zhenggai.evals.gold_schema import GoldReport
from zhenggai.evals.scorer import score_meta
from zhenggai.evals.sets import SET_NAMES, known_set
from zhenggai.extract.meta import report_meta
from zhenggai.ingest.document import load_path
from zhenggai.schemas.record import Provenance, SummaryRecord
from zhenggai.structure.outline import parse_outline


def main(show_misses: bool) -> None:
    for name in SET_NAMES:
        gold_dir, text_dir = known_set(name).gold_dir, known_set(name).reports_dir
        hits: dict[str, list[bool]] = defaultdict(list)
        for gold_file in sorted(gold_dir.glob("*.json")):
            gold = GoldReport.model_validate(json.loads(gold_file.read_text(encoding="utf-8")))
            source = text_dir / gold.source
            if not source.exists():
                continue
            doc = load_path(source)
            meta = report_meta(doc, parse_outline(doc.text))
            record = SummaryRecord(report=meta, provenance=Provenance(tool_version="-"))
            pred = record.report
            for field, ok in score_meta(record, gold.meta).items():
                hits[field].append(ok)
                if not ok and show_misses:
                    got = getattr(pred, field, None)
                    if field.startswith("inspection_") and field[11:] in ("start", "end"):
                        p = pred.inspection_period
                        got = getattr(p, field[11:]) if p else None
                    print(f"  {name}/{gold.source[:24]:24} {field}: want {getattr(gold.meta, field)!r} got {got!r}")
        if not hits:
            continue
        n = max(len(v) for v in hits.values())
        print(f"{name} ({n} reports)")
        for field, v in hits.items():
            print(f"  {field:18} {sum(v) / len(v):.3f}  ({sum(v)}/{len(v)})")


if __name__ == "__main__":
    main("--misses" in sys.argv)
