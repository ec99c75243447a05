"""The HTTP API: device tokens, text turns, history, a turn's lineage, errors as 4xx JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from apiserver import demo_api, free_port


@pytest.fixture
def api(tmp_path: Path):
    """The API served by a real uvicorn server on 127.0.0.1, in a thread."""
    with demo_api(tmp_path / "home") as client:
        yield client


def test_text_turn_then_history_and_lineage(api: httpx.Client) -> None:
    made = api.post("/v1/turns", json={"text": "put eggs on the shopping list"})
    assert made.status_code == 201
    body = made.json()
    assert body["intent"] == "shopping.add"
    assert body["slots"] == {"item": "eggs"}
    listed = api.get("/v1/history").json()
    assert [t["turn_id"] for t in listed] == [body["turn_id"]]
    turn = api.get(f"/v1/turns/{body['turn_id']}").json()
    kinds = {item["kind"] for item in turn["stored"]}
    assert kinds >= {
        "data_key",
        "transcript",
        "interpretation",
        "actions",
        "reply",
        "shopping_item",
    }


def test_member_turns(api: httpx.Client) -> None:
    made = api.post("/v1/turns", json={"text": "what time is it", "member": "Sam"}).json()
    assert made["member"] == "Sam"
    assert [t["turn_id"] for t in api.get("/v1/history", params={"member": "Sam"}).json()] == [
        made["turn_id"]
    ]


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("post", "/v1/turns", {"text": ""}, 422),
        ("post", "/v1/turns", {"text": "x" * 5000}, 422),
        ("post", "/v1/turns", {"txt": "hello"}, 422),
        ("post", "/v1/turns", {"text": "hello", "member": "Nobody"}, 404),
        ("post", "/v1/turns", {"text": "set an alarm\u0000 now"}, 400),
        ("post", "/v1/turns", ["not", "an", "object"], 422),
        ("get", "/v1/turns/turn_unknown", None, 404),
        ("get", "/v1/history?limit=0", None, 422),
        ("get", "/v1/history?since=yesterday", None, 422),
        ("get", "/v1/history?member=Nobody", None, 404),
    ],
)
def test_bad_input_is_4xx_json(api: httpx.Client, method, path, payload, status) -> None:
    response = api.request(method, path, json=payload)
    assert response.status_code == status
    assert set(response.json()["error"]) == {"code", "message"}


def test_unknown_routes_and_methods_are_json_errors(api: httpx.Client) -> None:
    for method, path, status in (("get", "/v1/nothing", 404), ("delete", "/v1/history", 405)):
        response = api.request(method, path)
        assert response.status_code == status
        assert response.json()["error"]["code"] == "http_error"


def test_inbox_of_a_member(api: httpx.Client) -> None:
    sent = api.post("/v1/turns", json={"text": "tell Bob dinner is ready"}).json()
    inbox = api.get("/v1/members/Bob/inbox").json()
    assert [(m["turn_id"], m["body"]) for m in inbox] == [(sent["turn_id"], "dinner is ready")]
    assert api.get("/v1/members/Nobody/inbox").status_code == 404


def test_malformed_json_body(api: httpx.Client) -> None:
    response = api.post(
        "/v1/turns", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_tokens_are_required(api: httpx.Client) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer cfd_wrong"}):
        response = api.post("/v1/turns", json={"text": "what time is it"}, headers=headers)
        assert response.status_code == 401
    assert api.get("/openapi.json").status_code == 200


def test_serve_runs_a_demo_household_and_fires_timers(tmp_path: Path) -> None:
    """The real `confide serve` process: demo household, token file, a timer that goes off."""
    home, port = tmp_path / "home", free_port()
    exe = Path(sys.executable).with_name("confide")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "serve exited early"
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
        token = (home / "demo-device.token").read_text().strip()
        assert (home / "demo-device.token").stat().st_mode & 0o777 == 0o600
        auth = {"Authorization": f"Bearer {token}"}
        made = httpx.post(
            f"{base}/v1/turns", json={"text": "set a timer for two seconds"}, headers=auth
        )
        assert made.status_code == 201, made.text
        assert made.json()["slots"] == {"duration_s": 2}
        fired: list[dict] = []
        deadline = time.monotonic() + 15
        while not fired and time.monotonic() < deadline:
            time.sleep(0.25)
            fired = httpx.get(f"{base}/v1/announcements", headers=auth).json()
        assert [f["kind"] for f in fired] == ["timer"]
        status = httpx.post(
            f"{base}/v1/turns", json={"text": "what's left on my timer"}, headers=auth
        )
        assert status.json()["intent"] == "timer.status"
        turn = httpx.get(f"{base}/v1/turns/{made.json()['turn_id']}", headers=auth).json()
        timer = next(i for i in turn["stored"] if i["kind"] == "timer")
        assert timer["status"] == "done"
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    log = output.decode()
    assert "set a timer" not in log  # logs hold ids, never content
    json.dumps(log)
