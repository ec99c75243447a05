"""Member settings: audio retention, validated, audited with ids only, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from confide.vault import MEMBER_SETTINGS, SettingError, Vault, audio_expiry
from confide.vault.settings import add_months


def test_new_members_keep_no_audio(vault: Vault, household) -> None:
    members = vault.members(household.id)
    assert [m.audio_retention for m in members] == ["off", "off", "off"]
    assert all(m.to_dict()["audio_retention"] == "off" for m in members)
    added = vault.add_member(household.id, "Dora")
    assert added.audio_retention == "off"
    assert vault.member(household.id, "dora").settings() == {
        "audio_retention": "off",
        "transcript_retention": "3_months",
    }


def test_setting_is_stored_and_audited_with_ids_only(vault: Vault, household) -> None:
    for value in MEMBER_SETTINGS["audio_retention"][::-1]:
        changed = vault.set_member_setting(
            household.id, "Ben", "audio_retention", value, actor="operator:test"
        )
        assert changed.audio_retention == value
        assert vault.member(household.id, "Ben").audio_retention == value
    entries = [e for e in vault.audit_entries(household.id) if e.action.startswith("settings.")]
    assert len(entries) == len(MEMBER_SETTINGS["audio_retention"])
    for entry in entries:
        assert entry.action == "settings.audio_retention"
        assert list(entry.targets) == [household.adult.id]
        assert entry.actor == "operator:test"
    assert vault.verify_audit(household.id).ok


@pytest.mark.parametrize(
    ("name", "key", "value", "code", "hint"),
    [
        ("Ben", "audio_retention", "forever", "bad_setting", "off, 3_months, 18_months"),
        ("Ben", "audio_retention", "OFF", "bad_setting", "until_deleted"),
        ("Ben", "colour", "blue", "bad_setting", "audio_retention"),
        ("Cleo", "audio_retention", "3_months", "child_setting", "only be off"),
        ("Cleo", "audio_retention", "until_deleted", "child_setting", "never kept"),
    ],
)
def test_refused_settings_change_nothing(
    vault: Vault, household, name: str, key: str, value: str, code: str, hint: str
) -> None:
    before = len(vault.audit_entries(household.id))
    with pytest.raises(SettingError) as caught:
        vault.set_member_setting(household.id, name, key, value, actor="operator:test")
    assert caught.value.code == code
    assert caught.value.bad_input
    assert hint in caught.value.message
    assert vault.member(household.id, name).audio_retention == "off"
    assert len(vault.audit_entries(household.id)) == before


def test_a_child_may_be_set_to_off(vault: Vault, household) -> None:
    done = vault.set_member_setting(
        household.id, "Cleo", "audio_retention", "off", actor="operator:test"
    )
    assert done.audio_retention == "off"


def test_expiry_is_in_calendar_months() -> None:
    at = datetime(2024, 11, 30, 12, 0, tzinfo=UTC)
    assert add_months(at, 3) == datetime(2025, 2, 28, 12, 0, tzinfo=UTC)
    assert add_months(at, 18) == datetime(2026, 5, 30, 12, 0, tzinfo=UTC)
    assert audio_expiry("3_months", at.timestamp()) == add_months(at, 3).timestamp()
    assert audio_expiry("until_deleted", at.timestamp()) is None
    assert audio_expiry("off", at.timestamp()) is None
