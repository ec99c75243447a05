"""Understanding what was said: sentence templates, value parsing and intent recognition.

``Recognizer().recognize(text, lists, now)`` returns an :class:`Interpretation` with an
intent of DESIGN §5 and its slots, or ``Interpretation(None, {})`` when nothing was
understood.  The templates are hassil YAML files in ``templates/``.
"""

from confide.language.errors import LanguageError
from confide.language.models import HouseholdLists, Interpretation
from confide.language.recognizer import Recognizer

__all__ = ["HouseholdLists", "Interpretation", "LanguageError", "Recognizer"]
