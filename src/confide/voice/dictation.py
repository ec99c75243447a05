"""The dictation pass: free text heard with a general language model and the household's voices.

The grammar leaves out free text (a reminder's task, a message's body, an event's title, a new
shopping item): a word loop over thousands of words makes the grammar search huge and, with
the bundled acoustic model, unreliable.  Once the household has enrolled
(:mod:`confide.voice.adapt`), pocketsphinx hears an open vocabulary well enough to act on,
so an utterance the grammar pass *rejects* is decoded again, from the same audio, with:

* pocketsphinx's bundled general English language model (``en-us.lm.bin``), over
* the :data:`DICTATION_WORDS` most probable words of that model plus the template words and
  the household's names and items (added to the loaded dictionary, never written to a file),
* the household's adapted acoustic model.

What it hears goes to the same text recogniser as a typed request.  When that finds no
command in it, the next-best hypotheses of the pass's lattice are tried ("ten else am i love
you" -> "tell sam i love you", at most :data:`ALTERNATIVES`), then the words are repaired
towards the grammar's (:mod:`confide.voice.sound_alike`: "reminds me" -> "remind me", "seven
i'm" -> "seven am"); such an alternative or repair is never acted on, only read back if the
best hypothesis's confidence is over the model's ``read_back``.  It is acted on only if
:data:`DEFAULT_DICTATION` accepts it: a logistic model over the pass's own evidence (acoustic
and language scores per word, its length, its posterior), the grammar pass's confidence and
whether both passes *agree* (mean the same intent and slots), fitted on the development set
by ``bench/speech_dictation_confidence.py`` with its cut where the whole recogniser made at
most 1 % wrong actions there.  Without an enrolled model there is no dictation pass.

The decoder is built for the utterance (about 0.1 s, ~80 MB) and freed after it, so the
resident memory of ``serve`` between utterances does not grow; its peak does, while it runs.
"""

from __future__ import annotations

import itertools
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from confide.language.models import HouseholdLists
from confide.voice.confidence import FEATURES, LogisticModel, PhoneSegment, features, is_word
from confide.voice.decoders import decode_whole, log_score, release_memory
from confide.voice.grammar import Grammar, frequent_words, write_dictionary
from confide.voice.sound_alike import SoundAlike, parse_dictionary
from confide.voice.transcript import Transcript

__all__ = [
    "ALTERNATIVES",
    "DEFAULT_DICTATION",
    "DICTATION_FEATURES",
    "DICTATION_WORDS",
    "Dictated",
    "Dictation",
    "DictationConfidence",
    "DictationPass",
    "passes_agree",
]

#: How many of the general model's most probable words the dictation pass can hear.
DICTATION_WORDS = 10_000
#: How many next-best hypotheses of the lattice are tried when the best one means nothing.
ALTERNATIVES = 50
#: The evidence :data:`DEFAULT_DICTATION` weighs, in order: the grammar's seven features
#: (:data:`confide.voice.confidence.FEATURES`) computed for the dictation's words against the
#: same phone loop, its language score per word, the grammar pass's confidence, agreement.
#: (Also tried, on the development set: whether the passes mean the same intent whatever the
#: slots, and their words' edit distance: 0.9 points more acted on in one turn, 0.4 fewer
#: understood with read-backs; not kept.)
DICTATION_FEATURES = (*FEATURES, "language_per_word", "first_confidence", "agree")


@dataclass(frozen=True)
class DictationConfidence(LogisticModel):
    """The dictation pass's rejection model: it weighs exactly :data:`DICTATION_FEATURES`."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.means) != len(DICTATION_FEATURES):
            raise ValueError(f"a dictation model needs {len(DICTATION_FEATURES)} values each")


#: Fitted by ``bench/speech_dictation_confidence.py`` (see the module docstring): on the
#: development set the enrolled grammar alone acted rightly on 59.9 % of the utterances and
#: wrongly on 0.81 %; with this pass, and the grammar's cut chosen with it (0.9749), 62.3 %
#: and 0.98 %.  Its ``read_back`` (0.5, as the grammar's: over it a question is more likely
#: right than wrong, the probability being fitted as the chance of being right) read back
#: 17.0 % of the development utterances, 11.5 % rightly (acted on after a "yes").
DEFAULT_DICTATION = DictationConfidence(
    means=(-1.78135, -2.3567, -3.58218, -2.35486, 6.32254, 317.03, 186.817, -0.0398266,
           0.798956, 0.820672),
    scales=(0.388731, 0.47651, 1.07541, 0.491894, 2.54069, 74.1961, 71.9941, 0.010395,
            0.368686, 0.383626),
    weights=(-0.105287, 0.436101, 0.334742, 0.0246435, -0.549823, 0.0510035, 0.195065,
             -0.00146343, 1.12683, -0.0684414),
    bias=3.70356,
    cut=0.8361,
    read_back=0.5,
)  # fmt: skip


def passes_agree(text: Any, first: str, second: str, lists: HouseholdLists) -> bool:
    """Whether two passes' texts mean the same intent and slots to the text recogniser
    ``text`` (neither meaning nothing)."""
    if not first.strip() or not second.strip():
        return False
    now = datetime.now()  # both read at the same moment: only their sameness matters
    one = text.recognize(first, lists, now)
    if one.intent is None:
        return False
    other = text.recognize(second, lists, now)
    return bool(one.intent == other.intent and dict(one.slots) == dict(other.slots))


class DictationPass:
    """Decodes one utterance with the general language model over an adapted model."""

    engine_name = "pocketsphinx-dictation"

    def __init__(self, words: int = DICTATION_WORDS) -> None:
        self.words = words
        self._vocabulary: frozenset[str] | None = None
        # The dictionary of the last grammar (its file text and the household's entries):
        # reading the 134,000-word source dictionary again for every utterance costs ~0.1 s.
        self._dictionary: tuple[str, str, list[tuple[str, str]]] | None = None
        self._alike: tuple[str, SoundAlike] | None = None
        self._lock = threading.Lock()  # one dictation decoder at a time (memory)

    def _common_words(self) -> frozenset[str]:
        if self._vocabulary is None:
            self._vocabulary = frozenset(frequent_words(self.words))
        return self._vocabulary

    def _dictionary_for(self, grammar: Grammar, folder: Path) -> list[tuple[str, str]]:
        """Write the dictionary of ``grammar`` to ``folder``; the household's entries."""
        path = folder / "dictation.dict"
        cached = self._dictionary
        if cached is not None and cached[0] == grammar.digest:
            path.write_text(cached[1], encoding="utf-8")
            return cached[2]
        _, private = write_dictionary(
            self._common_words() | set(grammar.words),
            path,
            extra=grammar.pronunciations,
            private=grammar.household_words,
        )
        self._dictionary = (grammar.digest, path.read_text(encoding="utf-8"), private)
        return private

    def sound_alike(self, grammar: Grammar) -> SoundAlike:
        """Repairs towards ``grammar``'s words, over the pronunciations of its dictionary."""
        cached = self._alike
        if cached is not None and cached[0] == grammar.digest:
            return cached[1]
        dictionary = self._dictionary
        if dictionary is None or dictionary[0] != grammar.digest:
            with tempfile.TemporaryDirectory(prefix="confide-dictation-") as tmp:
                self._dictionary_for(grammar, Path(tmp))
            dictionary = self._dictionary
        assert dictionary is not None
        phones = parse_dictionary(dictionary[1])
        for word, pronunciation in dictionary[2]:  # the household's (in memory only)
            phones.setdefault(word, []).append(tuple(pronunciation.split()))
        alike = SoundAlike(phones, grammar.words)
        self._alike = (grammar.digest, alike)
        return alike

    def decode(
        self,
        samples: bytes,
        acoustic_model: Path,
        grammar: Grammar,
        cmn: str | None = None,
        phones: Sequence[PhoneSegment] = (),
        means: Callable[[str], bool] | None = None,
    ) -> Dictated:
        """What the pass heard; its evidence is the :data:`DICTATION_FEATURES` before the
        grammar's.

        ``phones`` are the phone loop's segments over the same audio (the grammar pass's).
        ``means`` tells whether words mean a command: when the best hypothesis does not, the
        next ones of the lattice (at most :data:`ALTERNATIVES`) are tried for one that does.
        """
        import pocketsphinx  # type: ignore[import-untyped]

        started = time.perf_counter()
        model_dir = Path(pocketsphinx.get_model_path()) / "en-us"
        with self._lock:
            with tempfile.TemporaryDirectory(prefix="confide-dictation-") as tmp:
                private = self._dictionary_for(grammar, Path(tmp))
                decoder: Any = pocketsphinx.Decoder(
                    hmm=str(acoustic_model),
                    lm=str(model_dir / "en-us.lm.bin"),
                    dict=str(Path(tmp) / "dictation.dict"),
                    loglevel="FATAL",
                )
            for index, (word, pronunciation) in enumerate(private):
                decoder.add_word(word, pronunciation, index == len(private) - 1)
            hyp = decode_whole(decoder, samples, cmn)
            text = "" if hyp is None else str(hyp.hypstr)
            alternative = None
            if text and means is not None and not means(text):
                alternative = _alternative(decoder, text, means)
            segments = [
                (str(s.word), s.start_frame, s.end_frame, log_score(s.ascore), log_score(s.lscore))
                for s in decoder.seg()
            ]
            frames = int(decoder.n_frames())
            del decoder
        release_memory()
        found = evidence(segments, phones, frames)
        return Dictated(text, found, time.perf_counter() - started, alternative)


def _alternative(decoder: Any, best: str, means: Callable[[str], bool]) -> str | None:
    """The first of the lattice's next-best hypotheses after ``best`` that ``means`` a command."""
    tried = {best}
    for hypothesis in itertools.islice(decoder.nbest(), ALTERNATIVES):
        words = " ".join(str(hypothesis.hypstr).split())
        if words and words not in tried:
            tried.add(words)
            if means(words):
                return words
    return None


class Dictated(NamedTuple):
    """What :meth:`DictationPass.decode` heard."""

    text: str
    evidence: tuple[float, ...]
    seconds: float
    #: A next-best hypothesis that means a command when ``text`` does not (else None).
    alternative: str | None = None


def evidence(
    segments: Sequence[tuple[str, int, int, float, float]],
    phones: Sequence[PhoneSegment],
    frames: int,
) -> tuple[float, ...]:
    """The grammar's seven features for these word segments against ``phones``, and the
    language score per word (the :data:`DICTATION_FEATURES` of the dictation pass alone)."""
    words = [(word, first, last, acoustic) for word, first, last, acoustic, _ in segments]
    spoken = [s for s in segments if is_word(s[0])]
    language = sum(s[4] for s in spoken)
    return (*features(words, phones, frames), language / max(len(spoken), 1))


class Dictation:
    """The second pass of a grammar recogniser with an enrolled model, and its judge."""

    def __init__(
        self, model: DictationConfidence | None = None, words: int = DICTATION_WORDS
    ) -> None:
        self.model = model if model is not None else DEFAULT_DICTATION
        self.decoder = DictationPass(words)
        self._text: Any = None  # the text recogniser that tells whether two passes agree

    @property
    def text(self) -> Any:
        """The text recogniser with the shipped templates, as the assistant reads what was heard."""
        if self._text is None:
            from confide.language import Recognizer

            self._text = Recognizer()
        return self._text

    def agree(self, first: str, second: str, lists: HouseholdLists) -> bool:
        """Whether both texts mean the same intent and slots (neither meaning nothing)."""
        return passes_agree(self.text, first, second, lists)

    def means_something(self, words: str, lists: HouseholdLists) -> bool:
        return (
            bool(words.strip())
            and self.text.recognize(words, lists, datetime.now()).intent is not None
        )

    def repaired(self, words: str, grammar: Grammar, lists: HouseholdLists) -> str | None:
        """``words`` repaired towards the grammar's until they mean a command (None: never)."""
        for candidate in self.decoder.sound_alike(grammar).repairs(words.split()):
            text = " ".join(candidate)
            if self.means_something(text, lists):
                return text
        return None

    def second_pass(
        self,
        heard: Transcript,
        samples: bytes,
        acoustic_model: Path,
        grammar: Grammar,
        lists: HouseholdLists,
        cmn: str | None = None,
        phones: Sequence[PhoneSegment] = (),
    ) -> Transcript:
        """The dictation transcript of an utterance the grammar pass rejected (``heard``)."""
        meant: dict[str, bool] = {}  # the text recogniser's verdicts, asked once per text

        def means(words: str) -> bool:
            if words not in meant:
                meant[words] = self.means_something(words, lists)
            return meant[words]

        dictated = self.decoder.decode(samples, acoustic_model, grammar, cmn, phones, means=means)
        text = dictated.text
        agree = float(self.agree(heard.text, text, lists))
        values = (*dictated.evidence, heard.confidence, agree)
        confidence = self.model.probability(values) if text else 0.0
        rejected = not text or confidence < self.model.cut
        engine = self.decoder.engine_name
        seconds = dictated.seconds
        if dictated.alternative is not None:  # read back at most: it was not the best heard
            text, rejected, engine = dictated.alternative, True, f"{engine}-alternative"
        elif text and not means(text):
            repaired = self.repaired(text, grammar, lists)
            if repaired is not None:  # read back at most: it was not heard so
                text, rejected, engine = repaired, True, f"{engine}-repaired"
        return Transcript(
            text=text,
            confidence=confidence,
            rejected=rejected,
            tentative=bool(text) and rejected and self.model.tentative(confidence, self.model.cut),
            seconds=heard.seconds + seconds,
            engine=engine,
            features=values,
        )
