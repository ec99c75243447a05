"""Messages: ``message.send`` and the members' inboxes.

A message is an action record of kind ``message`` owned by the sender, with the payload
``{"recipient": name, "body": str, "delivery": "inbox" | "held"}``.

* To a household member (yourself included, also as "me"): the record's
  ``audience_member_id`` is the recipient's id, which puts it in their :func:`inbox`.
* To a contact who is not a member: Confide has no outside transport yet, so the message is
  kept (``delivery`` ``held``, status ``active``) and the reply says so.
* To anyone else: a :class:`SkillError` with code ``unknown_recipient``.

Names match case-insensitively, first in full, then by a first name that only one person has.
Members win over contacts of the same name.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from confide.skills._common import bad_slots, slot_text
from confide.skills.base import (
    Action,
    Member,
    RecordStore,
    SkillContext,
    SkillError,
    SkillResult,
    StoredRecord,
)

logger = logging.getLogger(__name__)

_SELF = frozenset({"me", "myself"})


def inbox(records: RecordStore, member_id: str) -> list[StoredRecord]:
    """The active messages addressed to a member, oldest first."""
    return records.list("message", audience_member_id=member_id)


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _find(name: str, names: Sequence[str]) -> int | None:
    """The index of the person called ``name``: full name first, then a unique first name."""
    key = _key(name)
    for i, candidate in enumerate(names):
        if _key(candidate) == key:
            return i
    if " " in key:
        return None
    by_first = [i for i, candidate in enumerate(names) if _key(candidate).split(" ")[0] == key]
    return by_first[0] if len(by_first) == 1 else None


def resolve_member(recipient: str, ctx: SkillContext) -> Member | None:
    """The household member a spoken recipient names, the speaker for "me"."""
    if _key(recipient) in _SELF:
        return ctx.speaker
    index = _find(recipient, [m.name for m in ctx.members])
    return ctx.members[index] if index is not None else None


class MessageSkill:
    """Leaves messages for household members and keeps those for contacts."""

    intents: frozenset[str] = frozenset({"message.send"})

    def handle(self, intent: str, slots: Mapping[str, Any], ctx: SkillContext) -> SkillResult:
        if intent != "message.send":
            raise SkillError(
                f"The message skill does not handle {intent!r}.", code="unknown_intent"
            )
        recipient = slot_text(slots, "recipient")
        body = slot_text(slots, "body")
        if not body.strip(" .!?"):
            raise bad_slots("The 'body' slot is empty.")

        member = resolve_member(recipient, ctx)
        if member is not None:
            payload = {"recipient": member.name, "body": body, "delivery": "inbox"}
            record = ctx.records.create(
                "message", payload, member_id=ctx.speaker.id, audience_member_id=member.id
            )
            logger.debug("message %s left for member %s", record.id, member.id)
            if member.id == ctx.speaker.id:
                reply = "I left that message for you."
            else:
                reply = f"I sent your message to {member.name}."
            return SkillResult(reply, (Action("create", "message", record.id, payload),))

        index = _find(recipient, list(ctx.contacts))
        if index is None:
            raise SkillError(
                "I don't know who that is. Add them as a household member or a contact first.",
                code="unknown_recipient",
            )
        contact = ctx.contacts[index]
        payload = {"recipient": contact, "body": body, "delivery": "held"}
        record = ctx.records.create("message", payload, member_id=ctx.speaker.id)
        logger.debug("message %s held for a contact", record.id)
        reply = (
            f"I can't send messages outside the household yet, "
            f"so I've kept your message for {contact}."
        )
        return SkillResult(reply, (Action("create", "message", record.id, payload),))
