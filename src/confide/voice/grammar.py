"""A JSGF speech grammar compiled from the sentence templates and the household lists.

The grammar is made from the *same* hassil templates the text recogniser uses
(:func:`confide.language.loader.load_templates`), so whatever the speech recogniser hears
can be re-read by the text recogniser.  The translation:

* literal text → lower-case words; alternatives ``(a|b)`` and optionals ``[a]`` map one to
  one; text glued inside a word (``alarm[s]``) is expanded to its spellings (``alarm|alarms``);
* every expansion rule → a JSGF rule (rules local to a data block get a scoped name);
* text lists → a rule over their ``in`` templates; range lists → number words ("forty five")
  when the list allows words, and nothing when it is digits only (typed text, never spoken);
* ``{recipient}`` and ``{shopping_item}`` → the household's members, contacts and shopping
  items (:class:`~confide.language.models.HouseholdLists`);
* the skip words → an optional prefix, the trailing skip words → an optional suffix.

**Wildcards** (reminder task, message body, calendar title, shopping item) cannot be written
as a finite grammar.  Two strategies, chosen by ``wildcards``:

``"free"`` (default)
    a ``<free>`` rule: one or more words (``<free_word>+``, a loop in the automaton) from an
    open vocabulary: the ``free_vocabulary`` most probable words of pocketsphinx's bundled
    English language model, the template words, the household lists and
    :data:`COMMON_WORDS`.  Sentences with free text are then recognisable when their words
    are in that vocabulary; others come out as the nearest words of the vocabulary, which
    the rejection step must catch.
``"exclude"``
    templates with a wildcard are left out (a grammar for the closed intents only).

Every template word must be in the pocketsphinx dictionary.  An alternative that contains a
word the dictionary lacks ("oclock", "msg", "hrs") is *dropped* rather than approximated, so
the grammar never accepts a sentence the templates do not; the dropped words are reported in
:attr:`Grammar.missing_words`.  Household names and shopping items the dictionary lacks
("Zephyrine", "kombucha") get a pronunciation from espeak-ng's letter-to-sound rules
(:mod:`confide.voice.pronounce`, :attr:`Grammar.pronunciations`); only a word espeak cannot
spell in CMU phones is dropped.

:func:`grammar_for` caches compiled grammars by a digest of the templates and the lists, so
adding a contact gives a new grammar at the next call.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from hassil import (
    Alternative,
    Expression,
    Group,
    ListReference,
    RangeSlotList,
    RuleReference,
    Sentence,
    TextChunk,
    TextSlotList,
)
from hassil.intents import SlotList, WildcardSlotList

from confide.language.loader import Templates, load_templates
from confide.language.models import ANSWER_INTENTS, HouseholdLists
from confide.voice.pronounce import pronounce

WildcardStrategy = Literal["free", "exclude"]

#: Common words a free-text slot ("remind me to ___") may use besides the template words.
_COMMON_TEXT = """
    a about after again all an and any are as at away back bag be bed before bill bills
    birthday book bottle box bread breakfast bring buy butter call car card cat cheese
    chicken church class clean coffee cook dad dentist dinner do doctor dog don't done
    eggs email feed fish flowers for fruit from garage garden get gift go going grandma
    gym haircut have he her him his home homework i i'm in is it juice keys kids late
    laundry leave lunch mail make meeting milk mom money mum my need no not of on or
    oranges out pasta pay pick pills plants practice rice school see she shoes shop some
    soon soap sugar take tea the them they this tickets to today tomorrow too toothpaste
    trash up us wash water we with work you your
"""
COMMON_WORDS: frozenset[str] = frozenset(_COMMON_TEXT.split())

_WORD_RE = re.compile(r"[a-z0-9']+")
_SMALL_TEXT = "zero one two three four five six seven eight nine"
_SMALL_TEXT += " ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_SMALL = _SMALL_TEXT.split()
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_MAX_GLUE_SPELLINGS = 64


class GrammarError(Exception):
    """The templates cannot be made into a speech grammar (a local error class).

    Defined here because ``confide.voice.errors`` is written separately; it can become a
    subclass of that module's base error once both exist.
    """


def number_words(number: int) -> str:
    """English words for 0 ≤ ``number`` ≤ 999, as spoken: 45 → "forty five"."""
    if not 0 <= number <= 999:
        raise GrammarError(f"no words for {number}")
    if number < 20:
        return _SMALL[number]
    if number < 100:
        tens, unit = divmod(number, 10)
        return _TENS[tens - 2] + (f" {_SMALL[unit]}" if unit else "")
    hundreds, rest = divmod(number, 100)
    return f"{_SMALL[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")


@lru_cache(maxsize=4)
def load_dictionary(path: Path | None = None) -> frozenset[str]:
    """The words of a pocketsphinx dictionary (default: the bundled ``cmudict-en-us.dict``)."""
    if path is None:
        import pocketsphinx  # type: ignore[import-untyped]

        path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    words: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word = line.split(" ", 1)[0]
            words.add(word.split("(", 1)[0])  # "read(2)" is a second pronunciation of "read"
    return frozenset(words)


def write_dictionary(
    words: Iterable[str],
    path: Path,
    source: Path | None = None,
    extra: Mapping[str, str] | None = None,
    private: Iterable[str] = (),
) -> tuple[int, list[tuple[str, str]]]:
    """Write the pronunciations of ``words`` from ``source`` (default: the bundled dictionary).

    A decoder loaded with the grammar's few thousand words instead of all 134,000 takes
    about 20 MB less memory and starts faster.  ``extra`` adds made pronunciations (word ->
    phones) for words ``source`` lacks.  ``private`` words (household names and items: they
    never go into a file) are not written.  Returns the number of entries written and the
    ``(word, phones)`` entries of the private words, to add to a loaded dictionary.
    """
    if source is None:
        import pocketsphinx

        source = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    hidden = set(private)
    wanted = set(words) - hidden
    held: dict[str, str] = {}
    written = 0
    with source.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as out:
        for line in lines:
            head, _, phones = line.partition(" ")
            word = head.split("(", 1)[0]
            if word in hidden:
                if word not in held:
                    held[word] = phones.strip()
            elif word in wanted:
                out.write(line)
                written += 1
        for word, phones in sorted((extra or {}).items()):
            if word in hidden:
                held[word] = phones
            elif word in wanted:
                out.write(f"{word} {phones}\n")
                written += 1
    return written, sorted(held.items())


#: Words of the open vocabulary taken from the bundled language model (most probable first).
FREE_VOCABULARY = 1500


@lru_cache(maxsize=4)
def frequent_words(count: int) -> tuple[str, ...]:
    """The ``count`` most probable words of pocketsphinx's bundled English language model.

    Only words of the bundled dictionary that the model knows (a unigram probability above
    its unknown-word floor), without sentence markers; ties in ascending spelling order.
    """
    import pocketsphinx

    if count <= 0:
        return ()
    model_dir = Path(pocketsphinx.get_model_path()) / "en-us"
    model = pocketsphinx.NGramModel.readfile(str(model_dir / "en-us.lm.bin"))
    floor = model.prob(["<unk>"])
    scored = sorted(
        (-model.prob([word]), word)
        for word in load_dictionary()
        if _WORD_RE.fullmatch(word) and not word.startswith("<")
    )
    return tuple(word for score, word in scored if -score > floor)[:count]


@dataclass(frozen=True)
class Grammar:
    """A compiled grammar: the JSGF text, the words it uses and the words it had to drop."""

    jsgf: str
    digest: str
    words: frozenset[str]
    missing_words: frozenset[str] = frozenset()
    #: Pronunciations made for household names and items the dictionary lacks (CMU phones).
    pronunciations: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    #: The words of the household's names and items (never written to a file).
    household_words: frozenset[str] = frozenset()
    #: The JSGF of the answers to a read-back alone (``confirm.*``; "" if the templates have
    #: none): decoded when a question is waiting and the whole grammar heard no sure answer.
    answers_jsgf: str = field(default="", compare=False, hash=False)


def _rule_name(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_") for p in parts if p)


def _ends_glued(item: Expression) -> bool:
    if isinstance(item, TextChunk):
        return bool(item.text) and not item.text[-1].isspace()
    return isinstance(item, Alternative)


def _starts_glued(item: Expression) -> bool:
    if isinstance(item, TextChunk):
        return bool(item.text) and not item.text[0].isspace()
    return isinstance(item, Alternative)


def _spellings(expr: Expression) -> list[str]:
    """Every text of a pure-text expression (for words glued together, like ``alarm[s]``)."""
    if isinstance(expr, TextChunk):
        return [expr.text]
    if isinstance(expr, Alternative):
        return [s for item in expr.items for s in _spellings(item)]
    if isinstance(expr, Group):
        texts = [""]
        for item in expr.items:
            texts = [a + b for a in texts for b in _spellings(item)]
            if len(texts) > _MAX_GLUE_SPELLINGS:
                raise GrammarError("too many spellings of a glued word")
        return texts
    raise GrammarError("a list or rule is glued to a word; put a space around it")


class _Compiler:
    """Translates hassil expressions into JSGF fragments.

    A fragment is a string, ``""`` for "matches the empty sentence", or ``None`` for "matches
    nothing" (a missing word, a digits-only list, an excluded wildcard).
    """

    def __init__(
        self,
        templates: Templates,
        lists: HouseholdLists,
        dictionary: frozenset[str],
        wildcards: WildcardStrategy,
    ) -> None:
        self.templates = templates
        self.lists = lists
        self.dictionary = dictionary
        self.wildcards = wildcards
        self.rules: dict[str, str | None] = {}  # JSGF rule name -> body (None: void)
        self.words: set[str] = set()
        self.missing: set[str] = set()
        self.uses_free = False
        self.made: dict[str, str] = {}  # word -> phones, for household words not in the dictionary

    # -- words ----------------------------------------------------------------------------
    def household_text(self, text: str) -> str | None:
        """A household name or item: words the dictionary lacks get a made pronunciation."""
        for word in _WORD_RE.findall(text.lower().replace("’", "'")):
            if word not in self.dictionary and word not in self.made:
                phones = pronounce(word)
                if phones is not None:
                    self.made[word] = phones
        return self.text(text)

    def text(self, text: str) -> str | None:
        words = _WORD_RE.findall(text.lower().replace("’", "'"))
        absent = [w for w in words if w not in self.dictionary and w not in self.made]
        if absent:
            self.missing.update(absent)
            return None
        self.words.update(words)
        return " ".join(words)

    # -- expressions ----------------------------------------------------------------------
    def expr(self, expr: Expression, scope: _Scope) -> str | None:
        if isinstance(expr, TextChunk):
            return self.text(expr.text)
        if isinstance(expr, Alternative):
            return self.alternative([self.expr(i, scope) for i in expr.items], expr.is_optional)
        if isinstance(expr, Group):
            return self.sequence(expr.items, scope)
        if isinstance(expr, RuleReference):
            return self.rule_ref(expr.rule_name, scope)
        if isinstance(expr, ListReference):
            return self.list_ref(expr.list_name, scope)
        raise GrammarError(f"unsupported template element {type(expr).__name__}")

    @staticmethod
    def alternative(options: Iterable[str | None], optional: bool = False) -> str | None:
        kept: list[str] = []
        for option in options:
            if option == "":
                optional = True
            elif option is not None and option not in kept:
                kept.append(option)
        if not kept:
            return "" if optional else None
        body = " | ".join(kept)
        if optional:
            return f"[{body}]"
        return f"({body})" if len(kept) > 1 else kept[0]

    def sequence(self, items: list[Expression], scope: _Scope) -> str | None:
        clusters: list[list[Expression]] = []
        for item in items:
            if clusters and _ends_glued(clusters[-1][-1]) and _starts_glued(item):
                clusters[-1].append(item)  # no space between: one word ("alarm[s]")
            else:
                clusters.append([item])
        parts: list[str] = []
        for cluster in clusters:
            if len(cluster) == 1:
                part = self.expr(cluster[0], scope)
            else:
                texts = [""]
                for item in cluster:
                    texts = [a + b for a in texts for b in _spellings(item)]
                part = self.alternative(self.text(t) for t in texts)
            if part is None:
                return None
            if part:
                parts.append(part)
        return " ".join(parts)

    def rule_ref(self, name: str, scope: _Scope) -> str | None:
        local = name in scope.rules
        sentence = scope.rules[name] if local else self.templates.intents.expansion_rules[name]
        jsgf_name = _rule_name(scope.prefix, "rule", name) if local else _rule_name("rule", name)
        return self.define(jsgf_name, lambda: self.expr(sentence.expression, scope))

    def list_ref(self, name: str, scope: _Scope) -> str | None:
        if name == "recipient":
            people = (*self.lists.members, *self.lists.contacts)
            return self.define(
                "list_recipient", lambda: self.alternative(map(self.household_text, people))
            )
        if name == "shopping_item":
            items = self.lists.shopping_items
            return self.define(
                "list_shopping_item", lambda: self.alternative(map(self.household_text, items))
            )
        local = name in scope.lists
        slot_list = scope.lists[name] if local else self.templates.intents.slot_lists[name]
        if isinstance(slot_list, WildcardSlotList):
            if self.wildcards == "exclude":
                return None
            self.uses_free = True
            return "<free>"
        jsgf_name = _rule_name(scope.prefix, "list", name) if local else _rule_name("list", name)
        return self.define(jsgf_name, lambda: self.slot_list(slot_list, scope))

    def slot_list(self, slot_list: SlotList, scope: _Scope) -> str | None:
        if isinstance(slot_list, TextSlotList):
            return self.alternative(self.expr(v.text_in, scope) for v in slot_list.values)
        if isinstance(slot_list, RangeSlotList):
            if not slot_list.words or slot_list.stop - slot_list.start > 1000:
                return None
            numbers = range(slot_list.start, slot_list.stop + 1, slot_list.step)
            return self.alternative(self.text(number_words(n)) for n in numbers if 0 <= n <= 999)
        raise GrammarError(f"unsupported list type {type(slot_list).__name__}")

    def define(self, jsgf_name: str, body: Callable[[], str | None]) -> str | None:
        """Compile a rule once; a reference is ``<name>``, or None/"" if it is void/empty."""
        if jsgf_name not in self.rules:
            self.rules[jsgf_name] = None  # the loader has rejected cycles already
            self.rules[jsgf_name] = body()
        compiled = self.rules[jsgf_name]
        if compiled is None or compiled == "":
            return compiled
        return f"<{jsgf_name}>"


@dataclass(frozen=True)
class _Scope:
    prefix: str
    rules: Mapping[str, Sentence]
    lists: Mapping[str, SlotList]


def templates_digest(templates: Templates) -> str:
    """A digest of the templates' content (sentences, rules, lists, skip words)."""
    intents = templates.intents
    parts: list[object] = [templates.skip_words, templates.trailing_skip_words]
    for name in sorted(intents.intents):
        for data in intents.intents[name].data:
            parts.append((name, data.sentence_texts, sorted(data.expansion_rules.items())))
            parts.append(sorted((k, repr(v)) for k, v in data.slot_lists.items()))
    parts.append(sorted((k, v.text) for k, v in intents.expansion_rules.items()))
    parts.append(sorted((k, repr(v)) for k, v in intents.slot_lists.items()))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def compile_grammar(
    templates: Templates,
    lists: HouseholdLists,
    *,
    wildcards: WildcardStrategy = "free",
    free_vocabulary: int = FREE_VOCABULARY,
    dictionary: frozenset[str] | None = None,
    only: frozenset[str] | None = None,
) -> Grammar:
    """Compile ``templates`` and ``lists`` into a :class:`Grammar` (public rule ``<command>``);
    ``only``: of these intents alone."""
    dictionary = load_dictionary() if dictionary is None else dictionary
    compiler = _Compiler(templates, lists, dictionary, wildcards)
    intent_rules: list[str] = []
    for intent in templates.intents.intents.values():
        if only is not None and intent.name not in only:
            continue
        options: list[str | None] = []
        for index, data in enumerate(intent.data):
            scope = _Scope(
                _rule_name(intent.name, str(index)), data.expansion_rules, data.slot_lists
            )
            for sentence in data.sentences:
                options.append(compiler.expr(sentence.expression, scope))
        body = compiler.alternative(options)
        if body:
            rule = _rule_name("intent", intent.name)
            compiler.rules[rule] = body
            intent_rules.append(f"<{rule}>")
    if not intent_rules:
        raise GrammarError("no template can be spoken with this dictionary")
    skip = compiler.alternative(map(compiler.text, templates.skip_words), optional=True)
    trailing = compiler.alternative(
        map(compiler.text, templates.trailing_skip_words), optional=True
    )
    command = " ".join(p for p in (skip, f"({' | '.join(intent_rules)})", trailing) if p)
    lines = ["#JSGF V1.0;", "grammar confide;", f"public <command> = {command};"]
    if compiler.uses_free:
        vocabulary = sorted(
            {w for w in (*compiler.words, *COMMON_WORDS) if w in dictionary}
            | set(frequent_words(free_vocabulary))
            | {
                w
                for item in lists.shopping_items
                for w in _WORD_RE.findall(item.lower())
                if w in dictionary
            }
        )
        compiler.words.update(vocabulary)
        lines.append("<free> = <free_word>+;")
        lines.append(f"<free_word> = ({' | '.join(vocabulary)});")
    lines.extend(f"<{name}> = {body};" for name, body in compiler.rules.items() if body)
    jsgf = "\n".join(lines) + "\n"
    return Grammar(
        jsgf=jsgf,
        digest=hashlib.sha256(jsgf.encode()).hexdigest(),
        words=frozenset(compiler.words),
        missing_words=frozenset(compiler.missing),
        pronunciations=dict(compiler.made),
        household_words=frozenset(
            word
            for text in (*lists.members, *lists.contacts, *lists.shopping_items)
            for word in _WORD_RE.findall(text.lower().replace("’", "'"))
        ),
    )


def compile_jsgf(templates: Templates, lists: HouseholdLists) -> str:
    """The JSGF text of :func:`compile_grammar` with the default settings."""
    return grammar_for(lists, templates).jsgf


_CACHE: dict[tuple[str, HouseholdLists, str, int], Grammar] = {}
_CACHE_SIZE = 16


def grammar_for(
    lists: HouseholdLists,
    templates: Templates | None = None,
    *,
    wildcards: WildcardStrategy = "free",
    free_vocabulary: int = FREE_VOCABULARY,
) -> Grammar:
    """The grammar for ``templates`` (default: the package's) and ``lists``, cached.

    The cache key is a digest of the templates plus the lists themselves, so a changed
    template or a new contact compiles a new grammar at the next call.
    """
    templates = templates if templates is not None else _default_templates()
    key = (_digest_of(templates), lists, wildcards, free_vocabulary)
    grammar = _CACHE.get(key)
    if grammar is None:
        grammar = compile_grammar(
            templates, lists, wildcards=wildcards, free_vocabulary=free_vocabulary
        )
        if ANSWER_INTENTS & set(templates.intent_names):
            answers = compile_grammar(templates, HouseholdLists(), only=ANSWER_INTENTS)
            grammar = dataclasses.replace(grammar, answers_jsgf=answers.jsgf)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = grammar
    return grammar


_DIGESTS: dict[int, tuple[Templates, str]] = {}


def _digest_of(templates: Templates) -> str:
    """:func:`templates_digest`, computed once per (frozen) templates object: every utterance
    asks for its grammar, and the digest takes over a millisecond."""
    known = _DIGESTS.get(id(templates))
    if known is None or known[0] is not templates:
        if len(_DIGESTS) >= _CACHE_SIZE:
            _DIGESTS.pop(next(iter(_DIGESTS)))
        known = _DIGESTS[id(templates)] = (templates, templates_digest(templates))
    return known[1]


@lru_cache(maxsize=1)
def _default_templates() -> Templates:
    return load_templates()
