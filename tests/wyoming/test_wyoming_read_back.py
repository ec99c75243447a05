"""Read-backs over Wyoming: speech-to-text and intent handling are two requests.

The engine is plugged through the engine interface (``SpeechRecognizer``) and answers what
the test says it heard, tentatively or surely; the server, the client classes, the assistant
and the vault are the real ones.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from tests.scripted_speech import ScriptedSpeech
from wyoming.asr import Transcribe, Transcript
from wyoming_support import noise, serving, stream

from confide.assistant import Assistant
from confide.clock import ManualClock
from confide.vault import Vault

DENTIST = "remind me to call the dentist at three pm"


def _reminders(vault: Vault, household_id: str) -> list[Any]:
    with vault.read_records(household_id) as records:
        return list(records.list("reminder"))


def test_a_tentative_transcript_is_read_back_then_confirmed(
    vault: Vault, household: Any, clock: ManualClock
) -> None:
    engine = ScriptedSpeech()
    assistant = Assistant(vault, household.id, speech=engine)

    async def transcribe(client: Any, text: str, sure: bool) -> str:
        clock.advance(timedelta(seconds=2))  # the speaker's turns come one after the other
        engine.hears(text, sure=sure)
        answer = await client.ask(Transcribe(language="en").event(), *stream(noise(1.0)))
        assert answer[-1].type == "transcript", answer
        return str(Transcript.from_event(answer[-1]).text)

    async def body() -> None:
        async with serving(assistant) as client:
            # a client that never let Confide handle intents gets nothing it was unsure of
            assert await transcribe(client, DENTIST, sure=False) == ""
            (first,) = await client.ask(Transcript(text="what time is it").event())
            assert first.type == "handled"
            # now it does: the text comes back, and handling it asks instead of acting
            heard = await transcribe(client, DENTIST, sure=False)
            assert heard == DENTIST
            (asked,) = await client.ask(Transcript(text=heard).event())
            assert asked.type == "handled"
            assert DENTIST in asked.data["text"] and "yes or no" in asked.data["text"]
            assert _reminders(vault, household.id) == []
            yes = await transcribe(client, "yes", sure=True)
            (done,) = await client.ask(Transcript(text=yes).event())
            assert done.type == "handled" and "dentist" in done.data["text"]
            assert len(_reminders(vault, household.id)) == 1
            # a "no" to the next question does nothing
            heard = await transcribe(client, "remind me to water the plants at five pm", False)
            await client.ask(Transcript(text=heard).event())
            no = await transcribe(client, "no", sure=True)
            (declined,) = await client.ask(Transcript(text=no).event())
            assert declined.type == "handled" and "won't" in declined.data["text"]
            assert len(_reminders(vault, household.id)) == 1

    asyncio.run(body())
