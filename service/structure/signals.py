"""Signals of the genre in a heading's or a line's own words, shared by roles, units and status.

Each reads a few fixed phrasings that rectification reports of every family use, not the layout
of one file: a heading that states a problem (关于“…”问题), a heading of organisation work
(组织整改落实情况, 提高政治站位…), a status group heading (已完成整改的问题), a labelled field
(整改情况: / 完成情况: …). All patterns are linear: bounded repeats over single classes.
"""

from __future__ import annotations

import re

from zhenggai.structure.numbering import cn_to_int
from zhenggai.vocab.statuses import Status

# --------------------------------------------------------------------------- problem headings

# 关于“X”问题 / 关于“X”的问题的整改(情况) / 针对“X”问题 / 关于X的问题 / 对X问题,着重…
_PROBLEM_HEADING_RE = re.compile(
    r"^(?:关于|针对|对)[“\"‘'][^”\"’']{4,200}[”\"’'](?:的)?(?:方面)?(?:有关)?问题"
    r"|^(?:关于|针对|对)[^。;]{4,120}?(?:的)?问题(?:的整改|整改|[,:。]|$)"
)
# "二、巡察反馈问题整改落实情况", "关于巡视移交问题线索…": containers and other parts, not problems.
_GENERIC_RE = re.compile(
    r"反馈(?:意见|问题)|巡[视察](?:组)?(?:反馈|指出|发现|移交)|移交|线索|信访|具体问题|整改(?:落实|进展)情况$"
    r"|立行立改事项$|(?:^关于|^针对)(?:巡[视察]|上一?轮|以往)"
)
# A quoted heading is a problem whatever else it says.
_QUOTED_PROBLEM_RE = re.compile(r"^(?:关于|针对)[“\"‘'][^”\"’']{4,200}[”\"’'](?:的)?(?:方面)?(?:有关)?问题")


def is_problem_heading(title: str) -> bool:
    """A heading that names one problem the inspection raised (关于“X”问题的整改情况)."""
    if _QUOTED_PROBLEM_RE.match(title):
        return True
    return bool(_PROBLEM_HEADING_RE.match(title)) and not _GENERIC_RE.search(title[:60])


# Words a heading or paragraph states a shortcoming with: a problem's, not a measure's.
SHORTCOMING_RE = re.compile(
    r"不足|不到位|不强|不够|不深|不实|不严|不力|不高|不全|不明显|不充分|不规范|不健全|不完善|不及时|不优|滞后|差距|薄弱|缺乏|缺少|欠缺|短板|"
    r"弱化|淡化|淡薄|偏差|缓慢|乏力|隐患|形同虚设|打折扣|盲区|漏洞|推诿|时有发生|仍有发生|依然存在|仍然存在|跟不上|投诉较多"
)


# --------------------------------------------------------------------------- organisation work

# Headings of how the rectification was organised: they look like problem lists and are not.
_ORGANISATION_RE = re.compile(
    r"组织(?:整改)?落实|组织领导|组织开展|组织推进|整改工作(?:基本|开展|推进|组织)?情况|领导情况|履行.{0,8}责任"
    r"|主体责任|第一责任|政治(?:站位|责任|担当|自觉|引领|统领|任务|建设为统领)|认识和态度|思想认识|责任担当|压实(?:整改)?责任"
    r"|以上率下|加强领导|高位推|部署|督[促查导]|监督检查|建章立制|长效机制|举一反三|成果运用|一岗双责"
    r"|工作机制|统筹推进|抓整改$|抓落实$|责任落实"
)


def names_area(title: str) -> bool:
    """An area heading: 落实全面从严治党主体责任方面 (what the problems under it are about)."""
    return title.rstrip("。").endswith("方面")


def is_organisation_heading(title: str) -> bool:
    """A heading of organisation work (一、组织整改落实情况 / (一)提高政治站位…), not of a problem."""
    if is_problem_heading(title) or status_group(title) is not None or names_area(title):
        return False  # 落实全面从严治党主体责任方面: an area of problems
    return bool(_ORGANISATION_RE.search(title[:80]))


# --------------------------------------------------------------------------- status groups

# 一、已完成整改的问题 / (一)集中整改期内已完成(含基本完成)的整改事项 / 二、正在推进的问题
_GROUP_RE = re.compile(
    r"^(?:[^,。:;]{0,16}?)"
    r"(已(?:经)?(?:整改)?完成(?:整改)?|已整改到位|已办结|基本完成(?:整改)?|阶段性完成|取得阶段性成效"
    r"|正在(?:推进|整改)|持续(?:推进|整改)|未完成(?:整改)?|尚未完成|需(?:要)?长期(?:坚持|整改)|长期坚持)"
    r"[^,。:;]{0,24}?(?:的)?(?:问题|事项|整改事项|整改任务)(?:情况)?(?:[(][^)]{0,30}[)])?$"
)
_GROUP_WORDS: list[tuple[re.Pattern[str], Status]] = [
    (re.compile(r"^基本完成|^阶段性完成|^取得阶段性成效"), Status.basically_completed),
    (re.compile(r"^已|^(?:已经)?完成"), Status.completed),
    (re.compile(r"^正在|^持续"), Status.in_progress),
    (re.compile(r"^未完成|^尚未"), Status.not_completed),
    (re.compile(r"长期"), Status.long_term),
]


def status_group(title: str) -> Status | None:
    """The status a group heading gives every problem under it, or None when it is no such heading."""
    m = _GROUP_RE.match(title.strip().rstrip("。"))
    if not m:
        return None
    word = m.group(1)
    for pattern, status in _GROUP_WORDS:
        if pattern.search(word):
            if status == Status.basically_completed and word.startswith("阶段性"):
                return Status.partly_completed
            return status
    return None


# --------------------------------------------------------------------------- labelled fields

# 整改情况: / 整改进展情况: / 整改措施及成效: / 完成情况: / 责任单位: / 【整改情况】 …, on their own line or run in.
FIELD_RE = re.compile(
    r"[【\[〔]?(整改(?:情况|进展情况|进展|落实情况|措施及成效|措施|举措|成效|结果|时限|目标|要求|进度|状态)|完成(?:情况|时限|状态)"
    r"|责任(?:单位|领导|人|部门|科室|股室|处室)|牵头(?:单位|领导|部门)|配合单位|问题(?:表现|描述)|(?:反馈|巡[视察])指出"
    # bare labels some templates use: 措施:… / 整改:…(已整改)
    r"|(?:目前|当前)进展(?:情况)?|(?:主要)?措施|举措|整改|状态)(?:[::]|[】\]〕]:?)"
)
# Fields whose content is who and when, not work done: never measures.
NON_MEASURE_FIELDS = (
    "整改时限", "完成时限", "整改目标", "整改要求", "整改进度", "责任", "牵头", "配合", "问题", "反馈指出", "巡视指出",
    "巡察指出",
)  # fmt: skip
# Fields whose content says where the problem stands.
STATUS_FIELDS = (
    "整改结果", "完成情况", "整改进展", "整改进度", "整改情况", "整改进展情况", "整改落实情况", "整改成效",
    "整改状态", "完成状态", "状态", "目前进展", "当前进展",
)  # fmt: skip


def field_at(text: str, pos: int = 0) -> re.Match[str] | None:
    """A labelled field starting exactly at `pos` (a line's or a sentence's start)."""
    return FIELD_RE.match(text, pos)


# The first words of a field or sentence that state a status, read strictly (no verbs of work).
_HEAD_END = r"(?=$|[。;,!、 (【])"  # the words stand alone: 已完成。 / 已完成(完成率100%) not 已完成规划编制
_HEAD_STATUS: list[tuple[re.Pattern[str], Status]] = [
    (
        re.compile(rf"^(?:该问题)?(?:已基本完成|基本完成)(?:整改)?{_HEAD_END}|^已?基本整改到位"),
        Status.basically_completed,
    ),
    (
        re.compile(
            rf"^(?:该问题)?(?:已(?:经)?(?:按期|如期)?(?:全部|全面)?(?:整改)?完成(?:整改)?|已整改(?:完成|到位|完毕)?"
            rf"|整改(?:完成|到位|完毕)|已办结|已销号|已落实(?:到位)?|(?:按期|如期)?完成整改(?:并销号)?|(?:按期|如期)完成){_HEAD_END}"
            r"|^已(?:经)?完成整改(?=并)"  # 已完成整改并建立长效机制
            r"|^(?:整改)?完成率(?:为|达到?)?100(?:\.0+)?%"  # 整改完成率100%
        ),
        Status.completed,
    ),
    (
        re.compile(rf"^(?:取得阶段性成效|阶段性完成|已?完成阶段性(?:目标|任务|整改任务|整改目标)){_HEAD_END}"),
        Status.partly_completed,
    ),
    (
        re.compile(rf"^(?:正在推进|正在整改|持续推进|持续整改|推进中|整改中|正在实施|尚在推进|尚在整改)中?{_HEAD_END}"),
        Status.in_progress,
    ),
    # 长期坚持并已建立制度: a standing task with its mechanism in place is still a standing task
    (re.compile(rf"^(?:长期坚持|需长期坚持|长期整改)(?:{_HEAD_END}|并)"), Status.long_term),
    (re.compile(rf"^(?:未完成|尚未完成|未整改到位|未按期完成)(?:整改)?{_HEAD_END}"), Status.not_completed),
]


def clause_status(text: str) -> Status | None:
    """A clause of a status field that is a status phrase alone (…纳入组织管理,已完成整改。)."""
    for clause in re.split(r"[,;。]", text):
        clause = clause.strip()
        if 2 <= len(clause) <= 8 and (status := head_status(clause)) is not None:
            return status
    return None


def head_status(text: str) -> Status | None:
    """The status the opening words of a field's content state (`已完成整改。…`), else None."""
    s = text.lstrip(" :\uff1a")
    for pattern, status in _HEAD_STATUS:
        if pattern.match(s):
            return status
    return None


# A heading that ends by giving its status in brackets: 1.理论学习流于形式(已完成) / (持续整改中)
# / 【已完成】 / [基本完成] (the sentence's own 。 may stand before the bracket or after it)
_STATUS_TAIL_RE = re.compile(r"(?:\(([^()\n]{2,12})\)|【([^【】\n]{2,12})】|\[([^\[\]\n]{2,12})\])[。.]?$")


def status_tail(heading: str) -> tuple[Status, int, int] | None:
    """(status, start, end of the bracketed words) when a heading line closes with its status."""
    m = _STATUS_TAIL_RE.search(heading)
    if m is None:
        return None
    status = head_status(m.group(1) or m.group(2) or m.group(3))
    return (status, m.start(), m.end()) if status is not None else None


# A heading that opens with its status tag, after its label: 1.【已办结】科普阵地… / (二)[正在整改]…
_STATUS_HEAD_RE = re.compile(r"^[^【\[\n。]{0,8}?(?:【([^【】\n]{2,12})】|\[([^\[\]\n]{2,12})\])")


def status_head(line: str) -> tuple[Status, int, int] | None:
    """(status, start, end of the bracketed words) when a heading line opens with its status."""
    m = _STATUS_HEAD_RE.match(line)
    if m is None:
        return None
    status = head_status(m.group(1) or m.group(2))
    return (status, m.start(1 if m.group(1) else 2) - 1, m.end()) if status is not None else None


# --------------------------------------------------------------------------- whole-problem statements

# A sentence about the problem itself: 该问题已完成整改 / 基本完成整改 / 该问题需长期坚持.
# 该问题 / 此问题 / 该项整改 / 此项工作: what the sentence speaks of is the problem itself
_THIS = r"(?:(?:该|此|上述|这一|本)问题|(?:该|此|本)项(?:整改)?(?:工作)?)"
_WHOLE: list[tuple[re.Pattern[str], Status]] = [
    (
        re.compile(
            rf"(?:{_THIS}|相关问题)(?:已经?|均已|已全部)?基本(?:完成整改|整改完成|整改到位|完成)|已?基本完成整改"
        ),
        Status.basically_completed,
    ),
    (
        re.compile(
            rf"{_THIS}(?:已经?|均已|已全部)?(?:(?:按期|如期)?完成整改|整改完成|整改到位|整改完毕|全部整改|得到(?:有效)?解决"
            r"|办结|销号|(?:按期|如期)完成|落实到位)"
            rf"|{_THIS}已(?:经)?(?:整改|落实)(?=$|[。;,])"  # 此项已整改。
            rf"|{_THIS}(?:整改)?已(?:经)?(?:全部)?完成(?![^。;,]{{0,2}}\d|阶段性)"
            r"|完成消化整改"
            # a sentence that is a status and nothing else speaks of the problem: 目前已整改完成。
            r"|^(?:目前|现已|截至目前,?|截至\d{1,2}月底?,?)?(?:已经?|均已)(?:全部)?(?:整改完成|完成整改|整改到位)[。.]?$"
        ),
        Status.completed,
    ),
    (re.compile(rf"{_THIS}(?:已经?)?(?:取得阶段性成效|阶段性完成)"), Status.partly_completed),
    (re.compile(rf"{_THIS}(?:需|需要|将)?长期(?:坚持|整改)|需(?:要)?长期坚持"), Status.long_term),
    (
        re.compile(rf"{_THIS}(?:的)?(?:整改)?(?:工作)?(?:(?:正在|仍在)持续|正在|仍在|尚在|持续)(?:推进|整改)"),
        Status.in_progress,
    ),
    (re.compile(rf"{_THIS}(?:整改)?(?:未按期完成|未完成整改|尚未完成整改)"), Status.not_completed),
]


# A sentence that opens with a status and no subject speaks of the problem it closes: 已完成。 /
# 已基本完成,安置点幼儿园建设正在推进 (the rest is what remains, not a second status).
# (整改中,… is a lead-in to the work, not a status: only 整改完成率100% and a bare 整改完毕。 open with 整)
_SUBJECTLESS = re.compile(
    r"^(?:目前|现已|截至目前,?)?(?=[已基完正持长未尚取阶按如]|整改完成率|整改(?:完毕|完成|到位)[。;,]?$)"
)


def whole_problem_status(sentence: str) -> Status | None:
    """The status a sentence states of the whole problem (该问题已完成整改), else None."""
    for pattern, status in _WHOLE:
        if pattern.search(sentence):
            return status
    m = _SUBJECTLESS.match(sentence)
    return head_status(sentence[m.end() :]) if m else None


# --------------------------------------------------------------------------- report and section sentences

_CN = "一二三四五六七八九十两百零〇"
_NUM = rf"(?:\d{{1,4}}|[{_CN}]{{1,5}})"
# 反馈的25个问题已全部完成整改 / 以上问题已全部整改完成 / 12类具体问题均取得阶段性成效
_COVER_WORDS = (
    r"(完成整改|整改完成|整改到位|整改完毕|办结|完成(?![^。;,]{0,2}[的了]))"  # completed
    r"|(取得阶段性成效|阶段性完成)"  # partly completed
    r"|(基本完成(?:整改)?|基本整改到位)"  # basically completed
)
_ALL_DONE_RE = re.compile(
    rf"(?:{_NUM}[个项件条类]|以上|上述|所有|全部)[^。;,]{{0,16}}?(?:问题|事项)[^。;]{{0,6}}?"
    rf"(?:已经?|均已|均)?(?:全部)?(?:{_COVER_WORDS})"
)
_N_OF_N_RE = re.compile(
    rf"({_NUM})[个项件条](?:具体)?(?:问题|事项|立行立改事项|整改事项)[^。;]{{0,30}}?(?:已完成(?:整改)?|已整改(?:完成|到位)?|完成整改)({_NUM})[个项件条]"
)
_NOT_ALL_RE = re.compile(r"其余|其中|剩余|尚未|未完成|未整改|正在|持续推进|长期")


def covering_status(sentence: str) -> tuple[Status, int | None] | None:
    """The status a sentence gives every problem it counts (反馈的25个问题已全部完成整改 → completed,
    12类具体问题均取得阶段性成效 → partly completed, 2件已完成2件), with how many it counts (None when
    it says 以上/所有 without a number); None when it is no such sentence."""
    if _NOT_ALL_RE.search(sentence):
        return None
    m = _N_OF_N_RE.search(sentence)
    if m and m.group(1) == m.group(2) and "基本完成" not in sentence:
        return Status.completed, _to_int(m.group(1))
    m = _ALL_DONE_RE.search(sentence)
    if not m or not re.search(r"全部|均|所有|以上|上述", m.group(0)):
        return None
    status = Status.completed if m.group(1) else Status.partly_completed if m.group(2) else Status.basically_completed
    if status == Status.completed and "基本完成" in sentence:
        return None
    head = sentence[: m.end()]
    counted = re.findall(rf"({_NUM})[个项件条类](?:具体)?(?:问题|事项)", head)
    if not counted and re.search(r"\d+\s*[个项件条]", head):
        return None  # 查摆同类问题17个,已全部整改到位: a count of something else
    return status, _to_int(counted[-1]) if counted else None


def covers_all_done(sentence: str) -> tuple[bool, int | None]:
    """Does the sentence say every problem it counts is completed, and how many it counts."""
    found = covering_status(sentence)
    if found is None or found[0] != Status.completed:
        return False, None
    return True, found[1]


def _to_int(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    try:
        return cn_to_int(s.replace("两", "二"))
    except ValueError:
        return None
