"""Benchmark: spoken commands understood, per engine and voice (DESIGN §6, issue 3).

Every sentence of ``bench/speech_corpus.py`` is synthesised with every voice (espeak-ng +
sox, in memory; no audio is kept), transcribed by each engine, and the transcript is read
by the text recogniser with the corpus's household lists and fixed ``now``.  An utterance is

* **understood** - a command: its intent and every slot exactly as expected; out of scope:
  rejected or no intent (nothing is done);
* a **wrong action** - an intent that would be acted on (transcript not rejected) but differs
  from the expected one in its intent or any slot, including any intent for an out-of-scope
  utterance.  A rejected transcript is never an action;
* **not understood** - a command that was rejected or read as no intent.

**Read-backs.**  A transcript the engine rejects but marks *tentative* is not acted on but read
back (``confide.confirmation``): the benchmark's speaker then answers truthfully, in the same
voice - a yes phrasing if what was read back is exactly what they meant, a no phrasing
otherwise (an out-of-scope utterance is always a no) - and that answer is transcribed by the
same engine, as Confide hears an answer it waits for (``expect_answer``: when the grammar is not
sure, the answers alone are tried).  Only an answer heard as ``confirm.yes`` acts on what was
read back (right: understood; anything else: a wrong action).  Both figures are reported: with the
read-back (``understood``) and in one turn without it (``understood_first_pct``), and how
often the speaker was asked (``asked_pct``).

Also the word error rate of the transcripts against the sentences (commands only; "what's"
and "what is" count as the same words), the real-time factor (decode seconds / audio
seconds) and the decode latency per utterance.  Engines:

``product``   ``PocketsphinxRecognizer()`` with its defaults: the template grammar and the
              rejection threshold, as Confide ships it.
``baseline``  pocketsphinx with its bundled general language model (``en-us.lm.bin``), never
              rejecting: what an off-the-shelf offline recogniser does.
``free``      ``PocketsphinxRecognizer(wildcards="free")``: the grammar with bounded free
              text for reminders, messages, events and shopping items (not run by default).
``hybrid``    ``HybridRecognizer()`` (``CONFIDE_SPEECH_ENGINE=hybrid``): the product's grammar
              pass, then Whisper base on every utterance it rejects, with Whisper's own
              rejection model (needs the ``whisper`` extra; not run by default).
``whisper``   ``WhisperRecognizer()`` alone, with its rejection model (not run by default).
``enrolled``  ``product`` after every voice read the enrollment prompts (``confide enroll``;
              ``speech_enrollment.py``): the household's adapted acoustic model and its
              confidence model.  ``enrolled-free`` and ``enrolled-hybrid`` are ``free`` and
              ``hybrid`` with that model.  They need the Debian packages sphinxtrain,
              sphinxbase-utils and pocketsphinx (not run by default).

Usage::

    .venv/bin/python bench/speech_accuracy.py [--engine product,baseline] [--voices N]
        [--limit N] [--json] [--show-errors] [--by-intent]

Needs the Debian packages espeak-ng and sox.  The full run (all sentences, 4 voices, both
default engines) takes several minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent))

from confide.confirmation import read_back_of
from confide.language import HouseholdLists, Interpretation, Recognizer
from confide.language.models import ANSWER_INTENTS, CONFIRM_YES, NOT_UNDERSTOOD
from confide.voice.hybrid import HybridRecognizer
from confide.voice.recognizers import PocketsphinxRecognizer, SpeechRecognizer, Transcript
from confide.voice.sound_alike import edit_distance
from speech_corpus import LISTS, NOW, VOICES, Sentence, Utterance, select, synthesise_all
from speech_enrollment import enrolled_model

Outcome = Literal["understood", "wrong_action", "not_understood"]
OUTCOMES: tuple[Outcome, ...] = ("understood", "wrong_action", "not_understood")


class BundledLmRecognizer:
    """pocketsphinx with its default configuration (the bundled en-us general LM).

    The baseline: an open-vocabulary offline recogniser that never rejects anything.
    """

    def __init__(self) -> None:
        import pocketsphinx  # type: ignore[import-untyped]

        self._decoder: Any = pocketsphinx.Decoder(loglevel="FATAL")

    def transcribe(
        self, samples_16k_mono_s16le: bytes, lists: HouseholdLists | None = None
    ) -> Transcript:
        started = time.perf_counter()
        dec = self._decoder
        dec.start_utt()
        dec.process_raw(bytes(samples_16k_mono_s16le), full_utt=True)
        dec.end_utt()
        hyp = dec.hyp()
        text = str(hyp.hypstr) if hyp is not None else ""
        return Transcript(
            text=text,
            confidence=0.0,
            rejected=False,
            seconds=time.perf_counter() - started,
            engine="pocketsphinx-lm",
        )


def _hybrid() -> SpeechRecognizer:
    from confide.voice.hybrid import HybridRecognizer

    return HybridRecognizer()


def _whisper() -> SpeechRecognizer:
    from confide.voice.whisper import WhisperRecognizer

    return WhisperRecognizer()


#: The household model of the enrolled engines (``speech_enrollment.enrolled_model``), made
#: by :func:`main` before they are built.
ENROLLED: dict[str, Path] = {}


def _enrolled_hybrid() -> SpeechRecognizer:
    from confide.voice.hybrid import HybridRecognizer

    return HybridRecognizer(PocketsphinxRecognizer(acoustic_model=ENROLLED["model"]))


ENGINES: dict[str, Callable[[], SpeechRecognizer]] = {
    "product": PocketsphinxRecognizer,
    "baseline": BundledLmRecognizer,
    "free": lambda: PocketsphinxRecognizer(wildcards="free"),
    "hybrid": _hybrid,
    "whisper": _whisper,
    # after every voice read the enrollment prompts (confide enroll)
    "enrolled": lambda: PocketsphinxRecognizer(acoustic_model=ENROLLED["model"]),
    "enrolled-free": lambda: PocketsphinxRecognizer(
        wildcards="free", acoustic_model=ENROLLED["model"]
    ),
    "enrolled-hybrid": _enrolled_hybrid,
}
DEFAULT_ENGINES = ("product", "baseline")


# ------------------------------------------------------------------------------- scoring

_CONTRACTIONS = {
    "what's": "what is",
    "whats": "what is",
    "how's": "how is",
    "when's": "when is",
    "it's": "it is",
    "i'm": "i am",
    "i'll": "i will",
    "i've": "i have",
    "i'd": "i would",
    "we're": "we are",
    "we've": "we have",
    "don't": "do not",
    "doesn't": "does not",
    "can't": "can not",
    "cannot": "can not",
    "oclock": "o'clock",
    "todays": "today's",
}
_JOINED = (("a m", "am"), ("p m", "pm"), ("o clock", "o'clock"), ("any more", "anymore"))


def normalise_words(text: str) -> list[str]:
    """Lower-case words with contractions spelled out, for the word error rate."""
    text = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("’", "'"))
    words = " ".join(_CONTRACTIONS.get(word, word) for word in text.split())
    for spaced, joined in _JOINED:
        words = re.sub(rf"\b{spaced}\b", joined, words)
    return words.split()


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Substitutions + deletions + insertions (Levenshtein distance over words)."""
    return edit_distance(reference, hypothesis)


def interpret(
    transcript: Transcript,
    recognizer: Recognizer,
    lists: HouseholdLists = LISTS,
    now: datetime = NOW,
) -> Interpretation:
    """What Confide would act on: nothing for a rejected transcript, else the text's meaning."""
    if transcript.rejected or not transcript.text.strip():
        return NOT_UNDERSTOOD
    return recognizer.recognize(transcript.text, lists, now)


#: The speaker's answers to a read-back, taken in turn (said by the voice of the command).
YES_ANSWERS = ("yes", "yes please", "that's right", "yeah")
NO_ANSWERS = ("no", "no thanks", "that's wrong", "nope")


def answer_sentences() -> tuple[Sentence, ...]:
    return tuple(Sentence(text, None) for text in (*YES_ANSWERS, *NO_ANSWERS))


def right(sentence: Sentence, heard: Interpretation) -> bool:
    return heard.intent == sentence.intent and dict(heard.slots) == dict(sentence.slots)


def judge(sentence: Sentence, transcript: Transcript, heard: Interpretation) -> Outcome:
    """Understood, wrong action or not understood (see the module docstring)."""
    # A yes or no acts only on a read-back (none is asked before a command): never here.
    acted = not transcript.rejected and heard.intent not in (None, *ANSWER_INTENTS)
    if not acted:
        return "not_understood" if sentence.in_scope else "understood"
    if right(sentence, heard):
        return "understood"
    return "wrong_action"


def asks(transcript: Transcript, heard_text: Interpretation) -> bool:
    """Whether Confide reads this transcript back instead of acting (or ignoring it)."""
    return transcript.tentative and read_back_of(heard_text) is not None


def after_answer(sentence: Sentence, heard_text: Interpretation, answer: Interpretation) -> Outcome:
    """The outcome of a read-back of ``heard_text`` answered with ``answer`` (as heard)."""
    if answer.intent != CONFIRM_YES:
        return "not_understood" if sentence.in_scope else "understood"
    return "understood" if right(sentence, heard_text) else "wrong_action"


@dataclass(frozen=True)
class Result:
    """One utterance through one engine."""

    sentence: Sentence
    voice: str
    transcript: Transcript
    heard: Interpretation
    heard_text: Interpretation  # the transcript's meaning had it not been rejected
    outcome: Outcome  # with the read-back, if one was asked
    errors: int  # word errors of the transcript
    words: int  # words of the sentence
    decode_s: float
    audio_s: float
    first_outcome: Outcome | None = None  # without the read-back (None: same as outcome)
    answer: str | None = None  # the answer to the read-back as heard (None: not asked)

    @property
    def single_turn(self) -> Outcome:
        return self.outcome if self.first_outcome is None else self.first_outcome


def score_utterance(
    sentence: Sentence,
    voice: str,
    transcript: Transcript,
    recognizer: Recognizer,
    decode_s: float = 0.0,
    audio_s: float = 0.0,
) -> Result:
    """A transcript of ``sentence`` judged and measured."""
    heard = interpret(transcript, recognizer)
    accepted = Transcript(transcript.text, transcript.confidence, rejected=False)
    heard_text = heard if not transcript.rejected else interpret(accepted, recognizer)
    reference = normalise_words(sentence.text)
    return Result(
        sentence=sentence,
        voice=voice,
        transcript=transcript,
        heard=heard,
        heard_text=heard_text,
        outcome=judge(sentence, transcript, heard),
        errors=word_errors(reference, normalise_words(transcript.text)),
        words=len(reference),
        decode_s=decode_s,
        audio_s=audio_s,
    )


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(results: Sequence[Result]) -> dict[str, float]:
    """Rates (in %) and timings of a group of results."""
    n = len(results)
    counts = {outcome: sum(r.outcome == outcome for r in results) for outcome in OUTCOMES}
    commands = [r for r in results if r.sentence.in_scope]
    others = [r for r in results if not r.sentence.in_scope]
    words = sum(r.words for r in commands)
    audio = sum(r.audio_s for r in results)
    latencies = sorted(r.decode_s for r in results)

    def pct(part: int, whole: int) -> float:
        return 100 * part / whole if whole else math.nan

    return {
        "n": n,
        "understood_pct": pct(counts["understood"], n),
        "understood_first_pct": pct(sum(r.single_turn == "understood" for r in results), n),
        "wrong_first_pct": pct(sum(r.single_turn == "wrong_action" for r in results), n),
        "asked_pct": pct(sum(r.answer is not None for r in results), n),
        "wrong_action_pct": pct(counts["wrong_action"], n),
        "not_understood_pct": pct(counts["not_understood"], n),
        "commands": len(commands),
        "commands_understood_pct": pct(
            sum(r.outcome == "understood" for r in commands), len(commands)
        ),
        "out_of_scope": len(others),
        "out_of_scope_ignored_pct": pct(
            sum(r.outcome == "understood" for r in others), len(others)
        ),
        "wer_pct": pct(sum(r.errors for r in commands), words),
        "rtf": sum(r.decode_s for r in results) / audio if audio else math.nan,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else math.nan,
        "p95_ms": 1000 * _percentile(latencies, 0.95),
    }


# ------------------------------------------------------------------------------- running


def run_engine(
    engine: SpeechRecognizer,
    utterances: Iterable[Utterance],
    recognizer: Recognizer,
    answers: Mapping[tuple[str, str], bytes] | None = None,
) -> list[Result]:
    """Transcribe and judge every utterance (the engine is warmed up first, untimed).

    ``answers`` (voice label, answer text) -> samples: the read-back answers; without them
    a tentative transcript is judged as the rejection it is.
    """
    engine.transcribe(b"\x00\x00" * 16000, LISTS)  # builds the grammar / loads the models
    results = []
    asked = 0
    for utterance in utterances:
        started = time.perf_counter()
        transcript = engine.transcribe(utterance.samples, LISTS)
        decode_s = time.perf_counter() - started
        result = score_utterance(
            utterance.sentence,
            utterance.voice.label,
            transcript,
            recognizer,
            decode_s=decode_s,
            audio_s=utterance.seconds,
        )
        if answers is not None and asks(transcript, result.heard_text):
            truthful = right(utterance.sentence, result.heard_text)
            said = (YES_ANSWERS if truthful else NO_ANSWERS)[asked % len(YES_ANSWERS)]
            asked += 1
            answer = answers[(utterance.voice.label, said)]
            if isinstance(engine, PocketsphinxRecognizer | HybridRecognizer):  # as Confide does
                reply = engine.transcribe(answer, LISTS, expect_answer=True)
            else:
                reply = engine.transcribe(answer, LISTS)
            # (an answer heard tentatively still answers: confide.confirmation)
            sure = dataclasses.replace(reply, rejected=False, tentative=False)
            meant = interpret(reply if not reply.tentative else sure, recognizer)
            result = dataclasses.replace(
                result,
                outcome=after_answer(utterance.sentence, result.heard_text, meant),
                first_outcome=result.outcome,
                answer=reply.text
                if not reply.rejected
                else f"({reply.text}: {'tentative' if reply.tentative else 'rejected'})",
            )
        results.append(result)
    return results


def _by(results: Sequence[Result], key: Callable[[Result], str]) -> dict[str, list[Result]]:
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return groups


_COLUMNS = (
    ("n", "n", "{:>5d}"),
    ("understood %", "understood_pct", "{:>12.1f}"),
    ("wrong actions %", "wrong_action_pct", "{:>15.1f}"),
    ("asked %", "asked_pct", "{:>7.1f}"),
    ("1 turn ok %", "understood_first_pct", "{:>11.1f}"),
    ("1 turn wrong %", "wrong_first_pct", "{:>14.1f}"),
    ("not understood %", "not_understood_pct", "{:>16.1f}"),
    ("commands ok %", "commands_understood_pct", "{:>13.1f}"),
    ("OOS ignored %", "out_of_scope_ignored_pct", "{:>13.1f}"),
    ("WER %", "wer_pct", "{:>6.1f}"),
    ("RTF", "rtf", "{:>6.3f}"),
    ("p50 ms", "p50_ms", "{:>7.0f}"),
    ("p95 ms", "p95_ms", "{:>7.0f}"),
)


def _table(rows: Sequence[tuple[str, str, Mapping[str, float]]], label: str) -> str:
    width = max(len(label), *(len(name) for _, name, _ in rows))
    titles = " ".join(f"{title:>{len(fmt.format(0))}}" for title, _, fmt in _COLUMNS)
    lines = [f"{'engine':<9} {label:<{width}} {titles}"]
    for engine, name, summary in rows:
        cells = " ".join(
            fmt.format(int(summary[key]) if key == "n" else summary[key])
            for _, key, fmt in _COLUMNS
        )
        lines.append(f"{engine:<9} {name:<{width}} {cells}")
    return "\n".join(lines)


#: Rejection thresholds tried by ``--sweep`` (None: never reject a non-empty transcript).
#: Rejection thresholds re-judged by ``--sweep`` (probabilities of the confidence model).
SWEEP: tuple[float | None, ...] = (
    0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.95, 0.97, None,
)  # fmt: skip


def sweep(results: Sequence[Result]) -> dict[str, dict[str, float]]:
    """The outcome rates had the engine used another rejection threshold.

    Re-judges every transcript with ``rejected = not text or confidence < threshold`` (the
    rule of PocketsphinxRecognizer), so one decoding pass serves every threshold.
    """
    table: dict[str, dict[str, float]] = {}
    n = len(results)
    for threshold in SWEEP:
        counts = dict.fromkeys(OUTCOMES, 0)
        for r in results:
            text = r.transcript.text.strip()
            rejected = not text or (threshold is not None and r.transcript.confidence < threshold)
            transcript = Transcript(r.transcript.text, r.transcript.confidence, rejected)
            heard = NOT_UNDERSTOOD if rejected else r.heard_text
            counts[judge(r.sentence, transcript, heard)] += 1
        table[str(threshold)] = {f"{k}_pct": 100 * v / n for k, v in counts.items()} if n else {}
    return table


def _show(result: Result) -> str:
    expected = result.sentence.intent or "(nothing)"
    slots = dict(result.sentence.slots)
    heard = result.heard.intent or "(nothing)"
    flag = " [rejected]" if result.transcript.rejected else ""
    flag += " [tentative]" if result.transcript.tentative else ""
    return (
        f"  {result.outcome:<14} {result.voice:<14} said {result.sentence.text!r} -> "
        f"{expected} {slots or ''}\n"
        f"  {'':<14} {'':<14} heard {result.transcript.text!r}{flag} "
        f"(confidence {result.transcript.confidence:.2f}) -> "
        f"{heard} {dict(result.heard.slots) or ''}"
    ) + (
        f"\n  {'':<14} {'':<14} read back, answer heard {result.answer!r}"
        if result.answer is not None
        else ""
    )


def _jsonable(value: Any) -> Any:
    """``value`` with NaN (a rate over nothing) as null, so the output is strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _dump(path: Path, engine: str, results: Sequence[Result]) -> None:
    """Append one JSON line per result (the synthetic corpus's text, never a person's)."""
    with path.open("a", encoding="utf-8") as out:
        for r in results:
            row = {
                "engine": engine,
                "voice": r.voice,
                "said": r.sentence.text,
                "intent": r.sentence.intent,
                "slots": dict(r.sentence.slots),
                "heard": r.transcript.text,
                "by": r.transcript.engine,
                "confidence": r.transcript.confidence,
                "rejected": r.transcript.rejected,
                "heard_intent": r.heard_text.intent,
                "heard_slots": dict(r.heard_text.slots),
                "outcome": r.outcome,
                "first_outcome": r.single_turn,
                "tentative": r.transcript.tentative,
                "answer": r.answer,
            }
            out.write(json.dumps(_jsonable(row), default=str) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--engine",
        default=",".join(DEFAULT_ENGINES),
        help=f"comma-separated, of {', '.join(ENGINES)} (default: %(default)s)",
    )
    parser.add_argument("--voices", type=int, default=len(VOICES), help="use the first N voices")
    parser.add_argument("--limit", type=int, default=None, help="use N sentences (all intents)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary")
    parser.add_argument("--show-errors", action="store_true", help="print every miss")
    parser.add_argument("--by-intent", action="store_true", help="also a table per intent")
    parser.add_argument(
        "--sweep", action="store_true", help="also outcomes at other rejection thresholds"
    )
    parser.add_argument(
        "--dump", type=Path, default=None, help="write every utterance's result as JSON lines"
    )
    args = parser.parse_args(argv)
    engines = [name.strip() for name in args.engine.split(",") if name.strip()]
    unknown = [name for name in engines if name not in ENGINES]
    if unknown or not engines:
        parser.error(f"unknown engine {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    voices = VOICES[: max(1, args.voices)]
    sentences = select(args.limit)

    started = time.perf_counter()
    utterances = synthesise_all(sentences, voices)
    synth_s = time.perf_counter() - started
    answers = {
        (u.voice.label, u.sentence.text): u.samples
        for u in synthesise_all(answer_sentences(), voices)
    }
    recognizer = Recognizer()
    audio_s = sum(u.seconds for u in utterances)
    n_commands = sum(s.in_scope for s in sentences)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan

    report: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "load_average_1m_at_start": round(load, 2),
        "now": NOW.isoformat(timespec="minutes"),
        "sentences": len(sentences),
        "commands": n_commands,
        "out_of_scope": len(sentences) - n_commands,
        "voices": [v.label for v in voices],
        "utterances": len(utterances),
        "audio_s": round(audio_s, 1),
        "synthesis_s": round(synth_s, 1),
        "engines": {},
    }
    rows: list[tuple[str, str, Mapping[str, float]]] = []
    intent_rows: list[tuple[str, str, Mapping[str, float]]] = []
    errors: dict[str, list[Result]] = {}
    workspace = tempfile.TemporaryDirectory(prefix="confide-enrolled-")
    if any(name.startswith("enrolled") for name in engines):
        ENROLLED["model"] = enrolled_model(voices, Path(workspace.name))
    for name in engines:
        t0 = time.perf_counter()
        results = run_engine(ENGINES[name](), utterances, recognizer, answers)
        by_voice = {v: summarise(rs) for v, rs in _by(results, lambda r: r.voice).items()}
        by_intent = {
            i: summarise(rs)
            for i, rs in _by(results, lambda r: r.sentence.intent or "(out of scope)").items()
        }
        overall = summarise(results)
        print(
            f"# {name}: {len(results)} utterances in {time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        report["engines"][name] = {
            "all": overall,
            "voices": by_voice,
            "intents": by_intent,
            "run_s": round(time.perf_counter() - t0, 1),
        }
        if any(r.transcript.confidence for r in results):  # the engine reports a confidence
            report["engines"][name]["sweep"] = sweep(results)
        rows.extend((name, voice, summary) for voice, summary in by_voice.items())
        rows.append((name, "all", overall))
        intent_rows.extend((name, intent, summary) for intent, summary in by_intent.items())
        errors[name] = [r for r in results if r.outcome != "understood"]
        if args.dump is not None:
            _dump(args.dump, name, results)

    workspace.cleanup()
    if args.json:
        print(json.dumps(_jsonable(report), indent=2))
    else:
        print(
            f"# spoken commands -> engine -> text recogniser; {report['date']}; {report['machine']}"
            f"; load average {load:.2f} at start (the machine is shared)"
        )
        print(
            f"# {len(sentences)} sentences ({n_commands} commands, "
            f"{len(sentences) - n_commands} out of scope) x {len(voices)} voices = "
            f"{len(utterances)} utterances, {audio_s:.0f} s of audio (synthesised in "
            f"{synth_s:.0f} s); now = {report['now']}"
        )
        print("# WER over commands only; RTF and latency: decode time per utterance")
        print(_table(rows, "voice"))
        if args.sweep:
            for name, engine_report in report["engines"].items():
                if "sweep" not in engine_report:
                    continue
                print(f"\n# {name}: outcomes at other rejection thresholds (all utterances)")
                print(f"{'threshold':>9} {'understood %':>12} {'wrong actions %':>15} "
                      f"{'not understood %':>16}")  # fmt: skip
                for threshold, rates in engine_report["sweep"].items():
                    print(
                        f"{threshold:>9} {rates['understood_pct']:>12.1f} "
                        f"{rates['wrong_action_pct']:>15.1f} {rates['not_understood_pct']:>16.1f}"
                    )
        if args.by_intent:
            print()
            print(_table(intent_rows, "intent"))
    if args.show_errors:
        out = sys.stderr if args.json else sys.stdout
        for name, missed in errors.items():
            print(f"\n## {name}: {len(missed)} not understood or wrong", file=out)
            for result in missed:
                print(_show(result), file=out)


if __name__ == "__main__":
    main()
