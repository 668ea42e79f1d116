"""Render records for people and machines: JSON, JSONL, CSV (opens cleanly in Excel), Markdown.

The HTML review page, which also needs the source text, is `zhenggai.outputs.review`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from zhenggai.extract.tally import tally, walk
from zhenggai.schemas.record import SummaryRecord
from zhenggai.vocab.statuses import STATUS_ZH

CSV_COLUMNS = [
    "report",
    "path",
    "area",
    "problem",
    "status",
    "measures",
    "key_figures",
    "status_evidence",
    "start",
    "end",
]


def record_json(record: SummaryRecord) -> str:
    return record.model_dump_json(indent=2) + "\n"


def record_jsonl(record: SummaryRecord) -> str:
    return record.model_dump_json() + "\n"


def csv_rows(record: SummaryRecord) -> Iterator[list[str]]:
    name = Path(record.report.source_file).name or record.report.title
    for p in walk(record.problems):
        figures = [f for f in p.figures] + [f for m in p.measures for f in m.figures]
        key = "；".join(f"{f.counts}{f.evidence.text}" for f in figures[:5])
        yield [
            name,
            p.path,
            p.area,
            p.title,
            p.status.value,
            str(len(p.measures)),
            key,
            p.status_evidence.text if p.status_evidence else "",
            str(p.evidence.span.start),
            str(p.evidence.span.end),
        ]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a leading
    apostrophe (OWASP's CSV-injection advice), so =HYPERLINK(…) from a report is never run."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def records_csv(records: Iterable[SummaryRecord]) -> str:
    """UTF-8 with BOM and CRLF rows, as Excel expects; one row per problem."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerows([csv_cell(c) for c in row] for row in csv_rows(r))
    return "\ufeff" + buf.getvalue()


_MD_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "\n": " ", "\r": " "})


def _md_escape(text: str) -> str:
    """Text from a report inside Markdown: no HTML (<script>, <img onerror>), no table breaks,
    no new lines (a name with a newline must not add Markdown lines)."""
    return text.translate(_MD_SPECIAL)


def record_markdown(record: SummaryRecord) -> str:
    r = record.report
    flat = list(walk(record.problems))
    counted = tally(record)  # the report counts its leaf problems
    out = [f"# {_md_escape(r.title or Path(r.source_file).name)}", ""]
    facts = [
        ("发布单位", r.publisher),
        ("被巡视（巡察）单位", r.inspected_unit),
        ("巡视（巡察）组", r.inspection_team),
        ("轮次", r.inspection_round),
        (
            "巡视（巡察）时间",
            f"{r.inspection_period.start or ''} — {r.inspection_period.end or ''}" if r.inspection_period else "",
        ),
        ("反馈日期", str(r.feedback_date or "")),
        ("发布日期", str(r.publication_date or r.signature_date or "")),
    ]
    out += [f"- **{k}**：{_md_escape(v)}" for k, v in facts if v]
    out += ["", "## 摘要", "", _md_escape(record.abstract) or "（无）", ""]
    out += [
        "## 问题与整改",
        "",
        f"共 {counted.problems} 个问题"
        + (f"（另有 {len(flat) - counted.problems} 个上级问题标题）" if len(flat) > counted.problems else "")
        + "；"
        + "，".join(f"{STATUS_ZH[s]} {n}" for s, n in sorted(counted.by_status.items(), key=lambda kv: -kv[1]))
        + "。"
        + ("原文不完整，只记录到截断处。" if r.truncated else ""),
        "",
        "| 编号 | 问题 | 状态 | 措施数 | 依据 |",
        "|---|---|---|---|---|",
    ]
    for p in flat:
        ev = p.status_evidence.text[:40] if p.status_evidence else ""
        cells = [_md_escape(p.path), _md_escape(p.title[:60]), STATUS_ZH[p.status], str(len(p.measures))]
        cells.append(_md_escape(ev))
        out.append("| " + " | ".join(cells) + " |")
    if record.overview.declared_totals:
        out += ["", "## 报告自述的总数", ""]
        out += [f"- {_md_escape(t.evidence.text)}" for t in record.overview.declared_totals]
        out += [
            f"- ⚠ 自述“{_md_escape(c.quote)}”与逐项记录不符：记录中为 {c.found} 个"
            for c in record.overview.checks
            if not c.agrees
        ]
    if record.leads_petitions.text:
        out += ["", "## 移交问题线索和信访件", "", _md_escape(record.leads_petitions.text)]
    if record.next_steps:
        out += ["", "## 下一步打算", ""] + [f"- {_md_escape(n.text)}" for n in record.next_steps]
    pv = record.provenance
    out += [
        "",
        "---",
        f"模型 {pv.model}；提示词 {', '.join(f'{k}@{v}' for k, v in pv.prompt_versions.items())}；"
        f"调用 {pv.usage.calls} 次（缓存命中 {pv.usage.cache_hits}）；读入 {pv.usage.prompt_tokens} / 输出 "
        f"{pv.usage.completion_tokens} tokens；用时 {pv.wall_seconds:.1f} 秒；警告 {len(pv.warnings)} 条。",
        "",
    ]
    return "\n".join(out)


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write via a temporary file and rename, so an interrupted run never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding=encoding, newline="")
    tmp.replace(path)
