"""The spoken-command corpus of the speech benchmark (issue 3): sentences, voices, audio.

Every sentence is written as a person would say it to a kitchen speaker, numbers in words
(espeak-ng reads digits oddly), and carries the exact meaning the *text* recogniser gives it
at :data:`NOW` with :data:`LISTS` (``tests/bench/test_speech_corpus.py`` checks this, so a
speech result can be judged by comparing meanings, not strings).  None is a template's own
sentence or example, nor a phrasing of ``tests/language/phrasings.yaml`` (the recogniser's
development set): the corpus is held out.  The mix follows real use: time, timers, alarms
and the shopping list most.  Out-of-scope sentences (other assistants' jobs, chit-chat and
half-heard commands) expect no intent: acting on one of them is a wrong action.

Audio is synthesised at run time with Debian's ``espeak-ng`` and ``sox`` into a temporary
directory that is removed at once: 16 kHz mono s16le, 0.5 s of silence each side and faint
white noise (pure digital silence upsets pocketsphinx's noise estimate; a microphone after
endpointing never gives it).  Clips are kept in memory only, never written anywhere else.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from confide.language.models import HouseholdLists

#: When every sentence is said: Monday 2026-11-23, 09:00 local time.
NOW = datetime(2026, 11, 23, 9, 0)
#: The household every sentence is said in.
LISTS = HouseholdLists(
    members=("alex", "bob", "sam"),
    contacts=("grandma",),
    shopping_items=("milk", "eggs", "bread"),
)
SAMPLE_RATE = 16000
PAD_S = 0.5
NOISE = 100  # white noise amplitude, in 16-bit sample units (about -50 dBFS)


@dataclass(frozen=True)
class Sentence:
    """A sentence and the meaning expected of it (``intent`` None: out of scope)."""

    text: str
    intent: str | None
    slots: Mapping[str, str | int | bool] = field(default_factory=dict)

    @property
    def in_scope(self) -> bool:
        return self.intent is not None


def _s(text: str, intent: str, **slots: str | int | bool) -> Sentence:
    return Sentence(text, intent, slots)


IN_SCOPE: tuple[Sentence, ...] = (
    # time.get
    _s("ok what time is it", "time.get"),
    _s("what's the time right now", "time.get"),
    _s("okay what's the time", "time.get"),
    _s("do you know what time it is", "time.get"),
    _s("tell me what time it is", "time.get"),
    _s("can you tell me the time", "time.get"),
    _s("what's the time please", "time.get"),
    _s("what is the current time", "time.get"),
    _s("have you got the time", "time.get"),
    _s("what time is it at the moment", "time.get"),
    # date.get
    _s("could you tell me the date", "date.get"),
    _s("which day is it today", "date.get"),
    _s("what is the date today", "date.get"),
    _s("tell me today's date", "date.get"),
    _s("what day of the week is it today", "date.get"),
    _s("what month is it", "date.get"),
    _s("what's today", "date.get"),
    # timer.set
    _s("can you set a timer for ten minutes", "timer.set", duration_s=600),
    _s("start a timer for five minutes", "timer.set", duration_s=300),
    _s("timer for three minutes", "timer.set", duration_s=180),
    _s("set a one hour timer", "timer.set", duration_s=3600),
    _s("set a timer for forty five seconds", "timer.set", duration_s=45),
    _s("set a timer for one and a half hours", "timer.set", duration_s=5400),
    _s("give me a twenty minute timer", "timer.set", duration_s=1200),
    _s("start a fifteen minute timer", "timer.set", duration_s=900),
    _s("set a timer for two minutes and thirty seconds", "timer.set", duration_s=150),
    _s("put on a timer for half an hour", "timer.set", duration_s=1800),
    _s("set a pasta timer for eleven minutes", "timer.set", duration_s=660, name="pasta"),
    _s("start a timer for eight minutes for the eggs", "timer.set", duration_s=480, name="eggs"),
    _s("set a rice timer for twenty five minutes", "timer.set", duration_s=1500, name="rice"),
    _s("start a ten minute pizza timer", "timer.set", duration_s=600, name="pizza"),
    _s("start a timer for ninety seconds", "timer.set", duration_s=90),
    _s("count down from one minute", "timer.set", duration_s=60),
    _s("set a tea timer for four minutes", "timer.set", duration_s=240, name="tea"),
    _s("start a timer for three quarters of an hour", "timer.set", duration_s=2700),
    _s("let me know when six minutes are up", "timer.set", duration_s=360),
    _s("start a laundry timer for forty minutes", "timer.set", duration_s=2400, name="laundry"),
    _s("i need a timer for seven minutes", "timer.set", duration_s=420),
    _s("set the oven timer for twenty minutes", "timer.set", duration_s=1200, name="oven"),
    _s("set a timer for five and a half minutes", "timer.set", duration_s=330),
    _s("set a timer for twelve minutes for the cake", "timer.set", duration_s=720, name="cake"),
    # timer.cancel
    _s("cancel my timer", "timer.cancel"),
    _s("stop my timer", "timer.cancel"),
    _s("cancel the spaghetti timer", "timer.cancel", name="spaghetti"),
    _s("stop all the timers", "timer.cancel", all=True),
    _s("turn off the timer", "timer.cancel"),
    _s("never mind the egg timer", "timer.cancel", name="egg"),
    _s("delete my timers", "timer.cancel", all=True),
    _s("get rid of the rice timer", "timer.cancel", name="rice"),
    _s("cancel all timers", "timer.cancel", all=True),
    # timer.status
    _s("how much time is remaining on the timer", "timer.status"),
    _s("how long is left on my timer", "timer.status"),
    _s("how much longer on the timer", "timer.status"),
    _s("is my timer still going", "timer.status"),
    _s("how long until the cake timer is done", "timer.status", name="cake"),
    _s("how much time is left on the rice timer", "timer.status", name="rice"),
    _s("how is the timer going", "timer.status"),
    _s("what timers are running", "timer.status"),
    _s("what is left on my timer", "timer.status"),
    _s("how long until the eggs are ready", "timer.status", name="eggs"),
    # alarm.set
    _s("please set an alarm for seven am", "alarm.set", time="07:00"),
    _s("wake me up at six thirty tomorrow", "alarm.set", time="06:30", date="2026-11-24"),
    _s("set an alarm for seven thirty am", "alarm.set", time="07:30"),
    _s("wake me up at half past six in the morning", "alarm.set", time="06:30"),
    _s(
        "set an alarm for eight in the evening tomorrow",
        "alarm.set",
        time="20:00",
        date="2026-11-24",
    ),
    _s("wake me up tomorrow at seven fifteen", "alarm.set", time="07:15", date="2026-11-24"),
    _s("set an alarm for six forty five on friday", "alarm.set", time="06:45", date="2026-11-27"),
    _s("set an alarm for nine am every day", "alarm.set", time="09:00", repeat="daily"),
    _s("wake me up at six am on weekdays", "alarm.set", time="06:00", repeat="weekdays"),
    _s("set an alarm for ten am on saturday", "alarm.set", time="10:00", date="2026-11-28"),
    _s("wake me at seven o'clock every weekend", "alarm.set", time="07:00", repeat="weekends"),
    _s("set a weekday alarm for six fifteen am", "alarm.set", time="06:15", repeat="weekdays"),
    _s("i need to get up at five thirty am", "alarm.set", time="05:30"),
    _s("set an alarm for quarter to seven in the morning", "alarm.set", time="06:45"),
    _s("wake me up in twenty minutes", "alarm.set", time="09:20"),
    _s("set an alarm for noon", "alarm.set", time="12:00"),
    _s("create an alarm for eleven pm", "alarm.set", time="23:00"),
    _s(
        "set an alarm for seven am on the twenty fifth",
        "alarm.set",
        time="07:00",
        date="2026-11-25",
    ),
    _s("wake me up at eight on sunday", "alarm.set", time="08:00", date="2026-11-29"),
    _s("set an alarm for six am every monday", "alarm.set", time="06:00", repeat="monday"),
    _s("set an alarm for nine thirty tonight", "alarm.set", time="21:30", date="2026-11-23"),
    _s("alarm for seven tomorrow morning", "alarm.set", time="07:00", date="2026-11-24"),
    _s("set an alarm for six tomorrow", "alarm.set", time="06:00", date="2026-11-24"),
    _s("wake me up at seven thirty am every weekday", "alarm.set", time="07:30", repeat="weekdays"),
    _s("set an alarm for twenty past seven", "alarm.set", time="19:20"),
    _s("i want to get up at six tomorrow", "alarm.set", time="06:00", date="2026-11-24"),
    # alarm.cancel
    _s("cancel the alarm", "alarm.cancel"),
    _s("turn off my alarm for tomorrow", "alarm.cancel", date="2026-11-24"),
    _s("delete the alarm for seven am", "alarm.cancel", time="07:00"),
    _s("delete all of my alarms", "alarm.cancel", all=True),
    _s("remove tomorrow's alarm", "alarm.cancel", date="2026-11-24"),
    _s("switch off the six thirty am alarm", "alarm.cancel", time="06:30"),
    _s("i do not need my alarm any more", "alarm.cancel"),
    _s("cancel my six am alarm", "alarm.cancel", time="06:00"),
    _s("stop the alarm", "alarm.cancel"),
    _s("turn off all alarms", "alarm.cancel", all=True),
    # alarm.list
    _s("what alarms have i set", "alarm.list"),
    _s("show me my alarms", "alarm.list"),
    _s("when's my next alarm", "alarm.list"),
    _s("have i got any alarms on", "alarm.list"),
    _s("have i got an alarm set for tomorrow", "alarm.list"),
    _s("which alarms are on", "alarm.list"),
    _s("when will my alarm ring", "alarm.list"),
    # shopping.add
    _s("add apples to the shopping list", "shopping.add", item="apples"),
    _s("put butter on my shopping list", "shopping.add", item="butter"),
    _s("add some bananas to the list", "shopping.add", item="bananas"),
    _s("we're out of coffee beans", "shopping.add", item="coffee beans"),
    _s("we need orange juice on the shopping list", "shopping.add", item="orange juice"),
    _s("add toilet paper to the grocery list", "shopping.add", item="toilet paper"),
    _s("i need to buy washing up liquid", "shopping.add", item="washing up liquid"),
    _s("put cheese on the list", "shopping.add", item="cheese"),
    _s("we are low on olive oil", "shopping.add", item="olive oil"),
    _s("add tomatoes to our shopping list", "shopping.add", item="tomatoes"),
    _s("put sugar on the shopping list", "shopping.add", item="sugar"),
    # shopping.remove
    _s("take milk off the shopping list", "shopping.remove", item="milk"),
    _s("remove eggs from the list", "shopping.remove", item="eggs"),
    _s("i picked up the bread", "shopping.remove", item="bread"),
    _s("cross milk off my shopping list", "shopping.remove", item="milk"),
    _s("we've got the eggs", "shopping.remove", item="eggs"),
    _s("remove bread from the shopping list", "shopping.remove", item="bread"),
    _s("take bread off the list", "shopping.remove", item="bread"),
    _s("i got the milk", "shopping.remove", item="milk"),
    # shopping.list
    _s("what's on our shopping list", "shopping.list"),
    _s("read me my shopping list", "shopping.list"),
    _s("what do we need from the shops", "shopping.list"),
    _s("what else do we need to buy", "shopping.list"),
    _s("is there anything on my grocery list", "shopping.list"),
    _s("how many things are on the list", "shopping.list"),
    _s("show me the grocery list", "shopping.list"),
    _s("what's on the list", "shopping.list"),
    # reminder.set
    _s(
        "remind me to call the dentist at three pm",
        "reminder.set",
        task="call the dentist",
        when="2026-11-23T15:00",
    ),
    _s(
        "remind me in twenty minutes to take the bread out",
        "reminder.set",
        task="take the bread out",
        when="2026-11-23T09:20",
    ),
    _s(
        "remind me to water the plants tomorrow at six pm",
        "reminder.set",
        task="water the plants",
        when="2026-11-24T18:00",
    ),
    _s(
        "set a reminder to pay the rent on friday at nine am",
        "reminder.set",
        task="pay the rent",
        when="2026-11-27T09:00",
    ),
    _s(
        "remind me at five to pick up the kids",
        "reminder.set",
        task="pick up the kids",
        when="2026-11-23T17:00",
    ),
    _s(
        "don't let me forget to take my pills at eight pm",
        "reminder.set",
        task="take my pills",
        when="2026-11-23T20:00",
    ),
    _s(
        "remind me tomorrow morning at ten to book the car service",
        "reminder.set",
        task="book the car service",
        when="2026-11-24T10:00",
    ),
    _s(
        "remind me in an hour to check the oven",
        "reminder.set",
        task="check the oven",
        when="2026-11-23T10:00",
    ),
    _s(
        "remind me about the meeting at ten",
        "reminder.set",
        task="the meeting",
        when="2026-11-23T10:00",
    ),
    _s(
        "remind me to take out the bins tonight at nine",
        "reminder.set",
        task="take out the bins",
        when="2026-11-23T21:00",
    ),
    _s(
        "remind me at six pm to call grandma",
        "reminder.set",
        task="call grandma",
        when="2026-11-23T18:00",
    ),
    _s(
        "remind me in half an hour to check the laundry",
        "reminder.set",
        task="check the laundry",
        when="2026-11-23T09:30",
    ),
    # calendar.add
    _s(
        "add dentist appointment to my calendar on thursday at two pm",
        "calendar.add",
        title="dentist appointment",
        start="2026-11-26T14:00",
    ),
    _s(
        "put lunch with grandma on the calendar tomorrow at one pm",
        "calendar.add",
        title="lunch with grandma",
        start="2026-11-24T13:00",
    ),
    _s(
        "schedule a haircut on saturday at eleven am",
        "calendar.add",
        title="a haircut",
        start="2026-11-28T11:00",
    ),
    _s(
        "add football practice to my calendar on wednesday at five pm",
        "calendar.add",
        title="football practice",
        start="2026-11-25T17:00",
    ),
    _s(
        "create an event called team meeting tomorrow at ten am",
        "calendar.add",
        title="team meeting",
        start="2026-11-24T10:00",
    ),
    _s(
        "book a doctor's appointment on friday at nine thirty am",
        "calendar.add",
        title="a doctor's appointment",
        start="2026-11-27T09:30",
    ),
    _s(
        "put the dentist in my diary for thursday at two",
        "calendar.add",
        title="the dentist",
        start="2026-11-26T14:00",
    ),
    # calendar.list
    _s("what's on my calendar today", "calendar.list", date="2026-11-23"),
    _s("what do i have tomorrow", "calendar.list", date="2026-11-24"),
    _s("am i free on friday", "calendar.list", date="2026-11-27"),
    _s("what's my next meeting", "calendar.list"),
    _s("do i have anything on this afternoon", "calendar.list", date="2026-11-23"),
    _s("what does my day look like", "calendar.list"),
    _s("what's happening on saturday", "calendar.list", date="2026-11-28"),
    _s("show me my calendar for tomorrow", "calendar.list", date="2026-11-24"),
    _s("what's on my schedule tomorrow", "calendar.list", date="2026-11-24"),
    _s("do i have any meetings tomorrow", "calendar.list", date="2026-11-24"),
    _s("what's in my diary on wednesday", "calendar.list", date="2026-11-25"),
    # message.send
    _s("tell bob dinner is ready", "message.send", recipient="bob", body="dinner is ready"),
    _s(
        "send a message to alex saying i'm running late",
        "message.send",
        recipient="alex",
        body="i'm running late",
    ),
    _s(
        "text sam that the car is outside",
        "message.send",
        recipient="sam",
        body="the car is outside",
    ),
    _s(
        "tell grandma we will visit on sunday",
        "message.send",
        recipient="grandma",
        body="we will visit on sunday",
    ),
    _s(
        "let alex know that the door is unlocked",
        "message.send",
        recipient="alex",
        body="the door is unlocked",
    ),
    _s(
        "send bob a message saying please bring milk",
        "message.send",
        recipient="bob",
        body="please bring milk",
    ),
    _s(
        "message grandma happy birthday", "message.send", recipient="grandma", body="happy birthday"
    ),
    _s(
        "send grandma a text saying see you soon",
        "message.send",
        recipient="grandma",
        body="see you soon",
    ),
    _s("text bob i'll be home at six", "message.send", recipient="bob", body="i'll be home at six"),
    _s("tell sam i love you", "message.send", recipient="sam", body="i love you"),
    # privacy.forget_last
    _s("forget what i said just now", "privacy.forget_last"),
    _s("delete my last question", "privacy.forget_last"),
    _s("please scratch that", "privacy.forget_last"),
    _s("don't save that", "privacy.forget_last"),
    _s("delete that", "privacy.forget_last"),
    # privacy.forget_today
    _s("forget everything i asked today", "privacy.forget_today"),
    _s("delete today's recordings", "privacy.forget_today"),
    _s("erase everything from today", "privacy.forget_today"),
    _s("forget today's conversation", "privacy.forget_today"),
    # privacy.explain
    _s("what do you store about me", "privacy.explain"),
    _s("how much do you know about me", "privacy.explain"),
    _s("how long do you keep my recordings", "privacy.explain"),
    _s("are you recording my voice", "privacy.explain"),
    _s("what happens to my voice", "privacy.explain"),
)

OUT_OF_SCOPE: tuple[Sentence, ...] = tuple(
    Sentence(text, None)
    for text in (
        # other assistants' jobs and chit-chat
        "what's the weather like today",
        "will it rain tomorrow",
        "play some music",
        "play the next song",
        "switch on the bedroom light",
        "dim the lights in the living room",
        "tell me something funny",
        "how tall is mount everest",
        "who wrote romeo and juliet",
        "order a pizza for delivery",
        "buy me some new headphones online",
        "turn the volume up",
        "what's the capital of france",
        "call grandma",
        "how do you spell necessary",
        "good morning",
        "thank you very much",
        "how many miles is it to london",
        # half-heard commands
        "set a",
        "the timer please",
        "cancel the",
        "remind me",
        "set an alarm",
        "set a timer",
        "send a message",
        "wake up",
    )
)

SENTENCES: tuple[Sentence, ...] = IN_SCOPE + OUT_OF_SCOPE


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice and speaking rate (words per minute)."""

    name: str
    wpm: int

    @property
    def label(self) -> str:
        return f"{self.name}@{self.wpm}"


#: Checked to exist in Debian's espeak-ng 1.51 (``espeak-ng --voices``, ``--voices=variant``).
VOICES: tuple[Voice, ...] = (
    Voice("en-us", 160),
    Voice("en-us+f3", 140),
    Voice("en-gb-x-rp", 185),
    Voice("en-us+m3", 175),
)


@dataclass(frozen=True)
class Utterance:
    """One sentence said by one voice: 16 kHz mono s16le samples, in memory only."""

    sentence: Sentence
    voice: Voice
    samples: bytes = field(repr=False)

    @property
    def seconds(self) -> float:
        return len(self.samples) / (2 * SAMPLE_RATE)


def select(limit: int | None = None) -> tuple[Sentence, ...]:
    """``limit`` sentences that still cover every intent, or all of them.

    In-scope sentences are taken round-robin over the intents; out-of-scope ones in their
    share of the corpus (at least one).
    """
    if limit is None or limit >= len(SENTENCES):
        return SENTENCES
    n_oos = max(1, round(limit * len(OUT_OF_SCOPE) / len(SENTENCES)))
    n_in = max(0, limit - n_oos)
    by_intent: dict[str, list[Sentence]] = {}
    for sentence in IN_SCOPE:
        by_intent.setdefault(str(sentence.intent), []).append(sentence)
    chosen: list[Sentence] = []
    depth = 0
    while len(chosen) < n_in:
        for group in by_intent.values():
            if depth < len(group) and len(chosen) < n_in:
                chosen.append(group[depth])
        depth += 1
    return (*chosen, *OUT_OF_SCOPE[:n_oos])


def missing_tools() -> list[str]:
    """The Debian tools synthesis needs that are not installed."""
    return [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]


def unknown_voices(voices: Iterable[Voice]) -> list[str]:
    """The voices espeak-ng does not have (it silently falls back to its default for them)."""
    listing = subprocess.run(
        ["espeak-ng", "--voices"], check=True, capture_output=True, text=True
    ).stdout
    variants = subprocess.run(
        ["espeak-ng", "--voices=variant"], check=True, capture_output=True, text=True
    ).stdout
    languages = {line.split()[1] for line in listing.splitlines()[1:] if line.split()}
    variant_files = {
        line.split()[-1].removeprefix("!v/") for line in variants.splitlines()[1:] if line.split()
    }
    unknown = []
    for voice in voices:
        language, _, variant = voice.name.partition("+")
        if language not in languages or (variant and variant not in variant_files):
            unknown.append(voice.name)
    return unknown


def synthesise(text: str, voice: Voice, folder: Path) -> bytes:
    """``text`` said by ``voice``: 16 kHz mono s16le, padded, with faint white noise.

    Files go to ``folder`` and are removed before returning.  The noise is seeded by the
    voice and the text, and sox's dither by ``-R``, so a clip is the same on every run.
    """
    stem = f"u{random.getrandbits(64):016x}"
    wav, raw = folder / f"{stem}.wav", folder / f"{stem}.raw"
    try:
        subprocess.run(
            ["espeak-ng", "-v", voice.name, "-s", str(voice.wpm), "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["sox", "-R", str(wav), "-t", "raw", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
             "-e", "signed-integer", "-L", str(raw), "pad", str(PAD_S), str(PAD_S)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        samples = array("h", raw.read_bytes())
    finally:
        wav.unlink(missing_ok=True)
        raw.unlink(missing_ok=True)
    if sys.byteorder != "little":
        samples.byteswap()
    rng = random.Random(f"{voice.label}|{text}")
    span = 2 * NOISE + 1
    noise = rng.randbytes(2 * len(samples))
    noisy = array(
        "h",
        (
            max(-32768, min(32767, s + (noise[2 * i] << 8 | noise[2 * i + 1]) % span - NOISE))
            for i, s in enumerate(samples)
        ),
    )
    if sys.byteorder != "little":
        noisy.byteswap()
    return noisy.tobytes()


def synthesise_all(
    sentences: Iterable[Sentence], voices: Sequence[Voice], workers: int = 2
) -> list[Utterance]:
    """Every sentence said by every voice, voice by voice; no audio is left on disk."""
    missing = missing_tools()
    if missing:
        raise RuntimeError(f"speech synthesis needs the Debian packages: {', '.join(missing)}")
    unknown = unknown_voices(voices)
    if unknown:
        raise RuntimeError(f"espeak-ng has no voice {', '.join(unknown)}")
    jobs = [(sentence, voice) for voice in voices for sentence in sentences]
    with (
        tempfile.TemporaryDirectory(prefix="confide-speech-") as tmp,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        folder = Path(tmp)
        clips = list(pool.map(lambda job: synthesise(job[0].text, job[1], folder), jobs))
    return [Utterance(s, v, clip) for (s, v), clip in zip(jobs, clips, strict=True)]
