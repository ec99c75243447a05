"""Fit the Whisper rejection model of the hybrid engine on the development set (never the corpus).

Like ``bench/speech_confidence.py``: the development set is ``tests/language/phrasings.yaml``
(phrasings and out-of-scope sentences) read by every voice of ``bench/speech_corpus.py``, each
sentence meaning what the text recogniser makes of its written text.  Every utterance goes
through the hybrid's first pass, pocketsphinx with the template grammar and its shipped
rejection; Whisper decodes the utterances that pass rejects (the only ones the hybrid sends
to it).  Each Whisper transcript that would be acted on (its text has an intent) is an
example, right or wrong (slots compared without case: the written sentences are cased), with
the :data:`confide.voice.whisper.FEATURES` Whisper reported.  Two logistic regressions are
fitted: Whisper's own (``DEFAULT_CONFIDENCE`` of ``confide/voice/whisper.py``) and the
hybrid's (``DEFAULT_HYBRID`` of ``confide/voice/hybrid.py``), which also weighs the grammar
pass's confidence and whether both passes mean the same.  Each cut is the lowest probability
at which the whole hybrid (pocketsphinx's accepted wrong actions included) makes at most
``--max-wrong`` percent wrong actions over all development utterances.  Prints the models
as Python and the trade-off tables.

Usage (espeak-ng and sox needed; ~15 minutes on 2 cores)::

    .venv/bin/python bench/speech_whisper_confidence.py [--voices N] [--max-wrong 1.0]
        [--cache FILE.json]   # keep the decodings of the synthetic set to refit quickly
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from confide.language import Recognizer
from confide.voice.confidence import DEFAULT_MODEL
from confide.voice.hybrid import HYBRID_FEATURES
from confide.voice.recognizers import PocketsphinxRecognizer
from confide.voice.whisper import FEATURES, WhisperConfidence, WhisperRecognizer
from speech_confidence import development_sentences
from speech_confidence import fit as fit_logistic
from speech_corpus import LISTS, NOW, VOICES, synthesise_all


def collect(voices: int) -> list[dict[str, object]]:
    """Both passes over the development set (Whisper only where pocketsphinx rejects)."""
    sentences = development_sentences()
    utterances = synthesise_all(sentences, VOICES[:voices])
    first = PocketsphinxRecognizer()
    whisper = WhisperRecognizer(min_confidence=0.0)
    first.transcribe(b"\x00\x00" * 16000, LISTS)
    whisper.load()
    rows: list[dict[str, object]] = []
    started = time.perf_counter()
    for index, utterance in enumerate(utterances):
        heard = first.transcribe(utterance.samples, LISTS)
        row: dict[str, object] = {
            "sentence": utterance.sentence.text,
            "intent": utterance.sentence.intent,
            "slots": dict(utterance.sentence.slots),
            "voice": utterance.voice.label,
            "ps_text": heard.text,
            "ps_confidence": heard.confidence,
            "ps_rejected": heard.rejected,
        }
        if heard.rejected:
            text, values, _ = whisper.decode(utterance.samples, LISTS)
            row["w_text"], row["w_features"] = text, list(values)
        rows.append(row)
        if index % 100 == 99:
            print(
                f"# {index + 1}/{len(utterances)} in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    return rows


def fit(rows: list[list[float]], labels: list[int]) -> WhisperConfidence:
    """Logistic regression on standardised ``rows`` (``speech_confidence.fit``)."""
    model = fit_logistic(rows, labels, model=WhisperConfidence)
    assert isinstance(model, WhisperConfidence)
    return model


def _folded(slots: object) -> dict[str, object]:
    """Slots with text in one case: the written sentences are cased, transcripts are not."""
    assert isinstance(slots, dict)
    return {k: v.casefold() if isinstance(v, str) else v for k, v in slots.items()}


def meaning(recognizer: Recognizer, text: str) -> tuple[str, dict[str, object]] | None:
    """The intent and slots the text recogniser reads in ``text`` (None: no intent)."""
    heard = recognizer.recognize(text, LISTS, NOW) if text.strip() else None
    if heard is None or heard.intent is None:
        return None
    return heard.intent, dict(heard.slots)


def outcome(row: dict[str, object], heard: tuple[str, dict[str, object]] | None) -> str:
    """'right', 'wrong' (an action on a misunderstanding) or 'none' (nothing acted on)."""
    if heard is None:
        return "none"
    right = heard[0] == row["intent"] and _folded(heard[1]) == _folded(row["slots"])
    return "right" if right else "wrong"


def choose_cut(
    model: WhisperConfidence,
    examples: list[tuple[list[float], int]],
    already_wrong: int,
    total: int,
    max_wrong: float,
) -> tuple[float, int, int]:
    """The lowest cut at which the hybrid's wrong actions stay within ``max_wrong`` percent.

    Prints the trade-off; returns (cut, right accepted, wrong accepted).
    """
    scored = sorted(((model.probability(x), y) for x, y in examples), reverse=True)
    print(f"{'cut':>6} {'Whisper right':>13} {'hybrid wrong actions %':>23}")
    best = (1.0, 0, 0)
    right = wrong = 0
    for index, (probability, label) in enumerate(scored):
        right += label
        wrong += 1 - label
        rate = 100 * (already_wrong + wrong) / total
        if index % max(1, len(scored) // 12) == 0:
            print(f"{probability:6.3f} {right:13d} {rate:23.2f}")
        if rate <= max_wrong:
            best = (probability, right, wrong)
    return best


def _print_model(
    name: str, model: WhisperConfidence, cut: float, features: tuple[str, ...]
) -> None:
    print(f"{name} = WhisperConfidence(")
    for field, values in (("means", model.means), ("scales", model.scales)):
        print(f"    {field}=({', '.join(f'{v:.6g}' for v in values)}),")
    print(f"    weights=({', '.join(f'{v:.6g}' for v in model.weights)}),")
    print(f"    bias={model.bias:.6g},\n    cut={cut:.4f},\n)  # features: {', '.join(features)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--voices", type=int, default=len(VOICES))
    parser.add_argument("--max-wrong", type=float, default=1.0, help="percent of utterances")
    parser.add_argument("--cache", type=Path, default=None, help="decodings JSON (reused)")
    args = parser.parse_args(argv)
    if args.cache is not None and args.cache.exists():
        rows = json.loads(args.cache.read_text())
    else:
        rows = collect(args.voices)
        if args.cache is not None:
            args.cache.write_text(json.dumps(rows))
    recognizer = Recognizer()
    total = len(rows)
    ps_right = ps_wrong = agreeing = 0
    alone: list[tuple[list[float], int]] = []
    both: list[tuple[list[float], int]] = []
    for row in rows:
        first = meaning(recognizer, str(row["ps_text"]))
        if not row["ps_rejected"]:
            got = outcome(row, first)
            ps_right += got == "right"
            ps_wrong += got == "wrong"
            continue
        second = meaning(recognizer, str(row["w_text"]))
        got = outcome(row, second)
        if got == "none":
            continue
        values = [float(v) for v in row["w_features"]]  # type: ignore[attr-defined]
        agree = float(first is not None and first == second)
        agreeing += int(agree)
        alone.append((values, int(got == "right")))
        both.append(([*values, float(row["ps_confidence"]), agree], int(got == "right")))  # type: ignore[arg-type]
    commands = sum(r["intent"] is not None for r in rows)
    print(
        f"# development set: {total} utterances ({commands} commands); pocketsphinx accepts "
        f"{ps_right} right, {ps_wrong} wrong (cut {DEFAULT_MODEL.cut}); Whisper's text has an "
        f"intent for {len(alone)} of the rest ({sum(y for _, y in alone)} right; "
        f"{agreeing} agree with the grammar pass)"
    )
    results = []
    for name, examples, features in (
        ("DEFAULT_CONFIDENCE", alone, FEATURES),
        ("DEFAULT_HYBRID", both, HYBRID_FEATURES),
    ):
        print(f"\n# {name} ({', '.join(features)})")
        model = fit([x for x, _ in examples], [y for _, y in examples])
        cut, right, wrong = choose_cut(model, examples, ps_wrong, total, args.max_wrong)
        print(
            f"# cut {cut:.4f}: Whisper adds {right} right and {wrong} wrong actions; the hybrid "
            f"acts right on {100 * (ps_right + right) / commands:.1f} % of the commands, "
            f"{100 * (ps_wrong + wrong) / total:.2f} % of all utterances wrongly"
        )
        results.append((name, model, cut, features))
    print()
    for name, model, cut, features in results:
        _print_model(name, model, cut, features)


if __name__ == "__main__":
    main()
