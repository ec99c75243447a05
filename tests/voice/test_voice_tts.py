"""Spoken replies: eSpeak NG through ctypes (the real library from espeakng-loader, no mocks)."""

from __future__ import annotations

import math
import os
import random
import sys
import tempfile
import threading
import wave
from array import array
from io import BytesIO

import pytest

pytest.importorskip("espeakng_loader")

from confide.voice import Speech, SpeechSynthesizer, VoiceError, decode_wav
from confide.voice.tts import MAX_TEXT_CHARS, SynthesisError

QUESTION = "what time is it"
SENTENCE = "hello, your timer for ten minutes is done and the kettle is ready"


def _envelope(samples: bytes, frame: int = 1102) -> list[float]:
    """RMS level of each 50 ms frame (at 22050 Hz)."""
    s = array("h", samples)
    return [
        math.sqrt(sum(x * x for x in s[i : i + frame]) / frame)
        for i in range(0, len(s) - frame + 1, frame)
    ]


def _correlation(a: list[float], b: list[float]) -> float:
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    ma, mb = sum(a) / n, sum(b) / n
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    return num / math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))


def _same_speech(a: Speech, b: Speech) -> bool:
    """The same utterance, up to eSpeak NG's run-to-run variation.

    eSpeak NG is not bit-for-bit repeatable within a process (its pitch "flutter" index is
    a C static that carries on from one synthesis to the next, and voicing noise is
    random), so two syntheses of the same text differ in detail and by up to ~1% in
    length.  Measured over 60 repeats: length within 1%, loudness envelopes (50 ms frames)
    correlated above 0.93.  Another rate changes the length by far more than 2%.
    """
    if a.rate != b.rate or abs(len(a.samples) - len(b.samples)) > 0.02 * len(a.samples):
        return False
    return _correlation(_envelope(a.samples), _envelope(b.samples)) > 0.9


@pytest.fixture(scope="module")
def us() -> SpeechSynthesizer:
    return SpeechSynthesizer("en-us")


def test_speech_is_a_canonical_wav_of_plausible_length(us: SpeechSynthesizer) -> None:
    speech = us.synthesize(QUESTION)
    assert isinstance(speech, Speech)
    assert speech.rate == 22050
    assert 0.5 < speech.duration_s < 4.0
    wav = speech.to_wav()
    with wave.open(BytesIO(wav)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)
        assert reader.getframerate() == speech.rate
        assert reader.readframes(reader.getnframes()) == speech.samples
    audio = decode_wav(wav)  # Confide's own strict parser accepts it (and resamples to 16 kHz)
    assert audio.rate == 16000
    assert abs(audio.duration_s - speech.duration_s) < 0.01
    assert max(map(abs, array("h", speech.samples))) > 1000  # not silence
    assert QUESTION not in repr(speech) and "samples" not in repr(speech)


def test_longer_text_gives_longer_audio(us: SpeechSynthesizer) -> None:
    short = us.synthesize("hello")
    long = us.synthesize("hello, your timer for ten minutes is done and the kettle is ready")
    assert long.duration_s > 3 * short.duration_s


def test_voices_differ(us: SpeechSynthesizer) -> None:
    gb = SpeechSynthesizer("en-gb")  # a language, not a voice name: found by language
    envelopes = [_envelope(s.synthesize(SENTENCE).samples) for s in (gb, us)]
    assert _correlation(*envelopes) < 0.8  # measured: about 0.2
    assert _same_speech(SpeechSynthesizer("EN-US").synthesize(SENTENCE), us.synthesize(SENTENCE))


def test_voice_and_rate_do_not_leak_between_synthesizers(us: SpeechSynthesizer) -> None:
    first = us.synthesize(SENTENCE)
    SpeechSynthesizer("en-gb", words_per_minute=300).synthesize(SENTENCE)
    assert _same_speech(us.synthesize(SENTENCE), first)  # voice and rate set at every call


def test_words_per_minute_changes_duration() -> None:
    slow = SpeechSynthesizer(words_per_minute=100).synthesize(QUESTION)
    fast = SpeechSynthesizer(words_per_minute=300).synthesize(QUESTION)
    assert slow.duration_s > 1.5 * fast.duration_s


@pytest.mark.parametrize("wpm", [79, 451, 0, -5, True, 165.0])
def test_bad_rates_are_refused(wpm: object) -> None:
    with pytest.raises(VoiceError) as caught:
        SpeechSynthesizer(words_per_minute=wpm)  # type: ignore[arg-type]
    assert caught.value.code == "tts_bad_rate"


SECRET = "Dr Mallory at 3 Elm Street"
BAD_TEXTS = [
    "",
    "   \n\t ",
    SECRET + "x" * MAX_TEXT_CHARS,
    SECRET + "\x00",
    SECRET + "\x1b[2J",
    SECRET + "\x07",
    SECRET + "\x7f",
    SECRET + "\x85",
    SECRET + "\ud800",  # a lone surrogate cannot be UTF-8
    b"hello",
    None,
]


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_bad_text_is_refused_without_quoting_it(us: SpeechSynthesizer, text: object) -> None:
    with pytest.raises(VoiceError) as caught:
        us.synthesize(text)  # type: ignore[arg-type]
    error = caught.value
    assert error.code == "tts_bad_text"
    assert error.bad_input
    assert not isinstance(error, SynthesisError)
    for shown in (str(error), error.message, repr(error), str(error.to_dict())):
        assert "Mallory" not in shown and "Elm" not in shown


def test_the_longest_text_and_ordinary_whitespace_are_accepted(us: SpeechSynthesizer) -> None:
    assert us.synthesize("a" + " " * (MAX_TEXT_CHARS - 2) + "b").duration_s > 0
    assert us.synthesize("first line\nsecond line\tand a tab\r\n").duration_s > 1
    assert us.synthesize("café, naïve, 東京").duration_s > 0.5  # UTF-8 passes through


@pytest.mark.parametrize(
    "voice", ["xx-nonexistent", "zz", "", "../../../etc/passwd", "en/../../x", "mb-en1", 7]
)
def test_unknown_voices_are_refused(voice: object) -> None:
    with pytest.raises(VoiceError) as caught:
        SpeechSynthesizer(voice)  # type: ignore[arg-type]
    assert caught.value.code == "tts_unknown_voice"
    assert caught.value.bad_input


def test_markup_and_phonemes_are_spoken_literally(us: SpeechSynthesizer) -> None:
    hello = us.synthesize("hello").duration_s
    # interpreted, these would say "hello"; read out, they take far longer
    assert us.synthesize("<speak>hello</speak>").duration_s > 2 * hello
    assert us.synthesize("[[h@l'oU]]").duration_s > 2 * hello
    assert us.synthesize('<audio src="file:///etc/passwd"/>').duration_s > 2 * hello


def test_concurrent_synthesis_matches_serial() -> None:
    synths = [SpeechSynthesizer(v, w) for v, w in [("en-us", 165), ("en-gb", 130)] * 2]
    texts = [f"reply number {i} for you, the kettle is ready" for i in range(4)]
    serial = {(i, t): s.synthesize(t) for i, s in enumerate(synths) for t in texts}
    results: dict[tuple[int, str], list[Speech]] = {key: [] for key in serial}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(synths))

    def work(i: int) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                for text in texts:
                    results[i, text].append(synths[i].synthesize(text))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(synths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for (i, text), speeches in results.items():
        assert len(speeches) == 3
        for speech in speeches:
            assert _same_speech(speech, serial[i, text])
            other = serial[(i + 1) % 4, text]  # the other voice, at another rate
            assert abs(len(speech.samples) - len(other.samples)) > 0.1 * len(other.samples)


def _noisy(samples: bytes, seed: str, level: int = 100) -> bytes:
    """0.5 s pads each side, faint white noise over everything.

    eSpeak NG's output holds runs of exact digital zeros between words (~50 ms), which no
    microphone produces and which break pocketsphinx's noise estimate: noise in the pads
    alone is not enough (measured: the round trip then fails), so it goes over the speech.
    """
    rng = random.Random(seed)
    pad = array("h", bytes(16000))
    signal = array("h", samples)
    if sys.byteorder != "little":
        signal.byteswap()
    noisy = array(
        "h", (max(-32768, min(32767, s + rng.randint(-level, level))) for s in pad + signal + pad)
    )
    if sys.byteorder != "little":
        noisy.byteswap()
    return noisy.tobytes()


def test_round_trip_through_the_recognizer(us: SpeechSynthesizer) -> None:
    pytest.importorskip("pocketsphinx")
    from confide.voice.recognizers import PocketsphinxRecognizer

    recognizer = PocketsphinxRecognizer(min_confidence=None)
    audio = decode_wav(us.synthesize(QUESTION).to_wav())
    assert recognizer.transcribe(_noisy(audio.samples, QUESTION)).text == QUESTION


def test_synthesis_writes_no_files(us: SpeechSynthesizer) -> None:
    tmp, cwd = tempfile.gettempdir(), os.getcwd()
    before = (set(os.listdir(tmp)), set(os.listdir(cwd)))
    for voice in ("en-us", "en-gb"):
        SpeechSynthesizer(voice).synthesize("remember the dentist on Tuesday").to_wav()
    assert (set(os.listdir(tmp)), set(os.listdir(cwd))) == before


def test_speech_checks_its_samples() -> None:
    with pytest.raises(ValueError, match="even"):
        Speech(b"\x00", 22050)
    with pytest.raises(ValueError, match="positive"):
        Speech(b"", 0)
    assert Speech(b"\x00\x00" * 22050, 22050).duration_s == 1.0
