"""The values the recogniser takes and returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class HouseholdLists:
    """Names that change at run time and that templates refer to as lists.

    ``members`` and ``contacts`` form the ``{recipient}`` list of message.send; a recipient is
    returned exactly as written here.  ``shopping_items`` (the items now on the list) form
    the ``{shopping_item}`` list that shopping.remove prefers over free text.
    """

    members: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    shopping_items: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Lists given instead of tuples are accepted (and made hashable: the recogniser
        # caches its compiled templates per HouseholdLists).
        for name in ("members", "contacts", "shopping_items"):
            values = getattr(self, name)
            if isinstance(values, str) or not all(isinstance(v, str) for v in values):
                raise TypeError(f"HouseholdLists.{name} must be a sequence of strings")
            object.__setattr__(self, name, tuple(values))


@dataclass(frozen=True)
class Interpretation:
    """What an utterance asks for: an intent of DESIGN §5 and its slots.

    ``intent`` is None when nothing was understood; then ``slots`` is empty and nothing may be
    acted on.  ``slots`` is read-only.
    """

    intent: str | None
    slots: Mapping[str, str | int | bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.intent is None and self.slots:
            raise ValueError("an Interpretation without intent has no slots")
        object.__setattr__(self, "slots", MappingProxyType(dict(self.slots)))

    def __hash__(self) -> int:
        return hash((self.intent, frozenset(self.slots.items())))

    def to_dict(self) -> dict[str, object]:
        """``{"intent": ..., "slots": {...}}`` for JSON."""
        return {"intent": self.intent, "slots": dict(self.slots)}


#: Answers to a read-back (templates/confirm.yaml): never acted on by a skill, only by the
#: assistant, on what it read back just before.
CONFIRM_YES = "confirm.yes"
CONFIRM_NO = "confirm.no"
ANSWER_INTENTS: frozenset[str] = frozenset({CONFIRM_YES, CONFIRM_NO})

#: The answer for anything not understood.
NOT_UNDERSTOOD = Interpretation(None, {})
