"""HTML → plain text that keeps a map back to the HTML source.

Government and newspaper pages wrap the report in navigation, menus and footers; those stay in
the text as lines (the debris pass sets them aside by what they say), while scripts, styles and
markup go. Block elements become line breaks so the report's paragraphs survive; a table row becomes one
line with its cells apart.
"""

from __future__ import annotations

import html as html_lib
import io
import re
from html.parser import HTMLParser

from zhenggai.ingest.errors import IngestError
from zhenggai.ingest.offsets import OffsetMap

_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "header", "footer", "nav", "title", "blockquote", "pre", "hr", "dd", "dt",
    "dl", "center", "form", "main", "aside", "figure", "figcaption",
}  # fmt: skip
_CELLS = {"td", "th"}  # a table row stays one line, its cells apart: 序号 问题 整改措施 完成情况
_SKIP = {"script", "style", "noscript", "template", "title"}
# Markup openers and what closes each, as html.parser reads them. The parser looks for the
# closer from every opener; when none follows, every opener scans to the end of the page
# (`<!--` ten thousand times is quadratic) and `<![` without a name even raises. Such an
# opener can never become markup, so it is read as the text it is (which the parser does
# in the end too): `_neutralise` marks its `<` before parsing and `_restore` brings it back.
_OPENER_RE = re.compile(r"<(?:(!--)|(!\[)|(/)|(\?)|(!)|([a-zA-Z]))")  # every opener (the tests read them all)
_SPECIAL_OPENER_RE = re.compile(r"<(?:(!--)|(!\[))")  # as _OPENER_RE reads them: `<!--` before `<![`
_COMMENT_CLOSE = re.compile(r"--\s*+!?>")
_MARKED_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*+\s*+")
_MARKED_CLOSE = {
    **dict.fromkeys(("temp", "cdata", "ignore", "include", "rcdata"), re.compile(r"]\s*+]\s*+>")),
    **dict.fromkeys(("if", "else", "endif"), re.compile(r"]\s*+>")),
}
_STRAY_LT = re.compile(r"<(?![!/?a-zA-Z])")  # `1 < 2`: text to the parser too, one event per `<`
_INERT = "\ufdd0"  # a noncharacter: never in a real page, one character like the `<` it stands for
# A start tag without attributes (`<div>`), the bulk of a page: read here in one match, as
# html.parser's own regexes read it (the same name class, `>` right after the name).
_BARE_STARTTAG = re.compile(r"<([a-zA-Z][^\t\n\r\f />\x00]*)>")
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def declared_charset(data: bytes) -> str | None:
    """The `<meta charset>` an HTML page declares, if any, from its first kilobytes."""
    m = _CHARSET_RE.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


class _NextMatch:
    """Where `pattern` next matches at or after a position; positions only grow, so each
    pattern is searched through the page about once in all."""

    def __init__(self, pattern: re.Pattern[str], source: str) -> None:
        self.pattern, self.source = pattern, source
        self.at: int | None = -1  # -1: not searched yet; None: no match from `searched_from` on

    def exists_after(self, pos: int) -> bool:
        if self.at is not None and self.at < pos:
            m = self.pattern.search(self.source, pos)
            self.at = m.start() if m else None
        return self.at is not None


def _neutralise(source: str) -> str:
    """`source` with every `<` that cannot open markup replaced by `_INERT`: stray ones, and
    openers that nothing closes."""
    source = _STRAY_LT.sub(_INERT, source)
    comment = _NextMatch(_COMMENT_CLOSE, source)
    marked = {p: _NextMatch(p, source) for p in set(_MARKED_CLOSE.values())}
    # Every `<` left opens markup. A tag's (or `</`, `<?`, `<!`) is closed by any `>` after it, so
    # before the page's last `>` only comments and marked sections (which need their own closer)
    # are looked at; after it nothing is closed (every closer ends in `>`), so every `<` there
    # is inert, replaced in one pass.
    last_gt = source.rfind(">")
    tail_from = last_gt + 1
    # written into one growing string (a list of every character cost 8 bytes a character)
    out: io.StringIO | None = None
    pos = 0
    for m in _SPECIAL_OPENER_RE.finditer(source, 0, max(last_gt, 0)):
        i = m.start()
        if m.group(1):
            closed = comment.exists_after(i + 4)
        else:
            name = _MARKED_NAME.match(source, i + 3)
            close = _MARKED_CLOSE.get(name.group().strip().lower()) if name else None
            closed = close is not None and marked[close].exists_after(name.end())
        if not closed:
            out = out or io.StringIO()
            out.write(source[pos:i])
            out.write(_INERT)
            pos = i + 1
    if source.find("<", tail_from) < 0:
        if out is None:
            return source
        out.write(source[pos:])
        return out.getvalue()
    tail = source[tail_from:].replace("<", _INERT)
    if out is None:
        return source[:tail_from] + tail
    out.write(source[pos:tail_from])
    out.write(tail)
    return out.getvalue()


def _restore(text: str) -> str:
    return text.replace(_INERT, "<") if _INERT in text else text


class _Extractor(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.parts: list[str] = []
        self.map = OffsetMap()
        self.length = 0
        self.skip_depth = 0

    # Positions: the parser reports each event's place as (line, column), counting the line
    # breaks of every piece it steps over; the offset into the page is all the map needs, so it
    # is kept instead (`updatepos` is where the parser moves on; `goahead` trims what it read).
    def reset(self) -> None:
        super().reset()
        self._at = 0  # offset into the page where the event being handled starts
        self._base = 0  # offset of `rawdata[0]` into the page

    def updatepos(self, i: int, j: int) -> int:
        if i < j:
            self._at = self._base + j
        return j

    def goahead(self, end: bool) -> None:
        before = len(self.rawdata)
        super().goahead(end)
        self._base += before - len(self.rawdata)

    def parse_starttag(self, i: int) -> int:
        """Bare start tags here, one after another as the parser's loop would step through them
        (nothing lies between them for it to report); any other tag the parser's own way."""
        rawdata, match = self.rawdata, _BARE_STARTTAG.match
        m = match(rawdata, i)
        if m is None:
            return super().parse_starttag(i)
        while True:
            self._HTMLParser__starttag_text = m.group()  # what html.parser keeps for get_starttag_text()
            self.lasttag = tag = m.group(1).lower()
            self.handle_starttag(tag, [])
            end = m.end()
            if tag in self.CDATA_CONTENT_ELEMENTS:
                self.set_cdata_mode(tag)
                return end
            m = match(rawdata, end)
            if m is None:
                return end
            self._at = self._base + end

    def _pos(self) -> int:
        return self._at

    def _emit(self, text: str, src: int, *, exact: bool = True) -> None:
        if not text:
            return
        length = len(text)
        if exact or length == 1:  # (a break or a tab: one character, one run)
            self.map.add_run(self.length, src)
        else:  # an entity: every output character maps to the entity's start
            for k in range(length):
                self.map.add_run(self.length + k, src)
        self.parts.append(text.replace(_INERT, "<") if _INERT in text else text)
        self.length += length

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
    try:
        parser.feed(_neutralise(source))
        parser.close()
    except AssertionError as e:  # html.parser's way of refusing markup it cannot read
        raise IngestError(f"the HTML could not be read: {e}") from e
    text = "".join(parser.parts)
    parser.map.dst_length = len(text)
    parser.map.src_length = len(source)
    return text, parser.map
