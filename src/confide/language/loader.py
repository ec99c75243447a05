"""Loading the sentence templates (package data ``templates/*.yaml``) into hassil.

Every file has the shape of the home-assistant/intents sentence files::

    language: en
    intents:
      <intent>:
        data:
          - sentences: ["<template>", ...]
            required_keywords: [...]        # optional; hassil skips the block without one
            expansion_rules: {...}          # optional, local to the block
    lists: {...}
    expansion_rules: {...}
    skip_words: [...]

``_common.yaml`` is read first, then the other files in name order; they are merged into
one hassil :class:`~hassil.Intents`.  An intent, list or expansion rule may be defined by
one file only.  Everything is checked before use - YAML syntax, shape, template syntax,
references to lists and rules, rule cycles - and every problem raises
:class:`~confide.language.errors.LanguageError` naming the file and the intent, list or rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hassil import (
    Expression,
    Group,
    Intents,
    ListReference,
    RuleReference,
    Sentence,
    TextSlotList,
    parse_sentence,
)

from confide.language.errors import LanguageError

#: Lists the caller supplies at recognition time (see :class:`HouseholdLists`).
RUNTIME_LISTS: frozenset[str] = frozenset({"recipient", "shopping_item"})
COMMON_FILE = "_common.yaml"
_TOP_KEYS = frozenset(
    {"language", "intents", "lists", "expansion_rules", "skip_words", "trailing_skip_words"}
)
_DATA_KEYS = frozenset(
    {"sentences", "slots", "required_keywords", "expansion_rules", "lists", "metadata"}
)
DEFAULT_TEMPLATES_DIR = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Templates:
    """The merged, checked templates."""

    intents: Intents
    #: intent names in the order the files define them
    intent_names: tuple[str, ...]
    skip_words: tuple[str, ...]
    trailing_skip_words: tuple[str, ...]
    #: which file defined each intent (for messages)
    intent_files: Mapping[str, str]


def _fail(where: str, problem: str) -> LanguageError:
    return LanguageError(f"sentence templates: {where}: {problem}", code="language_templates")


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark is not None else "?"
        raise _fail(path.name, f"invalid YAML near line {line}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise _fail(path.name, f"cannot read ({type(err).__name__})") from None
    if not isinstance(doc, dict):
        raise _fail(path.name, "the file must be a mapping")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise _fail(path.name, f"unknown top-level keys {sorted(unknown)}")
    if doc.get("language") != "en":
        raise _fail(path.name, "'language: en' is required")
    return doc


def _check_words(where: str, words: object) -> list[str]:
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise _fail(where, "must be a list of non-empty strings")
    return words


def _check_intent(where: str, spec: object) -> None:
    if not isinstance(spec, dict) or set(spec) != {"data"} or not isinstance(spec["data"], list):
        raise _fail(where, "an intent must be a mapping with only 'data: [...]'")
    for index, block in enumerate(spec["data"]):
        block_where = f"{where}: data[{index}]"
        if not isinstance(block, dict) or "sentences" not in block:
            raise _fail(block_where, "a data block needs 'sentences'")
        unknown = set(block) - _DATA_KEYS
        if unknown:
            raise _fail(block_where, f"unknown keys {sorted(unknown)}")
        _check_words(f"{block_where}: sentences", block["sentences"])
        if not block["sentences"]:
            raise _fail(block_where, "'sentences' is empty")
        if "required_keywords" in block:
            _check_words(f"{block_where}: required_keywords", block["required_keywords"])
        for key in ("expansion_rules", "lists"):
            if not isinstance(block.get(key, {}), dict):
                raise _fail(block_where, f"'{key}' must be a mapping")


def _merge(files: list[Path]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Merge the files; returns the document plus which file defined each intent/list/rule."""
    merged: dict[str, Any] = {
        "language": "en",
        "intents": {},
        "lists": {},
        "expansion_rules": {},
        "skip_words": [],
        "trailing_skip_words": [],
    }
    intent_files: dict[str, str] = {}
    origin: dict[str, str] = {}  # "list:x" / "rule:x" -> file
    for path in files:
        doc = _read(path)
        for key in ("skip_words", "trailing_skip_words"):
            if key in doc:
                merged[key].extend(_check_words(f"{path.name}: {key}", doc[key]))
        for key, kind in (("lists", "list"), ("expansion_rules", "rule")):
            section = doc.get(key) or {}
            if not isinstance(section, dict):
                raise _fail(path.name, f"'{key}' must be a mapping")
            for name, value in section.items():
                if f"{kind}:{name}" in origin:
                    first = origin[f"{kind}:{name}"]
                    raise _fail(path.name, f"{kind} '{name}' is already defined in {first}")
                if kind == "list" and name in RUNTIME_LISTS:
                    raise _fail(path.name, f"list '{name}' is supplied at recognition time")
                origin[f"{kind}:{name}"] = path.name
                merged[key][name] = value
        intents = doc.get("intents") or {}
        if not isinstance(intents, dict):
            raise _fail(path.name, "'intents' must be a mapping")
        for name, spec in intents.items():
            if name in intent_files:
                raise _fail(
                    path.name, f"intent '{name}' is already defined in {intent_files[name]}"
                )
            _check_intent(f"{path.name}: intent '{name}'", spec)
            intent_files[name] = path.name
            merged["intents"][name] = spec
    return merged, intent_files, origin


def _references(expression: Expression) -> Iterator[Expression]:
    if isinstance(expression, (ListReference, RuleReference)):
        yield expression
    elif isinstance(expression, Group):
        for item in expression.items:
            yield from _references(item)


class _Checker:
    """Resolves list and rule references, reporting the first dangling one or a cycle."""

    def __init__(self, intents: Intents, origin: Mapping[str, str]) -> None:
        self.intents = intents
        self.origin = origin
        self.done: set[str] = set()

    def check(
        self,
        where: str,
        expression: Expression,
        rules: Mapping[str, Sentence],
        lists: Mapping[str, Any],
        stack: tuple[str, ...] = (),
    ) -> None:
        for ref in _references(expression):
            if isinstance(ref, ListReference):
                self._check_list(where, ref.list_name, rules, lists, stack)
            elif isinstance(ref, RuleReference):
                name = ref.rule_name
                if name in stack:
                    raise _fail(where, f"expansion rule cycle {' -> '.join((*stack, name))}")
                if name not in rules:
                    raise _fail(where, f"unknown expansion rule <{name}>")
                key = f"rule:{name}:{id(rules)}"
                if key not in self.done:
                    self.check(where, rules[name].expression, rules, lists, (*stack, name))
                    self.done.add(key)

    def _check_list(
        self,
        where: str,
        name: str,
        rules: Mapping[str, Sentence],
        lists: Mapping[str, Any],
        stack: tuple[str, ...],
    ) -> None:
        if name in RUNTIME_LISTS:
            return
        if name not in lists:
            raise _fail(where, f"unknown list {{{name}}}")
        key = f"list:{name}:{id(rules)}"
        if key in self.done:
            return
        self.done.add(key)
        slot_list = lists[name]
        if isinstance(slot_list, TextSlotList):
            list_where = f"{self.origin.get('list:' + name, where)}: list '{name}'"
            for value in slot_list.values:
                self.check(list_where, value.text_in, rules, lists, stack)


def _parse(where: str, template: str) -> Sentence:
    try:
        return parse_sentence(template, keep_text=True)
    except Exception as err:  # noqa: BLE001 - hassil raises several exception types
        raise _fail(where, f"bad template syntax ({type(err).__name__}: {err})") from None


def _build(
    merged: dict[str, Any], intent_files: Mapping[str, str], origin: Mapping[str, str]
) -> Intents:
    for name, spec in merged["lists"].items():
        where = f"{origin[f'list:{name}']}: list '{name}'"
        try:
            Intents.from_dict({"language": "en", "intents": {}, "lists": {name: spec}})
        except Exception as err:  # noqa: BLE001 - hassil raises several exception types
            raise _fail(where, f"bad list ({type(err).__name__}: {err})") from None
    for name, body in merged["expansion_rules"].items():
        if not isinstance(body, str):
            raise _fail(f"{origin[f'rule:{name}']}: rule <{name}>", "must be a string")
        _parse(f"{origin[f'rule:{name}']}: rule <{name}>", body)
    for name, spec in merged["intents"].items():
        for index, block in enumerate(spec["data"]):
            where = f"{intent_files[name]}: intent '{name}': data[{index}]"
            for rule, body in block.get("expansion_rules", {}).items():
                _parse(f"{where}: rule <{rule}>", str(body))
            for number, sentence in enumerate(block["sentences"]):
                _parse(f"{where}: sentence {number}", sentence)
    hassil_doc = {k: v for k, v in merged.items() if k not in ("skip_words", "trailing_skip_words")}
    try:
        intents = Intents.from_dict(hassil_doc)
    except Exception as err:  # noqa: BLE001 - hassil raises several exception types
        raise _fail("templates", f"hassil rejected them ({type(err).__name__})") from None
    checker = _Checker(intents, origin)
    for intent in intents.intents.values():
        for index, data in enumerate(intent.data):
            where = f"{intent_files[intent.name]}: intent '{intent.name}': data[{index}]"
            rules = {**intents.expansion_rules, **data.expansion_rules}
            lists = {**intents.slot_lists, **data.slot_lists}
            for number, sentence in enumerate(data.sentences):
                checker.check(f"{where}: sentence {number}", sentence.expression, rules, lists)
    return intents


def template_files(templates_dir: Path) -> list[Path]:
    """The YAML files of a templates directory, ``_common.yaml`` first."""
    if not templates_dir.is_dir():
        raise _fail(str(templates_dir), "not a directory")
    files = sorted(templates_dir.glob("*.yaml"), key=lambda p: (p.name != COMMON_FILE, p.name))
    if not files:
        raise _fail(str(templates_dir), "no *.yaml files")
    return files


def load_templates(templates_dir: Path | None = None) -> Templates:
    """Load, merge and check the templates of ``templates_dir`` (default: the package's)."""
    files = template_files(templates_dir or DEFAULT_TEMPLATES_DIR)
    merged, intent_files, origin = _merge(files)
    if not merged["intents"]:
        raise _fail("templates", "no intents defined")
    intents = _build(merged, intent_files, origin)
    return Templates(
        intents=intents,
        intent_names=tuple(merged["intents"]),
        skip_words=tuple(merged["skip_words"]),
        trailing_skip_words=tuple(merged["trailing_skip_words"]),
        intent_files=dict(intent_files),
    )
