"""`/docs`: Swagger UI from files shipped in the package, never from a CDN.

FastAPI's own page loads the latest Swagger UI from a CDN: a floating version, code the service
never saw, and a page that does not work offline. Here the two files it needs (and the favicon)
are vendored unchanged from the npm tarball of `swagger-ui-dist` (version, tarball integrity and
each file's sha256 in `static/swagger-ui/VENDORED.json`, Apache-2.0 with its LICENSE and NOTICE
beside them). They are served under a versioned path (cached for good), with their hash in
`Repr-Digest` and as Subresource Integrity in the page; a Content-Security-Policy allows only
this origin, so the page cannot load anything else.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response

from zhenggai.api.errors import ApiError

ASSETS = Path(__file__).resolve().parent / "static" / "swagger-ui"
SERVED = {  # file → media type; the rest of the vendored folder (licences) is shipped, not served
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "init.js": "text/javascript; charset=utf-8",
}

# Our own starter (a file, not an inline script, so the policy can forbid inline scripts).
# validatorUrl null: Swagger UI would otherwise send the document to an online validator.
_INIT_JS = """window.ui = SwaggerUIBundle({
  url: document.currentScript.dataset.openapi,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@cache
def manifest() -> dict[str, object]:
    return json.loads((ASSETS / "VENDORED.json").read_text(encoding="utf-8"))


@cache
def asset(name: str) -> bytes:
    """A served file's bytes; a vendored one must still have the hash recorded when it was vendored."""
    if name == "init.js":
        return _INIT_JS.encode()
    data = (ASSETS / name).read_bytes()
    recorded = manifest()["sha256"][name]  # type: ignore[index]
    if hashlib.sha256(data).hexdigest() != recorded:
        raise RuntimeError(f"vendored {name} does not match its recorded sha256 {recorded}")
    return data


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def _digest(data: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"


def asset_path(root: str, name: str) -> str:
    return f"{root}/docs/assets/{manifest()['version']}/{name}"


def page(root: str, title: str) -> str:
    def src(name: str) -> str:
        return f'{asset_path(root, name)}" integrity="{_sri(asset(name))}'

    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} — API</title>
<link rel="icon" type="image/png" href="{asset_path(root, "favicon-32x32.png")}">
<link rel="stylesheet" href="{src("swagger-ui.css")}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{src("swagger-ui-bundle.js")}"></script>
<script src="{src("init.js")}" data-openapi="{root}/openapi.json"></script>
</body>
</html>
"""


docs = APIRouter(include_in_schema=False)


@docs.get("/docs")
async def docs_page(request: Request) -> Response:
    root = request.scope.get("root_path", "").rstrip("/")
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache"}
    return Response(page(root, request.app.title), media_type="text/html; charset=utf-8", headers=headers)


@docs.get("/docs/assets/{version}/{name}")
async def docs_asset(version: str, name: str) -> Response:
    if version != manifest()["version"] or name not in SERVED:
        raise ApiError(404, "not_found", f"no such resource: /docs/assets/{version}/{name}", None)
    data = asset(name)
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",  # the path names the version
        "Repr-Digest": _digest(data),
        "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=SERVED[name], headers=headers)
