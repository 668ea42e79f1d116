"""A rule-following fake model for the pipeline: answers the judging, abstract, metadata and categorize prompts
the way a careful reader would, by rules a test can predict (served by tests/fake_llm.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from fake_llm import Step

_UNIT_RE = re.compile(r"^U(\d+) \[([^\]]+)\] (.*)$", re.M)
_SENT_RE = re.compile(r"^  S(\d+): (.*)$", re.M)


def _units(prompt: str) -> list[tuple[int, str, str, list[tuple[int, str]]]]:
    out = []
    matches = list(_UNIT_RE.finditer(prompt))
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(prompt)
        block = prompt[m.end() : end]
        out.append(
            (int(m.group(1)), m.group(2), m.group(3), [(int(s.group(1)), s.group(2)) for s in _SENT_RE.finditer(block)])
        )
    return out


def judge_answer(prompt: str) -> dict[str, Any]:
    """completed when a cited sentence says 已完成, in_progress for 持续推进/正在, else not_stated."""
    answer = {}
    for n, _path, _heading, sentences in _units(prompt):
        status, evidence = "not_stated", 0
        for sid, text in sentences:
            if "已完成整改" in text or "已全部完成" in text:
                status, evidence = "completed", sid
            elif ("持续推进" in text or "正在" in text) and status == "not_stated":
                status, evidence = "in_progress", sid
        answer[f"U{n}"] = {"kind": "problem", "status": status, "evidence": evidence}
    return answer


_OPENING_RE = re.compile(r"<<<\n(.*?)\n>>>", re.S)
_FIELD_RE = re.compile(r"^- (\w+)：", re.M)
# how a quick reader finds each field in an opening: the first words shaped like it
_META_RULES = {
    "inspected_unit": re.compile(r"(?:对|进驻|巡察了|巡视了)([^,。;]{2,30}?)(?:开展|进行|。|,)"),
    "inspection_team": re.compile(r"([^,。;]{0,8}?(?:巡视|巡察)[^,。;]{0,4}?组)"),
    "inspection_round": re.compile(r"([一二三四五六七八九十]+届[^,。;]{0,4}?第[一二三四五六七八九十]+轮)"),
    "inspection_period": re.compile(r"(\d{4}年\d{1,2}月\d{1,2}日[至到-]\d{1,2}月\d{1,2}日)"),
    "feedback_date": re.compile(r"(\d{1,2}月\d{1,2}日)[^。]{0,40}反馈"),
}


def meta_answer(prompt: str) -> dict[str, str]:
    """For each field asked, the first words of the opening shaped like it, else ""."""
    m = _OPENING_RE.search(prompt)
    opening = m.group(1) if m else ""
    answer = {}
    for field in _FIELD_RE.findall(prompt):
        found = _META_RULES[field].search(opening) if field in _META_RULES else None
        answer[field] = found.group(1) if found else ""
    return answer


_PROBLEM_RE = re.compile(r"^P(\d+) 问题：(.*)$", re.M)
_CANDIDATES_RE = re.compile(r"^P(\d+) 候选：(.*)$", re.M)
# how a quick reader sorts a problem: the first of these words in its line, when that category is
# among its candidates; else the first candidate
CATEGORY_RULES = [
    ("营商环境", "business_environment"),
    ("形式主义", "formalism"),
    ("八项规定", "eight_rules"),
    ("污染", "environment"),
    ("干部", "cadres"),
    ("学习", "political_study"),
]


def fake_category(title: str, candidates: list[str]) -> str:
    ruled = next((c for word, c in CATEGORY_RULES if word in title), None)
    return ruled if ruled in candidates else candidates[0]


def categorize_answer(prompt: str) -> dict[str, dict[str, str]]:
    """Per problem P<n>: `fake_category` of its line and candidates; secondary none."""
    shown = {n: re.findall(r"([a-z_]+)（", line) for n, line in _CANDIDATES_RE.findall(prompt)}
    return {
        f"P{n}": {"primary": fake_category(title, shown[n]), "secondary": "none"}
        for n, title in _PROBLEM_RE.findall(prompt)
    }


def responder(body: dict[str, Any]) -> Step:
    messages = body.get("messages", [])
    prompt = "\n".join(m.get("content", "") for m in messages)
    # judge only the first user message: a system prompt's worked example is not the report
    user = next((m.get("content", "") for m in messages if m.get("role") == "user"), prompt)
    if "分类助手" in prompt:
        return Step(
            content=json.dumps(categorize_answer(user), ensure_ascii=False), prompt_tokens=300, completion_tokens=40
        )
    if "原样摘抄" in prompt:
        return Step(content=json.dumps(meta_answer(user), ensure_ascii=False), prompt_tokens=400, completion_tokens=30)
    if "摘要" in prompt and '"abstract"' in prompt:
        text = "青禾县委通报了巡察整改进展，已完成整改6个问题。另有99个问题尚待研究。下一步将持续压实整改责任。"
        return Step(content=json.dumps({"abstract": text}, ensure_ascii=False))
    return Step(content=json.dumps(judge_answer(user), ensure_ascii=False), prompt_tokens=300, completion_tokens=40)
