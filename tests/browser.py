"""Real headless Chromium (Debian's, driven by Playwright) for tests of the HTML pages.

Chromium comes from `scripts/install-test-deps.sh` (part of the README's test command); Playwright's
own browser download is never used. The flags keep Chromium off this machine's closed network."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ARTIFACTS = Path(os.environ.get("ZHENGGAI_TEST_ARTIFACTS", Path(__file__).resolve().parent / "artifacts"))


def chromium_path() -> str:
    path = os.environ.get("ZHENGGAI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Chromium not found: run scripts/install-test-deps.sh (or set ZHENGGAI_CHROMIUM)")
    return path


@dataclass
class PageLog:
    """Everything the page said that a test should fail on."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.console_errors + self.page_errors + self.failed_requests


def launch() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def watch(page: object) -> PageLog:
    """Record console errors, uncaught exceptions and any network request (a self-contained page makes none)."""
    log = PageLog()
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))  # type: ignore[attr-defined]

    def _request(req: object) -> None:
        url = req.url  # type: ignore[attr-defined]
        if not url.startswith(("file:", "data:", "about:", "blob:")):
            log.failed_requests.append(url)

    page.on("request", _request)  # type: ignore[attr-defined]
    return log


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
