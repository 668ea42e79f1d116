"""Rectification statuses, where a status was told, and the Chinese words a reader sees."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Normalised rectification status (DOMAIN.md, "Status words")."""

    completed = "completed"  # 已完成 / 整改完成 / 已全部办结
    basically_completed = "basically_completed"  # 基本完成
    partly_completed = "partly_completed"  # 取得阶段性成效 / 阶段性完成
    in_progress = "in_progress"  # 正在推进 / 持续推进 / 年内完成 / 计划
    long_term = "long_term"  # 长期坚持 / 常态化
    not_completed = "not_completed"  # 未完成 / 未整改到位
    not_stated = "not_stated"  # nothing said


class StatusScope(StrEnum):
    """Where a problem's status was told: its own text, or a sentence covering more than it."""

    own = "own"  # a sentence of the problem's own (or its status line)
    group = "group"  # a status group heading above it: 一、已完成整改的问题
    section = "section"  # one sentence for its section: 该方面问题已全部整改完成
    report = "report"  # one sentence for the whole report: 反馈的25个问题已全部完成整改


# The labels outputs show (digest, CSV, review page, abstract): one table, so they never disagree.
STATUS_ZH: dict[Status, str] = {
    Status.completed: "已完成",
    Status.basically_completed: "基本完成",
    Status.partly_completed: "阶段性完成",
    Status.in_progress: "正在推进",
    Status.long_term: "长期坚持",
    Status.not_completed: "未完成",
    Status.not_stated: "未说明",
}
