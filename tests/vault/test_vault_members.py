"""Households, members, contacts and devices."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
import sqlalchemy as sa

from confide.vault import ConflictError, NotFoundError, VaultError, history
from confide.vault.schema import data_keys, members

BAD_NAMES = [
    "",
    "   ",
    "x" * 101,
    "Robert'); DROP TABLE members;--",
    "a/b",
    "nul\x00byte",
    "<script>",
    "semi;colon",
]


# -- households ------------------------------------------------------------------------------
def test_create_and_list_households(vault, clock):
    first = vault.create_household("  The   Lovelaces ")
    clock.advance(timedelta(seconds=5))
    second = vault.create_household("Flat 2")

    assert first.name == "The Lovelaces"
    assert first.created_at == clock.now().timestamp() - 5
    assert vault.households() == [first, second]
    assert vault.household(second.id) == second
    with pytest.raises(NotFoundError):
        vault.household("hh_00000000000000000000")


def test_household_key_file_is_private(vault):
    hh = vault.create_household("Home")
    keys = vault.home / "keys"
    key_file = keys / f"{hh.id}.key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_household_name_refused(vault, name):
    with pytest.raises(VaultError) as caught:
        vault.create_household(name)
    assert type(caught.value) is VaultError
    assert caught.value.code == "bad_name"
    assert vault.households() == []
    assert not (vault.home / "keys").exists() or not any((vault.home / "keys").iterdir())


# -- members ---------------------------------------------------------------------------------
def test_members_listed_in_creation_order(vault, household):
    listed = vault.members(household.id)
    assert listed == [household.owner, household.adult, household.child]
    assert [(m.name, m.role) for m in listed] == [
        ("Ada", "owner"),
        ("Ben", "adult"),
        ("Cleo", "child"),
    ]
    assert vault.owner(household.id) == household.owner
    assert vault.member(household.id, "  bEN ") == household.adult


def test_members_are_per_household(vault, household):
    other = vault.create_household("Neighbours")
    # The same name is free in another household.
    ben_next_door = vault.add_member(other.id, "Ben", role="owner")
    assert vault.members(other.id) == [ben_next_door]
    assert vault.member(household.id, "Ben") == household.adult
    assert vault.member(other.id, "Ben") == ben_next_door


@pytest.mark.parametrize("duplicate", ["Ben", "ben", " BEN ", "Ben\t"])
def test_duplicate_member_refused(vault, household, duplicate):
    with pytest.raises(ConflictError):
        vault.add_member(household.id, duplicate, role="child")
    assert len(vault.members(household.id)) == 3


def test_duplicate_member_name_with_inner_spaces_refused(vault, household):
    vault.add_member(household.id, "Mary Jane")
    with pytest.raises(ConflictError):
        vault.add_member(household.id, "mary   JANE")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_member_name_refused(vault, household, name):
    with pytest.raises(VaultError) as caught:
        vault.add_member(household.id, name)
    assert type(caught.value) is VaultError
    assert caught.value.code == "bad_name"
    assert caught.value.bad_input
    assert len(vault.members(household.id)) == 3


@pytest.mark.parametrize("role", ["admin", "", "Adult", "guest"])
def test_bad_role_refused(vault, household, role):
    with pytest.raises(VaultError) as caught:
        vault.add_member(household.id, "Dora", role=role)
    assert caught.value.code == "bad_role"
    assert len(vault.members(household.id)) == 3


def test_unknown_member_not_found(vault, household):
    with pytest.raises(NotFoundError):
        vault.member(household.id, "Nobody")


def test_owner_missing_is_not_found(vault):
    hh = vault.create_household("No owner yet")
    vault.add_member(hh.id, "Eve", role="adult")
    with pytest.raises(NotFoundError):
        vault.owner(hh.id)


@pytest.mark.parametrize("operation", ["member", "contact", "device"])
def test_unknown_household_is_not_found(vault, operation):
    """Adding to a household that does not exist is the caller's mistake: NotFoundError."""
    add = {"member": vault.add_member, "contact": vault.add_contact, "device": vault.add_device}
    with pytest.raises(NotFoundError):
        add[operation]("hh_00000000000000000000", "Zed")


# -- removing members ------------------------------------------------------------------------
def _key_rows(vault, key_id):
    with vault.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(data_keys).where(data_keys.c.id == key_id)
        ).scalar_one()


def _member_key_id(vault, member_id):
    with vault.engine.connect() as conn:
        return conn.execute(
            sa.select(members.c.key_id).where(members.c.id == member_id)
        ).scalar_one()


def test_remove_member_without_data(vault, household):
    dora = vault.add_member(household.id, "Dora")
    key_id = _member_key_id(vault, dora.id)
    assert _key_rows(vault, key_id) == 1

    assert vault.remove_member(household.id, "dora") == dora

    assert dora not in vault.members(household.id)
    assert _key_rows(vault, key_id) == 0  # the member's data key is destroyed with them
    assert vault.add_member(household.id, "Dora").id != dora.id  # the name is free again


def test_remove_member_refused_while_they_have_turns(vault, household, turn_writer):
    turn_writer(vault, household.id, household.child.id, {"transcript": b"set a timer"})
    with pytest.raises(ConflictError):
        vault.remove_member(household.id, "Cleo")
    assert household.child in vault.members(household.id)
    assert len(history(vault, household.id, member_id=household.child.id)) == 1
    assert _key_rows(vault, _member_key_id(vault, household.child.id)) == 1


def test_remove_member_refused_while_they_own_records(vault, household):
    with vault.session(household.id) as session:
        session.records(None).create("shopping", {"item": "kale"}, member_id=household.adult.id)
    with pytest.raises(ConflictError):
        vault.remove_member(household.id, "Ben")
    assert household.adult in vault.members(household.id)


def test_remove_member_refused_while_they_receive_records(vault, household, turn_writer):
    turn_writer(
        vault,
        household.id,
        household.owner.id,
        records=[
            {
                "kind": "message",
                "payload": {"body": "dinner at six"},
                "audience_member_id": household.adult.id,
            }
        ],
    )
    with pytest.raises(ConflictError):
        vault.remove_member(household.id, "Ben")
    assert household.adult in vault.members(household.id)


def test_owner_cannot_be_removed(vault, household):
    with pytest.raises(ConflictError):
        vault.remove_member(household.id, "Ada")
    assert vault.owner(household.id) == household.owner


def test_remove_unknown_member_not_found(vault, household):
    with pytest.raises(NotFoundError):
        vault.remove_member(household.id, "Nobody")


# -- contacts --------------------------------------------------------------------------------
def test_contacts_create_and_list(vault, household):
    assert vault.add_contact(household.id, "  Grandma   Rose ") == "Grandma Rose"
    assert vault.add_contact(household.id, "dr. O'Neil-Smith") == "dr. O'Neil-Smith"
    assert vault.add_contact(household.id, "Aunt May") == "Aunt May"
    # Sorted case-insensitively.
    assert vault.contacts(household.id) == ["Aunt May", "dr. O'Neil-Smith", "Grandma Rose"]
    other = vault.create_household("Elsewhere")
    assert vault.contacts(other.id) == []


@pytest.mark.parametrize("duplicate", ["Aunt May", "aunt may", "AUNT   MAY "])
def test_duplicate_contact_refused(vault, household, duplicate):
    vault.add_contact(household.id, "Aunt May")
    with pytest.raises(ConflictError):
        vault.add_contact(household.id, duplicate)
    assert vault.contacts(household.id) == ["Aunt May"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_contact_name_refused(vault, household, name):
    with pytest.raises(VaultError) as caught:
        vault.add_contact(household.id, name)
    assert type(caught.value) is VaultError
    assert caught.value.code == "bad_name"
    assert vault.contacts(household.id) == []


# -- devices ---------------------------------------------------------------------------------
def test_device_token_authenticates(vault, household):
    kitchen, kitchen_token = vault.add_device(household.id, "Kitchen speaker")
    bedroom, bedroom_token = vault.add_device(household.id, "Bedroom")

    assert kitchen_token != bedroom_token
    assert vault.authenticate(kitchen_token) == kitchen
    assert vault.authenticate(bedroom_token) == bedroom
    assert kitchen.household_id == household.id
    assert sorted(d.id for d in vault.devices(household.id)) == sorted([kitchen.id, bedroom.id])


def test_wrong_device_token_does_not_authenticate(vault, household):
    _device, token = vault.add_device(household.id, "Kitchen")
    for wrong in ("", token[:-1], token + "x", token.upper(), "cfd_" + "A" * 43):
        assert vault.authenticate(wrong) is None


def test_device_token_is_stored_hashed(vault, household, db_bytes):
    _device, token = vault.add_device(household.id, "Kitchen")
    dump = db_bytes(vault)
    assert token.encode() not in dump
    assert token.removeprefix("cfd_").encode() not in dump
    assert b"Kitchen" in dump  # control: the dump does see the devices table


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_device_name_refused(vault, household, name):
    with pytest.raises(VaultError) as caught:
        vault.add_device(household.id, name)
    assert type(caught.value) is VaultError
    assert caught.value.code == "bad_name"
    assert vault.devices(household.id) == []
