"""The enrollment prompts: what a member reads aloud so the recogniser learns their voice.

Each prompt is a command the way a person says it to a kitchen speaker, so the recordings
cover the words and sounds Confide listens for (numbers, times, days, the command words),
the way the member says them.  They are written apart from the templates' examples, from
the text recogniser's development phrasings and from the speech benchmark's held-out corpus
(a test checks it), so an accuracy figure measured after enrollment is still held out.

A recording is matched to its prompt by number: ``01.wav`` is read from prompt 1.  Reading
at least :data:`MIN_PROMPTS` of them is required; all of them (about three minutes) adapts
best.  Every word is in pocketsphinx's pronunciation dictionary (a test checks it).
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["MIN_PROMPTS", "PROMPTS", "prompt_number"]

#: Fewer recordings than this move the model too little to be worth a profile.
MIN_PROMPTS = 20

PROMPTS: tuple[str, ...] = (
    "hey could you set a timer for seventeen minutes",
    "wake me up at a quarter past five tomorrow morning",
    "what time is it now please",
    "put bananas and yogurt on the shopping list",
    "remind me on thursday at four to water the plants",
    "send a message to grandma saying i will call her tonight",
    "cancel the alarm for half past nine",
    "how long is left on the bread timer",
    "what is on my calendar for next monday",
    "add a dentist visit to my calendar on the fourteenth at eleven",
    "set a timer for thirty five seconds",
    "i want to get up at six fifteen on weekdays",
    "take toothpaste off the list",
    "which alarms have i set for the weekend",
    "what day of the month is it",
    "start a twelve minute timer for the potatoes",
    "remind me in two hours to check the oven",
    "tell sam that dinner is ready",
    "is there anything on my calendar this afternoon",
    "set an alarm for eight in the evening every sunday",
    "read me what is on the shopping list",
    "stop the noodle timer",
    "turn off every alarm",
    "what is the date on saturday",
    "add oranges, rice and butter to my list",
    "remind alex tomorrow at noon to pay the rent",
    "set a timer for nineteen minutes and forty seconds",
    "please wake me at twenty to seven on tuesday",
    "please forget the thing i just told you",
    "what have you stored about me so far",
    "start a timer for one hour and ten minutes",
    "message bob that the train is thirteen minutes late",
    "put the school concert on the calendar for friday evening at seven",
    "how many minutes are left on my timer",
    "do i have any alarms tomorrow",
    "i need a reminder at three thirty to call the bank",
    "we need more coffee and apples",
    "set my alarm for ten past twelve at night",
    "remove cheese from the shopping list",
    "what year is it",
    "give me a timer for sixteen minutes",
    "let me sleep until nine on saturday and sunday",
    "show me everything i did today",
    "delete all my reminders for this week",
    "what is on the agenda for the twenty second of december",
    "set a timer for fifty minutes for the roast",
    "change my wake up time to six forty",
    "remind me every monday at seven to put out the bins",
    "tell me the time in hours and minutes",
    "erase all of what i told you today",
    "is it morning or afternoon",
    "time my tea for three and a half minutes",
    "book lunch with sam on wednesday at one in my calendar",
    "add flour, sugar and eighteen eggs",
    "wake me at five past eight on the first of january",
    "when does my next alarm go off",
    "how long until my eleven minute timer ends",
    "remind me on the ninth of march to renew the passport",
    "set two alarms, one at six and one at seven",
    "thank you, that is all for now",
)

_NAME = re.compile(r"^(\d{1,3})\.wav$", re.IGNORECASE)


def prompt_number(path: Path) -> int | None:
    """The prompt a recording's file name says it reads (``07.wav`` -> 7), or None."""
    match = _NAME.match(path.name)
    if match is None:
        return None
    number = int(match.group(1))
    return number if 1 <= number <= len(PROMPTS) else None


def spoken_words(prompt: str) -> str:
    """The prompt as the dictionary words a reader says (lower case, no punctuation)."""
    return " ".join(re.findall(r"[a-z']+", prompt.lower()))
