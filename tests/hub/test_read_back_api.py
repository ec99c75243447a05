"""Read-backs over HTTP: a voice turn heard tentatively asks; the next text or voice "yes" acts.

A real uvicorn server on 127.0.0.1 and a real vault; the engine is plugged through the engine
interface and hears what the test scripts (a WAV of noise is sent as the audio).
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

from tests.apiserver import serving
from tests.scripted_speech import ScriptedSpeech

from confide import runtime
from confide.assistant import Assistant
from confide.vault import Vault

DENTIST = "remind me to call the dentist at three pm"


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(b"\x01\x00" * 16000)
    return out.getvalue()


def test_read_back_then_yes_over_http(tmp_path: Path) -> None:
    vault = Vault.open(tmp_path / "home")
    household, token = runtime.create_demo(vault)
    assert token is not None
    engine = ScriptedSpeech()
    assistant = Assistant(vault, household.id, speech=engine)
    audio = {"Content-Type": "audio/wav"}
    try:
        with serving(vault, household.id, token, assistant=assistant) as client:
            engine.hears(DENTIST, sure=False)
            asked = client.post("/v1/turns", content=wav(), headers=audio)
            assert asked.status_code == 201, asked.text
            body = asked.json()
            assert body["intent"] is None and body["actions"] == []
            assert body["awaiting_confirmation"]["intent"] == "reminder.set"
            assert body["speech"]["rejected"] is True and body["speech"]["tentative"] is True
            done = client.post("/v1/turns", json={"text": "yes"})
            assert done.status_code == 201
            assert done.json()["intent"] == "reminder.set"
            assert done.json()["confirms"] == body["turn_id"]
            # and by voice: a spoken "no" to the next question does nothing
            engine.hears("add oat milk to the shopping list", sure=False)
            client.post("/v1/turns", content=wav(), headers=audio)
            engine.hears("no", sure=True)
            declined = client.post("/v1/turns", content=wav(), headers=audio).json()
            assert declined["intent"] is None and declined["actions"] == []
            assert "confirms" in declined
            shown = client.get(f"/v1/turns/{body['turn_id']}")
            assert shown.status_code == 200
            (question,) = [i for i in shown.json()["stored"] if i["kind"] == "read_back"]
            assert question["content"]["intent"] == "reminder.set"  # shown as what it would do
            assert question["content"]["slots"]["task"] == "call the dentist"
    finally:
        vault.close()
