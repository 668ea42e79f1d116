"""A lexical prior for problem categories, built from the taxonomy file alone.

Two signals, both from the taxonomy's own words:
- keywords (taxonomy v2 on): the terms of art by which reports name an area (选人用人, 三会一课,
  营商环境), matched longest first so a longer term owns its characters (村级集体经济 is rural's,
  not also 集体经济 of another); a responsibility right after another area's term is that area's
  (安全生产主体责任 is risk_safety, 意识形态工作责任 ideology, not main_responsibility);
- bigrams: the Chinese character bigrams of each category's label, definition, examples and
  keywords, each weighted by how few categories share it (idf), a weak fallback for wording no
  keyword covers.

A problem is scored on its own words first (its lead clause, up to the first comma, counts more
than the rest: reports state the problem there and add its symptoms after) and then on its
heading path with less weight: the nearest parent problem's title, then the area heading
(〔一〕贯彻落实…方面). So a problem whose own words share next to nothing with any category
inherits its area, and one whose own words clearly name another area keeps its own
(产业转型升级缓慢 under a 贯彻落实决策部署 area is development). The weights were set on the
seeds and the layouts and measured untouched on the pages and the holdout (README,
Categories). No rule here names a report or a phrase of one.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

from zhenggai.ingest.traditional import is_traditional, same_length_simplified
from zhenggai.schemas.taxonomy import OTHER, Taxonomy

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# a character or two inserted in brackets: 河(湖)长 reads 河湖长, 村(社区) 村社区
_INSERT = re.compile(r"(?<=[\u4e00-\u9fff])[(（]([\u4e00-\u9fff]{1,2})[)）]")
_CLAUSE_END = re.compile(r"[,，;；:：。]")
# a lead clause that only sets the scene: 随着…, 在…过程中 / 在…进程中
_SETTING = re.compile(r"随着|在[^,，;；:：。]{0,30}[过进]程中$")

KEYWORD = 1.0  # a keyword of two characters; each further character adds LONGER
MANNER = 0.5  # a manner term's share of a keyword's weight
LONGER = 0.25
BIGRAM = 0.08  # per idf unit of a shared bigram: a tie-breaker beside the keywords
LEAD = 1.0  # the problem's lead clause
REST = 0.6  # the rest of its own words
PARENT = 0.6  # its nearest parent problem's first category (a vote, however many words it has)
AREA = 0.4  # the area heading's first category: the two together weigh one short keyword
BUSINESS = 1.0  # the problem names the inspected unit's own business (统计数据 of a 统计局): core_duties
SECONDARY = 0.8  # a second category's own-word score, as a share of the first's, to be named (GUIDE: "as much about")


# What a unit's name says it does, once its party body, place and kind of office are taken off:
# 中共城固县统计局党组 → 统计, 中共遵义市委网络安全和信息化委员会办公室 → 网络安全和信息化.
_PARTY = re.compile(r"^中共|(?:党组|党委|党工委|党总支|党支部|委员会|机关)+$")
_PLACE = re.compile(r"^(?:[\u4e00-\u9fff]{1,7}?(?:自治区|自治州|特别行政区|省|市|州|盟|地区|县|区|旗|镇|乡|街道)委?)+")
_OFFICE = re.compile(
    r"(?:委员会办公室|办公室|管理局|监督管理局|局|厅|委|办|中心|所|站|院|署|处|协会|联合会|公司|集团|有限公司)+$"
)
CORE = "core_duties"
UNIT_MAX = 60  # characters of a unit's name read (names are shorter; the cap bounds the patterns' work)
# words any unit's name may hold that name no business of its own (城市发展集团, 投资集团, 服务中心)
_GENERIC = {"发展", "建设", "服务", "管理", "投资", "城市", "保护", "事务", "综合", "经济"}


@functools.lru_cache(maxsize=256)
def business_terms(unit: str) -> frozenset[str]:
    """The bigrams of what a unit's name says it does (none for a committee of a place: 区委 does
    everything). Cached: every problem of a report asks it of the same name, several times."""
    words = _PARTY.sub("", simplified(unit[:UNIT_MAX]).strip())  # 中共… and …党组 in one pass
    words = _PLACE.sub("", words).removeprefix("人民")  # 人民检察院, 人民医院: 人民 says nothing
    words = _OFFICE.sub("", words)
    return frozenset(bigrams(words) - _GENERIC) if len(words) >= 2 else frozenset()


def _lead(title: str) -> str:
    cut = _CLAUSE_END.search(title)
    return title[: cut.start()] if cut else title


def bigrams(text: str) -> set[str]:
    return {run[i : i + 2] for run in _HAN_RUN.findall(text) for i in range(len(run) - 1)}


def simplified(text: str) -> str:
    """The prior reads simplified characters (its keywords are written so), as the rules do."""
    return same_length_simplified(text) if is_traditional(text) else text


@dataclass(frozen=True)
class Ranked:
    """A category's score, and the part of it that the problem's own words earn."""

    id: str
    score: float
    own: float


class Prior:
    def __init__(self, taxonomy: Taxonomy) -> None:
        cats = [c for c in taxonomy.categories if c.id != OTHER]
        self.ids = [c.id for c in cats]
        self.bags = {
            c.id: bigrams(c.label + c.definition + "".join([*c.examples, *c.keywords, *c.manner])) for c in cats
        }
        df = Counter(g for bag in self.bags.values() for g in bag)
        self.idf = {g: math.log(len(self.bags) / n) for g, n in df.items()}
        owners: dict[str, list[str]] = {}
        self.manner: set[str] = set()
        for c in cats:
            for k in [*c.keywords, *c.manner]:
                if c.id not in owners.setdefault(k, []):
                    owners[k].append(c.id)
            self.manner.update(c.manner)
        for term in taxonomy.neutral:  # claims its characters for no category
            owners.setdefault(term, [])
        # longest first, so a longer term claims its characters before a shorter one inside it
        self.keywords = sorted(owners.items(), key=lambda kv: -len(kv[0]))

    def lexical(self, text: str) -> dict[str, float]:
        """Each category's score on one piece of text (keywords, then bigrams as a tie-breaker)."""
        text = _INSERT.sub(r"\1", simplified(text))
        scores = dict.fromkeys(self.ids, 0.0)
        covered = bytearray(len(text))
        found: list[tuple[int, int, str, list[str]]] = []
        for word, cids in self.keywords:
            start = text.find(word)
            while start >= 0:
                end = start + len(word)
                if not any(covered[start:end]):
                    covered[start:end] = b"\x01" * len(word)
                    found.append((start, end, word, cids))
                start = text.find(word, end)
        ends = {end: cids for _s, end, _w, cids in found}
        for start, _end, word, cids in found:
            # a responsibility for an area is about that area: 安全生产主体责任, 意识形态工作责任
            before = ends.get(start)
            if before is None and text[start - 2 : start] == "工作":
                before = ends.get(start - 2)
            # …and a policy of an area is that area's: 惠民惠农政策落实不到位 is livelihood, not central_decisions
            if (word.endswith("责任") or word.startswith("政策")) and before and not set(before) & set(cids):
                continue
            weight = (KEYWORD + LONGER * (len(word) - 2)) * (MANNER if word in self.manner else 1.0)
            for cid in cids:  # (a neutral term has none)
                scores[cid] += weight / len(cids)
        grams = bigrams(text)
        for cid, bag in self.bags.items():
            # fsum: exact whatever order the set yields its bigrams, so ties break the same in every run
            scores[cid] += BIGRAM * math.fsum(self.idf[g] for g in grams & bag)
        return scores

    def own(self, title: str) -> dict[str, float]:
        """The problem's own words: its lead clause counts more than the symptoms after it."""
        cut = _CLAUSE_END.search(title)
        if cut and _SETTING.match(title[: cut.start()]):  # 随着城市化进程不断发展,… sets the scene
            title = title[cut.end() :]
            cut = _CLAUSE_END.search(title)
        lead, rest = (title[: cut.start()], title[cut.end() :]) if cut else (title, "")
        a, b = self.lexical(lead), self.lexical(rest)
        return {cid: LEAD * a[cid] + REST * b[cid] for cid in self.ids}

    def scores(self, title: str, parents: list[str] | None = None, area: str = "", unit: str = "") -> list[Ranked]:
        """Categories by decreasing score (ties in taxonomy order): the problem's own words, then
        its nearest parent's title (`parents` root first) and its area heading with less weight;
        a problem that names the inspected unit's own business (`unit`'s name) is core duties."""
        own = self.own(title)
        terms = business_terms(unit) if unit and CORE in own else set()
        if terms & bigrams(_lead(simplified(title))):  # said in the lead clause, where the problem is stated
            own[CORE] += BUSINESS
        total = dict(own)
        for text, weight in ((parents[-1] if parents else "", PARENT), (area, AREA)):
            # a heading votes for its own first category with a fixed weight, however many of
            # that area's words it piles up (贯彻落实党中央重大决策部署和省委工作要求方面)
            # a heading votes only when a keyword speaks (班子“头雁效应”发挥不充分 names no area)
            heading = self.lexical(text) if text else {}
            best = max(heading.values(), default=0.0)
            for cid, score in heading.items():
                if best >= KEYWORD and score == best:
                    total[cid] += weight
        ranked = [Ranked(cid, total[cid], own[cid]) for cid in self.ids]
        return sorted(ranked, key=lambda r: -r.score)

    def rank(self, text: str) -> list[tuple[str, float]]:
        """One undivided text (no heading path): categories by decreasing score."""
        return [(r.id, r.score) for r in self.scores(text)]

    def choose(self, title: str, parents: list[str] | None = None, area: str = "", unit: str = "") -> tuple[str, str]:
        """The first category and, when the problem's own words are nearly as much about another,
        that one as its secondary ('' otherwise); `other` when nothing is shared at all."""
        ranked = self.scores(title, parents, area, unit)
        first = ranked[0]
        if first.score <= 0:
            return OTHER, ""
        second = max(ranked[1:], key=lambda r: r.own)
        keep = first.own > 0 and second.own >= SECONDARY * first.own
        return first.id, second.id if keep else ""


# keyed by identity, holding the taxonomy too, so an id is never reused for another one
_PRIORS: dict[int, tuple[Taxonomy, Prior]] = {}


def prior_for(taxonomy: Taxonomy) -> Prior:
    """One prior per loaded taxonomy (taxonomies are loaded once, `load_taxonomy` caches them)."""
    key = id(taxonomy)
    if key not in _PRIORS:
        _PRIORS[key] = (taxonomy, Prior(taxonomy))
    return _PRIORS[key][1]
