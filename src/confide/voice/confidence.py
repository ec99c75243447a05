"""How sure the recogniser is of a transcript: a small logistic model over acoustic evidence.

A grammar always answers with *some* sentence, so every transcript is judged against a free
phone loop decoded over the same audio (the best any sentence could do).  One ratio per
utterance is a poor judge: sentences with many numbers score lower even when right, and the
silence around the speech dilutes it.  :func:`features` therefore measures seven things —
the log-likelihood ratio per frame of the utterance and of its speech frames only, the
lowest and mean ratio of its words, how many words, frames and speech frames — and
:class:`ConfidenceModel` turns them into the probability that acting on the transcript is
right.

The weights of :data:`DEFAULT_MODEL` were fitted by ``bench/speech_confidence.py`` on a
development set (the text recogniser's own paraphrases, ``tests/language/phrasings.yaml``,
read by four espeak-ng voices), never on the benchmark corpus, and its ``cut`` is the lowest
probability at which that set had at most 1 % wrong actions.  Refit when the templates, the
acoustic model or the decoder settings change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Names of the features, in the order :func:`features` returns them.
FEATURES = ("ratio", "speech_ratio", "min_word", "mean_word", "words", "frames", "speech_frames")

# A word segment of the grammar decoder: (word, first frame, last frame, log-likelihood);
# a phone segment of the phone loop: (first frame, last frame, log-likelihood).
WordSegment = tuple[str, int, int, float]
PhoneSegment = tuple[int, int, float]


def is_word(word: str) -> bool:
    return not (word.startswith(("<", "[")) or word == "</s>")


def _phone_score(phones: Sequence[PhoneSegment], first: int, last: int) -> float:
    """The phone loop's log-likelihood over frames ``first..last`` (pro rata per segment)."""
    total = 0.0
    for start, end, score in phones:
        overlap = min(last, end) - max(first, start) + 1
        if overlap > 0:
            total += score * overlap / (end - start + 1)
    return total


def features(
    words: Sequence[WordSegment], phones: Sequence[PhoneSegment], frames: int
) -> tuple[float, ...]:
    """The :data:`FEATURES` of one decoded utterance (natural-log ratios per frame)."""
    ratio = (sum(w[3] for w in words) - sum(p[2] for p in phones)) / max(frames, 1)
    spoken = [w for w in words if is_word(w[0])]
    per_word = []
    speech_frames = 0
    speech_diff = 0.0
    for _, first, last, score in spoken:
        length = last - first + 1
        diff = score - _phone_score(phones, first, last)
        per_word.append(diff / length)
        speech_frames += length
        speech_diff += diff
    return (
        ratio,
        speech_diff / max(speech_frames, 1),
        min(per_word, default=0.0),
        sum(per_word) / len(per_word) if per_word else 0.0,
        float(len(spoken)),
        float(frames),
        float(speech_frames),
    )


@dataclass(frozen=True)
class LogisticModel:
    """Logistic regression over standardised features; ``cut`` is the acceptance threshold.

    ``read_back`` (below ``cut``, or None) is where a rejected transcript is still worth
    reading back to the speaker for a yes or no (:attr:`Transcript.tentative`).
    """

    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    cut: float
    read_back: float | None = None

    def __post_init__(self) -> None:
        if not len(self.means) == len(self.scales) == len(self.weights) > 0:
            raise ValueError("a confidence model needs as many means, scales and weights")
        if self.read_back is not None and not 0 <= self.read_back <= self.cut:
            raise ValueError("a confidence model reads back between 0 and its cut")

    def probability(self, values: Sequence[float]) -> float:
        """The probability that the transcript with these feature ``values`` is right."""
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(self.weights, values, self.means, self.scales, strict=True)
        )
        return 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))

    def tentative(self, confidence: float, cut: float | None) -> bool:
        """Whether a transcript rejected under ``cut`` with ``confidence`` is read back.

        Only under this model's own cut: a caller's other threshold has no read-back band.
        """
        return self.read_back is not None and cut == self.cut and confidence >= self.read_back


@dataclass(frozen=True)
class ConfidenceModel(LogisticModel):
    """The grammar pass's model: it weighs exactly the seven :data:`FEATURES`."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.means) != len(FEATURES):
            raise ValueError(f"a confidence model needs {len(FEATURES)} values of each kind")


#: Fitted by ``bench/speech_confidence.py`` (see the module docstring).  Under the cut, a
#: transcript is read back down to ``read_back`` 0.5 (the probability is fitted as the chance
#: that acting is right: over 0.5 a question is more likely answered "yes"): on the
#: development set 24.4 % of the utterances would be read back, 77 % of them rightly.
DEFAULT_MODEL = ConfidenceModel(
    means=(-3.60228, -5.11849, -7.43029, -5.32095, 5.81422, 314.44, 174.213),
    scales=(0.67834, 1.03176, 1.83525, 1.05454, 2.06375, 72.8758, 58.1188),
    weights=(1.54218, 0.458542, 0.45728, 0.176438, 0.692877, -2.22179, 0.806131),
    bias=0.972979,
    cut=0.9074,
    read_back=0.5,
)


#: The confidence model of an acoustic model adapted to the household's voices
#: (:mod:`confide.voice.adapt`): the scores of an adapted model are higher and closer
#: together, so the same cut would accept more errors.  Fitted like :data:`DEFAULT_MODEL`
#: (``bench/speech_confidence.py --enrolled``: the development set decoded with a model
#: enrolled from the four voices reading the enrollment prompts, never the benchmark corpus;
#: its cut was then raised from 0.5859 to 0.9749, chosen together with the dictation pass's
#: (``bench/speech_dictation_confidence.py``), which hears what the grammar rejects, and so
#: was its ``read_back``: a grammar sentence is read back when the dictation pass has nothing
#: to read back).
ENROLLED_MODEL = ConfidenceModel(
    means=(-2.7195, -3.38559, -5.45201, -3.53706, 5.91141, 314.214, 181.277),
    scales=(1.10573, 1.66924, 3.11242, 1.74651, 2.30674, 72.9598, 66.4674),
    weights=(1.71015, 1.93996, 1.90013, 1.53877, 0.7775, -0.63685, -0.538381),
    bias=1.85969,
    cut=0.9749,
    read_back=0.5,
)
