"""Fit the Whisper rejection model of the hybrid engine on the development set (never the corpus).

Like ``bench/speech_confidence.py``: the development set is ``tests/language/phrasings.yaml``
(phrasings and out-of-scope sentences) read by every voice of ``bench/speech_corpus.py``, each
sentence meaning what the text recogniser makes of its written text.  Every utterance goes
through the hybrid's first pass, pocketsphinx with the template grammar and its shipped
rejection; Whisper decodes the utterances that pass rejects (the only ones the hybrid sends
to it).  Each Whisper transcript that would be acted on (its text has an intent) is an
example, right or wrong, with the :data:`confide.voice.whisper.FEATURES` Whisper reported.
A logistic regression is fitted, and its cut is the lowest probability at which the whole
hybrid (pocketsphinx's accepted wrong actions included) makes at most ``--max-wrong`` percent
wrong actions over all development utterances.  Prints the model as Python for
``confide/voice/whisper.py`` and the trade-off table.

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
from confide.voice.recognizers import PocketsphinxRecognizer
from confide.voice.whisper import FEATURES, WhisperConfidence, WhisperRecognizer
from speech_confidence import development_sentences, fit
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
            text, values = whisper.decode(utterance.samples, LISTS)
            row["w_text"], row["w_features"] = text, list(values)
        rows.append(row)
        if index % 100 == 99:
            print(
                f"# {index + 1}/{len(utterances)} in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    return rows


def outcome(recognizer: Recognizer, row: dict[str, object], text: str) -> str:
    """'right', 'wrong' (an action on a misunderstanding) or 'none' (nothing acted on)."""
    heard = recognizer.recognize(text, LISTS, NOW) if text.strip() else None
    if heard is None or heard.intent is None:
        return "none"
    right = heard.intent == row["intent"] and dict(heard.slots) == row["slots"]
    return "right" if right else "wrong"


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
    ps_right = ps_wrong = 0
    examples: list[tuple[list[float], int]] = []
    for row in rows:
        if not row["ps_rejected"]:
            got = outcome(recognizer, row, str(row["ps_text"]))
            ps_right += got == "right"
            ps_wrong += got == "wrong"
            continue
        got = outcome(recognizer, row, str(row["w_text"]))
        if got != "none":
            examples.append((list(row["w_features"]), int(got == "right")))  # type: ignore[call-overload]
    print(
        f"# development set: {total} utterances; pocketsphinx accepts {ps_right} right, "
        f"{ps_wrong} wrong (cut {DEFAULT_MODEL.cut}); Whisper acts on {len(examples)} of the rest"
    )
    raw = fit([x for x, _ in examples], [y for _, y in examples])
    model = WhisperConfidence(raw.means, raw.scales, raw.weights, raw.bias, cut=0.5)
    scored = sorted(((model.probability(x), y) for x, y in examples), reverse=True)
    print(f"{'cut':>6} {'understood %':>13} {'wrong actions %':>16}")
    cut, best = 1.0, None
    right = wrong = 0
    for index, (probability, label) in enumerate(scored):
        right += label
        wrong += 1 - label
        understood = ps_right + right + sum(r["intent"] is None for r in rows) - 0
        rate_wrong = 100 * (ps_wrong + wrong) / total
        if index % max(1, len(scored) // 25) == 0:
            print(f"{probability:6.3f} {100 * (ps_right + right) / total:13.1f} {rate_wrong:16.2f}")
        if rate_wrong <= args.max_wrong:
            cut, best = probability, (ps_right + right, understood)
    print(f"# lowest cut with wrong actions <= {args.max_wrong} % of utterances: {cut:.4f} {best}")
    print("DEFAULT_CONFIDENCE = WhisperConfidence(")
    for name, values in (("means", model.means), ("scales", model.scales)):
        print(f"    {name}=({', '.join(f'{v:.6g}' for v in values)}),")
    print(f"    weights=({', '.join(f'{v:.6g}' for v in model.weights)}),")
    print(f"    bias={model.bias:.6g},\n    cut={cut:.4f},\n)  # features: {', '.join(FEATURES)}")


if __name__ == "__main__":
    main()
