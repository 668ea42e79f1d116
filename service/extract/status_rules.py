"""Status words (DOMAIN.md) read deterministically, for the problems the model left as not stated.

A small model is cautious: it often answers "not stated" when a sentence of the problem's own
plainly says the work goes on (正在/年内/计划/下步…) or that the problem itself is finished. These
rules read those fixed phrasings; the model's own verdict, when it cites a sentence, wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhenggai.extract.instructions import looks_like_instruction
from zhenggai.extract.told import StatusTold
from zhenggai.extract.units import Candidate
from zhenggai.schemas.record import Span, Status, StatusScope
from zhenggai.structure.signals import whole_problem_status

# A statement about the whole problem: 该问题已完成整改 / 完成消化整改 / 已整改到位.
_PROBLEM_DONE = re.compile(
    r"(?:该|此|上述|相关)问题(?:已经?|均已|已全部)?(?:完成整改|整改完成|整改到位|全部整改)|完成消化整改|已整改到位(?![^。;,]{0,2}\d)"
)
_PROBLEM_BASIC = re.compile(r"基本完成整改|基本整改到位|(?:该|此)问题基本完成")
_PROBLEM_PARTLY = re.compile(r"取得阶段性成效|阶段性完成|完成阶段性(?:整改)?(?:任务|目标)")
# Work still going on or planned, as verbs (not 工作计划 the noun).
_ONGOING = re.compile(
    r"正在|正对|正致力|年内|年底前|下步|下一步|力争|预计|逐年|逐步|列入明年|明年将|仍在|其余.{0,12}(?:推进|办理|实施)"
    # 计划 the verb, by what follows it (计划于/计划年底前/计划对/计划2024年); 投资计划, 学习计划 are nouns
    r"|(?<!有)计划(?=于|在|将|对|用|到|年内|年底|今年|明年|\d|全年|引进|邀请|开展|启动|完成|实现|建成|投入)"
    r"|拟(?:于|在|启动|开展|对|将)"
)
_LONG_TERM = re.compile(r"长期坚持|久久为功")
# A deadline missed is told as such, whatever is planned next: 原定9月底完成的…未按期完成,将于…
_MISSED = re.compile(r"未按期完成|未能按期完成|逾期未完成")


def rule_status(candidates: list[Candidate]) -> tuple[Status, int]:
    """(status, candidate id) from status words, whole-problem statements first; (not_stated, 0) if none."""
    for pattern, status in ((_PROBLEM_DONE, Status.completed), (_PROBLEM_BASIC, Status.basically_completed)):
        for c in candidates:
            if pattern.search(c.text):
                return status, c.id
    for pattern, status in (
        (_MISSED, Status.not_completed),
        (_ONGOING, Status.in_progress),
        (_PROBLEM_PARTLY, Status.partly_completed),
        (_LONG_TERM, Status.long_term),
    ):
        for c in candidates:
            if pattern.search(c.text):
                return status, c.id
    return Status.not_stated, 0


# A cited sentence that says something is finished at all (完成/到位/办结…): without one, "completed"
# is a guess from work described, not a status told.
_DONE_WORDS = re.compile(r"完成|到位|办结|销号|完毕|整改完|解决|通过.{0,6}验收")
# ... and one that says, in the same breath, that it is not finished or still under way.
_NOT_DONE_WORDS = re.compile(r"未完成|尚未|没有完成|仍未|未能|未整改|正在|仍在")


def supports(status: Status, sentence: str) -> bool:
    """Whether a cited sentence tells `status` by its own words, as far as a claim of completion
    goes: a model's "completed" needs a sentence saying something is finished and not, in the same
    sentence, that it is not; a sentence addressed to a machine supports nothing."""
    if looks_like_instruction(sentence):
        return False
    if status == Status.completed:
        return bool(_DONE_WORDS.search(sentence)) and not _NOT_DONE_WORDS.search(sentence)
    return True


@dataclass(frozen=True)
class Settled:
    """A problem's status, the sentence that tells it, what that sentence covers, and how it was read."""

    status: Status
    span: Span | None
    scope: StatusScope
    how: str  # field, whole, group, model, cover, rule, none


def _whole(sentences: list[Candidate]) -> tuple[Status, Candidate] | None:
    """The last sentence that states the status of the whole problem (该问题已完成整改)."""
    found = None
    for c in sentences:
        status = whole_problem_status(c.text)
        if status is not None:
            found = (status, c)
    return found


def settle_status(
    told: list[StatusTold],
    sentences: list[Candidate],
    candidates: list[Candidate],
    model: tuple[Status, Candidate | None] | None,
) -> Settled:
    """One status per problem, from what the text tells most directly.

    Its own status field (整改结果:已完成) first, then a sentence about the whole problem
    (该问题已完成整改), then the status group heading above it, then the model's verdict on its
    sentences, then status words in its own sentences (正在/年内/计划…), then a sentence covering its
    section or the whole report: a problem that says its work goes on is not completed because the
    report claims all are. A model's status its cited sentence does not support (`supports`) is not
    taken: one piece of work done is not the problem rectified, and a planted instruction is no evidence.
    """
    # a sentence addressed to a machine is no evidence for anyone, model or rule
    sentences = [c for c in sentences if not looks_like_instruction(c.text)]
    candidates = [c for c in candidates if not looks_like_instruction(c.text)]
    by_source = {t.source: t for t in told}
    if "field" in by_source:
        t = by_source["field"]
        return Settled(t.status, t.span, t.scope, "field")
    whole = _whole(sentences or candidates)
    if whole is not None:
        status, c = whole
        return Settled(status, c.span, StatusScope.own, "whole")
    if "group" in by_source:
        t = by_source["group"]
        return Settled(t.status, t.span, t.scope, "group")
    if model is not None:
        status, cited = model
        if status != Status.not_stated and cited is not None and supports(status, cited.text):
            return Settled(status, cited.span, StatusScope.own, "model")
    status, evidence = rule_status(candidates)
    if status != Status.not_stated:
        span = next((c.span for c in candidates if c.id == evidence), None)
        return Settled(status, span, StatusScope.own, "rule")
    if "cover" in by_source:
        t = by_source["cover"]
        return Settled(t.status, t.span, t.scope, "cover")
    return Settled(Status.not_stated, None, StatusScope.own, "none")
