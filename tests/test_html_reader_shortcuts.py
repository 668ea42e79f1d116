"""The HTML reader's shortcuts (offsets kept instead of line/column, runs of bare start tags read in
one loop) against html.parser's own stepping, on hypothesis-generated pages of real and broken
markup: the same text and the same map back to the page, or the same refusal."""

from __future__ import annotations

import re
from _markupbase import ParserBase
from html.parser import HTMLParser

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zhenggai.ingest import html as html_module


class _Stepwise(html_module._Extractor):
    """The extractor as html.parser steps: positions from (line, column), every tag its own way."""

    updatepos = ParserBase.updatepos
    goahead = HTMLParser.goahead
    parse_starttag = HTMLParser.parse_starttag

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _pos(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col


def _read(cls: type[html_module._Extractor], source: str) -> tuple[str, list[int], list[int]] | str:
    parser = cls(source)
    try:
        parser.feed(html_module._neutralise(source))
        parser.close()
    except AssertionError as e:
        return f"refused: {e}"
    return "".join(parser.parts), list(parser.map.dst_starts), list(parser.map.src_starts)


PIECES = [
    "<div>", "</div>", "<p>", "</p>", "<span>", "<br>", "<br/>", "<td>", "</td>", "<tr>", "<table>",
    "<script>", "</script>", "<style>", "</style>", "<textarea>", "</textarea>", "<title>t</title>",
    "<!--", "-->", "<![CDATA[", "]]>", "<![if x]>", "<![endif]>", "<?x", "<!x", "</a", "<", ">", "<DIV>",
    "</DIV >", "<p/>", "<div\u3000>", "<a href='x>y'>", "<h1 class=\"a\">", "<img src=a alt='<'>",
    "&amp;", "&#20013;", "&nbsp;", "&bogus;", "&", "\n", "\r\n", "\t", " ", "一、关于问题", "(一)甲",
    "整改情况:已完成。", "正在推进。", "<div class='x", "<a b=",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join), st.booleans())
@example("<html><body>" + "<div><span>" * 50 + "整改情况</body></html>", False)
@example("<p>甲\n乙<div class='x", False)  # left for close(): read past the fed part
@example("<div>整改\n<script><div>x</div></script><p>甲<br>乙", False)
def test_reader_matches_stepwise_parser(body: str, wrapped: bool) -> None:
    page = f"<html><body>{body}</body></html>" if wrapped else body
    assert _read(html_module._Extractor, page) == _read(_Stepwise, page)


def test_run_of_bare_tags_keeps_offsets() -> None:
    page = "<div><span>\n<p><b>整改</b><div>\n<i>甲</i>"
    text, offsets = html_module.html_to_text(page)
    assert text == "\n整改\n\n甲"
    assert [page[offsets.to_source(k)] for k in range(len(text)) if text[k] != "\n"] == ["整", "改", "甲"]


def _neutralise_each(source: str) -> str:
    """`_neutralise` as it first was: every opener looked at, in order, each closed or not."""
    source = html_module._STRAY_LT.sub(html_module._INERT, source)
    out, pos = [], 0
    for m in html_module._OPENER_RE.finditer(source):
        i = m.start()
        if m.group(1):
            closed = html_module._COMMENT_CLOSE.search(source, i + 4) is not None
        elif m.group(2):
            name = html_module._MARKED_NAME.match(source, i + 3)
            close = html_module._MARKED_CLOSE.get(name.group().strip().lower()) if name else None
            closed = close is not None and close.search(source, name.end()) is not None
        else:
            closed = source.find(">", i) >= 0
        if not closed:
            out += [source[pos:i], html_module._INERT]
            pos = i + 1
    return "".join([*out, source[pos:]])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
@example("<html><body><p>整改情况</p>" + "<!--<!x</a<?" * 20)
@example("<![if x]><!--a-->b<![cdata[c]]>d<!--e")
def test_neutralise_matches_each_opener_read(page: str) -> None:
    assert html_module._neutralise(page) == _neutralise_each(page)
