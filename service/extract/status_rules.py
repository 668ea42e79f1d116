"""Status words (DOMAIN.md) read deterministically, for the problems the model left as not stated.

A small model is cautious: it often answers "not stated" when a sentence of the problem's own
plainly says the work goes on (正在/年内/计划/下步…) or that the problem itself is finished. These
rules read those fixed phrasings; the model's own verdict, when it cites a sentence, wins.
"""

from __future__ import annotations

import re

from zhenggai.extract.units import Candidate
from zhenggai.schemas.record import Status

# A statement about the whole problem: 该问题已完成整改 / 完成消化整改 / 已整改到位.
_PROBLEM_DONE = re.compile(
    r"(?:该|此|上述|相关)问题(?:已经?|均已|已全部)?(?:完成整改|整改完成|整改到位|全部整改)|完成消化整改|已整改到位"
)
_PROBLEM_BASIC = re.compile(r"基本完成整改|基本整改到位|(?:该|此)问题基本完成")
_PROBLEM_PARTLY = re.compile(r"取得阶段性成效|阶段性完成")
# Work still going on or planned, as verbs (not 工作计划 the noun).
_ONGOING = re.compile(
    r"正在|正对|正致力|年内|年底前|下步|下一步|力争|预计|逐年|逐步|列入明年|明年将|仍在|其余.{0,12}(?:推进|办理|实施)"
    r"|(?<!工作)(?<!行动)(?<!实施)(?<!培训)(?<!年度)(?<!教学)(?<!建设)计划(?![》”书表])|拟(?:于|在|启动|开展|对|将)"
)
_LONG_TERM = re.compile(r"长期坚持|久久为功")


def rule_status(candidates: list[Candidate]) -> tuple[Status, int]:
    """(status, candidate id) from status words, whole-problem statements first; (not_stated, 0) if none."""
    for pattern, status in ((_PROBLEM_DONE, Status.completed), (_PROBLEM_BASIC, Status.basically_completed)):
        for c in candidates:
            if pattern.search(c.text):
                return status, c.id
    for pattern, status in (
        (_ONGOING, Status.in_progress),
        (_PROBLEM_PARTLY, Status.partly_completed),
        (_LONG_TERM, Status.long_term),
    ):
        for c in candidates:
            if pattern.search(c.text):
                return status, c.id
    return Status.not_stated, 0
