"""HTML → plain text that keeps a map back to the HTML source.

Government and newspaper pages wrap the report in navigation, menus and footers; those stay in
the text as lines (the debris pass sets them aside by what they say), while scripts, styles and
markup go. Block elements become line breaks so the report's paragraphs survive; a table row becomes one
line with its cells apart.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

from zhenggai.ingest.offsets import OffsetMap

_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "header", "footer", "nav", "title", "blockquote", "pre", "hr", "dd", "dt",
    "dl", "center", "form", "main", "aside", "figure", "figcaption",
}  # fmt: skip
_CELLS = {"td", "th"}  # a table row stays one line, its cells apart: 序号 问题 整改措施 完成情况
_SKIP = {"script", "style", "noscript", "template", "title"}
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def declared_charset(data: bytes) -> str | None:
    """The `<meta charset>` an HTML page declares, if any, from its first kilobytes."""
    m = _CHARSET_RE.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


class _Extractor(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.parts: list[str] = []
        self.map = OffsetMap()
        self.length = 0
        self.skip_depth = 0
        self._line_starts = [0]
        for m in re.finditer("\n", source):
            self._line_starts.append(m.end())

    def _pos(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def _emit(self, text: str, src: int, *, exact: bool = True) -> None:
        if not text:
            return
        if exact:
            self.map.add_run(self.length, src)
        else:  # an entity: every output character maps to the entity's start
            for k in range(len(text)):
                self.map.add_run(self.length + k, src)
        self.parts.append(text)
        self.length += len(text)

    def _newline(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self._emit("\n", self._pos(), exact=False)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in _BLOCK:
            self._newline()
        elif tag in _CELLS:
            self._cell()

    def _cell(self) -> None:
        if self.parts and not self.parts[-1].endswith(("\n", "\t")):
            self._emit("\t", self._pos(), exact=False)

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(self.skip_depth - 1, 0)
        elif tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self._emit(data, self._pos())

    def handle_entityref(self, name: str) -> None:
        if not self.skip_depth:
            self._emit(html_lib.unescape(f"&{name};"), self._pos(), exact=False)

    def handle_charref(self, name: str) -> None:
        if not self.skip_depth:
            self._emit(html_lib.unescape(f"&#{name};"), self._pos(), exact=False)


def html_to_text(source: str) -> tuple[str, OffsetMap]:
    """Visible text of an HTML page and the map from that text back to `source`."""
    parser = _Extractor(source)
    parser.feed(source)
    parser.close()
    text = "".join(parser.parts)
    parser.map.dst_length = len(text)
    parser.map.src_length = len(source)
    return text, parser.map
