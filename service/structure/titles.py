"""Where a heading's title ends: at the end of its line, or at the first full stop for run-in headings."""

from __future__ import annotations

_STOPS = set("。;!?:\t")  # a tab: the end of a table cell (ingest/linebreaks.py)
_OPEN = {"“": "”", "‘": "’", "《": "》", "(": ")", "「": "」", "『": "』", '"': '"'}
MAX_TITLE = 160
# A title that so far is only the name of a problem field (1.问题:落实…不够精准;措施:…): the colon
# opens the problem's words, it does not end them.
_FIELD_NAMES = frozenset(("问题", "问题描述", "问题表现", "存在问题", "存在的问题", "反馈问题", "具体问题"))


def _cjk_stop(line: str, k: int) -> bool:
    """An ASCII full stop after a Chinese character or a closing quote (`…问题.一是…`)."""
    before = line[k - 1]
    return "\u4e00" <= before <= "\u9fff" or before in '”")'


def title_end(line: str, start: int) -> tuple[int, bool]:
    """End of the title in `line` (from `start`) and whether the heading runs into the paragraph.

    Stops inside quotes (“…”, 《…》) do not end a title: a problem is often quoted whole.
    """
    stack: list[str] = []
    for k in range(start, len(line)):
        ch = line[k]
        if stack and ch == stack[-1]:
            stack.pop()
            continue
        if ch in _OPEN and not (ch == '"' and stack and stack[-1] == '"'):
            stack.append(_OPEN[ch])
            continue
        if ch == ":" and line[start:k].strip() in _FIELD_NAMES:
            continue
        if (ch in _STOPS or (ch == "." and k > start and _cjk_stop(line, k))) and not stack:
            rest = line[k + 1 :].strip()
            if not rest:
                return k, False
            return k, True
        if k - start >= MAX_TITLE and not stack:
            # No full stop in sight: fall back to the first comma, or cut.
            comma = line.find(",", start, k)
            return (comma if comma > start else k), True
    return len(line), False
