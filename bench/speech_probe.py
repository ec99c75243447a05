"""Speech probe: pocketsphinx + the template grammar on commands synthesised at run time.

    .venv/bin/python bench/speech_probe.py [--limit N] [--wildcards exclude|free]

Needs the Debian packages espeak-ng and sox.  Audio is generated into a temporary directory
that is removed at the end.  Prints sentences right (after "what's"→"what is", "a m"→"am"
normalisation), real-time factor, and how many in-grammar / out-of-scope utterances are
rejected at the default confidence threshold.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from confide.language.models import HouseholdLists
from confide.voice.recognizers import PocketsphinxRecognizer
from speechgen import synthesise

IN_GRAMMAR = """what time is it|what's the time|tell me the time|what's the date today
what day is it today|cancel my alarm|delete all my alarms|list my alarms
what alarms do i have|set an alarm for seven am|wake me up at six thirty
set an alarm for eight pm tomorrow|cancel the alarm for seven am|set a timer for ten minutes
set a timer for five minutes|start a pasta timer for twelve minutes|cancel the timer
how much time is left on the timer|stop all timers|set a timer for one hour
what's on my calendar tomorrow|what do i have on friday|am i busy tomorrow
show me my calendar|what's my next appointment|what's on the shopping list
read me the shopping list|what do we need from the shop|delete my last request
forget what i said today|what do you keep about me|what do you know about me
set an alarm for half past seven|set a timer for twenty five minutes
what's on my calendar on monday|is there an alarm set for tomorrow
how long is left on the timer|cancel my alarms for tomorrow|what time is it now
set a timer for ninety seconds""".replace("\n", "|").split("|")
OUT_OF_SCOPE = """play some jazz music|turn on the kitchen lights|what is the weather like
tell me a joke|how tall is the eiffel tower|order a pizza with cheese""".replace("\n", "|").split(
    "|"
)
VOICES = [("en-us", 160), ("en-us+f3", 140)]


def _norm(text: str) -> str:
    return (
        text.replace("what's", "what is")
        .replace("whats", "what is")
        .replace("a m", "am")
        .replace("p m", "pm")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=len(IN_GRAMMAR))
    parser.add_argument("--wildcards", default="exclude", choices=["exclude", "free"])
    args = parser.parse_args()
    recognizer = PocketsphinxRecognizer(
        HouseholdLists(members=("alice", "bob")), wildcards=args.wildcards
    )
    recognizer.transcribe(b"\x00\x00" * 1600)  # build the grammar outside the timing
    rows = []
    with tempfile.TemporaryDirectory(prefix="confide-speech-") as tmp:
        for voice, wpm in VOICES:
            right = rej_in = rej_out = 0
            audio_s = decode_s = 0.0
            for text in IN_GRAMMAR[: args.limit]:
                samples = synthesise(text, Path(tmp), voice, wpm)
                started = time.perf_counter()
                result = recognizer.transcribe(samples)
                decode_s += time.perf_counter() - started
                audio_s += len(samples) / 32000
                right += _norm(result.text) == _norm(text)
                rej_in += result.rejected
            for text in OUT_OF_SCOPE:
                out = recognizer.transcribe(synthesise(text, Path(tmp), voice, wpm))
                rej_out += out.rejected
            n = min(args.limit, len(IN_GRAMMAR))
            rows.append((voice, n, 100 * right / n, decode_s / audio_s, rej_in, rej_out))
    print(
        f"{'voice':10} {'n':>3} {'right %':>8} {'RTF':>6} {'in rejected':>12} {'out rejected':>13}"
    )
    for voice, n, pct, rtf, r_in, r_out in rows:
        print(f"{voice:10} {n:3d} {pct:8.1f} {rtf:6.3f} {r_in:12d} {r_out:9d}/{len(OUT_OF_SCOPE)}")


if __name__ == "__main__":
    main()
