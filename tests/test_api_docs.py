"""`/docs` is Swagger UI from vendored files: the page names only same-origin assets, each served
with the hash recorded when it was vendored (and as Subresource Integrity in the page), and in
real Chromium it renders every operation of the API without a request leaving the service."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from zhenggai.api.docs import ASSETS

MANIFEST = json.loads((ASSETS / "VENDORED.json").read_text(encoding="utf-8"))


class _Refs(HTMLParser):
    """Every URL the page makes the browser fetch, with its integrity attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key):
                self.refs.append((a[key] or "", a.get("integrity")))


def test_the_vendored_files_are_what_was_recorded():
    assert MANIFEST["package"] == "swagger-ui-dist" and MANIFEST["version"].startswith("5.")
    assert MANIFEST["license"] == "Apache-2.0"
    assert {"LICENSE", "NOTICE", "swagger-ui-bundle.js", "swagger-ui.css"} <= set(MANIFEST["sha256"])
    for name, digest in MANIFEST["sha256"].items():
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (ASSETS / "LICENSE").read_text()


def test_docs_page_names_only_same_origin_assets_served_with_their_hash(serve):
    api = serve()
    r = api.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    parser = _Refs()
    parser.feed(r.text)
    assert len(parser.refs) >= 4
    assert not re.search(r"https?://", r.text), "the page names another origin"
    for url, integrity in parser.refs:
        assert url.startswith("/docs/assets/" + MANIFEST["version"] + "/"), url
        asset = api.get(url)
        assert asset.status_code == 200, url
        name = url.rsplit("/", 1)[1]
        if name in MANIFEST["sha256"]:
            assert hashlib.sha256(asset.content).hexdigest() == MANIFEST["sha256"][name]
        digest = base64.b64encode(hashlib.sha256(asset.content).digest()).decode()
        assert asset.headers["repr-digest"] == f"sha-256=:{digest}:"
        assert "immutable" in asset.headers["cache-control"]
        if integrity is not None:  # scripts and the stylesheet
            assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
    assert {u.rsplit("/", 1)[1] for u, i in parser.refs if i} == {"swagger-ui-bundle.js", "swagger-ui.css", "init.js"}
    assert api.get(f"/docs/assets/{MANIFEST['version']}/LICENSE").status_code == 404  # served: only what the page uses
    assert api.get("/docs/assets/4.0.0/swagger-ui-bundle.js").status_code == 404
    assert api.get("/redoc").status_code == 404  # FastAPI's ReDoc page would load from a CDN


@pytest.mark.browser
def test_docs_render_every_operation_in_chromium(serve, browser):
    from browser import watch

    api = serve()
    base = str(api.base_url).rstrip("/")
    operations = sum(
        1
        for methods in api.get("/openapi.json").json()["paths"].values()
        for m in methods
        if m in ("get", "post", "put", "delete", "patch")
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        log = watch(page)
        page.goto(f"{base}/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        assert page.locator(".opblock").count() == operations
        assert "/v1/summaries" in page.locator("body").inner_text()
        off_origin = [u for u in log.failed_requests if not u.startswith(base + "/")]
        assert off_origin == [] and log.console_errors == [] and log.page_errors == []
    finally:
        context.close()
