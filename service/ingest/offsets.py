"""Map offsets in the normalised text back to the original file.

Normalisation copies runs of characters unchanged and drops or inserts a few in between, so
the map is a list of runs (normalised start → original start), searched by bisection. Maps
compose, so HTML extraction and text normalisation each keep their own.
"""

from __future__ import annotations

import itertools
import operator
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field


@dataclass
class OffsetMap:
    """Runs of identical characters: `dst[dst_start + k]` came from `src[src_start + k]`."""

    dst_starts: array = field(default_factory=lambda: array("q"))
    src_starts: array = field(default_factory=lambda: array("q"))
    dst_length: int = 0
    src_length: int = 0

    def add_run(self, dst_start: int, src_start: int) -> None:
        """Start a run at `dst_start`, unless it only continues the last one (a line copied right
        after its line break): the map stays a few runs long instead of two a line."""
        if self.dst_starts:
            last = self.dst_starts[-1]
            if last == dst_start:
                self.src_starts[-1] = src_start
                return
            if self.src_starts[-1] + (dst_start - last) == src_start:
                return
        self.dst_starts.append(dst_start)
        self.src_starts.append(src_start)

    def to_source(self, offset: int) -> int:
        """Offset in the source of the character at `offset` (or of the end, at `dst_length`)."""
        if not 0 <= offset <= self.dst_length:
            raise IndexError(f"offset {offset} outside 0..{self.dst_length}")
        if offset == self.dst_length:
            return self.src_length
        k = bisect_right(self.dst_starts, offset) - 1
        if k < 0:
            return 0
        return self.src_starts[k] + (offset - self.dst_starts[k])

    def span_to_source(self, start: int, end: int) -> tuple[int, int]:
        """Source span covering the normalised span `[start, end)`."""
        if end <= start:
            s = self.to_source(start)
            return s, s
        return self.to_source(start), self.to_source(end - 1) + 1

    def compose(self, inner: OffsetMap) -> OffsetMap:
        """`self` maps C→B and `inner` maps B→A: return the map C→A (one pass over both maps' runs)."""
        out = OffsetMap(dst_length=self.dst_length, src_length=inner.src_length)
        idst, isrc = inner.dst_starts, inner.src_starts
        m, n = len(idst), len(self.dst_starts)
        if m == 1 and idst[0] == 0 and all(s < inner.dst_length for s in self.src_starts):
            # the inner map is one run (a shift): shift every run of `self`
            out.dst_starts = array("q", self.dst_starts)
            out.src_starts = array("q", (s + isrc[0] for s in self.src_starts))
            return out
        if n == 1 and self.dst_starts[0] == 0 and m and idst[0] == 0 and self.dst_length > 0:
            shifted = self._shifted(inner)
            if shifted is not None:
                return shifted
        add = out.add_run
        for k in range(n):
            d0, s0 = self.dst_starts[k], self.src_starts[k]
            d1 = self.dst_starts[k + 1] if k + 1 < n else self.dst_length
            length = d1 - d0
            # split this run wherever the inner map starts a new run
            j = max(bisect_right(idst, s0) - 1, 0)
            pos = 0
            while pos < length:
                b = s0 + pos
                while j + 1 < m and idst[j + 1] <= b:
                    j += 1
                if m and idst[j] <= b < inner.dst_length:
                    add(d0 + pos, isrc[j] + (b - idst[j]))
                else:
                    add(d0 + pos, inner.to_source(b) if m else b)
                nxt = idst[j + 1] if j + 1 < m else None
                step = length - pos if nxt is None else min(length - pos, nxt - b)
                pos += max(step, 1)
        return out

    def _shifted(self, inner: OffsetMap) -> OffsetMap | None:
        """`compose` when `self` is one run (a text cut out of the inner one, as normalising an
        already normal text gives): the inner runs it spans, moved to start at 0, in C."""
        s0, length = self.src_starts[0], self.dst_length
        if s0 + length > inner.dst_length:
            return None
        idst, isrc = inner.dst_starts, inner.src_starts
        j = bisect_right(idst, s0) - 1
        stop = bisect_left(idst, s0 + length)
        out = OffsetMap(dst_length=length, src_length=inner.src_length)
        out.dst_starts = array("q", [0])
        out.src_starts = array("q", [isrc[j] + (s0 - idst[j])])
        out.dst_starts.extend(map(operator.sub, idst[j + 1 : stop], itertools.repeat(s0)))
        out.src_starts.extend(isrc[j + 1 : stop])
        return out

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        m = cls(dst_length=length, src_length=length)
        m.add_run(0, 0)
        return m
