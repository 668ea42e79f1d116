"""The characters a regular expression's match can start with, read from its parsed form.

A union of many patterns (the page-debris patterns) costs a try of every alternative at every
position of a text; a class of its first characters is scanned in C at memchr-like speed, so
the union need only be tried where one of them stands. Anything this cannot bound (`.`, a
negated class, a category other than \\s and \\d) gives None: no prefilter, try everywhere.
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as C
from re import _parser

_Items = list[tuple[object, object]]


@cache
def _category(category: object) -> frozenset[str] | None:
    """Every character of \\s or \\d (str patterns: Unicode), found by the regex engine itself."""
    probe = {C.CATEGORY_SPACE: (r"\s", 0x3001), C.CATEGORY_DIGIT: (r"\d", 0x20000)}.get(category)
    if probe is None:
        return None
    pattern, below = probe  # every \s is below U+3001, every \d below U+20000
    return frozenset(re.findall(pattern, "".join(map(chr, range(below)))))


def _class(items: _Items) -> set[str] | None:
    out: set[str] = set()
    for op, av in items:
        if op is C.LITERAL:
            out.add(chr(av))  # type: ignore[arg-type]
        elif op is C.RANGE:
            lo, hi = av  # type: ignore[misc]
            out.update(map(chr, range(lo, hi + 1)))
        elif op is C.CATEGORY and (chars := _category(av)) is not None:
            out |= chars
        else:
            return None  # a negated class or another category: unbounded
    return out


def _first(items: _Items) -> tuple[set[str] | None, bool]:
    """(first characters, whether the sequence can match the empty string)."""
    out: set[str] = set()
    for op, av in items:
        if op is C.LITERAL:
            out.add(chr(av))  # type: ignore[arg-type]
            return out, False
        if op is C.IN:
            chars = _class(av)  # type: ignore[arg-type]
            return (None, False) if chars is None else (out | chars, False)
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero width
        if op is C.BRANCH:
            alternatives = av[1]  # type: ignore[index]
        elif op is C.SUBPATTERN:
            if av[1] & re.IGNORECASE:  # type: ignore[index]
                return None, False
            alternatives = [av[3]]  # type: ignore[index]
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            alternatives = [av[2]]  # type: ignore[index]
        else:
            return None, False
        nullable = op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] == 0  # type: ignore[index]
        for alt in alternatives:
            chars, empty = _first(alt)
            if chars is None:
                return None, False
            out |= chars
            nullable |= empty
        if not nullable:
            return out, False
    return out, True


def first_chars(pattern: str, *, exclude: str = "") -> re.Pattern[str] | None:
    """A class of the characters a match of `pattern` can start with (less `exclude`: those
    the caller knows no match it looks for starts with); None when any can, or when the
    pattern can match the empty string."""
    parsed = _parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    chars, empty = _first(list(parsed))
    if chars is None or empty or not chars:
        return None
    chars -= set(exclude)
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")
