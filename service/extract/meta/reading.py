"""A reading view of the text for the patterns: traditional characters of their vocabulary made
simplified, one character for one, so every offset read in the view is an offset in the text and
every value and quote is still taken from the text's own characters (`嵐山區`, `省委第七巡視組`)."""

from __future__ import annotations

# traditional → simplified for the words the metadata patterns look for (names of teams, units,
# rounds, forms, dates and feedback); a character outside these stays as it is
_PAIRS = (
    "對对 開开 進进 視视 組组 屆届 輪轮 區区 縣县 專专 項项 規规 機机 動动 頭头 級级 聯联 饋馈 關关 於于 並并 "
    "黨党 織织 員员 會会 廳厅 辦办 隊队 學学 園园 館馆 團团 銀银 鎮镇 鄉乡 處处 臺台 場场 廠厂 單单 簡简 稱称 "
    "間间 報报 況况 佈布 發发 時时 來来 據据 國国 務务 紀纪 監监 衛卫 醫医 體体 屬属 華华 權权 議议 導导 為为 "
    "見见 號号 題题 責责 續续 個个 實实 現现 將将 條条 長长 門门 書书 記记 計计 劃划"
)
T2S = {ord(p[0]): ord(p[1]) for p in _PAIRS.split()}


def to_reading(text: str) -> str:
    """The same text (same length, same offsets) with the patterns' traditional characters simplified."""
    return text.translate(T2S)
