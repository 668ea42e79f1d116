"""Who: the title, the publisher and the inspected unit.

The inspected unit is the object of `对(or 进驻)…开展/进行了…巡察` (`对区发展和改革局党组开展了…巡察`), or,
when that object is a field of work rather than a unit (`对全市…资金管理使用开展了专项巡察`) or is
missing, of `向…反馈`. A pronoun or bare short form (`我单位`, `我院党组`, `中心党委`) is resolved
to the unit's full name from the title or signature, else from the text's own words: who the
team fed back to, or a plan titled `《<unit>关于…》`. The publisher is the signature, else the
title's words before 关于, else a Party body on the line under the title, else the one a page
names as its source (来源:) or owner (主办:), else the inspected unit.
"""

from __future__ import annotations

import re

from zhenggai.extract.meta.inspection import Read
from zhenggai.extract.meta.reading import to_reading
from zhenggai.extract.meta.region import Region
from zhenggai.schemas.document import DebrisKind, Outline
from zhenggai.schemas.record import Evidence, Span

_UNIT_RE = re.compile(r"(?:对|进驻)(?P<u>[^,。;:!?\n对]{2,60}?)(?:开展|进行|实施)了?[^,。;:!?\n对]{0,24}?(?:巡视|巡察)")
_FED_BACK_RE = re.compile(r"(?:向|对)(?P<u>[^,。;:!?\n向对]{2,40}?)(?:反馈)")
# metadata given as a labelled list: 巡察对象:中共…委员会 / 被巡察单位:…
# (or a two-column table, 巡察对象|…: normalize.py writes a barred row so)
_UNIT_FIELD_RE = re.compile(r"(?:巡[视察]对象|被巡[视察](?:单位|党组织)?)(?:[::] ?| ?\| ?)(?P<u>[^,。;:!?|\n]{2,40})")
_PLAN_RE = re.compile(r"《(?P<u>[^《》,。;\n]{4,40}?)关于")
_ALIAS_RE = re.compile(r"\((?:以下简称|以下称|下称|简称)[^()]{0,24}\)")
_PAREN_TAIL_RE = re.compile(r"\([^()]{0,40}\)$")
_UNIT_END_RE = re.compile(
    r"(?:党组|党委|党工委|党组织|党支部|党总支|委员会|工委|机关|局|厅|部|委|院|会|中心|办|所|站|队|校|学|园|馆|社|"
    r"公司|集团|银行|省|市|区|县|旗|州|盟|镇|乡|街道|村|社区|室|处|科|团|联|署|台|场|厂)$"
)
_SHORT_RE = re.compile(
    # 我单位, 本局, 我院党组, 我镇党委; a bare generic noun: 中心党委, 局党组, 集团公司党委
    r"^(?:(?:我|本)[\u4e00-\u9fff]{0,3}?|单位|局|院|校|学校|医院|中心|部|厅|所|站|馆|镇|乡|街道|村|社区|公司|集团"
    r"|集团公司|总公司|学院|大学|中学|小学|法院|检察院)"
    r"(?:机关)?(?:党组织|党组|党委|党支部|党总支|党工委)?$"
)
_TITLE_BAD_RE = re.compile(r"[,。;!?]|:$")
_TITLE_END_RE = re.compile(r"(?:通报|报告|公告|公布|公示)$")
# a title line that runs on into the page's furniture (a one-line copy): …的通报 (2025年…) / …的通报 来源:…
_TITLE_RUNS_ON_RE = re.compile(r"关于[^,。;:!?\n]{2,60}?(?:通报|报告|公告|公示)(?= )")
# … or that a breadcrumb runs into: 首页 > 部门动态 > 县供销社 桃源县供销合作社党组关于…
_CRUMB_BEFORE_RE = re.compile(r"^.{0,80}[>›»→] ?[^ >›»→]{1,20} ")
# <publisher>关于…, or <publisher>巡察整改进展情况公开 (a title without 关于)
_PUBLISHER_RE = re.compile(
    r"^(?:【[^】]{0,12}】)?\s?(?P<p>(?:(?!关于)[^,。;:\n]){2,40}?)\s?(?:关于|(?=(?:巡视|巡察)整改))"
)
_TITLE_SHAPE_RE = re.compile(r"(?:【[^】\n]{0,12}】)?[^,。;:.!?\n]{2,40}?关于[^,。;:.!?\n]{2,60}?(?:通报|报告|公示)")
TITLE_PIECE_MAX = 60
_BULLETS = ("·", "•", "●", "◆", "■", "-", "*")
TITLE_LINES = 3  # lines (breadcrumbs and other furniture skipped) a title without an outline may open on
FURNITURE_MAX = 40  # a short line without sentence punctuation above a title: a breadcrumb, a column name


def _read(region: Region, m: re.Match, group: str = "u") -> Read:
    return Read(region.words(m.start(group), m.end(group)), region.evidence(m.start(group), m.end(group)))


def is_short_form(name: str) -> bool:
    """`我单位`, `我院党组`, `中心党委`: words that point at the unit without naming it."""
    return bool(_SHORT_RE.match(to_reading(name)))


def is_unit_name(name: str) -> bool:
    core = _PAREN_TAIL_RE.sub("", to_reading(name))
    return bool(_UNIT_END_RE.search(core)) and not is_short_form(core)


def clean_unit(name: str) -> str:
    """The unit as named, without an alias in brackets: `交通运输部党组(以下简称部党组)` → `交通运输部党组`."""
    cuts = [(m.start(), m.end()) for m in _ALIAS_RE.finditer(to_reading(name))]
    for a, b in reversed(cuts):
        name = name[:a] + name[b:]
    return name.strip()


def _line_at(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the line holding text[start:end]."""
    return text.rfind("\n", 0, start) + 1, (text.find("\n", end) if text.find("\n", end) >= 0 else len(text))


def read_title(source: str, outline: Outline) -> Read | None:
    """The outline's title line, joined with the line before or after it when the title was broken;
    when the outline found none, a first line (or the start of a text without line breaks) shaped
    like one: `<publisher>关于…的通报`."""
    text = to_reading(source)
    if outline.title_span is None:
        return _title_by_shape(source, text, outline)
    start, end = outline.title_span.start, outline.title_span.end
    if _TITLE_BAD_RE.search(text[start:end]) or text[start:end].startswith(_BULLETS):
        return None  # a sentence (`截止6月6日,…主要情况如下:`) or an item of a list of links, not a title
    # a line above the title that looks like a signature is the title's first line
    debris = {d.span.start for d in outline.debris if d.kind != DebrisKind.signature or d.span.end > start}

    def piece(a: int, b: int) -> bool:
        s = text[a:b]
        return 0 < len(s) <= TITLE_PIECE_MAX and a not in debris and not _TITLE_BAD_RE.search(s)

    # a Party body alone under the title is its byline: the line above is then the site's name
    if start > 0 and "关于" not in text[start + 2 : end] and _byline_at(text, end) is None:
        p_start, p_end = _line_at(text, start - 1, start - 1)
        if piece(p_start, p_end) and ("关于" in text[p_start:p_end] or text[start:end].startswith("关于")):
            start = p_start
    if end < len(text) and not _TITLE_END_RE.search(text[start:end]):
        n_start, n_end = _line_at(text, end + 1, end + 1)
        if piece(n_start, n_end) and _TITLE_END_RE.search(text[n_start:n_end]) and len(text[n_start:n_end]) <= 20:
            end = n_end
    start, end = _trimmed(text, start, end)
    words = source[start:end]
    return Read(words.replace("\n", ""), Evidence(text=words, span=Span(start=start, end=end)))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The title alone when furniture runs on after it or a breadcrumb runs into it."""
    line = text[start:end]
    m = _TITLE_RUNS_ON_RE.search(line)
    if m and "\n" not in line[: m.end()]:
        end = start + m.end()
        line = text[start:end]
    crumb = _CRUMB_BEFORE_RE.match(line)
    if crumb and "关于" in line[crumb.end() :] and "关于" not in line[: crumb.end()]:
        start += crumb.end()
    return start, end


def _title_by_shape(source: str, text: str, outline: Outline) -> Read | None:
    # a source line may be the title run on into its furniture (…的通报 索引号:… 公开日期:…)
    debris = {d.span.start for d in outline.debris if d.kind not in (DebrisKind.contact, DebrisKind.source_line)}
    start = 0
    for _ in range(TITLE_LINES):
        if start >= len(text):
            return None
        _, end = _line_at(text, start, start)
        if start not in debris:
            m = _TITLE_SHAPE_RE.match(text, start, end)
            if m:
                words = source[m.start() : m.end()]
                return Read(words, Evidence(text=words, span=Span(start=m.start(), end=m.end())))
            if end - start > FURNITURE_MAX or _TITLE_BAD_RE.search(text[start:end]):
                return None  # a sentence: the text has begun without a title
        start = end + 1
    return None


def read_signature(text: str, outline: Outline, after: int = 0) -> Read | None:
    """The issuing body under the text (a "signature" before `after`, the title's end, is not one)."""
    sig = next((d for d in reversed(outline.debris) if d.kind == DebrisKind.signature and d.span.start >= after), None)
    if sig is None or text[sig.span.start : sig.span.end] != sig.text:
        return None
    return Read(sig.text.strip(), Evidence(text=sig.text, span=sig.span))


# a Party body named in full: 中共贵州省水利厅党组 / 中共吉水县白鹭镇委员会
_PARTY_BODY = r"中共[\u4e00-\u9fff]{2,30}?(?:党组|委员会|党委|党工委|党总支|总支部委员会|支部委员会)"
_PARTY_BODY_LINE_RE = re.compile(rf"{_PARTY_BODY}$")
# …named as the page's source or owner: 来源:中共…党组 2025-09-18 / 主办:中共…委员会
_SOURCE_ORG_RE = re.compile(rf"(?:来源|主办|主办单位|发布单位|发布机构)[:] ?(?P<o>{_PARTY_BODY})(?![\u4e00-\u9fff])")
HEAD_CHARS = 400


def _byline_at(text: str, end: int) -> tuple[int, int] | None:
    """The line after `end` when it is a Party body named alone."""
    if end >= len(text):
        return None
    nxt = _line_at(text, end + 1, end + 1)
    return nxt if _PARTY_BODY_LINE_RE.match(text, nxt[0], nxt[1]) else None


def read_byline(source: str, title: Read | None) -> Read | None:
    """A Party body named alone on the line under the title: who issued it."""
    nxt = _byline_at(to_reading(source), title.evidence.span.end) if title is not None else None
    if nxt is None:
        return None
    words = source[nxt[0] : nxt[1]]
    return Read(words, Evidence(text=words, span=Span(start=nxt[0], end=nxt[1])))


def read_source_org(source: str) -> Read | None:
    """The Party body a page gives as its source (来源:) near its head or as its owner (主办:) anywhere."""
    text = to_reading(source)
    for m in _SOURCE_ORG_RE.finditer(text):
        if m.start() < HEAD_CHARS or m.group(0).startswith("主办"):
            words = source[m.start("o") : m.end("o")]
            return Read(words, Evidence(text=words, span=Span(start=m.start("o"), end=m.end("o"))))
    return None


def title_publisher(title: Read | None) -> Read | None:
    """The title's words before 关于: `中共武汉市市场监督管理局党组关于…` → `中共武汉市市场监督管理局党组`."""
    if title is None:
        return None
    m = _PUBLISHER_RE.match(to_reading(title.evidence.text))
    if not m or "\n" in m.group("p"):
        return None
    base, words = title.evidence.span.start, title.evidence.text[m.start("p") : m.end("p")]
    return Read(words, Evidence(text=words, span=Span(start=base + m.start("p"), end=base + m.end("p"))))


def read_object(regions: list[Region]) -> Read | None:
    """Who was inspected, as the text names it (possibly `我单位`): `对X开展了…巡察`, else `向X反馈`."""
    loose: Read | None = None
    for r in regions:
        m = _UNIT_FIELD_RE.search(r.text) or _UNIT_RE.search(r.text)
        if m:
            unit = _read(r, m)
            if is_unit_name(clean_unit(unit.value)) or is_short_form(clean_unit(unit.value)):
                return unit
            loose = loose or unit
        fed = _fed_back(r)
        if fed:
            return fed
    return loose


def _fed_back(region: Region, *, named: bool = False) -> Read | None:
    for m in _FED_BACK_RE.finditer(region.text):
        name = m.group("u")
        if is_unit_name(name) or (not named and is_short_form(name)):
            return _read(region, m)
    return None


def resolve_short_form(short: str, publisher: Read | None, head: Region) -> Read | None:
    """The full name a pronoun or short form stands for: the publisher, else the text's own words."""
    if publisher:
        return publisher
    generic = re.sub(r"^(?:我|本)|(?:机关)?(?:党组织|党组|党委|党支部|党总支|党工委)$", "", short)
    candidates: list[Read] = []
    fed = _fed_back(head, named=True)
    if fed:
        candidates.append(fed)
    for m in _PLAN_RE.finditer(head.text):
        if is_unit_name(m.group("u")) and not m.group("u").startswith("关于"):
            candidates.append(_read(head, m))
    fitting = [c for c in candidates if generic in {"", "单位"} or generic in c.value]
    return (fitting or [None])[0]
