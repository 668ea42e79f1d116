"""Prompt files: layout, version choice, strict templates, content hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhenggai.llm.prompts import Prompt, PromptError, list_versions, load_prompt


def write(root: Path, pid: str, version: str, body: str = "", **extra: str) -> None:
    folder = root / pid
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"id: {extra.pop('id', pid)}", f"version: {version}", *[f"{k}: {v}" for k, v in extra.items()]]
    (folder / f"{version}.yaml").write_text("\n".join(lines) + "\n" + body, encoding="utf-8")


USER = "user: |\n  文本：{{ text }}\n"


def test_packaged_selftest_prompt_loads_via_importlib_resources() -> None:
    p = load_prompt("llm_selftest")
    assert (p.id, p.version) == ("llm_selftest", "v1")
    assert p.params.max_tokens == 256
    msgs = p.render(text="加强学习", max_items=2)
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert "加强学习" in msgs[1]["content"] and "最多 2 条" in msgs[1]["content"]


def test_highest_version_in_natural_order_is_the_default(tmp_path: Path) -> None:
    for v in ("v1", "v2", "v10"):
        write(tmp_path, "p", v, USER)
    assert list_versions("p", root=tmp_path) == ["v1", "v2", "v10"]
    assert load_prompt("p", root=tmp_path).version == "v10"
    assert load_prompt("p", "v2", root=tmp_path).version == "v2"


def test_default_true_wins(tmp_path: Path) -> None:
    write(tmp_path, "p", "v1", USER, default="true")
    write(tmp_path, "p", "v2", USER)
    assert load_prompt("p", root=tmp_path).version == "v1"
    write(tmp_path, "p", "v3", USER, default="true")
    with pytest.raises(PromptError, match="more than one"):
        load_prompt("p", root=tmp_path)


def test_errors_are_readable(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="no prompt 'missing'"):
        load_prompt("missing", root=tmp_path)
    write(tmp_path, "p", "v1", USER)
    with pytest.raises(PromptError, match="no version 'v9'"):
        load_prompt("p", "v9", root=tmp_path)
    write(tmp_path, "q", "v1", USER, id="other")
    with pytest.raises(PromptError, match="do not match"):
        load_prompt("q", root=tmp_path)
    write(tmp_path, "r", "v1", USER + "colour: blue\n")
    with pytest.raises(PromptError, match="colour"):
        load_prompt("r", root=tmp_path)


def test_missing_variable_is_an_error_not_an_empty_string(tmp_path: Path) -> None:
    write(tmp_path, "p", "v1", USER)
    p = load_prompt("p", root=tmp_path)
    with pytest.raises(PromptError, match="text"):
        p.render()
    assert p.render(text="x") == [{"role": "user", "content": "文本：x"}]


def test_content_hash_follows_content_not_description() -> None:
    base = Prompt(id="p", version="v1", user="a {{ x }}", description="one")
    assert base.content_hash == Prompt(id="p", version="v1", user="a {{ x }}", description="two").content_hash
    assert base.content_hash != Prompt(id="p", version="v1", user="b {{ x }}").content_hash
    assert base.content_hash != Prompt(id="p", version="v1", user="a {{ x }}", params={"max_tokens": 9}).content_hash
