"""The `zhenggai` command as a user runs it: a real process, from the repo root."""

from __future__ import annotations

import os
import subprocess
import sys

from _paths import REPO

from zhenggai.settings import Settings


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhenggai.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=timeout,
        cwd=REPO,
    )


def fake_model_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points the command at the scripted fake model of `settings`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ZHENGGAI_")},
        "ZHENGGAI_MODEL": settings.model,
        "ZHENGGAI_API_BASE": str(settings.api_base),
        "ZHENGGAI_API_KEY": settings.api_key.get_secret_value() if settings.api_key else "",
        "ZHENGGAI_CACHE_DIR": str(settings.cache_dir),
        **extra,
    }
