"""Turning matched entities into the slot values of DESIGN §5.

Each builder gets the entities of the best match and returns the slots, or raises
:class:`ValueError` when a value cannot be understood (then nothing is acted on).

* Times and dates: see :mod:`.times` and :mod:`.dates` for the rules.  An alarm's ``time``
  follows the alarm rule (the next occurrence); reminders and calendar events follow the
  daytime rule.  ``when``/``start`` are "YYYY-MM-DDTHH:MM"; an alarm's ``date`` is given only
  when one was said.  A reminder "in <duration>" is ``now`` + duration, cut to the minute;
  so is an alarm "in <duration>" (less than a day).
* Free text (task, body, title) is the person's own words, cut from the original text with
  surrounding spaces and punctuation removed.
* Shopping items are lower-case, without a leading "some", "a", "an", "the", "more", "any",
  "a few", "a couple of"; "milk and bread" stays one item.
* Timer names are lower-case list values ("pasta"); timer.cancel and timer.status carry one
  only when the sentence names a timer.
* ``all`` (alarm.cancel, timer.cancel) is ``True`` (JSON ``true``) when the sentence says
  all/every ("cancel all my timers") or names them in the plural ("cancel my alarms"); it is
  left out otherwise, never ``False``.
* alarm.cancel carries ``date`` ("YYYY-MM-DD", as alarm.set) when one was said ("cancel my
  alarm for tomorrow", "cancel tomorrow's alarm"), and ``time`` when one was said.  A date
  with a part of the day but no time ("cancel tomorrow evening's alarm") is not understood:
  the slots cannot say it, and dropping it could cancel the wrong alarm.
* Intents without a builder here (a template set's own, e.g. a skill's) get the raw values:
  a list's output value, or the free text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from confide.language.dates import WEEKDAYS, parse_date, part_of_day
from confide.language.durations import parse_duration
from confide.language.matcher import Entity
from confide.language.normalize import Normalised
from confide.language.times import ClockTime, format_hhmm, parse_time, resolve_daytime, resolve_next

Slots = dict[str, str | int | bool]

_REPEAT_DAYS: dict[str, frozenset[int]] = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    **{name: frozenset({index}) for index, name in enumerate(WEEKDAYS)},
}
_ITEM_PREFIX = re.compile(
    r"^(?:(?:a couple of|a couple|a bit of|a little|a few|some|more|any|the|an|a)\s+)+"
)
_EDGES = " \t.,;:!?\"'“”‘’()[]-"
_MAX_DURATION_S = 100 * 3600
_DAY_S = 24 * 3600


@dataclass(frozen=True)
class Match:
    """The entities of one match, with what is needed to read them."""

    entities: Mapping[str, Entity]
    norm: Normalised
    now: datetime

    def has(self, name: str) -> bool:
        return name in self.entities

    def words(self, name: str) -> str:
        """The matched words of a list slot (lower-case)."""
        return self.entities[name].text.strip()

    def value(self, name: str) -> str:
        """The output value of a list slot."""
        value = self.entities[name].value
        if not isinstance(value, str) or not value.strip():
            raise ValueError("empty value")
        return value.strip()

    def free_text(self, name: str) -> str:
        """A wildcard's text in the person's own words."""
        entity = self.entities[name]
        text = ""
        if entity.span is not None:
            text = self.norm.original_slice(*entity.span)
        if not text:
            text = entity.text.strip(_EDGES)
        text = " ".join(text.split())
        if not text:
            raise ValueError("empty text")
        return text


def _iso_minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _clock(match: Match) -> ClockTime:
    clock = parse_time(match.words("time"))
    if match.has("date"):
        clock = clock.with_meridiem(part_of_day(match.words("date")))
    return clock


def _moment(match: Match) -> datetime:
    """A reminder's or event's moment: the daytime rule, or now + duration."""
    if match.has("duration"):
        seconds = parse_duration(match.words("duration"))
        return (match.now + timedelta(seconds=seconds)).replace(second=0, microsecond=0)
    on_date = parse_date(match.words("date"), match.now.date()) if match.has("date") else None
    return resolve_daytime(_clock(match), match.now, on_date=on_date)


def _alarm_set(match: Match) -> Slots:
    if match.has("duration"):  # "wake me up in twenty minutes"
        seconds = parse_duration(match.words("duration"))
        if seconds >= _DAY_S:
            raise ValueError("an alarm within a day")
        moment = match.now + timedelta(seconds=seconds)
        return {"time": format_hhmm(moment.hour, moment.minute)}
    clock = _clock(match)
    slots: Slots = {}
    if match.has("date"):
        on_date = parse_date(match.words("date"), match.now.date())
        moment = resolve_next(clock, match.now, on_date=on_date)
        slots["date"] = on_date.isoformat()
    elif match.has("repeat"):
        repeat = match.value("repeat")
        moment = resolve_next(clock, match.now, weekdays=_REPEAT_DAYS[repeat])
        slots["repeat"] = repeat
    else:
        moment = resolve_next(clock, match.now)
    return {"time": format_hhmm(moment.hour, moment.minute), **slots}


def _all(match: Match) -> Slots:
    """``{"all": True}`` when the sentence says all/every, else nothing."""
    return {"all": True} if match.has("all") else {}


def _timer_name(match: Match) -> Slots:
    return {"name": match.value("name").lower()} if match.has("name") else {}


def _alarm_cancel(match: Match) -> Slots:
    slots: Slots = {}
    on_date = None
    if match.has("date"):
        words = match.words("date").removesuffix("'s")  # "tomorrow's alarm"
        if not match.has("time") and part_of_day(words) is not None:
            raise ValueError("a part of the day is not a date")  # "tomorrow evening's"
        on_date = parse_date(words, match.now.date())
    if match.has("time"):
        moment = resolve_next(_clock(match), match.now, on_date=on_date)
        slots["time"] = format_hhmm(moment.hour, moment.minute)
    if on_date is not None:
        slots["date"] = on_date.isoformat()
    return {**slots, **_all(match)}


def _timer_set(match: Match) -> Slots:
    seconds = parse_duration(match.words("duration"))
    if seconds > _MAX_DURATION_S:
        raise ValueError("timer too long")
    return {"duration_s": seconds, **_timer_name(match)}


def _timer_cancel(match: Match) -> Slots:
    return {**_timer_name(match), **_all(match)}


def _reminder_set(match: Match) -> Slots:
    return {"task": match.free_text("task"), "when": _iso_minute(_moment(match))}


def _calendar_add(match: Match) -> Slots:
    return {"title": match.free_text("title"), "start": _iso_minute(_moment(match))}


def _calendar_list(match: Match) -> Slots:
    if not match.has("date"):
        return {}
    return {"date": parse_date(match.words("date"), match.now.date()).isoformat()}


def _message_send(match: Match) -> Slots:
    return {"recipient": match.value("recipient"), "body": match.free_text("body")}


def clean_item(text: str) -> str:
    """A shopping item as stored: lower-case, single-spaced, no leading article."""
    item = " ".join(text.lower().split()).strip(_EDGES)
    item = _ITEM_PREFIX.sub("", item).strip(_EDGES)
    if not item:
        raise ValueError("empty item")
    return item


def _shopping_item(match: Match) -> Slots:
    entity = match.entities["item"]
    if entity.is_wildcard:
        return {"item": clean_item(match.free_text("item"))}
    return {"item": clean_item(match.value("item"))}


BUILDERS: Mapping[str, Callable[[Match], Slots]] = {
    "alarm.set": _alarm_set,
    "alarm.cancel": _alarm_cancel,
    "timer.set": _timer_set,
    "timer.cancel": _timer_cancel,
    "timer.status": _timer_name,
    "reminder.set": _reminder_set,
    "calendar.add": _calendar_add,
    "calendar.list": _calendar_list,
    "message.send": _message_send,
    "shopping.add": _shopping_item,
    "shopping.remove": _shopping_item,
}


def generic_slots(match: Match, wildcards: frozenset[str]) -> Slots:
    """Slots of an intent without a builder (a template set's own intents): raw values."""
    slots: Slots = {}
    spans = [e.span for e in match.entities.values() if e.span is not None]
    for name, entity in match.entities.items():
        span = entity.span
        if span is not None and any(
            o != span and o[0] <= span[0] and span[1] <= o[1] for o in spans
        ):
            continue  # a building block inside another value (an hour inside a time)
        if entity.is_wildcard or name in wildcards:
            slots[name] = match.free_text(name)
        elif isinstance(entity.value, (str, int)) and not isinstance(entity.value, bool):
            slots[name] = entity.value
    return slots


def build_slots(intent: str, match: Match, wildcards: frozenset[str]) -> Slots:
    """The slots of ``intent`` (no slots for intents that take none)."""
    builder = BUILDERS.get(intent)
    if builder is not None:
        return builder(match)
    if intent in NO_SLOTS:
        return {}
    return generic_slots(match, wildcards)


NO_SLOTS: frozenset[str] = frozenset(
    {
        "alarm.list",
        "shopping.list",
        "time.get",
        "date.get",
        "privacy.forget_last",
        "privacy.forget_today",
        "privacy.explain",
        "confirm.yes",
        "confirm.no",
    }
)
