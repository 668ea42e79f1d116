"""List paging: the cursor is opaque (no job id, no row number, nothing about other keys' volume),
pages a key's own jobs newest first without gaps or repeats, and is refused when it was not made
by the service for this list."""

from __future__ import annotations

import base64

from api_server import ERROR_KEYS, OTHER_AUTH, QINGHE


def test_an_opaque_cursor_pages_a_keys_own_jobs(serve, judge_llm):
    api = serve()
    mine = [api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", f"青{k}")}).json()["id"] for k in range(5)]
    theirs = [
        api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", f"蓝{k}")}, headers=OTHER_AUTH).json()["id"]
        for k in range(3)
    ]
    seen: list[str] = []
    cursors: list[str] = []
    page = api.get("/v1/summaries", params={"limit": 2}).json()
    while True:
        seen += [j["id"] for j in page["items"]]
        if page["next_cursor"] is None:
            break
        cursors.append(page["next_cursor"])
        page = api.get("/v1/summaries", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert seen == mine[::-1]  # newest first, each once, none of the other key's
    for cursor in cursors:
        assert not any(job_id in cursor for job_id in mine + theirs)
        assert not cursor.isdigit()  # not a row number
    # the other key's cursor on this key's list gives nothing of theirs
    other = api.get("/v1/summaries", params={"limit": 1}, headers=OTHER_AUTH).json()["next_cursor"]
    assert api.get("/v1/summaries", params={"cursor": other}).json()["items"] == []
    # a cursor is bound to the list it pages, and a made-up one is refused
    r = api.get("/v1/summaries", params={"cursor": cursors[0], "status": "done"})
    assert r.status_code == 422 and r.json()["type"] == "invalid_cursor" and set(r.json()) == ERROR_KEYS
    forged = base64.urlsafe_b64encode(mine[2].encode()).decode().rstrip("=")
    for bad in (mine[2], forged, "AAAA"):
        r = api.get("/v1/summaries", params={"cursor": bad})
        assert r.status_code == 422 and r.json()["type"] == "invalid_cursor", bad
