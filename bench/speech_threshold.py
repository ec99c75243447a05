"""Choose the speech rejection threshold on a development set, never on the benchmark corpus.

The development set is the text recogniser's own paraphrases, ``tests/language/phrasings.yaml``
(its phrasings and out-of-scope sentences), read aloud by every voice of
``bench/speech_corpus.py``.  The meaning each sentence should have is what the text
recogniser makes of the written sentence at the corpus's ``NOW`` with its ``LISTS``, so
sentences naming people the corpus household lacks are out of scope here.  Everything is
decoded once with the confidence computed and nothing rejected; :func:`speech_accuracy.sweep`
then re-judges every transcript at each threshold.  The threshold printed last is the most
permissive one whose wrong-action rate stays at or under ``--max-wrong`` percent: that is the value
``PocketsphinxRecognizer`` ships as ``DEFAULT_MIN_CONFIDENCE``, and ``speech_accuracy.py``
then measures it on held-out sentences.

Usage (espeak-ng and sox needed; a few minutes on 2 cores)::

    .venv/bin/python bench/speech_threshold.py [--voices N] [--max-wrong 1.0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from confide.language import Recognizer
from confide.voice.recognizers import DEFAULT_MIN_CONFIDENCE, PocketsphinxRecognizer
from speech_accuracy import SWEEP, run_engine, sweep
from speech_corpus import LISTS, NOW, VOICES, Sentence, synthesise_all

PHRASINGS = Path(__file__).resolve().parent.parent / "tests" / "language" / "phrasings.yaml"


def development_sentences(path: Path = PHRASINGS) -> list[Sentence]:
    """Every speakable sentence of the phrasings file with the meaning of its written text."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = [p["text"] for p in data["phrasings"]] + list(data.get("out_of_scope", []))
    recognizer = Recognizer()
    sentences = []
    for text in texts:
        spoken = text.strip()
        if not any(c.isalpha() for c in spoken):
            continue  # punctuation only: nothing to say
        meaning = recognizer.recognize(spoken, LISTS, NOW)
        sentences.append(Sentence(spoken, meaning.intent, dict(meaning.slots)))
    return sentences


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--voices", type=int, default=len(VOICES))
    parser.add_argument("--max-wrong", type=float, default=1.0, help="percent of utterances")
    args = parser.parse_args(argv)
    sentences = development_sentences()
    voices = VOICES[: args.voices]
    utterances = synthesise_all(sentences, voices)
    in_scope = sum(s.in_scope for s in sentences)
    print(
        f"# development set: {len(sentences)} sentences ({in_scope} commands) x {len(voices)} "
        f"voices = {len(utterances)} utterances; shipped threshold {DEFAULT_MIN_CONFIDENCE}"
    )
    # a threshold no transcript reaches: the confidence is computed, nothing is rejected
    engine = PocketsphinxRecognizer(min_confidence=-1e9)
    results = run_engine(engine, utterances, Recognizer())
    table = sweep(results)
    print(
        f"{'threshold':>10} {'understood %':>13} {'wrong actions %':>16} {'not understood %':>17}"
    )
    chosen: str | None = None
    for threshold in SWEEP:
        row = table[str(threshold)]
        print(
            f"{threshold!s:>10} {row['understood_pct']:13.1f} {row['wrong_action_pct']:16.1f} "
            f"{row['not_understood_pct']:17.1f}"
        )
        if row["wrong_action_pct"] <= args.max_wrong:
            chosen = str(threshold)
    print(f"# most permissive threshold with wrong actions <= {args.max_wrong} %: {chosen}")


if __name__ == "__main__":
    main()
