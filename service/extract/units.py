"""The candidate units the model judges: headings at any level and unnumbered problem paragraphs.

The parser, not the model, finds the structure from signals of the genre (numbering at any level,
关于“…”问题 headings, 问题N labels, status group headings, labelled fields, first sentences that
state a shortcoming); each unit carries its own text range (its span minus its sub-units'), its
clean title, what structure settles of its kind (area, status group, measure group), the
statuses the text tells around it, and the sentences that may state its status.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from zhenggai.extract.sentences import Sentence, split_sentences
from zhenggai.extract.told import StatusTold, attach_told, subtract
from zhenggai.schemas.document import Chunk, NumberingKind, Outline, Section
from zhenggai.schemas.record import SectionRole, Span
from zhenggai.structure.numbering import cn_to_int, find_enumerations
from zhenggai.structure.roles import states_problem_at_top
from zhenggai.structure.signals import (
    NON_MEASURE_FIELDS,
    field_at,
    is_organisation_heading,
    is_problem_heading,
    names_area,
    status_group,
    status_head,
    status_tail,
)
from zhenggai.structure.signals import (
    SHORTCOMING_RE as _SHORTCOMING_RE,
)

# The problem inside its wrapper: 关于“X”的问题 / 针对“X”的问题 / 对X问题,着重… / 针对X问题,进行了以下整改
_SUFFIX_RE = re.compile(
    r"[,:]?(?:进行了以下整改|进行了整改|整改如下|采取了以下措施|着重从.{1,4}方面.{0,6}整改|的整改(?:落实|进展)?情况|的整改)$"
)
_ITEM_RE = re.compile(r"^针对(?:[“\"][^”\"]*[”\"])?整改事项[“\"](.+)[”\"](?:的)?(?:问题)?$")
_QUOTED_RE = re.compile(r"^(?:关于|针对|对)?[“\"](.+)[”\"](?:的)?(?:方面)?(?:有关)?(?:问题|方面问题)?$")
_WRAPPED_RE = re.compile(r"^(?:关于|针对|对)(.+?)(?:的)?问题(?:,|$)")
_UNNUMBERED_RE = re.compile(
    r"^针对.{1,120}?(?:问题|事项)(?:“.+?”)?[,:]?(?:进行了以下整改|进行整改|整改如下|采取)"
    r"|^针对[“\"][^”\"]{4,120}[”\"](?:的)?(?:方面)?问题[,:。]"
    # a line that is nothing but 关于…的问题: an unnumbered problem heading, its work below it
    r"|^关于[^。\n]{4,60}?的问题。?$"
)
# A bulleted line: ◆师德师风建设抓得不紧,… / ●问题:… — unnumbered problems some templates mark so
_BULLET_RE = re.compile(r"^[◆◇■□●○▲△►▶•★☆◎]\s*(?:(?:反馈|存在的?)?问题[::]\s*)?")
# A line opening with a problem field (问题描述:…), the measure and status fields below it: an
# unnumbered problem, as a bulleted one is
_PROBLEM_FIELD = r"(?:反馈|存在的?|具体)?问题(?:描述|表现)?[::]\s*"
_PROBLEM_FIELD_LINE_RE = re.compile(f"^{_PROBLEM_FIELD}")
# Words that state a shortcoming (also read by the judge: a heading saying them is a problem).
PROBLEM_WORDS_RE = re.compile(
    r"问题|不足|不到位|不强|不够|不深|不实|不严|不力|不高|不明显|不充分|不规范|不健全|不完善|不及时|滞后|差距|薄弱|缺乏|缺少|欠缺|短板|弱化|"
    r"淡化|淡薄|偏差|缓慢|乏力|突出|隐患|形同虚设|打折扣|反弹|下滑|靠后"
)
STATUS_CUE_RE = re.compile(
    r"已完成|完成整改|整改完成|全部完成|已整改到位|整改到位|已全部办结|已办结|办结|销号|完毕|消化整改|基本完成|阶段性"
    r"|正在|正对|正致力|持续推进|推进中|年内|年底前|计划|拟|下步|下一步|逐年|逐步|预计|力争|列入明年|明年|有序推进|加快推进"
    r"|长期坚持|常态化|长效|久久为功|未完成|未整改到位|尚未|仍未|剩余|其余|按期完成|如期完成|未按期|完成率"
)
MAX_CANDIDATES = 6


class Candidate(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    span: Span
    text: str


class Unit(BaseModel):
    """One heading or unnumbered problem paragraph, with everything the merge needs."""

    id: int
    path: str
    label: str
    heading: str  # the title as written
    title: str  # the problem or measure without its 关于“…”问题 wrapper
    title_span: Span
    span: Span
    own: list[Span] = Field(default_factory=list, description="its text outside its sub-units")
    level: int
    role: SectionRole
    parent_path: str = ""
    children: int = 0
    prior: str = Field(default="", description="kind fixed by structure: 'area' or 'measure'; '' = ask the model")
    enumerations: list[Span] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list, description="sentences with status words (ids global)")
    sentences: list[Candidate] = Field(
        default_factory=list, description="all its sentences after the title (ids local), for full-text prompts"
    )
    chunk_id: str = ""
    kind: NumberingKind | None = None
    problem_heading: bool = Field(default=False, description="the heading names a problem (关于“…”问题)")
    sentence: bool = Field(default=False, description="the heading is a sentence of its own (ends with 。)")
    in_area: bool = Field(default=False, description="the heading above it names an area (一、…方面)")
    told: list[StatusTold] = Field(
        default_factory=list, description="statuses the structure tells (a field, a group heading, a covering sentence)"
    )


_PROBLEM_LABEL_RE = re.compile(r"^[【\[〔](?:反馈|巡[视察]指出的?|存在的?|具体)?问题(?:描述|表现)?[】\]〕]")
_BRACKET_LABEL_RE = re.compile(
    r"^(?:[◆◇■□●○▲△►▶•★☆◎]\s*)?(?:[【\[〔](?:反馈|巡[视察]指出的?|存在的?|具体)?问题(?:描述|表现)?[】\]〕]\s*"
    rf"|{_PROBLEM_FIELD})"
    r"|^[◆◇■□●○▲△►▶•★☆◎]\s*"
)


def clean_title(text: str, span: Span) -> tuple[str, Span]:
    """Strip the 关于“…”的问题 wrapper and a closing (已完成), keeping the exact span of what remains."""
    title = span.slice(text)
    label = _BRACKET_LABEL_RE.match(title)  # 【问题】服务…站位不高: the label is no part of the problem
    if label:
        title = title[label.end() :]
        span = Span(start=span.start + label.end(), end=span.end)
    head = status_head(title)  # 【已办结】科普阵地…: the tag is the status, not the problem
    if head is not None and head[1] == 0:
        title = title[head[2] :]
        span = Span(start=span.start + head[2], end=span.end)
    tail = status_tail(title)
    if tail is not None:
        title = title[: tail[1]]
        span = Span(start=span.start, end=span.start + len(title))
    suffix = _SUFFIX_RE.search(title)
    if suffix:
        title = title[: suffix.start()]
        span = Span(start=span.start, end=span.start + len(title))
    for pattern in (_ITEM_RE, _QUOTED_RE, _WRAPPED_RE):
        m = pattern.match(title)
        if m and len(m.group(1)) >= 4:
            s = span.start + m.start(1)
            return m.group(1), Span(start=s, end=s + len(m.group(1)))
    stripped = title.rstrip("。")
    return stripped, Span(start=span.start, end=span.start + len(stripped))


# ... and the words a problem paragraph's first sentence may say them with, which a measure also
# uses for what it remedies (停招就业率偏低专业4个): read only where a paragraph may open a problem
_SHORTCOMING_MORE_RE = re.compile(
    r"不紧|不准|不细|不畅|不扎实|不符|不一致|不经常|偏低|偏高|偏少|偏弱|过多|过少|过高|过低|较多|未达到|流于形式|走过场|松散|松懈|缺位"
)
_WORK_START_RE = re.compile(
    r"^(?:[一二三四五六七八九十]是|针对|对照|通过|开展|建立|制定|召开|组织|坚持|按照|根据|围绕|截至|截止|目前)"
    # 镇党委组织对…进行清查,清理不规范合同23份: the unit's Party body doing the work
    r"|^[\u4e00-\u9fff]{0,10}?(?:党委|党组|党工委|党支部|党总支)(?:针对|对照|通过|开展|建立|制定|召开|组织|按照|围绕|修订|推行|实行)"
    # 公司党委把巡视整改与深化改革结合起来,…补短板: work joined to the rectification, not a problem
    r"|^[^,。;]{0,12}?(?:把|将)(?:巡视|巡察)?整改(?:工作)?(?:与|同)"
)


def _states_shortcoming(line: str) -> int:
    """Length of a paragraph's first sentence when it states a shortcoming (理论学习不够深入,…。), else 0."""
    stop = line.find("。")
    if stop < 6 or stop > 80 or _WORK_START_RE.match(line) or field_at(line):
        return 0
    if _PROBLEM_LABEL_RE.match(line):  # 【反馈问题】…: labelled a problem, whatever its words
        return stop
    first = line[:stop]
    return stop if _SHORTCOMING_RE.search(first) or _SHORTCOMING_MORE_RE.search(first) else 0


def _bulleted(text: str, parts: list[Span]) -> list[tuple[Span, Span]]:
    """Bulleted problems (◆…不紧,…现象。 / ●问题:…), each with the field lines under it (措施:…,
    完成情况:…): (paragraph, title); none unless there are two or more."""
    out: list[tuple[Span, Span]] = []
    for part in parts:
        pos, item = part.start, None
        for line in text[part.start : part.end].split("\n"):
            start, end = pos, pos + len(line)
            pos = end + 1
            b = _BULLET_RE.match(line) or _PROBLEM_FIELD_LINE_RE.match(line)
            if b and ("问题" in b.group() or _states_shortcoming(line[b.end() :])):  # ●问题: is labelled one
                if item is not None:
                    out.append(item)
                stop = line.find("。", b.end())
                item = (
                    Span(start=start, end=end),
                    Span(start=start, end=start + (stop if stop > 0 else min(len(line), 80))),
                )
            elif item is not None and field_at(line):
                item = (Span(start=item[0].start, end=end), item[1])
            elif item is not None:
                out.append(item)
                item = None
        if item is not None:
            out.append(item)
    return out if len(out) >= 2 else []


def _unnumbered(text: str, section: Section, own: list[Span]) -> list[tuple[Span, Span]]:
    """Unnumbered problem paragraphs in a section's own text: (paragraph, title).

    "针对…问题,进行了以下整改。…" opens a problem paragraph; a line "针对“…”问题:" opens a problem
    whose measures follow in the next lines; in an area without numbered items, a paragraph whose
    first sentence states a shortcoming is a problem and the rest its measures.
    """
    found: list[tuple[int, int, int]] = []  # (start, end of its own line, title end)
    heads: list[int] = []  # candidate starts that take the following lines with them
    bare_area = (
        not section.children
        and not is_problem_heading(section.title)
        and (section.level == 2 or names_area(section.title))
    )
    bullets = _bulleted(text, own)
    if bullets:
        return bullets
    for part in own:
        pos = part.start
        for line in text[part.start : part.end].split("\n"):
            start = pos
            pos += len(line) + 1
            if start == section.span.start:
                continue
            end = start + len(line)
            if _UNNUMBERED_RE.match(line):
                stop = max(line.find(",进行"), line.find(",采取"))
                t_end = start + (stop if stop > 0 else min(len(line), 80))
                while t_end > start and text[t_end - 1] in ":,。;":
                    t_end -= 1
                found.append((start, end, t_end))
                if len(line) <= t_end - start + 1:  # a heading line: its measures are the next lines
                    heads.append(start)
            elif bare_area and (n := _states_shortcoming(line)):
                found.append((start, end, start + n))
                if field_at(text, end + 1):  # 【问题】… then 【整改情况】…: the fields below are its own
                    heads.append(start)
    out = []
    for k, (start, end, t_end) in enumerate(found):
        if start in heads:
            nxt = found[k + 1][0] if k + 1 < len(found) else None
            limit = next((p.end for p in own if p.start <= start < p.end), end)
            end = max(end, (nxt - 1) if nxt is not None and nxt <= limit else limit)
            end = len(text[:end].rstrip("\n "))
        out.append((Span(start=start, end=end), Span(start=start, end=t_end)))
    return out


_ASPECTS_RE = re.compile(
    r"(?:问题|不足)[^。\n]{0,8}?(?:表现为|表现在|主要有|包括)[^。\n]{0,6}?(?:[一二三四五六七八九十\d]{1,2}个)?方面[::]\n"
)


def _enumerated(text: str, section: Section, own: list[Span]) -> list[tuple[Span, Span, str]]:
    """Problems stated as 一是…二是… in an area, each followed by its own 整改情况: field:
    (item, title, label 一是). Measures are listed 一是…二是… too, but a measure has no field of
    its own under it: only when every item of the run opens with one sentence and then a work or
    status field are the items problems. Items may be run in or start lines. A line announcing
    them (问题具体表现为三个方面:) makes problems of items that each open a line stating a shortcoming."""
    if section.children:
        return []
    for part in own:
        body = text[part.start : part.end]
        # a line start is a clause break here (one character for one: offsets stay)
        items = find_enumerations(body.replace("\n", "。"), part.start)
        if len(items) < 2:
            continue
        out = []
        # 问题具体表现为三个方面: then 一是…。二是…。, each opening a line with its shortcoming
        announced = _ASPECTS_RE.search(text, part.start, items[0][2]) is not None
        shortcomings = 0
        for label, _, start, end in items:
            first = start + len(label)
            stop = text.find("。", first, end)
            if stop < first + 4 or stop > first + 100:
                return []
            after = stop + 1
            while after < end and text[after] in " \n":
                after += 1
            if announced:
                if start and text[start - 1] != "\n":
                    return []
                stated = text[first:stop]
                shortcomings += bool(_SHORTCOMING_RE.search(stated) or _SHORTCOMING_MORE_RE.search(stated))
            elif (m := field_at(text, after)) is None or m.group(1).startswith(NON_MEASURE_FIELDS):
                return []
            item_end = len(text[:end].rstrip("\n "))
            out.append(
                (Span(start=start, end=item_end), Span(start=first, end=stop), label, [Span(start=stop, end=item_end)])
            )
        if announced and shortcomings * 2 < len(out):
            return []  # the items announced are mostly work done, not what was wrong
        return out
    return []


# 巡察指出:一是…;二是…。 then 整改情况:针对问题一,…。针对问题二,…: the findings, then the answers
_FINDINGS_RE = re.compile(r"(?:巡[视察](?:组)?指出|反馈(?:的)?问题|存在(?:的)?问题|主要问题|问题表现)[::]")
_ANSWER_RE = re.compile(r"针对(?:第)?(?:问题)?([一二三四五六七八九十]{1,3}|\d{1,2})(?:个问题)?[,:]")
_ALL_OF_THEM_RE = re.compile(r"(?<=[。;])(?:以上|上述)(?:[一二三四五六七八九十\d]{1,3}个)?问题")


def _answered(text: str, section: Section, own: list[Span]) -> list[tuple[Span, Span, str, list[Span]]]:
    """Problems listed 一是…二是… after 巡察指出:, answered one by one below (针对问题一,…):
    (item, title, label 一是, its own text: the rest of its clause and its answer). A closing
    以上问题已整改完成 speaks for the area and stays with it."""
    if section.children:
        return []
    for part in own:
        body = text[part.start : part.end]
        m = _FINDINGS_RE.search(body)
        if m is None or (m.start() and body[m.start() - 1] != "\n"):
            continue
        line_end = body.find("\n", m.end())
        line_end = len(body) if line_end < 0 else line_end
        items = find_enumerations(body[m.end() : line_end], part.start + m.end())
        answers = list(_ANSWER_RE.finditer(text, part.start + line_end, part.end))
        if len(items) < 2 or not answers:
            continue
        starts = [a.start() for a in answers]
        stop_all = _ALL_OF_THEM_RE.search(text, starts[-1], part.end)
        ends = [*starts[1:], stop_all.start() if stop_all else part.end]
        by_number = {}
        for a, end in zip(answers, ends, strict=True):
            n = a.group(1)
            number = int(n) if n.isdigit() else cn_to_int(n)
            by_number.setdefault(number, Span(start=a.start(), end=len(text[:end].rstrip("\n "))))
        out = []
        for label, number, start, end in items:
            first = start + len(label)
            stop = first
            while stop < end and text[stop] not in ";。":
                stop += 1
            if stop - first < 4:
                return []
            own_spans = [by_number[number]] if number in by_number else []
            out.append((Span(start=start, end=stop), Span(start=first, end=stop), label, own_spans))
        return out
    return []


def _is_unit(s: Section) -> bool:
    """Every heading below the top is a candidate; a top-level one only when it names a problem
    (一、关于“…”问题的整改情况) or a status group (一、已完成整改的问题)."""
    if s.level > 1 or is_problem_heading(s.title) or status_group(s.title) is not None:
        return True
    return s.role == SectionRole.details and states_problem_at_top(s)  # problems listed at the top


def _unnumbered_unit(
    text: str, uid: int, path: str, para: Span, t_span: Span, level: int, role: SectionRole, parent: str
) -> Unit:
    """A problem paragraph without a label of its own, numbered #k as readers cite it."""
    title, t_span = clean_title(text, t_span)
    return Unit(
        id=uid,
        path=path,
        label=path.rsplit(".", 1)[-1],
        heading=text[para.start : para.end][:80],
        title=title,
        title_span=t_span,
        span=para,
        own=[para],
        level=level,
        role=role,
        parent_path=parent,
        problem_heading=True,
    )


def build_units(text: str, outline: Outline) -> list[Unit]:
    """Units of the details and leads sections, in document order."""
    units: list[Unit] = []
    unnumbered: dict[str, int] = {}

    def visit(s: Section, parent_path: str, in_area: bool = False) -> None:
        if s.role == SectionRole.leads_petitions:
            return  # not problems: read by metadata.leads
        if (
            s.level == 2
            and len(s.title) <= 40
            and not s.children
            and is_organisation_heading(s.title)
            and not _SHORTCOMING_RE.search(s.title)
        ):
            return  # (一)加强组织领导…: organisation work inside the details, not a problem
        if (
            s.level >= 2
            and not s.children
            and names_area(s.title)
            and not text[s.title_span.end : s.span.end].strip(" 。;:\n")
            and (s.title.startswith("关于") or not PROBLEM_WORDS_RE.search(s.title))
        ):
            return  # (一)关于…方面 and nothing under it (a page cut off after it): an area, no problem
        own = subtract(s.span, [c.span for c in s.children])
        items = _enumerated(text, s, own) or _answered(text, s, own)
        extra = [] if items else _unnumbered(text, s, own)
        subs = [c.span for c in s.children] + [p for p, _ in extra] + [q for _, _, _, parts in items for q in parts]
        subs += [p for p, _, _, _ in items]
        own_without = subtract(s.span, subs)
        is_unit = _is_unit(s)
        if is_unit:
            title, t_span = clean_title(text, s.title_span)
            units.append(
                Unit(
                    id=len(units),
                    path=s.path,
                    label=s.label,
                    heading=s.title,
                    title=title,
                    title_span=t_span,
                    span=s.span,
                    own=own_without,
                    level=s.level,
                    role=s.role,
                    parent_path=parent_path,
                    children=len(s.children) + len(extra) + len(items),
                    enumerations=[e.span for e in s.enumerations],
                    kind=s.kind,
                    problem_heading=is_problem_heading(s.title) or s.kind == NumberingKind.problem_label,
                    sentence=text[s.title_span.end : s.title_span.end + 1] in ("。", ";"),
                    in_area=in_area,
                )
            )
        # Unnumbered problems are numbered #k across their area (the (一)-level section), as
        # readers cite them, and hang from the area rather than from the item they follow.
        area = ".".join(s.path.split(".")[:2])
        for para, t_span in extra:
            unnumbered[area] = k = unnumbered.get(area, 0) + 1
            parent = area if "." in area else ""
            units.append(
                _unnumbered_unit(text, len(units), f"{area}.#{k}", para, t_span, min(s.level + 1, 3), s.role, parent)
            )
        for item, t_span, label, item_own in items:
            units.append(
                Unit(
                    id=len(units),
                    path=f"{s.path}.{label}",
                    label=label,
                    heading=text[t_span.start : t_span.end],
                    title=text[t_span.start : t_span.end],
                    title_span=t_span,
                    span=item,
                    own=item_own,
                    level=s.level + 1,
                    role=s.role,
                    parent_path=s.path if is_unit else parent_path,
                    problem_heading=True,
                    sentence=True,
                )
            )
        for c in s.children:
            visit(c, s.path if is_unit else parent_path, names_area(s.title))

    for top in outline.sections:
        if top.role in (SectionRole.details, SectionRole.leads_petitions):
            visit(top, "")
    if not outline.sections:  # a notice with no headings at all: its bulleted problems, #k
        body = Span(start=outline.title_span.end if outline.title_span else 0, end=len(text))
        for k, (para, t_span) in enumerate(_bulleted(text, [body]), start=1):
            units.append(_unnumbered_unit(text, len(units), f"#{k}", para, t_span, 1, SectionRole.details, ""))
    _set_priors(text, units)
    _attach_candidates(text, units)
    attach_told(text, outline, units)
    return units


# "对…问题,着重从六个方面抓好整改" / "从以下方面" / "采取以下措施": the children are measure groups.
_MEASURE_PARENT_RE = re.compile(
    r"从(?:[一二三四五六七八九十两几]|\d+)个?方面|以下(?:几个)?方面|采取.{0,6}措施|如下措施"
)


_RESTATES_RE = re.compile(r"^(?:关于|针对|对于)")
_FIGURE_RE = re.compile(r"\d+(?:\.\d+)?(?:个|项|件|名|人|次|万元|亿元|元|%|家|条|处)")


def _work_sentence(u: Unit) -> bool:
    """(1)清理退出非主业投资项目3个。: a sentence of its own that counts work done."""
    return u.sentence and bool(_FIGURE_RE.search(u.title))


def _same_words(a: str, b: str) -> bool:
    """Two statements of one shortcoming, up to quotes and punctuation."""
    strip = re.compile(r"[“”\"‘’'。,;:、\s]")
    return strip.sub("", a) == strip.sub("", b)


def _work_like(u: Unit) -> bool:
    """A heading that tells work done rather than a shortcoming."""
    return not u.problem_heading and not _SHORTCOMING_RE.search(u.title[:60])


# The verbs a measure opens with (a shortcoming is told by _SHORTCOMING_RE, never by these).
_WORK_VERB_RE = re.compile(
    r"^(?:开展|建立|制定|修订|完善|推行|实施|实行|落实|出台|印发|成立|设立|开通|引进|新建|启动|组织|召开|梳理|排查|清理"
    r"|核查|复核|督促|约谈|选派|配齐|健全|编制|加快|推动|聘请|举办|邀请|全面|严格执行|对\d|对20"
    r"|在[^,。;]{1,20}?(?:增设|设立|建立|开展|推行|开通|设置|实行)"
    # 对中心2辆公务用车…逐笔核查 / 对相关责任人进行批评教育: the object first, then the work done on it
    r"|对[^,。;]{1,30}?(?:进行|开展|逐[一项笔条个件]|核查|清查|追回|约谈|批评))"
)


def _states_problem(u: Unit) -> bool:
    """A heading that names a problem: 关于“…”问题, or a statement of a shortcoming."""
    return u.problem_heading or bool(_SHORTCOMING_RE.search(u.title[:60]))


def _lead_in(text: str, u: Unit) -> str:
    """A heading with the rest of its line: 3.…推进缓慢。局党组…从三个方面抓好落实。"""
    end = text.find("\n", u.title_span.end, u.span.end)
    return u.heading + text[u.title_span.end : min(end if end >= 0 else u.span.end, u.title_span.end + 120)]


def _set_priors(text: str, units: list[Unit]) -> None:
    """Kinds the structure settles without a model: status groups, areas, and measure groups.

    A status group heading (一、已完成整改的问题) is a group; a heading with sub-units that is
    neither a problem nor under one is an area; the items of a 问题N: label, the run-in items of a
    关于“…”问题 heading that state no shortcoming, and the children of a 'N个方面' problem are
    measure groups.
    """
    by_path = {u.path: u for u in units}
    kids: dict[str, list[Unit]] = {}
    for u in units:
        kids.setdefault(u.parent_path, []).append(u)
    # parents whose items run on in one line: (1)….(2)….(3)…
    run_in = {
        path: any(c.span.start > 0 and text[c.span.start - 1] != "\n" for c in items) for path, items in kids.items()
    }
    for u in units:
        parent = by_path.get(u.parent_path)
        if status_group(u.heading) is not None:
            u.prior = "group"
        elif (
            u.children
            and u.kind != NumberingKind.problem_label  # 问题N: names a problem, never an area
            and (parent is None or parent.prior == "group")
            # 1.关于“…”问题的整改 whose items are work done is a problem, not an area
            and not (u.problem_heading and all(_work_like(c) for c in kids.get(u.path, [])))
            # 一、…方面 > (一)思政课程协同不够 > 1.关于“…”的问题: under a named area, a heading that
            # states a shortcoming is the problem its items detail, not an area of its own
            and not (u.in_area and _SHORTCOMING_RE.search(u.title[:60]) and not names_area(u.title))
        ):
            u.prior = "area"
        elif (
            parent is not None
            and parent.kind == NumberingKind.problem_label
            and not u.label.startswith("#")
            and not _RESTATES_RE.match(u.title)
        ):
            # 问题1: … 1.修订… 2.建立…, even when an item names what it remedies (扶持38个薄弱村);
            # but (1)对于…(问题) restates a part of it
            u.prior = "measure"
        elif parent is None or parent.prior in ("area", "group") or u.label.startswith("#") or u.problem_heading:
            continue
        elif len(kids.get(parent.path, [])) == 1 and _same_words(u.title, parent.title):
            u.prior = "measure"  # (4)“X” under 2.关于“X”的问题, its only item: the problem restated
        elif parent.problem_heading and _work_like(u) and (len(u.heading) > 40 or _work_sentence(u)):
            u.prior = "measure"  # (1)中心充分利用…开展…: a run-in paragraph of work under the problem
        elif (
            (_states_problem(parent) or by_path.get(parent.parent_path, parent).prior == "area")
            and _work_like(u)
            and (run_in.get(u.parent_path) or _WORK_VERB_RE.match(u.title))
        ):
            # 1、…落实不到位。 (1)开展….(2)建立…: items run in on one line, or opening with a verb
            # of work, under a heading that states a shortcoming or is an item of an area, are what
            # was done about it
            u.prior = "measure"
        elif _MEASURE_PARENT_RE.search(_lead_in(text, parent)):
            u.prior = "measure"  # 对…问题,着重从六个方面抓好整改, in the heading or the rest of its line
    _measures_keep_together(units, kids)


def _measures_keep_together(units: list[Unit], kids: dict[str, list[Unit]]) -> None:
    """Items of one run are of one kind: when most items under a problem are measures, so are the
    rest that state no shortcoming (①修订…;②对…核查…;③每季度开展…。此项整改已完成。: the third
    opens with no verb of work, and its status sentence is its problem's)."""
    for u in units:
        items = kids.get(u.path, [])
        if u.prior or len(items) < 2:
            continue
        measures = sum(1 for c in items if c.prior == "measure")
        if measures * 2 < len(items) or measures == len(items):
            continue
        for c in items:
            if not c.prior and not c.children and _work_like(c) and not _RESTATES_RE.match(c.title):
                c.prior = "measure"


def _attach_candidates(text: str, units: list[Unit]) -> None:
    # A problem's status is often told inside its measure groups: read those with it.
    measure_parts: dict[str, list[Span]] = {}
    for u in units:
        if u.prior == "measure":
            measure_parts.setdefault(u.parent_path, []).extend(u.own)
    next_id = 1
    for u in units:
        if u.prior:
            continue  # areas and measure groups have no status of their own
        sentences: list[Sentence] = []
        for part in [*u.own, *measure_parts.get(u.path, [])]:
            sentences.extend(split_sentences(text, part.start, part.end))
        if not u.enumerations and u.label.startswith("#"):
            # after the title: a 针对“…”问题: line has its 一是… on the next line
            line_end = text.find("\n", u.title_span.end, u.span.end)
            body_from = line_end + 1 if line_end >= 0 else u.title_span.end
            u.enumerations = [
                Span(start=s, end=e) for _, _, s, e in find_enumerations(text[body_from : u.span.end], body_from)
            ]
        body = [s for s in sentences if not s.start < u.title_span.end <= s.end]
        u.sentences = [
            Candidate(id=k + 1, span=Span(start=s.start, end=s.end), text=s.text) for k, s in enumerate(body, 0)
        ]
        cues = [s for s in body if STATUS_CUE_RE.search(s.text)]
        # the last sentences speak of the outcome most often
        chosen = cues[-MAX_CANDIDATES:]
        u.candidates = [
            Candidate(id=next_id + k, span=Span(start=s.start, end=s.end), text=s.text) for k, s in enumerate(chosen)
        ]
        next_id += len(chosen)


def assign_chunks(units: list[Unit], chunks: list[Chunk]) -> dict[str, list[Unit]]:
    """Each unit is judged in the chunk where its heading starts."""
    by_chunk: dict[str, list[Unit]] = {c.id: [] for c in chunks}
    for u in units:
        for c in chunks:
            if c.span.start <= u.span.start < c.span.end:
                u.chunk_id = c.id
                by_chunk[c.id].append(u)
                break
    return by_chunk
