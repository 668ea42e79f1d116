"""Word's list numbering, rendered as the report shows it: 一、 (一) 1. (1) ①.

python-docx reads paragraphs but not the labels Word generates from the numbering part
(numbering.xml), and in reports those labels are the structure. Each `w:num` is a list with its own
counters over an `w:abstractNum`'s levels (start, numFmt, lvlText such as `（%2）`, lvlRestart).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"


def chinese(n: int, digits: str = _CN, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (up to 9999)."""
    if n <= 0 or n > 9999:
        return str(n)
    out, zero = [], False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d = n // power % 10
        if d:
            if zero:
                out.append(digits[0])
            out.append(("" if d == 1 and unit == units[0] and n < 20 else digits[d]) + unit)
            zero = False
        elif out:
            zero = True
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = []
    for value, sym in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                       (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):  # fmt: skip
        count, n = divmod(n, value)
        out.append(sym * count)
    return "".join(out)


def _enclosed(n: int, first: int, last: int) -> str:
    return chr(first + n - 1) if 1 <= n <= last - first + 1 else str(n)


def format_number(n: int, fmt: str) -> str:
    """`n` in Word's number format `fmt` (the common ones; any other falls back to decimal)."""
    match fmt:
        case "chineseCounting" | "chineseCountingThousand" | "taiwaneseCounting" | "taiwaneseCountingThousand":
            return chinese(n)
        case "chineseLegalSimplified":
            return chinese(n, _CN_LEGAL, "拾佰仟")
        case "ideographDigital" | "taiwaneseDigital":
            return "".join("〇一二三四五六七八九"[int(c)] for c in str(n))
        case "ideographTraditional":
            return _STEMS[(n - 1) % 10] if n > 0 else str(n)
        case "ideographZodiac":
            return _BRANCHES[(n - 1) % 12] if n > 0 else str(n)
        case "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" | "ideographEnclosedCircle":
            return _enclosed(n, 0x2460, 0x2473)  # ① … ⑳
        case "decimalEnclosedParen":
            return _enclosed(n, 0x2474, 0x2487)  # ⑴ … ⒇
        case "decimalEnclosedFullstop":
            return _enclosed(n, 0x2488, 0x249B)  # ⒈ … ⒛
        case "decimalZero":
            return f"{n:02d}"
        case "lowerLetter":
            return _letters(n)
        case "upperLetter":
            return _letters(n).upper()
        case "lowerRoman":
            return _roman(n)
        case "upperRoman":
            return _roman(n).upper()
        case "none" | "bullet":
            return ""
        case _:
            return str(n)


@dataclass(frozen=True)
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""  # lvlText, `%1` … `%9` standing for the levels' numbers
    restart: int | None = None  # lvlRestart: restart after this 1-based level; 0 never; None any higher
    legal: bool = False  # isLgl: the referenced levels in decimal


def _val(el, tag: str, default: str | None = None) -> str | None:
    child = el.find(_W + tag) if el is not None else None
    return child.get(_W + "val", default) if child is not None else default


_LEVELS = 9  # list levels in Word: ilvl 0..8


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _levels(abstract) -> dict[int, Level]:
    out = {}
    for lvl in abstract.iter(_W + "lvl"):
        restart = _val(lvl, "lvlRestart")
        ilvl = _int(lvl.get(_W + "ilvl"), 0)
        if not 0 <= ilvl < _LEVELS:  # Word has nine levels; a file claiming others is ignored there
            continue
        out[ilvl] = Level(
            start=_int(_val(lvl, "start"), 1),
            fmt=_val(lvl, "numFmt", "decimal") or "decimal",
            text=_val(lvl, "lvlText", "") or "",
            restart=None if restart is None else _int(restart, 0),
            legal=lvl.find(_W + "isLgl") is not None and _val(lvl, "isLgl", "1") not in ("0", "false"),
        )
    return out


@dataclass
class Numbering:
    """The lists of one document, and their counters as the paragraphs go by in order."""

    lists: dict[str, dict[int, Level]] = field(default_factory=dict)  # numId → levels
    counters: dict[str, list[int | None]] = field(default_factory=dict)

    @classmethod
    def from_part(cls, element) -> Numbering:
        """From the numbering part's XML root (`document.part.numbering_part.element`)."""
        if element is None:
            return cls()
        abstracts = {a.get(_W + "abstractNumId"): _levels(a) for a in element.iter(_W + "abstractNum")}
        lists = {}
        for num in element.iter(_W + "num"):
            levels = dict(abstracts.get(_val(num, "abstractNumId"), {}))
            for over in num.iter(_W + "lvlOverride"):
                ilvl = _int(over.get(_W + "ilvl"), 0)
                redefined = over.find(_W + "lvl")
                if redefined is not None:
                    levels[ilvl] = _levels(over)[ilvl]
                start = _val(over, "startOverride")
                if start is not None and ilvl in levels:
                    lv = levels[ilvl]
                    levels[ilvl] = Level(_int(start, 1), lv.fmt, lv.text, lv.restart, lv.legal)
            lists[num.get(_W + "numId")] = levels
        return cls(lists=lists)

    def label(self, num_id: str, ilvl: int) -> str:
        """Count one paragraph of list `num_id` at level `ilvl` and return its label ('' if none)."""
        levels = self.lists.get(num_id)
        if not levels or ilvl not in levels:  # only 0..8 are ever in `levels`
            return ""
        counts = self.counters.setdefault(num_id, [None] * _LEVELS)
        counts[ilvl] = levels[ilvl].start if counts[ilvl] is None else counts[ilvl] + 1
        for deeper in range(ilvl + 1, _LEVELS):
            lv = levels.get(deeper)
            restart = deeper if lv is None or lv.restart is None else lv.restart
            if ilvl < restart:
                counts[deeper] = None
        level = levels[ilvl]
        if level.fmt == "bullet":
            return ""
        out = level.text
        for ref in range(9, 0, -1):  # %10 does not exist; high first so %1 never eats %1x
            token = f"%{ref}"
            if token in out:
                k = ref - 1
                ref_level = levels.get(k, Level())
                n = counts[k] if counts[k] is not None else ref_level.start
                fmt = "decimal" if level.legal and k != ilvl else ref_level.fmt
                out = out.replace(token, format_number(n, fmt))
        return out
