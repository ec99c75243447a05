"""Fit the speech confidence model on a development set, never on the benchmark corpus.

The development set is the text recogniser's own paraphrases, ``tests/language/phrasings.yaml``
(its phrasings and out-of-scope sentences), read aloud by every voice of
``bench/speech_corpus.py``.  The meaning each sentence should have is what the text
recogniser makes of the written sentence at the corpus's ``NOW`` with its ``LISTS`` (so
sentences naming people the corpus household lacks are out of scope here).  Every utterance
is decoded once with nothing rejected; each transcript that would be acted on (its text has
an intent) is a training example — right (intent and every slot as meant) or wrong — with
the :data:`confide.voice.confidence.FEATURES` the recogniser measured.  A logistic regression
(standardised features, L2, gradient descent; no dependencies) is fitted, and its cut is the
lowest probability at which at most ``--max-wrong`` percent of all development utterances
would be wrong actions.  Under the cut, down to :data:`READ_BACK`, a transcript is read back
to the speaker instead (the script reports how often, and how often rightly).  The script
prints the model as Python for ``confide/voice/confidence.py`` and the trade-off
table; ``speech_accuracy.py`` then measures the shipped model on held-out sentences.

With ``--enrolled`` the development set is decoded with a household model enrolled from the
same voices reading the enrollment prompts (``speech_enrollment.py``), and the model printed
is ``ENROLLED_MODEL``, the one an adapted recogniser uses.

Usage (espeak-ng and sox needed, and for ``--enrolled`` the Debian packages sphinxtrain,
sphinxbase-utils and pocketsphinx; a few minutes on 2 cores)::

    .venv/bin/python bench/speech_confidence.py [--voices N] [--max-wrong 1.0] [--enrolled]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from confide.language import Recognizer
from confide.language.models import ANSWER_INTENTS
from confide.voice.confidence import FEATURES, ConfidenceModel, LogisticModel
from confide.voice.recognizers import PocketsphinxRecognizer
from speech_accuracy import run_engine
from speech_corpus import LISTS, NOW, VOICES, Sentence, synthesise_all
from speech_enrollment import enrolled_model

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


def fit(
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    steps: int = 3000,
    l2: float = 1e-3,
    model: type[LogisticModel] = ConfidenceModel,
) -> LogisticModel:
    """Logistic regression on standardised ``rows``, as a ``model`` (the cut is set later)."""
    columns = list(zip(*rows, strict=True))
    means = tuple(statistics.fmean(c) for c in columns)
    scales = tuple(max(statistics.pstdev(c), 1e-9) for c in columns)
    z = [[(v - m) / s for v, m, s in zip(row, means, scales, strict=True)] for row in rows]
    weights, bias = [0.0] * len(means), 0.0
    for _ in range(steps):
        grad, grad_bias = [0.0] * len(weights), 0.0
        for xs, y in zip(z, labels, strict=True):
            t = bias + sum(w * x for w, x in zip(weights, xs, strict=True))
            error = 1 / (1 + math.exp(-max(-60.0, min(60.0, t)))) - y
            grad_bias += error
            for j, x in enumerate(xs):
                grad[j] += error * x
        weights = [w - 0.1 * (g / len(z) + l2 * w) for w, g in zip(weights, grad, strict=True)]
        bias -= 0.1 * grad_bias / len(z)
    return model(means, scales, tuple(weights), bias, cut=0.5)


#: Where a rejected transcript is still read back: the model's probabilities are fitted to
#: be the chance that acting on the transcript is right, so over this a question is more
#: likely answered "yes" than "no".
READ_BACK = 0.5


def read_back_report(scored: Sequence[tuple[float, int]], cut: float, total: int) -> str:
    """How often the development set is read back (``READ_BACK <= p < cut``), and rightly."""
    asked = [label for p, label in scored if READ_BACK <= p < cut]
    return (
        f"read back at {READ_BACK}: {100 * len(asked) / total:.1f} % of utterances asked, "
        f"{100 * sum(asked) / total:.1f} % rightly ({100 * sum(asked) / max(len(asked), 1):.0f} "
        "% of the questions)"
    )


def _decode(args: argparse.Namespace) -> tuple[list[list[float]], list[int], int]:
    """The features and labels of every development transcript that would be acted on, and
    the number of utterances."""
    sentences = development_sentences()
    voices = VOICES[: args.voices]
    utterances = synthesise_all(sentences, voices)
    print(
        f"# development set: {len(sentences)} sentences "
        f"({sum(s.in_scope for s in sentences)} commands) x {len(voices)} voices = "
        f"{len(utterances)}"
    )
    with tempfile.TemporaryDirectory(prefix="confide-enrolled-") as tmp:
        model = enrolled_model(voices, Path(tmp)) if args.enrolled else None
        engine = PocketsphinxRecognizer(min_confidence=-1.0, acoustic_model=model)  # scored
        results = run_engine(engine, utterances, Recognizer())
    acted = [  # (a yes or no acts only on a read-back: never on a sentence of its own)
        r
        for r in results
        if r.heard_text.intent not in (None, *ANSWER_INTENTS) and r.transcript.features
    ]
    rows = [list(r.transcript.features or ()) for r in acted]
    labels = [
        int(
            r.heard_text.intent == r.sentence.intent
            and dict(r.heard_text.slots) == r.sentence.slots
        )
        for r in acted
    ]
    return rows, labels, len(utterances)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--voices", type=int, default=len(VOICES))
    parser.add_argument("--max-wrong", type=float, default=1.0, help="percent of utterances")
    parser.add_argument(
        "--enrolled",
        action="store_true",
        help="decode with a model enrolled from every voice (fits ENROLLED_MODEL)",
    )
    parser.add_argument("--cache", type=Path, help="keep/reuse the decodings' features (JSON)")
    args = parser.parse_args(argv)
    if args.cache and args.cache.exists():
        cached = json.loads(args.cache.read_text())
        rows, labels, total = cached["rows"], cached["labels"], cached["total"]
    else:
        rows, labels, total = _decode(args)
        if args.cache:
            args.cache.write_text(json.dumps({"rows": rows, "labels": labels, "total": total}))

    model = fit(rows, labels)
    scored = sorted(zip((model.probability(row) for row in rows), labels, strict=True))
    print(f"{'cut':>6} {'acted right %':>14} {'wrong actions %':>16}")
    cut = 1.0
    for index, (probability, _) in enumerate(scored):
        right = sum(label for _, label in scored[index:])
        wrong = len(scored) - index - right
        if index % max(1, len(scored) // 20) == 0:
            print(f"{probability:6.3f} {100 * right / total:14.1f} {100 * wrong / total:16.2f}")
        if 100 * wrong / total <= args.max_wrong:
            cut = min(cut, probability)
            break
    print(f"# lowest cut with wrong actions <= {args.max_wrong} % of utterances: {cut:.4f}")
    print(f"# {read_back_report(scored, cut, total)}")
    print(f"{'ENROLLED' if args.enrolled else 'DEFAULT'}_MODEL = ConfidenceModel(")
    for name, values in (("means", model.means), ("scales", model.scales)):
        print(f"    {name}=({', '.join(f'{v:.6g}' for v in values)}),")
    print(f"    weights=({', '.join(f'{v:.6g}' for v in model.weights)}),")
    print(f"    bias={model.bias:.6g},\n    cut={cut:.4f},\n    read_back={READ_BACK},\n)"
          f"  # features: {', '.join(FEATURES)}")  # fmt: skip


if __name__ == "__main__":
    main()
