"""Voice turns over HTTP: `POST /v1/turns` with a WAV body, on a real uvicorn server.

Bad audio and oversized or mistyped bodies get 4xx JSON errors and store nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

pytest.importorskip("pocketsphinx")

from voice_wavgen import chunk, fmt_body, pcm, riff, sine, wav

from apiserver import free_port, serving
from confide import runtime
from confide.assistant import Assistant
from confide.hub import create_app
from confide.vault import Vault, lineage
from confide.voice.recognizers import PocketsphinxRecognizer
from confide.voice_turns import MAX_WAV_BYTES
from speechgen import needs_speech, synthesise_wav

WPM = 120


@dataclass
class Api:
    client: httpx.Client
    vault: Vault
    household_id: str

    def turns(self) -> int:
        response = self.client.get("/v1/history", params={"limit": 1000})
        assert response.status_code == 200
        return len(response.json())


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The API served by a real uvicorn server on 127.0.0.1, in a thread."""
    vault = Vault.open(tmp_path / "home")
    household, token = runtime.create_demo(vault)
    with serving(vault, household.id, token, timeout=60) as client:
        yield Api(client, vault, household.id)
    vault.close()


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("speech")
    texts = ("what time is it", "remove milk from the shopping list")
    return {text: synthesise_wav(text, folder, wpm=WPM) for text in texts}


def post_audio(api: Api, body: bytes, kind: str = "audio/wav", **params: str) -> httpx.Response:
    return api.client.post("/v1/turns", content=body, headers={"Content-Type": kind}, params=params)


@needs_speech
@pytest.mark.parametrize("kind", ["audio/wav", "audio/x-wav", "audio/wave; charset=binary"])
def test_audio_turn(api: Api, spoken: dict[str, bytes], kind: str) -> None:
    added = api.client.post("/v1/turns", json={"text": "add milk to the list", "member": "Bob"})
    assert added.status_code == 201, added.text
    made = post_audio(api, spoken["remove milk from the shopping list"], kind, member="Bob")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["intent"] == "shopping.remove", (body["speech"], body["transcript"])
    assert body["slots"] == {"item": "milk"}
    assert body["member"] == "Bob"
    assert body["speech"]["engine"] == "pocketsphinx"
    assert body["speech"]["rejected"] is False
    assert list(body["timings_ms"]) == ["decode", "transcribe", "understand", "act", "store"]
    assert [k["kind"] for k in body["actions"]] == ["shopping_item"]
    listed = api.client.get("/v1/history", params={"member": "Bob"}).json()
    assert [(t["turn_id"], t["source"]) for t in listed][:2] == [
        (body["turn_id"], "voice"),
        (added.json()["turn_id"], "text"),
    ]
    found = lineage(api.vault, api.household_id, body["turn_id"])
    assert found.turn.device_id is not None
    assert "audio" not in {a.kind for a in found.artifacts}  # Bob keeps no audio


@needs_speech
def test_kept_audio_and_the_owner_by_default(api: Api, spoken: dict[str, bytes]) -> None:
    api.vault.set_member_setting(api.household_id, "Alex", "audio_retention", "3_months", actor="t")
    made = post_audio(api, spoken["what time is it"])
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["member"], body["intent"]) == ("Alex", "time.get")
    audio = next(s for s in body["stored"] if s["kind"] == "audio")
    assert audio["stored_in"].startswith("blob:")
    turn = api.client.get(f"/v1/turns/{body['turn_id']}").json()
    shown = next(s for s in turn["stored"] if s["kind"] == "audio")
    assert (shown["media_type"], shown["content"]) == ("audio/wav", None)


@needs_speech
def test_the_event_loop_serves_during_recognition(api: Api, spoken: dict[str, bytes]) -> None:
    done: list[float] = []

    def voice_turn() -> None:
        assert post_audio(api, spoken["what time is it"]).status_code == 201
        done.append(time.monotonic())

    worker = threading.Thread(target=voice_turn)
    worker.start()
    time.sleep(0.1)
    answered = []
    while worker.is_alive() and len(answered) < 3:
        started = time.monotonic()
        assert api.client.get("/healthz").status_code == 200
        answered.append(time.monotonic() - started)
    worker.join(60)
    assert done
    assert answered and min(answered) < 0.5


def test_text_turns_still_work(api: Api) -> None:
    made = api.client.post("/v1/turns", json={"text": "what time is it", "member": "Sam"})
    assert made.status_code == 201
    assert made.json()["member"] == "Sam"
    assert "speech" not in made.json()
    by_query = api.client.post(
        "/v1/turns", json={"text": "what time is it"}, params={"member": "Bob"}
    )
    assert by_query.json()["member"] == "Bob"


FLOAT_WAV = riff(
    chunk(b"fmt ", fmt_body(tag=3, bits=32)), chunk(b"data", pcm(sine(16000, 0.2), 32, 1))
)


@pytest.mark.parametrize(
    ("body", "kind", "params", "status", "code"),
    [
        (b"", "audio/wav", {}, 400, "audio_empty"),
        (b"hello, this is not audio", "audio/wav", {}, 400, "audio_not_wav"),
        (wav()[:30], "audio/wav", {}, 400, "audio_corrupt"),
        (wav(rate=8000, seconds=31), "audio/wav", {}, 413, "audio_too_long"),
        (FLOAT_WAV, "audio/x-wav", {}, 415, "audio_unsupported"),
        (wav(), "audio/mpeg", {}, 415, "unsupported_media_type"),
        (wav(), "text/plain", {}, 415, "unsupported_media_type"),
        (wav(), "audio/wav", {"member": "Nobody"}, 404, "unknown_member"),
    ],
)
def test_bad_audio_is_4xx_and_stores_nothing(
    api: Api, body: bytes, kind: str, params: dict[str, str], status: int, code: str
) -> None:
    before = api.turns()
    response = post_audio(api, body, kind, **params)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) == {"code", "message"}
    assert api.turns() == before


def test_oversized_bodies_are_refused_unread(api: Api) -> None:
    before = api.turns()
    big = b"RIFF" + b"\0" * MAX_WAV_BYTES
    declared = post_audio(api, big)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "request_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        for _ in range(MAX_WAV_BYTES // (1 << 20) + 2):
            yield b"\0" * (1 << 20)

    streamed = api.client.post("/v1/turns", content=chunks(), headers={"Content-Type": "audio/wav"})
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "request_too_large"
    huge_json = api.client.post(
        "/v1/turns",
        content=b'{"text": "' + b"a" * 100_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert huge_json.status_code == 413
    assert api.turns() == before


def test_openapi_documents_the_audio_body(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/turns"]["post"]
    content = operation["requestBody"]["content"]
    assert {"application/json", "audio/wav", "audio/x-wav", "audio/wave"} <= set(content)
    assert content["audio/wav"]["schema"] == {"type": "string", "format": "binary"}
    assert content["application/json"]["schema"]["required"] == ["text"]
    assert "member" in {p["name"] for p in operation["parameters"]}
    assert {"400", "413", "415", "503"} <= set(operation["responses"])


def test_a_busy_recogniser_is_a_503_json_answer_and_stores_nothing(tmp_path: Path) -> None:
    """Every decoder busy past the wait: "try again", not a crash (the API keeps serving)."""
    vault = Vault.open(tmp_path / "home")
    household, token = runtime.create_demo(vault)
    speech = PocketsphinxRecognizer(wait_timeout=0.05)
    app = create_app(
        vault, household.id, Assistant(vault, household.id, speech=speech), tick_seconds=None
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "API server did not start"
            time.sleep(0.02)
        base = f"http://127.0.0.1:{server.config.port}"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            api = Api(client, vault, household.id)
            with speech.stream():  # e.g. a Wyoming satellite streaming a command
                busy = post_audio(api, wav(seconds=0.5))
            assert busy.status_code == 503, busy.text
            assert busy.json()["error"]["code"] == "recognizer_busy"
            assert "try again" in busy.json()["error"]["message"]
            assert api.turns() == 0
            assert post_audio(api, wav(seconds=0.5)).status_code == 201  # free again
    finally:
        server.should_exit = True
        thread.join(10)
        vault.close()
