"""message.send with inbox(), and the household shopping list."""

import pytest

from confide.skills import SkillError, handle, inbox


def send(ctx, recipient, body="Dinner at seven", **kw):
    return handle("message.send", {"recipient": recipient, "body": body}, ctx(**kw))


def test_message_to_a_member_lands_in_their_inbox(ctx, store):
    result = send(ctx, "Bob")
    assert result.reply == "I sent your message to Bob."
    [record] = inbox(store, "mem-bob")
    assert record.kind == "message"
    assert record.member_id == "mem-alice"
    assert record.audience_member_id == "mem-bob"
    assert record.status == "active"
    assert record.payload["body"] == "Dinner at seven"
    assert record.payload["recipient"] == "Bob"
    [action] = result.actions
    assert (action.op, action.kind, action.record_id) == ("create", "message", record.id)
    assert action.data["body"] == "Dinner at seven"
    assert inbox(store, "mem-alice") == []


@pytest.mark.parametrize(("spoken", "member_id"), [("bob", "mem-bob"), ("  BOB ", "mem-bob"),
                                                    ("Cara", "mem-cara"),
                                                    ("cara jones", "mem-cara")])  # fmt: skip
def test_member_names_match_loosely(ctx, store, spoken, member_id):
    send(ctx, spoken)
    assert len(inbox(store, member_id)) == 1


@pytest.mark.parametrize("spoken", ["me", "Myself", "alice"])
def test_message_to_yourself(ctx, store, spoken):
    result = send(ctx, spoken)
    assert result.reply == "I left that message for you."
    [record] = inbox(store, "mem-alice")
    assert record.member_id == "mem-alice"


def test_message_to_a_contact_is_kept_and_said_so(ctx, store):
    result = send(ctx, "grandma")
    assert result.reply == (
        "I can't send messages outside the household yet, so I've kept your message for Grandma."
    )
    [record] = store.list("message")
    assert record.status == "active"
    assert record.audience_member_id is None
    assert record.payload["recipient"] == "Grandma"
    assert record.payload["body"] == "Dinner at seven"
    assert record.payload["delivery"] == "held"
    assert result.actions[0].record_id == record.id
    assert all(inbox(store, m) == [] for m in ("mem-alice", "mem-bob", "mem-cara"))
    send(ctx, "dr patel")
    assert store.list("message")[-1].payload["recipient"] == "Dr Patel"


def test_message_to_an_unknown_recipient_is_refused(ctx, store):
    with pytest.raises(SkillError) as err:
        send(ctx, "Zed")
    assert err.value.code == "unknown_recipient"
    assert "Zed" not in err.value.message  # voice content stays out of error messages
    assert store.all() == []


@pytest.mark.parametrize(
    "slots", [{}, {"recipient": "Bob"}, {"body": "hi"}, {"recipient": "Bob", "body": " ... "}]
)
def test_message_bad_slots(ctx, store, slots):
    with pytest.raises(SkillError) as err:
        handle("message.send", slots, ctx())
    assert err.value.code == "bad_slots"
    assert store.all() == []


def test_inbox_holds_only_active_messages_in_order(ctx, store, people):
    send(ctx, "Bob", body="first")
    send(ctx, "Bob", body="second", speaker=people.cara)
    send(ctx, "Cara", body="not for Bob")
    assert [r.payload["body"] for r in inbox(store, "mem-bob")] == ["first", "second"]
    store.update(inbox(store, "mem-bob")[0].id, status="done")
    assert [r.payload["body"] for r in inbox(store, "mem-bob")] == ["second"]


# --- shopping ---------------------------------------------------------------------------------


def shop(ctx, intent, item=None, **kw):
    return handle(f"shopping.{intent}", {} if item is None else {"item": item}, ctx(**kw))


def items(store):
    return [r.payload["item"] for r in store.list("shopping_item", member_id=None)]


def test_add_and_list(ctx, store, people):
    assert shop(ctx, "list").reply == "Your shopping list is empty."
    result = shop(ctx, "add", "eggs")
    assert result.reply == "I added eggs to the shopping list."
    [action] = result.actions
    assert (action.op, action.kind, dict(action.data)) == (
        "create",
        "shopping_item",
        {"item": "eggs"},
    )
    shop(ctx, "add", "milk", speaker=people.bob)
    result = shop(ctx, "list")
    assert result.reply == "Your shopping list has eggs and milk."
    assert len(result.actions) == 2
    shop(ctx, "add", "some bread.")
    assert shop(ctx, "list", speaker=people.cara).reply == (
        "Your shopping list has eggs, milk and bread."
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [("eggs", "Eggs"), ("eggs", "egg"), ("egg", "EGGS"), ("tomato", "tomatoes"),
     ("berries", "berry"), ("apples", "an apple"), ("glass", "glasses"), ("cookie", "cookies"),
     ("Free range eggs", "free  range egg")],
)  # fmt: skip
def test_no_duplicates_case_and_plural(ctx, store, first, second):
    shop(ctx, "add", first)
    result = shop(ctx, "add", second)
    assert result.reply == f"You already have {items(store)[0]} on the shopping list."
    assert result.actions == ()
    assert len(items(store)) == 1


@pytest.mark.parametrize(
    ("first", "second"), [("rice", "ice"), ("pear", "pearl"), ("milk", "milk chocolate")]
)
def test_different_items_are_both_added(ctx, store, first, second):
    shop(ctx, "add", first)
    shop(ctx, "add", second)
    assert items(store) == [first, second]


def test_remove_matches_case_and_plural_across_members(ctx, store, people):
    shop(ctx, "add", "Eggs")
    shop(ctx, "add", "milk")
    result = shop(ctx, "remove", "egg", speaker=people.bob)
    assert result.reply == "I removed Eggs from the shopping list."
    [action] = result.actions
    assert action.op == "cancel"
    assert store.get(action.record_id).status == "cancelled"
    assert items(store) == ["milk"]
    # Once removed it may be added again.
    shop(ctx, "add", "eggs")
    assert items(store) == ["milk", "eggs"]


def test_remove_missing_item(ctx, store):
    result = shop(ctx, "remove", "bread")
    assert (result.reply, result.actions) == ("I couldn't find bread on the shopping list.", ())
    assert store.updates == []


@pytest.mark.parametrize("intent", ["add", "remove"])
@pytest.mark.parametrize("slots", [{}, {"item": ""}, {"item": " ... "}, {"item": 3}])
def test_shopping_bad_slots(ctx, store, intent, slots):
    with pytest.raises(SkillError) as err:
        handle(f"shopping.{intent}", slots, ctx())
    assert err.value.code == "bad_slots"
    assert store.all() == []
