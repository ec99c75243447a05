"""Spoken replies: text to 16-bit mono PCM with eSpeak NG, in memory.

libespeak-ng and its ``espeak-ng-data`` come from the ``espeakng-loader`` wheel (which only
gives their paths) and are called through :mod:`ctypes`: no subprocess, no system binary,
no file written.  espeak runs in ``AUDIO_OUTPUT_SYNCHRONOUS`` mode and hands each buffer of
samples to a callback that appends it to a list; :meth:`Speech.to_wav` builds the WAV file
in an :class:`io.BytesIO`.

eSpeak NG is a process-global C library (one current voice, one set of parameters, one
callback): it is initialised once per process, lazily, and one lock is held around every
synthesis (select voice, set rate, synthesise, synchronise), so synthesizers with
different voices can be used from several threads.  The lock is not optional: unlocked
concurrent calls crash the process (double free).  A reply takes a few milliseconds, so
serialising costs little.  The ctypes callback is kept on the module's engine object so it
is never collected.  Output is not bit-for-bit repeatable: C statics (pitch flutter) carry
over from one synthesis to the next and voicing noise is random.

Text is spoken literally: ``espeak_Synth`` gets ``espeakCHARS_UTF8`` only, never
``espeakSSML`` or ``espeakPHONEMES``, so ``<speak>`` or ``[[h@l'oU]]`` is read out, not
interpreted.  Replies can hold personal content: no message quotes the text, nothing logs
it.  Voice names must match a strict pattern before they reach the library (which maps
names to files); a name is tried as a voice (``en-us``, ``en+f3``), then as a language
(``en-gb``), as the ``espeak-ng`` command does.  MBROLA voices (``mb-*``) are refused.
"""

from __future__ import annotations

import ctypes
import re
import sys
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path

from confide.voice.audio import Audio
from confide.voice.errors import VoiceError

__all__ = ["MAX_TEXT_CHARS", "Speech", "SpeechSynthesizer", "SynthesisError"]

MAX_TEXT_CHARS = 1000
TTS_FAILED = "tts_failed"
TTS_BAD_TEXT = "tts_bad_text"
TTS_UNKNOWN_VOICE = "tts_unknown_voice"
TTS_BAD_RATE = "tts_bad_rate"
MIN_WPM, MAX_WPM = 80, 450  # espeakRATE_MINIMUM, espeakRATE_MAXIMUM

# speak_lib.h (API revision 12)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # never exit(1) the process (the data is checked first)
_POS_CHARACTER = 1
_CHARS_UTF8 = 1  # and deliberately not espeakSSML (0x10) nor espeakPHONEMES (0x100)
_RATE = 1  # espeakRATE
_EE_OK, _EE_NOT_FOUND = 0, 2

_VOICE_NAME = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8}){0,3}(?:\+[a-z0-9_]{1,16})?", re.ASCII)
_ALLOWED_CONTROLS = frozenset("\t\n\r")

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _VoiceSpec(ctypes.Structure):
    """``espeak_VOICE``: only ``languages`` is set, to select a voice by language."""

    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


_int, _uint, _str = ctypes.c_int, ctypes.c_uint, ctypes.c_char_p
#: restype and argtypes of every function used, as declared in speak_lib.h
_SIGNATURES: dict[str, tuple[type | None, tuple[type, ...]]] = {
    "espeak_Initialize": (_int, (_int, _int, _str, _int)),  # output, buflength, path, options
    "espeak_SetSynthCallback": (None, (_Callback,)),
    "espeak_SetVoiceByName": (_int, (_str,)),
    "espeak_SetVoiceByProperties": (_int, (ctypes.POINTER(_VoiceSpec),)),
    "espeak_SetParameter": (_int, (_int, _int, _int)),  # parameter, value, relative
    # text, size, position, position_type, end_position, flags, unique_identifier, user_data
    "espeak_Synth": (
        _int,
        (_str, ctypes.c_size_t, _uint, _int, _uint, _uint, ctypes.POINTER(_uint), ctypes.c_void_p),
    ),
    "espeak_Synchronize": (_int, ()),
}


class SynthesisError(VoiceError):
    """eSpeak NG is missing or failed (not the caller's fault)."""

    code = TTS_FAILED
    bad_input = False


@dataclass(frozen=True)
class Speech(Audio):
    """Mono signed 16-bit little-endian PCM at ``rate`` Hz, as eSpeak NG produced it.

    The same checks, duration and WAV form as :class:`~confide.voice.audio.Audio`; only
    the rate differs (the synthesiser's, not 16 kHz).
    """


class _Engine:
    """The loaded library, its sample rate and the buffers of the synthesis under way."""

    def __init__(self) -> None:
        import espeakng_loader  # type: ignore[import-untyped]

        data = Path(str(espeakng_loader.get_data_path()))
        if not (data / "phontab").is_file():
            raise SynthesisError("eSpeak NG's data directory is incomplete; reinstall it")
        lib = ctypes.CDLL(str(espeakng_loader.get_library_path()))
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        # the parent of espeak-ng-data; the buffer length 0 means espeak's default (60 ms)
        parent = str(data.parent).encode()
        rate = int(
            lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, parent, _INITIALIZE_DONT_EXIT)
        )
        if rate <= 0:
            raise SynthesisError("eSpeak NG failed to initialise")
        self.lib = lib
        self.rate = rate
        self.chunks: list[bytes] = []
        self.callback = _Callback(self._collect)  # kept: C holds only a raw pointer
        lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if wav and count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = continue

    def select_voice(self, name: str) -> None:
        """Make ``name`` the current voice (by voice name, else by language)."""
        raw = name.encode("ascii")
        status = int(self.lib.espeak_SetVoiceByName(raw))
        if status == _EE_NOT_FOUND:
            spec = _VoiceSpec(languages=raw)
            status = int(self.lib.espeak_SetVoiceByProperties(ctypes.byref(spec)))
        if status == _EE_NOT_FOUND:
            raise VoiceError(f"no eSpeak NG voice is called {name!r}", code=TTS_UNKNOWN_VOICE)
        if status != _EE_OK:
            raise SynthesisError(f"eSpeak NG could not select a voice (status {status})")

    def synthesize(self, text: bytes, voice: str, wpm: int) -> bytes:
        """Samples (native byte order) for UTF-8 ``text``; the caller holds the lock."""
        self.select_voice(voice)
        _check(self.lib.espeak_SetParameter(_RATE, wpm, 0), "set the rate")
        self.chunks.clear()
        try:
            flags = _CHARS_UTF8
            size = len(text) + 1  # with the terminating NUL ctypes adds to bytes
            _check(
                self.lib.espeak_Synth(text, size, 0, _POS_CHARACTER, 0, flags, None, None),
                "synthesise",
            )
            _check(self.lib.espeak_Synchronize(), "finish")
            return b"".join(self.chunks)
        finally:
            self.chunks.clear()


def _check(status: object, step: str) -> None:
    if status != _EE_OK:
        raise SynthesisError(f"eSpeak NG could not {step} (status {status})")


_lock = threading.Lock()
_engine: _Engine | None = None


def _get_engine() -> _Engine:
    """The process's engine, created at first use; the caller holds :data:`_lock`."""
    global _engine  # noqa: PLW0603 - one C library per process
    if _engine is None:
        try:
            _engine = _Engine()
        except (ImportError, OSError, AttributeError, RuntimeError) as exc:
            raise SynthesisError("eSpeak NG (package espeakng-loader) is not usable") from exc
    return _engine


def _check_text(text: object) -> bytes:
    """``text`` as UTF-8, or VoiceError ``tts_bad_text`` (never quoting it)."""
    problem = ""
    if not isinstance(text, str):
        problem = "the text to speak must be a string"
    elif not text.strip():
        problem = "the text to speak is empty"
    elif len(text) > MAX_TEXT_CHARS:
        problem = f"the text to speak is longer than {MAX_TEXT_CHARS} characters"
    elif any((ord(c) < 32 or 127 <= ord(c) < 160) and c not in _ALLOWED_CONTROLS for c in text):
        problem = "the text to speak contains control characters"
    if not problem:
        try:
            return str(text).encode("utf-8")
        except UnicodeEncodeError:
            problem = "the text to speak is not valid Unicode (lone surrogates)"
    raise VoiceError(problem, code=TTS_BAD_TEXT)


class SpeechSynthesizer:
    """Speaks text with one eSpeak NG voice at one rate; safe to share between threads."""

    def __init__(self, voice: str = "en-us", words_per_minute: int = 165) -> None:
        wpm = words_per_minute
        if type(wpm) is not int or not MIN_WPM <= wpm <= MAX_WPM:
            problem = f"words_per_minute must be a whole number from {MIN_WPM} to {MAX_WPM}"
            raise VoiceError(problem, code=TTS_BAD_RATE)
        name = voice.lower() if isinstance(voice, str) else ""
        if not _VOICE_NAME.fullmatch(name) or name.startswith("mb-"):  # MBROLA: not shipped
            problem = "voice names look like 'en-us', 'en-gb' or 'en-us+f3'"
            raise VoiceError(problem, code=TTS_UNKNOWN_VOICE)
        self.voice = name
        self.words_per_minute = words_per_minute
        with _lock:
            _get_engine().select_voice(self.voice)  # an unknown voice fails here, not later

    def synthesize(self, text: str) -> Speech:
        """The spoken ``text``; raises VoiceError ``tts_bad_text`` or SynthesisError."""
        encoded = _check_text(text)
        with _lock:
            engine = _get_engine()
            samples = engine.synthesize(encoded, self.voice, self.words_per_minute)
            rate = engine.rate
        if sys.byteorder == "big":
            swapped = array("h", samples)
            swapped.byteswap()
            samples = swapped.tobytes()
        return Speech(samples=samples, rate=rate)
