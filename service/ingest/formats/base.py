"""What an input format is, and what its reader hands to normalising.

A reader turns a file's bytes into `Extracted`: the text to normalise (one line per paragraph is
enough; normalising folds spaces and blank lines), the text its offsets lead back to, and where
pages start. It never normalises: `zhenggai.ingest.document` does that once for every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zhenggai.ingest.offsets import OffsetMap
from zhenggai.schemas.document import SetAside
from zhenggai.vocab.warnings import Warning


@dataclass(frozen=True)
class Extracted:
    """A reader's output, before normalising."""

    text: str
    original: str  # what `Document.original` holds and every offset leads back to
    offsets: OffsetMap | None = None  # `text` → `original`; None when they are the same string
    encoding: str = ""
    bom: bool = False
    page_starts: tuple[int, ...] = ()  # offsets in `original` where pages 1, 2, … start
    set_aside: tuple[SetAside, ...] = ()
    warnings: tuple[Warning, ...] = ()


BytesReader = Callable[[bytes, str, str | None], Extracted]  # (data, name, forced encoding)
TextReader = Callable[[str, str], Extracted]  # (text, name)


@dataclass(frozen=True)
class InputFormat:
    """One input format: how to recognise it and how to read it."""

    name: str
    media_type: str
    suffixes: tuple[str, ...]
    read: BytesReader
    read_text: TextReader | None = None  # formats that can arrive as a string (JSON `text`)
    markdown: bool = False  # normalising strips Markdown's line prefixes and emphasis
    magic: tuple[bytes, ...] = field(default=())  # leading bytes that identify a binary format

    @property
    def binary(self) -> bool:
        return self.read_text is None
