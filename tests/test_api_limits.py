"""Auth, limits and bad input against a real uvicorn: each refused with its status and one error shape,
and the logs carry request ids but never a key or the document."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from _paths import EXAMPLES_DIR
from api_server import ERROR_KEYS, KEY, OTHER_AUTH, QINGHE, Gate, wait_for
from fake_judge import responder


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request) -> dict[str, str]:
    """Service settings for a job store of each engine (the rate limits live in PostgreSQL's)."""
    return {} if request.param == "sqlite" else {"api_db": request.getfixturevalue("pg_url")}


def _error(r: httpx.Response, status: int, type_: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == ERROR_KEYS and body["type"] == type_ and body["message"], body
    return body


def test_a_key_is_required_and_keys_see_only_their_own_jobs(serve):
    api = serve()
    url = str(api.base_url)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}, {"Authorization": KEY}):
        r = httpx.get(f"{url}/v1/summaries", headers=headers)
        _error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "Bearer"
    _error(httpx.post(f"{url}/v1/summaries", json={"text": QINGHE}), 401, "unauthorized")
    job = api.post("/v1/summaries", json={"text": QINGHE}).json()
    _error(api.get(f"/v1/summaries/{job['id']}", headers=OTHER_AUTH), 404, "not_found")
    _error(api.delete(f"/v1/summaries/{job['id']}", headers=OTHER_AUTH), 404, "not_found")
    assert api.get("/v1/summaries", headers=OTHER_AUTH).json()["items"] == []
    assert httpx.get(f"{url}/healthz").status_code == 200  # health and the OpenAPI page are open
    assert httpx.get(f"{url}/openapi.json").status_code == 200


def test_body_size_is_limited(serve):
    api = serve(api_max_body_bytes=4096)
    big = "问题" * 3000  # 18 kB of UTF-8
    body = _error(api.post("/v1/summaries", json={"text": big}), 413, "payload_too_large")
    assert body["detail"] == {"limit_bytes": 4096}

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(10):
            yield b"x" * 1024

    r = api.post("/v1/summaries", content=chunks(), headers={"content-type": "application/json"})
    _error(r, 413, "payload_too_large")
    r = api.post("/v1/summaries", files={"file": ("big.txt", big.encode())})
    _error(r, 413, "payload_too_large")
    assert api.post("/v1/summaries", json={"text": QINGHE[:1000]}).status_code == 202  # under the limit


def test_media_types_are_checked(serve):
    api = serve()
    r = api.post("/v1/summaries", content=QINGHE.encode(), headers={"content-type": "text/csv"})
    accepted = _error(r, 415, "unsupported_media_type")["detail"]["accepted"]
    assert accepted[:2] == ["application/json", "multipart/form-data"] and "application/pdf" in accepted
    _error(api.post("/v1/summaries", files={"file": ("report.xlsx", b"PK\x03\x04 ...")}), 415, "unsupported_media_type")
    r = api.post("/v1/summaries", files={"file": ("report.pdf", b"%PDF-1.7 ...")})  # a PDF, but broken
    assert _error(r, 422, "unreadable")["detail"] == {"reason": "malformed"}
    r = api.post("/v1/summaries", files={"file": ("scan", b"\x89PNG..", "image/png")})
    _error(r, 415, "unsupported_media_type")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    body = _error(api.post("/v1/summaries", files={"file": ("scan.txt", png)}), 415, "unsupported_media_type")
    assert body["detail"] == {"reason": "binary"}
    # a text file without a suffix is read by its declared type, or sniffed
    r = api.post("/v1/summaries", files={"file": ("report", QINGHE.encode(), "text/plain")})
    assert r.status_code == 202 and r.json()["name"] == "report"


def test_undecodable_text_is_refused_with_where(serve):
    api = serve()
    data = QINGHE.encode("utf-8")
    at = data.index("。".encode())
    damaged = data[:at] + b"\xff" + data[at + 1 :]  # the first byte of one 。 broken
    body = _error(api.post("/v1/summaries", files={"file": ("a.txt", damaged)}), 422, "undecodable")
    assert f"byte offset {at} " in body["message"] and body["detail"] == {"reason": "decoding"}
    gbk = (EXAMPLES_DIR / "donglan_newarea_2024_gbk.txt").read_bytes()
    r = api.post("/v1/summaries", files={"file": ("d.txt", gbk)}, data={"encoding": "utf-8"})
    assert "invalid bytes at offset" in _error(r, 422, "undecodable")["message"]
    for name in ("klingon", "base64", "rot13", "idna", "utf\x008", "utf-7", "UTF7"):
        r = api.post("/v1/summaries", files={"file": ("d.txt", gbk)}, data={"encoding": name})
        _error(r, 422, "unknown_encoding")
    # JSON that is not UTF-8, or escapes half a character: refused by the parser, saying where
    for bad in (b'{"text": "abc\\ud800def"}', b'{"text": "abc\xffdef"}'):
        r = api.post("/v1/summaries", content=bad, headers={"content-type": "application/json"})
        assert "column" in _error(r, 422, "validation_error")["message"]
    r = api.post("/v1/summaries", files={"file": ("d.txt", "报告".encode())}, data={"encoding": "punycode"})
    _error(r, 422, "undecodable")  # a codec that fails in its own way
    r = api.post("/v1/summaries", files={"file": ("d.txt", gbk)}, data={"encoding": "gb18030"})
    assert r.status_code == 202  # the right forced encoding reads it
    # NUL and control bytes in JSON text are refused as they are in a file
    text = gbk.decode("gb18030")
    for bad in (text[:200] + "\x00" * 50 + text[200:], "".join(chr(k % 31 + 1) for k in range(4000)) + text):
        _error(api.post("/v1/summaries", json={"text": bad}), 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "send",
    [
        lambda api: api.post("/v1/summaries", json={"text": ""}),
        lambda api: api.post("/v1/summaries", json={"text": " \n\t　"}),
        lambda api: api.post("/v1/summaries", json={"text": "<html><body><script>x()</script></body></html>"}),
        lambda api: api.post("/v1/summaries", files={"file": ("empty.txt", b"")}),
        lambda api: api.post("/v1/summaries", files={"file": ("blank.txt", b"\r\n  \r\n")}),
    ],
)
def test_empty_reports_are_refused(serve, send):
    _error(send(serve()), 422, "empty_document")


def test_multipart_without_a_file_is_refused(serve):
    api = serve()
    r = api.post("/v1/summaries", data={"model": "x"}, files={"other": ("a.txt", b"x")})
    _error(r, 422, "validation_error")


def test_request_rate_is_limited_per_key(serve, db):
    api = serve(api_rate_per_s=0.5, api_rate_burst=3, **db)
    for _ in range(3):
        assert api.get("/v1/summaries").status_code == 200
    r = api.get("/v1/summaries")
    body = _error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["retry-after"]) <= 2 and body["detail"]["retry_after_s"] == int(r.headers["retry-after"])
    assert api.get("/v1/summaries", headers=OTHER_AUTH).status_code == 200  # the other key has its own budget
    assert api.get("/healthz").status_code == 200


def test_a_full_queue_answers_503(serve, judge_llm):
    gate = Gate(responder)
    judge_llm.responder = gate
    api = serve(api_max_pending=1)
    first = api.post("/v1/summaries", json={"text": QINGHE}).json()
    r = api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")})
    _error(r, 503, "queue_full")
    assert r.headers["retry-after"] == "10"
    assert api.post("/v1/summaries", json={"text": QINGHE}).json()["reused"]  # a duplicate is still answered
    gate.open()
    wait_for(api, first["id"])
    assert api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")}).status_code == 202


def test_logs_have_request_ids_but_no_keys_or_text(serve, caplog):
    secret_text = "绝密测试标记甲乙丙丁"
    caplog.set_level(logging.DEBUG)
    api = serve()
    r = api.post("/v1/summaries", json={"text": QINGHE + secret_text}, headers={"X-Request-ID": "req-42"})
    wait_for(api, r.json()["id"])
    api.post("/v1/summaries", files={"file": ("x.txt", b"\xff\xfe\x00bad" + secret_text.encode())})
    httpx.get(f"{api.base_url}/v1/summaries", headers={"Authorization": "Bearer sk-guess-0000"})
    deadline = time.monotonic() + 5  # the access line is written just after the response is sent
    while time.monotonic() < deadline and not any('"status": 401' in rec.getMessage() for rec in caplog.records):
        time.sleep(0.05)
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    for secret in (KEY, "sk-guess-0000", "sk-llm-key-should-never-appear", secret_text, "青禾县"):
        assert secret not in logged, secret
    access = [rec.getMessage() for rec in caplog.records if rec.name == "zhenggai.api.access"]
    assert any('"request_id": "req-42"' in line and '"owner": "team-a"' in line for line in access)
    assert any('"status": 401' in line and '"owner": null' in line for line in access)
    assert any('"event": "job_done"' in rec.getMessage() for rec in caplog.records)


def test_wrong_keys_from_one_address_are_throttled_over_http(serve, db):
    """Guessing keys at the service's speed is refused with 429 and Retry-After before keys are
    compared; the right key from that address still works, and other requests are unaffected."""
    api = serve(**db)
    wrong = {"Authorization": "Bearer sk-guess-0000"}
    codes = [api.get("/v1/summaries", headers=wrong).status_code for _ in range(12)]
    assert codes[0] == 401 and codes[-1] == 429 and set(codes) == {401, 429}
    first = codes.index(429)
    assert 3 <= first <= 11 and set(codes[first:]) == {429}  # a few mistakes pass, then it stops
    r = api.get("/v1/summaries", headers=wrong)
    body = _error(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1 and body["detail"]["retry_after_s"] == int(r.headers["retry-after"])
    assert "wrong keys" in body["message"]
    assert api.get("/v1/summaries").status_code == 200  # the right key is not locked out
