"""Fit the dictation pass's rejection model, and both cuts, on the development set.

The household of ``speech_enrollment.py`` (every voice read the enrollment prompts) decodes the
development set (``tests/language/phrasings.yaml`` read by every voice, as in
``speech_confidence.py``; never the benchmark corpus).  Each utterance is decoded by the
grammar pass (scored with ``ENROLLED_MODEL``, nothing rejected) *and* by the dictation pass
(:mod:`confide.voice.dictation`), so that any pair of cuts can be tried on one decoding.  A
logistic regression (``DEFAULT_DICTATION``) is fitted on every dictation transcript that has
an intent, right or wrong; then the grammar cut and the dictation cut are chosen together:
the pair that acts rightly on the most development utterances while at most ``--max-wrong``
percent of them are wrong actions (the grammar's accepted errors plus the dictation's).

Both models read back what they reject down to ``speech_confidence.READ_BACK``; the script
reports how often the development set would be read back and rightly: the dictation pass's
text, or its repair towards the grammar's words when the text means nothing
(:mod:`confide.voice.sound_alike`), else the grammar's sentence.

Usage (espeak-ng, sox and the Debian adaptation tools needed; ~15 minutes on 2 cores)::

    .venv/bin/python bench/speech_dictation_confidence.py [--max-wrong 1.0] [--cache FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from confide.language import Recognizer
from confide.language.models import ANSWER_INTENTS
from confide.voice.confidence import ENROLLED_MODEL
from confide.voice.dictation import DICTATION_FEATURES, Dictation, DictationConfidence
from confide.voice.recognizers import PocketsphinxRecognizer
from speech_confidence import READ_BACK, development_sentences
from speech_confidence import fit as fit_logistic
from speech_corpus import LISTS, NOW, VOICES, synthesise_all
from speech_enrollment import enrolled_model


class _Scored(PocketsphinxRecognizer):
    """The grammar pass, keeping the phone loop's segments of its last utterance."""

    last_phones: tuple[tuple[int, int, float], ...] = ()

    def _conclude(
        self, heard: Any, samples: Any, grammar: Any, lists: Any, phones: Any = (), *rest: Any
    ) -> Any:
        self.last_phones = tuple(phones)
        return super()._conclude(heard, samples, grammar, lists, phones, *rest)


def collect() -> list[dict[str, Any]]:
    """Both passes over every development utterance."""
    sentences = development_sentences()
    utterances = synthesise_all(sentences, VOICES)
    text = Recognizer()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="confide-enrolled-") as tmp:
        model = enrolled_model(VOICES, Path(tmp))
        first = _Scored(min_confidence=-1.0, acoustic_model=model)  # scored, never rejected
        dictation = Dictation()
        first.transcribe(b"\x00\x00" * 16000, LISTS)
        grammar = first.grammar(LISTS)
        started = time.perf_counter()
        for index, utterance in enumerate(utterances):
            heard = first.transcribe(utterance.samples, LISTS)
            phones = first.last_phones
            said, evidence, _, _ = dictation.decoder.decode(
                utterance.samples, model, grammar, first._cmn, phones
            )
            expected = (utterance.sentence.intent, dict(utterance.sentence.slots))
            first_acts, first_right = _judge(text, heard.text, expected)
            dict_acts, dict_right = _judge(text, said, expected)
            rows.append(
                {
                    "sentence": utterance.sentence.text,
                    "in_scope": utterance.sentence.in_scope,
                    "first_text": heard.text,
                    "first_confidence": heard.confidence,
                    "first_acts": first_acts,
                    "first_right": first_right,
                    "dictation_text": said,
                    "dictation_acts": dict_acts,
                    "dictation_right": dict_right,
                    "values": [
                        *evidence,
                        heard.confidence,
                        float(dictation.agree(heard.text, said, LISTS)),
                    ],
                }
            )
            if index % 100 == 99:
                print(f"# {index + 1}/{len(utterances)} in {time.perf_counter() - started:.0f} s",
                      file=sys.stderr, flush=True)  # fmt: skip
    return rows


def _folded(slots: dict[str, Any]) -> dict[str, Any]:
    return {k: v.casefold() if isinstance(v, str) else v for k, v in slots.items()}


def _judge(text: Recognizer, words: str, expected: tuple[Any, Any]) -> tuple[bool, bool]:
    """(acts, right): whether ``words`` would be acted on, and rightly.

    Slots are compared without case: the development sentences are written cased ("pick up
    Sam"), and a recogniser hears lower-case words.
    """
    meaning = text.recognize(words, LISTS, NOW) if words.strip() else None
    if meaning is None or meaning.intent is None or meaning.intent in ANSWER_INTENTS:
        return False, False  # (a yes or no acts only on a read-back: never here)
    intent, slots = expected
    return True, (meaning.intent, _folded(dict(meaning.slots))) == (intent, _folded(slots))


def _sound_alike() -> Any:
    """Repairs as the dictation pass makes them (the bundled dictionary's pronunciations)."""
    import pocketsphinx  # type: ignore[import-untyped]

    from confide.voice.sound_alike import SoundAlike, parse_dictionary

    source = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    grammar = PocketsphinxRecognizer(min_confidence=None).grammar(LISTS)
    return SoundAlike(parse_dictionary(source.read_text(encoding="utf-8")), grammar.words)


def relabel(rows: list[dict[str, Any]]) -> None:
    """Judge the dictation transcripts of cached rows again (as :func:`_judge` does now), and
    their repairs where they mean nothing."""
    text = Recognizer()
    alike = _sound_alike()
    meant = {s.text: (s.intent, dict(s.slots)) for s in development_sentences()}
    for row in rows:
        expected = meant[row["sentence"]]
        row["dictation_acts"], row["dictation_right"] = _judge(
            text, row["dictation_text"], expected
        )
        row["repaired_acts"] = row["repaired_right"] = False
        if row["dictation_text"].strip() and not row["dictation_acts"]:
            for candidate in alike.repairs(row["dictation_text"].split()):
                acts, right = _judge(text, " ".join(candidate), expected)
                if acts:
                    row["repaired_acts"], row["repaired_right"] = acts, right
                    break


def read_backs(
    rows: list[dict[str, Any]], model: DictationConfidence, first_cut: float, dict_cut: float
) -> tuple[int, int]:
    """(read-backs asked, asked rightly) with both cuts, as the recogniser decides them."""
    asked: list[int] = []
    for row in rows:
        if row["first_confidence"] >= first_cut:
            continue
        p = model.probability(row["values"])
        if row["dictation_acts"] and p >= dict_cut:
            continue  # acted on
        if row["dictation_acts"] and p >= READ_BACK:
            asked.append(int(row["dictation_right"]))
        elif row["repaired_acts"] and p >= READ_BACK:
            asked.append(int(row["repaired_right"]))
        elif row["first_acts"] and row["first_confidence"] >= READ_BACK:
            asked.append(int(row["first_right"]))
    return len(asked), sum(asked)


def outcome(rows: list[dict[str, Any]], model: DictationConfidence, first_cut: float,
            dict_cut: float) -> tuple[int, int]:  # fmt: skip
    """(acted right, wrong actions) with both cuts."""
    right = wrong = 0
    for row in rows:
        if row["first_confidence"] >= first_cut and row["first_acts"]:
            right += row["first_right"]
            wrong += not row["first_right"]
        elif (
            row["first_confidence"] < first_cut
            and row["dictation_acts"]
            and model.probability(row["values"]) >= dict_cut
        ):
            right += row["dictation_right"]
            wrong += not row["dictation_right"]
    return right, wrong


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--max-wrong", type=float, default=1.0, help="percent of utterances")
    parser.add_argument("--cache", type=Path, help="keep/reuse the decodings (JSON)")
    args = parser.parse_args(argv)
    if args.cache and args.cache.exists():
        rows = json.loads(args.cache.read_text())
        relabel(rows)
    else:
        rows = collect()
        if args.cache:
            args.cache.write_text(json.dumps(rows))
        relabel(rows)
    acting = [r for r in rows if r["dictation_acts"]]
    fitted = fit_logistic(
        [r["values"] for r in acting],
        [int(r["dictation_right"]) for r in acting],
        model=DictationConfidence,
    )
    total = len(rows)
    budget = args.max_wrong * total / 100
    first_cuts = sorted({round(r["first_confidence"], 4) for r in rows} | {ENROLLED_MODEL.cut})
    dict_cuts = sorted({round(fitted.probability(r["values"]), 4) for r in acting} | {1.01})
    best = (-1, 0, ENROLLED_MODEL.cut, 1.01)
    for first_cut in [*first_cuts[:: max(1, len(first_cuts) // 200)], ENROLLED_MODEL.cut]:
        for dict_cut in [*dict_cuts[:: max(1, len(dict_cuts) // 200)], 1.01]:
            right, wrong = outcome(rows, fitted, first_cut, dict_cut)
            if wrong <= budget and right > best[0]:
                best = (right, wrong, first_cut, dict_cut)
    right, wrong, first_cut, dict_cut = best
    alone = outcome(rows, fitted, ENROLLED_MODEL.cut, 1.01)
    print(f"# development set: {total} utterances; dictation acts on {len(acting)}")
    print(f"# grammar alone at its cut {ENROLLED_MODEL.cut}: acted right "
          f"{100 * alone[0] / total:.1f} %, wrong {100 * alone[1] / total:.2f} %")  # fmt: skip
    print(f"# both passes: grammar cut {first_cut}, dictation cut {dict_cut}: acted right "
          f"{100 * right / total:.1f} %, wrong {100 * wrong / total:.2f} %")  # fmt: skip
    print("DEFAULT_DICTATION = DictationConfidence(")
    for name, values in (("means", fitted.means), ("scales", fitted.scales)):
        print(f"    {name}=({', '.join(f'{v:.6g}' for v in values)}),")
    print(f"    weights=({', '.join(f'{v:.6g}' for v in fitted.weights)}),")
    asked, asked_right = read_backs(rows, fitted, first_cut, dict_cut)
    print(f"    bias={fitted.bias:.6g},\n    cut={dict_cut:.4f},\n    read_back={READ_BACK},\n)")
    print(f"# features: {', '.join(DICTATION_FEATURES)}")
    print(f"# ENROLLED_MODEL cut with it: {first_cut:.4f}, read_back={READ_BACK}")
    print(f"# read-backs: {100 * asked / total:.1f} % of utterances asked, "
          f"{100 * asked_right / total:.1f} % rightly (acted on after a yes)")  # fmt: skip


if __name__ == "__main__":
    main()
