"""The model reads what the patterns missed, by quoting the opening.

Asked only for the fields the patterns left empty, and only when the opening has words that
could say them (a team's `组`, a round's `轮`, two days for a period), so a report the patterns
read costs no call. The publisher is not asked: without a signature or title it is the unit
inspected, as the patterns have it. The model answers a quote per field; a quote that is not verbatim in the
opening is dropped with a warning, and dates are parsed from the quote here, never taken from
the model.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, create_model

from zhenggai.extract.meta.dates import FEEDBACK_WINDOW, date_tokens
from zhenggai.extract.meta.names import is_short_form
from zhenggai.extract.meta.reading import to_reading
from zhenggai.extract.meta.region import Region
from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import LLMError
from zhenggai.llm.prompts import Prompt
from zhenggai.llm.usage import CallUsage
from zhenggai.schemas.record import DateRange, Evidence, ReportMeta, Warning

OPENING_MAX = 700  # characters of the opening shown to the model: where metadata is told
QUOTE_MAX = 80
TOKENS_PER_FIELD = 40

_DAY_RE = re.compile(r"\d{1,2}\s?月\s?\d{1,2}\s?[日号]")
_CUES: dict[str, re.Pattern[str]] = {
    "inspected_unit": re.compile(r"(?:巡视|巡察)"),
    "inspection_team": re.compile(r"(?:巡视|巡察)[^,。;]{0,4}组"),
    "inspection_round": re.compile(r"第[一二三四五六七八九十]{1,4}轮"),
    "feedback_date": re.compile(r"反馈"),
}
_INSPECTION_RE = re.compile(r"巡视|巡察")
_TEAM_END_RE = re.compile(r"(?:巡视|巡察).{0,4}组$")
_NAME_BAD_RE = re.compile(r"[,。;:!?\n]")


def _empty(meta: ReportMeta, field: str) -> bool:
    return not getattr(meta, field)


def fields_to_ask(meta: ReportMeta, opening: str) -> list[str]:
    """The empty fields the opening has words for, in the order the prompt lists them (none when
    the opening does not speak of an inspection at all: an audit report, say)."""
    if not _INSPECTION_RE.search(opening):
        return []
    days = len(_DAY_RE.findall(opening))
    used = 2 * (meta.inspection_period is not None) + (meta.feedback_date is not None)
    ask = [f for f, cue in _CUES.items() if _empty(meta, f) and cue.search(opening)]
    if meta.inspection_period is None and days - used >= 2:
        ask.insert(ask.index("feedback_date") if "feedback_date" in ask else len(ask), "inspection_period")
    if "feedback_date" in ask and days - used < 1:
        ask.remove("feedback_date")
    return ask


def quotes_model(fields: list[str]) -> type[BaseModel]:
    """One quote (or "") per field asked: the schema makes a small model answer each."""
    return create_model(
        "MetaQuotes", __base__=BaseModel, **{f: (str, Field(default="", max_length=QUOTE_MAX)) for f in fields}
    )


def _locate(opening: Region, quote: str, field: str) -> int:
    """Where the quote stands in the opening (-1: it does not); a feedback date, before its cue."""
    positions = [m.start() for m in re.finditer(re.escape(quote), opening.source)]
    if field == "feedback_date":
        near = [p for p in positions if "反馈" in opening.text[p : p + len(quote) + FEEDBACK_WINDOW]]
        positions = near or positions
    return positions[0] if positions else -1


def _apply(field: str, quote: str, at: int, opening: Region, update: dict, evidence: dict) -> str | None:
    """Put one verbatim quote into the record; returns why it was refused, or None."""
    ev = opening.evidence(at, at + len(quote))
    if field == "inspected_unit":
        if _NAME_BAD_RE.search(quote) or is_short_form(quote) or not 2 <= len(quote) <= 40:
            return "not a unit's name"
        if _TEAM_END_RE.search(to_reading(quote)):
            return "a team, not the unit inspected"
        update[field] = quote
    elif field == "inspection_team":
        if not _TEAM_END_RE.search(to_reading(quote)):
            return "not a team's name"
        update[field] = quote
        if not update.get("inspection_kind"):
            update["inspection_kind"] = "巡视" if "巡视" in to_reading(quote) else "巡察"
            evidence["inspection_kind"] = ev
    elif field == "inspection_round":
        if "轮" not in to_reading(quote) or _NAME_BAD_RE.search(quote):
            return "not a round"
        update[field] = quote
    else:
        # dates: parsed here from the opening's own words, the year carried from before the quote
        tokens = [t for t in date_tokens(opening.text[: at + len(quote)]) if t.start >= at and t.date]
        if field == "inspection_period":
            if len(tokens) < 2:
                return "no start and end day"
            update[field] = DateRange(start=tokens[0].date, end=tokens[1].date, evidence=ev)
            return None  # the period carries its own evidence
        else:
            if not tokens:
                return "no day"
            update[field] = tokens[0].date
    evidence[field] = ev
    return None


async def read_missing(
    client: LLMClient, prompt: Prompt, meta: ReportMeta, opening: Region, *, model: str | None = None
) -> tuple[ReportMeta, CallUsage | None, list[Warning]]:
    """`meta` with the fields the model could quote from the opening; no call when none is asked."""
    shown = Region(opening.source[:OPENING_MAX], opening.base)
    fields = fields_to_ask(meta, shown.text)
    if not fields:
        return meta, None, []
    warnings: list[Warning] = []
    try:
        res = await client.structured(
            prompt,
            response_model=quotes_model(fields),
            variables={"opening": shown.source, "fields": fields},
            model=model,
            max_tokens=min(prompt.params.max_tokens or 240, 24 + TOKENS_PER_FIELD * len(fields)),
        )
    except LLMError as e:  # metadata from the model is a bonus: never lose the record for it
        warnings.append(Warning(code="meta_fallback_failed", message=f"{type(e).__name__}: {e}"[:300]))
        return meta, e.usage if isinstance(e.usage, CallUsage) else None, warnings
    update: dict = {"inspection_kind": meta.inspection_kind}
    evidence: dict[str, Evidence] = {}
    for field in fields:
        quote = (getattr(res.value, field, "") or "").strip()
        if not quote:
            continue
        at = _locate(shown, quote, field)
        why = "not in the opening" if at < 0 else _apply(field, quote, at, shown, update, evidence)
        if why:
            warnings.append(
                Warning(code="meta_quote_dropped", message=f"model's {field} {quote[:40]!r} dropped: {why}")
            )
    if not update["inspection_kind"]:
        update.pop("inspection_kind")
    if not meta.publisher and "inspected_unit" in update:
        # no signature and no title: the publisher is the unit as the opening names it (as the patterns do)
        update["publisher"], evidence["publisher"] = update["inspected_unit"], evidence["inspected_unit"]
    return meta.model_copy(update={**update, "evidence": {**meta.evidence, **evidence}}), res.usage, warnings
