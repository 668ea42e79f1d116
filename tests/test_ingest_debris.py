"""Page furniture of the genre is set aside whatever the site, and hostile lines cost linear time."""

from __future__ import annotations

import time

import pytest

from zhenggai.ingest.debris import find_debris
from zhenggai.ingest.document import load_text
from zhenggai.structure.outline import parse_outline

# A fictional county's page as a mirror or newspaper site would publish it: the report between
# breadcrumbs, menus, source lines, button bars, keywords, neighbours' links and an editor line.
PAGE = """您现在的位置：网站首页 > 信息公开 > 巡察工作
01版:要闻 02版:综合 03版:理论 04版:专刊
打印 关闭
中共栖霞湾镇委员会关于巡察整改进展情况的通报
发布时间：2024-03-18 10:22  来源：栖霞湾镇纪委  浏览次数：1024
【字体：大 中 小】 【打印】 【关闭】
字号：T|T
分享：
根据县委统一部署，县委第三巡察组于2023年9月至11月对栖霞湾镇党委开展了常规巡察。
一、整改工作基本情况
镇党委成立整改工作领导小组，反馈的12个问题已完成整改10个。
二、巡察反馈问题整改落实情况
（一）关于“理论学习不深入”问题
一是修订学习制度。二是开展专题研讨3次。
（二）关于“村级财务管理不规范”问题
一是清理账目。二是建立台账，持续推进。
欢迎广大干部群众对巡察整改落实情况进行监督。
联系电话：0000-7654321
电子邮箱：fake@example.invalid
中共栖霞湾镇委员会
2024年3月15日
关键词：巡察 整改
责任编辑：田小禾
上一篇：关于开展春季植树活动的通知
下一篇：栖霞湾镇召开安全生产会议
相关链接
版权所有：栖霞湾镇人民政府  网站标识码：0000000000
"""


def test_page_furniture_is_set_aside_and_the_report_read():
    doc = load_text(PAGE)
    debris = find_debris(doc.text)
    kinds = {d.text.split(":")[0][:6]: d.kind.value for d in debris}
    texts = [d.text for d in debris]
    report_lines = [ln for ln in doc.text.split("\n") if ln not in texts]
    assert report_lines[0] == "中共栖霞湾镇委员会关于巡察整改进展情况的通报"
    assert report_lines[-1] == "欢迎广大干部群众对巡察整改落实情况进行监督。"
    # every furniture line went, and nothing of the report did
    assert len(report_lines) == 10
    assert kinds["您现在的位置"] == "breadcrumb"
    assert kinds["01版"] == "page_menu"
    assert kinds["发布时间"] == "source_line"
    assert kinds["【字体"] == kinds["打印 关闭"] == kinds["字号"] == kinds["分享"] == "footer"
    assert kinds["联系电话"] == kinds["电子邮箱"] == "contact"
    assert kinds["关键词"] == "keywords"
    assert kinds["责任编辑"] == "source_line"
    assert kinds["上一篇"] == kinds["下一篇"] == kinds["相关链接"] == "page_menu"
    outline = parse_outline(doc.text)
    assert outline.title == "中共栖霞湾镇委员会关于巡察整改进展情况的通报"
    assert [s.path for s in outline.walk()] == ["一", "二", "二.(一)", "二.(二)"]


@pytest.mark.parametrize(
    "line",
    [
        "流程:申请→受理→审核→办结,全部网上办理。",
        "2020年1.5亿元资金全部到位,第1版方案已经印发。",
        "联系群众不紧密,服务意识不强的问题。",
        "严格落实“三会一课”制度,打印学习材料50份。",
    ],
)
def test_report_sentences_are_not_taken_for_furniture(line):
    text = f"一、整改情况\n{line}\n二、下一步打算\n持续推进。"
    assert find_debris(load_text(text).text) == []


def test_a_flow_line_in_the_body_is_text_but_a_trail_at_the_top_is_a_breadcrumb():
    body = "\n".join(["一、整改情况", *["镇党委召开会议研究整改。"] * 12, "申请 → 受理 → 审核 → 办结", "二、下一步"])
    assert find_debris(load_text(body).text) == []
    assert [d.kind.value for d in find_debris("工作动态 → 巡察工作 → 正文\n一、整改情况")] == ["breadcrumb"]


# Lines that made the old patterns backtrack exponentially (issue 12), a 1 MB line without any
# punctuation, and lines shaped like each furniture pattern but failing at the very end.
HOSTILE = {
    "ban-number": "1版1" * 20 + " x",
    "ban-number-long": "1版1" * 2000 + " x",
    "menu-spaces": "01版 " + "要闻  " * 30 + "1",
    "flow": "流程" + "→步骤" * 28 + ",x",
    "trail": "首页" + " > 栏目" * 5000 + "。",
    "nav-words": "首页 新闻 " * 5000 + "1",
    "buttons": "【打印】" * 20000 + "x",
    "date": "2024年" * 20000,
    "spaces": "整改 " * 150_000,
    "one-mb": "整改落实工作取得阶段性成效" * 26_000,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_lines_are_read_in_linear_time(name):
    text = HOSTILE[name]
    # head and tail of a page, so the lines are checked as both furniture and signature
    page = f"{text}\n一、整改情况\n{text}\n{text}"
    started = time.process_time()
    doc = load_text(page)
    find_debris(doc.text)
    parse_outline(doc.text)
    elapsed = time.process_time() - started
    # Measured: under 0.1 s/MB for every shape (load, debris and outline); 20x that for a busy CI
    # (CPU time: other work on a shared machine made wall time fail it).
    budget = 2.0 * max(len(page.encode()) / 1e6, 0.05)
    assert elapsed < budget, f"{name}: {elapsed:.2f}s for {len(page):,} characters"
