"""What a Confide Wyoming server announces in answer to ``describe``: its ``info``.

One program per service: speech-to-text (pocketsphinx with the grammar compiled from the
templates and the household's names), intent handling (Confide's skills) and text-to-speech
(espeak-ng voices).  The voices listed here are the only ones ``synthesize`` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
)

from confide import __version__

__all__ = ["DEFAULT_VOICE", "LANGUAGES", "VOICES", "Voice", "info", "voice_for"]

#: What Confide understands (the templates are English).
LANGUAGES = ["en"]

#: The project has no public address yet; Wyoming requires the field, so it is empty.
CONFIDE = Attribution(name="Confide", url="")
SPHINX = Attribution(name="CMU Sphinx", url="https://github.com/cmusphinx/pocketsphinx")
ESPEAK = Attribution(name="eSpeak NG", url="https://github.com/espeak-ng/espeak-ng")


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice offered over Wyoming: its name and the language tags it speaks."""

    name: str
    description: str
    languages: tuple[str, ...]


VOICES: tuple[Voice, ...] = (
    Voice("en-us", "American English (espeak-ng)", ("en", "en-US")),
    Voice("en-us+f3", "American English, female variant (espeak-ng)", ("en", "en-US")),
    Voice("en-gb", "British English (espeak-ng)", ("en", "en-GB")),
)
DEFAULT_VOICE = VOICES[0].name


def voice_for(name: str | None, language: str | None) -> str | None:
    """The voice to use for a ``synthesize`` request, or ``None`` if none matches.

    A voice name wins (it must be one of :data:`VOICES`); else the first voice speaking the
    language (``en_US`` and ``en-us`` both match ``en-US``); with neither, the default voice.
    """
    if name:
        return next((v.name for v in VOICES if v.name.casefold() == name.casefold()), None)
    if language:
        wanted = language.replace("_", "-").casefold()
        for voice in VOICES:
            if any(tag.casefold() == wanted for tag in voice.languages):
                return voice.name
        return None
    return DEFAULT_VOICE


WHISPER = Attribution(
    name="OpenAI Whisper (faster-whisper)", url="https://github.com/SYSTRAN/faster-whisper"
)

#: How each speech engine is described in ``info`` (its model's description and attribution).
ASR_MODELS: dict[str, tuple[str, Attribution]] = {
    "pocketsphinx": ("pocketsphinx en-us with the Confide command grammar", SPHINX),
    "hybrid": (
        "pocketsphinx en-us with the Confide command grammar, then Whisper base on what it rejects",
        SPHINX,
    ),
    "whisper": ("Whisper base (CTranslate2 int8) and the Confide text recogniser", WHISPER),
}


def info(engine: str = "pocketsphinx") -> Info:
    """The ``info`` event: asr, handle and tts programs (``engine``: the speech engine)."""
    description, credit = ASR_MODELS.get(engine, ASR_MODELS["pocketsphinx"])
    asr = AsrProgram(
        name="confide",
        description="Confide speech-to-text: a grammar of the commands Confide understands",
        attribution=CONFIDE,
        installed=True,
        version=__version__,
        models=[
            AsrModel(
                name="confide-grammar" if engine != "whisper" else "confide-whisper",
                description=description,
                attribution=credit,
                installed=True,
                version=__version__,
                languages=list(LANGUAGES),
            )
        ],
        supports_transcript_streaming=False,
    )
    handle = HandleProgram(
        name="confide",
        description="Confide: timers, alarms, reminders, calendar, messages, shopping list",
        attribution=CONFIDE,
        installed=True,
        version=__version__,
        models=[
            HandleModel(
                name="confide-skills",
                description="Confide's built-in skills; every turn is kept in its vault",
                attribution=CONFIDE,
                installed=True,
                version=__version__,
                languages=list(LANGUAGES),
            )
        ],
        supports_handled_streaming=False,
        supports_home_control=False,
    )
    tts = TtsProgram(
        name="confide-espeak",
        description="Confide text-to-speech with espeak-ng",
        attribution=CONFIDE,
        installed=True,
        version=__version__,
        voices=[
            TtsVoice(
                name=v.name,
                description=v.description,
                attribution=ESPEAK,
                installed=True,
                version=None,
                languages=list(v.languages),
            )
            for v in VOICES
        ],
        supports_synthesize_streaming=False,
    )
    return Info(asr=[asr], handle=[handle], tts=[tts])
