"""`POST /v1/speech`: text in, WAV out, on a real uvicorn server; nothing is stored.

Bad bodies (blank or too long text, an unknown voice, another content type, malformed
JSON) get a 4xx JSON error that does not quote the text, never a 5xx.
"""

from __future__ import annotations

import io
import json
import wave
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("espeakng_loader")

from apiserver import serving
from confide import runtime
from confide.vault import Vault
from confide.voice.tts import MAX_TEXT_CHARS

SECRET = "the spare key is under the blue flowerpot"


@dataclass
class Api:
    client: httpx.Client
    home: Path

    def turns(self) -> int:
        response = self.client.get("/v1/history", params={"limit": 1000})
        assert response.status_code == 200
        return len(response.json())


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The API served by a real uvicorn server on 127.0.0.1, in a thread (one per module:
    no request here may store anything, and the first test checks that)."""
    home = tmp_path_factory.mktemp("speech") / "home"
    vault = Vault.open(home)
    household, token = runtime.create_demo(vault)
    with serving(vault, household.id, token, timeout=30) as client:
        yield Api(client, home)
    vault.close()


def speak(api: Api, body: Any) -> httpx.Response:
    return api.client.post("/v1/speech", json=body)


@dataclass(frozen=True)
class Wav:
    channels: int
    width: int
    rate: int
    frames: bytes

    @property
    def seconds(self) -> float:
        return len(self.frames) / (self.channels * self.width * self.rate)


def opened(data: bytes) -> Wav:
    """A WAV body as the standard library's :mod:`wave` reads it."""
    with wave.open(io.BytesIO(data), "rb") as reader:
        return Wav(
            reader.getnchannels(),
            reader.getsampwidth(),
            reader.getframerate(),
            reader.readframes(reader.getnframes()),
        )


def test_speech_is_a_wav_and_nothing_is_kept(api: Api, scan_home: Any) -> None:
    before = sorted(p.relative_to(api.home) for p in api.home.rglob("*"))
    made = speak(api, {"text": SECRET})
    assert made.status_code == 200, made.text
    assert made.headers["content-type"] == "audio/wav"
    assert made.headers["cache-control"] == "no-store"
    got = opened(made.content)
    assert (got.channels, got.width) == (1, 2)
    assert got.rate >= 16000
    assert got.seconds > 0.2
    frames = got.frames
    assert max(map(abs, array("h", frames))) > 1000  # speech, not silence
    # nothing stored: no new file, no turn, no .wav, neither the text nor the audio at rest
    assert sorted(p.relative_to(api.home) for p in api.home.rglob("*")) == before
    assert api.turns() == 0
    assert not list(api.home.rglob("*.wav"))
    samples = array("h", frames)
    peak = max(range(len(samples)), key=lambda i: abs(samples[i]))
    loud = samples[max(0, peak - 16) : peak + 16].tobytes()  # never a run of silence
    needles = [SECRET.encode(), loud, made.content[:44]]
    assert all(not where for where in scan_home(api.home, needles).values())


@pytest.mark.parametrize("voice", ["en-us", "en-us+f3", "EN-GB", None])
def test_every_offered_voice(api: Api, voice: str | None) -> None:
    made = speak(api, {"text": "your timer is done", "voice": voice})
    assert made.status_code == 200, made.text
    assert opened(made.content).seconds > 0.2


def test_text_at_the_limit_is_spoken(api: Api) -> None:
    text = ("tea " * MAX_TEXT_CHARS)[:MAX_TEXT_CHARS]
    made = speak(api, {"text": text})
    assert made.status_code == 200, made.text
    assert opened(made.content).seconds > 0


LONG = "a" * (MAX_TEXT_CHARS + 1)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 422, "bad_request"),
        ({"text": "   \n "}, 400, "tts_bad_text"),
        ({"text": LONG}, 422, "bad_request"),
        ({"text": f"{SECRET}\x07"}, 400, "tts_bad_text"),
        ({"text": SECRET, "voice": "klingon"}, 400, "tts_unknown_voice"),
        ({"text": SECRET, "voice": "mb-en1"}, 400, "tts_unknown_voice"),
        ({"text": SECRET, "voice": ""}, 400, "tts_unknown_voice"),
        ({"text": SECRET, "voice": 5}, 422, "bad_request"),
        ({"text": 5}, 422, "bad_request"),
        ({"voice": "en-us"}, 422, "bad_request"),
        ({"text": SECRET, "speed": 2}, 422, "bad_request"),
        ([SECRET], 422, "bad_request"),
        (SECRET, 422, "bad_request"),
        (None, 422, "bad_request"),
    ],
)
def test_bad_bodies_are_4xx_json(api: Api, body: Any, status: int, code: str) -> None:
    answer = speak(api, body)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert SECRET not in answer.text


@pytest.mark.parametrize(
    ("content", "kind", "status"),
    [
        (b'{"text": "hello"', "application/json", 422),  # malformed JSON
        (b"", "application/json", 422),
        (b'{"text": "\\ud800"}', "application/json", 422),  # a lone surrogate
        (b"\xff\xfe{}", "application/json", 422),
        (b'{"text": "hello"}', "text/plain", 415),
        (b'{"text": "hello"}', "audio/wav", 415),
        (b'{"text": "hello"}', "application/x-www-form-urlencoded", 415),
        (json.dumps({"text": "x" * 20_000}).encode(), "application/json", 413),
    ],
)
def test_bad_requests_are_4xx_json(api: Api, content: bytes, kind: str, status: int) -> None:
    answer = api.client.post("/v1/speech", content=content, headers={"Content-Type": kind})
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error"]["message"]


def test_a_device_token_is_required(api: Api) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-a-token"}):
        answer = api.client.post("/v1/speech", json={"text": SECRET}, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "http_error"
    assert api.client.get("/v1/speech").status_code == 405


def test_concurrent_requests_are_all_spoken(api: Api) -> None:
    voices = ["en-us", "en-gb", "en-us+f3", "en-us"] * 2
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda v: speak(api, {"text": "hello", "voice": v}), voices))
    assert [a.status_code for a in answers] == [200] * len(voices)
    assert all(opened(a.content).seconds > 0 for a in answers)


def test_described_in_openapi(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/speech"]["post"]
    assert "audio/wav" in operation["responses"]["200"]["content"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["text"]
    assert schema["properties"]["text"]["maxLength"] == MAX_TEXT_CHARS
    assert {"400", "401", "415", "422"} <= set(operation["responses"])
    assert operation.get("security") or "HTTPBearer" in json.dumps(spec["components"])


def test_no_request_left_anything_behind(api: Api, scan_home: Any) -> None:
    """Run last: after every request above (good and bad), the home holds no trace."""
    assert api.turns() == 0
    assert not list(api.home.rglob("*.wav"))
    assert not any(scan_home(api.home, [SECRET.encode(), b"WAVEfmt "]).values())
