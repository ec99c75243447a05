"""Pronunciations for words the CMU dictionary lacks, from eSpeak NG's en-us rules.

:func:`pronounce` turns a lower-case word ("zephyrine", "saoirse", "kwame") into the phones
of pocketsphinx's dictionary (``"Z EH F IH R IY N"``), so household and contact names that
are not in ``cmudict-en-us.dict`` can still be put in the speech grammar.

eSpeak NG (its pronunciation list, then its letter-to-sound rules) is asked for the word's
phonemes with ``espeak_TextToPhonemes`` in its ASCII mnemonics, one phoneme per ``$``-
separated token (``h$@$l$'oU``); stress marks (``'`` ``,``) and length marks (``:``) are
dropped and every phoneme goes through :data:`_ESPEAK_TO_CMU`, an explicit table of the en
and en-us phonemes.  A phoneme outside the table makes the answer ``None``: nothing is
guessed.  Letters espeak cannot read as a word are spelled ("kwxz" -> "kay double-u ...").

Only a *word* gets an answer: lower-case Latin letters (accents allowed, "josé"), with
apostrophes or hyphens inside ("o'brien", "mary-jane"), at most :data:`MAX_WORD_CHARS`
characters.  Anything else ("", "!!!", "Kwame", digits, spaces, other scripts, very long
strings) gives ``None`` rather than an error, so a caller can drop every unpronounceable
word the same way.  A missing or broken eSpeak NG raises
:class:`~confide.voice.tts.SynthesisError` (an installation problem, not an unknown word).

eSpeak NG is one process-global C library: this module uses the engine of
:mod:`confide.voice.tts` (initialised once, lazily) and holds *its* lock around every call,
so speech synthesis and pronunciation can run in any threads at once.  Both select their
voice before each call.  Answers are cached (:func:`functools.lru_cache`).
"""

from __future__ import annotations

import ctypes
import unicodedata
from functools import lru_cache
from typing import Any

from confide.voice.tts import _get_engine, _lock

__all__ = ["MAX_WORD_CHARS", "pronounce"]

MAX_WORD_CHARS = 48  # "pneumonoultramicroscopicsilicovolcanoconiosis" has 45
VOICE = "en-us"
_CHARS_UTF8 = 1  # espeakCHARS_UTF8
_SEPARATOR = "$"  # in no espeak phoneme mnemonic
_PHONEME_MODE = ord(_SEPARATOR) << 8  # bit 1 clear: ASCII mnemonics; bits 8-23: separator
_STRESS = "',%="  # primary, secondary, unstressed, ... (dropped)

#: espeak en/en-us phoneme mnemonic -> CMU phones (syllabic consonants as AH + consonant,
#: as cmudict writes "button" B AH T AH N).  Foreign sounds are absent on purpose, except
#: x (loch, bach) which cmudict writes K.
_ESPEAK_TO_CMU: dict[str, str] = {
    # consonants
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G",
    "f": "F", "v": "V", "T": "TH", "D": "DH", "s": "S", "z": "Z", "S": "SH", "Z": "ZH",
    "h": "HH", "tS": "CH", "dZ": "JH", "m": "M", "n": "N", "N": "NG",
    "l": "L", "r": "R", "w": "W", "j": "Y", "x": "K",
    "t#": "T", "t2": "T", "?": "T", "d#": "D", "z#": "Z", "z/2": "Z", "w#": "W",
    "r-": "R", "r/": "R", "l/": "L", "n-": "AH N", "m-": "AH M", "l-": "AH L",
    # vowels
    "@": "AH", "@2": "AH", "@5": "AH", "@#": "AH", "@-": "AH", "@L": "AH L",
    "V": "AH", "a#": "AH", "a2": "AH", "a#2": "AH", "VR": "ER",
    "3": "ER", "3:": "ER",
    "a": "AE", "aa": "AE", "A#": "AE",
    "A:": "AA", "A@": "AA R", "0": "AA", "0#": "AA", "02": "AA",
    "E": "EH", "E#": "EH", "E2": "EH", "e@": "EH R", "eI": "EY",
    "I": "IH", "I#": "IH", "I2": "IH", "I2#": "IH", "IR": "IH R",
    "i": "IY", "i:": "IY", "i@": "IY AH", "i@3": "IH R",
    "O": "AO", "O:": "AO", "O2": "AO", "O@": "AO R", "o@": "AO R",
    "oU": "OW", "oU#": "OW", "o": "OW", "OI": "OY",
    "U": "UH", "U@": "UH R", "u:": "UW",
    "aI": "AY", "aI@": "AY AH", "aI3": "AY ER", "aU": "AW", "aU@": "AW ER",
}  # fmt: skip
#: tokens with no phone: syllable boundary, length, palatal mark (no IPA either), edge pauses
_SILENT = frozenset({"", "-", ":", ";", "_", "_:", "_|"})


def _is_word(word: object) -> bool:
    if not isinstance(word, str) or not 0 < len(word) <= MAX_WORD_CHARS:
        return False
    if word[0] in "'-" or word[-1] in "'-" or "''" in word or "--" in word:
        return False
    return all(
        c in "'-" or (c.isalpha() and c.islower() and "LATIN" in unicodedata.name(c, ""))
        for c in word
    )


def _phonemes(lib: Any, text: bytes) -> str:
    """All clauses of espeak's phonemes for ``text``; the caller holds the lock."""
    function = lib.espeak_TextToPhonemes
    function.restype = ctypes.c_char_p
    function.argtypes = (ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int)
    buffer = ctypes.create_string_buffer(text)
    pointer = ctypes.c_void_p(ctypes.addressof(buffer))  # espeak advances it, NULL at the end
    clauses: list[str] = []
    while pointer.value:
        result = function(ctypes.byref(pointer), _CHARS_UTF8, _PHONEME_MODE)
        if result is None:
            break
        clauses.append(bytes(result).decode("utf-8", "replace"))
    return " ".join(clauses)


def _to_cmu(phonemes: str) -> str | None:
    """CMU phones for espeak mnemonics, or None when one of them is not in the table."""
    phones: list[str] = []
    for token in phonemes.replace(" ", _SEPARATOR).split(_SEPARATOR):
        name = token.lstrip(_STRESS)
        if name in _SILENT:
            continue
        if name not in _ESPEAK_TO_CMU and name.endswith(":"):
            name = name[:-1]  # a lengthened vowel ("a:")
        cmu = _ESPEAK_TO_CMU.get(name)
        if cmu is None:
            return None
        for phone in cmu.split():
            if phone == "R" and phones and phones[-1] in {"R", "ER"}:
                continue  # "mary" m'e@ri: EH R IY, "hurry" h'3:ri: HH ER IY
            phones.append(phone)
    return " ".join(phones) or None


@lru_cache(maxsize=4096)
def _pronounce(word: str) -> str | None:
    with _lock:
        engine = _get_engine()
        engine.select_voice(VOICE)
        phonemes = _phonemes(engine.lib, word.encode("utf-8"))
    return _to_cmu(phonemes)


def pronounce(word: str) -> str | None:
    """CMU phones ("Z EH F IH R IY N") for a lower-case ``word``, or None (see the module)."""
    return _pronounce(word) if _is_word(word) else None
