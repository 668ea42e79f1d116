"""General rules found by the blind page set (`evals/holdout_pages`), each on a fictional snippet
of its own, not on the page that showed it."""

from __future__ import annotations

from zhenggai.ingest.document import load_text

PAGE = """中共青禾县文化馆支部委员会关于市委第一轮巡察整改进展情况的通报
来源:青禾县文化馆 发布时间:2025-03-02 浏览次数:88

根据市委统一部署,市委第一巡察组对青禾县文化馆党支部开展了常规巡察,并向文化馆党支部反馈了巡察意见。

一、整改工作组织情况

馆党支部把巡察整改作为重要政治任务,成立整改工作领导小组,逐条研究整改措施,明确责任人和完成时限,
推动整改落地见效。

二、反馈问题整改情况

(一)关于理论学习不深入的问题。已完成整改。

(二)关于财务管理不规范的问题。正在推进。

(三)关于制度执行不严格的问题。已完成整改。

(四)关于档案管理不规范的问题。已完成整改。
"""


def test_a_title_over_its_source_line_stays_its_own_line() -> None:
    lines = load_text(PAGE).text.splitlines()
    assert lines[0] == "中共青禾县文化馆支部委员会关于市委第一轮巡察整改进展情况的通报"
    assert lines[1].startswith("来源:青禾县文化馆")
    # a line wrapped inside a paragraph of a blank-separated page is still joined
    assert any(line.endswith("明确责任人和完成时限,推动整改落地见效。") for line in lines)
