"""Understanding what was said: sentence templates, value parsing and intent recognition.

``Recognizer().recognize(text, lists, now)`` returns an :class:`Interpretation`: an intent of
DESIGN §5 with its slots, or ``Interpretation(None, {})`` when nothing was understood - then
nothing may be acted on.

* Templates: hassil YAML in ``templates/`` (one file per domain, ``_common.yaml`` for the
  shared lists and rules), loaded and checked by :mod:`.loader`.  Times, dates and
  durations are grammar slots (finite lists and rules); only a reminder's ``task``, a
  message's ``body``, an event's ``title`` and a shopping ``item`` are free text.
* Matching: each template is compiled to a regular expression (:mod:`.compiler`,
  :mod:`.matcher`) - hassil's own matcher is the reference the tests compare against, but
  at 1-6 ms per utterance it is too slow for the text pipeline (this one: ~60 µs p50).
* Values: :mod:`.times`, :mod:`.dates`, :mod:`.durations`, :mod:`.numbers` (pure functions)
  and :mod:`.slots` (which rule applies to which intent).

Choices worth knowing:

* An alarm time without am/pm is its next occurrence ("seven" at 15:00 is 19:00, at 22:00 is
  07:00); a reminder or event time without am/pm is the next one unless that falls in the
  night ("one" at 15:00 is 13:00 tomorrow); on a later date 7-11 are morning, 1-6 afternoon.
* "on friday" is the next Friday, never today; "next friday" is the Friday of next week.
* "add milk and bread to my shopping list" adds one item, "milk and bread"; items are
  lower-case without a leading article ("some apples" -> "apples").
* A recipient must be in ``lists.members`` or ``lists.contacts`` and comes back spelled as
  there; unknown names are not understood.
* A reminder needs a task and a time ("remind me to call mum tomorrow" is not understood); a
  recurring reminder or "next week" is not understood either.
"""

from confide.language.errors import LanguageError
from confide.language.models import HouseholdLists, Interpretation
from confide.language.recognizer import Recognizer

__all__ = ["HouseholdLists", "Interpretation", "LanguageError", "Recognizer"]
