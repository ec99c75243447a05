"""Envelope encryption: wrong keys, tampering and moved ciphertexts are one DecryptionError."""

from __future__ import annotations

import base64
import os
import stat

import pytest
import sqlalchemy as sa

from confide.vault import DecryptionError, KeyFileError, read_artifact
from confide.vault.schema import action_records, artifacts, data_keys

TRANSCRIPT = b"remind me to call the pharmacy about my prescription"
REPLY = b"I will remind you to call the pharmacy"
AUDIO = (b"RIFF-plaintext-audio-" * 2000)[:40_000]
AUDIO_2 = (b"second-plaintext-audio-" * 2000)[:30_000]
NOTE = {"task": "call the pharmacy", "when": "2024-03-01T17:00"}


@pytest.fixture
def written(vault, household, turn_writer):
    return turn_writer(
        vault,
        household.id,
        household.adult.id,
        {"transcript": TRANSCRIPT, "reply": REPLY, "audio": AUDIO, "audio_2": AUDIO_2},
        records=[
            {"kind": "reminder", "payload": NOTE},
            {"kind": "reminder", "payload": {"task": "water the plants"}},
        ],
    )


def _key_file(vault, household_id):
    return vault.home / "keys" / f"{household_id}.key"


def _set_column(vault, table, row_id, **values):
    with vault.engine.begin() as conn:
        result = conn.execute(table.update().where(table.c.id == row_id).values(**values))
        assert result.rowcount == 1


def _get_column(vault, column, row_id):
    with vault.engine.connect() as conn:
        return conn.execute(sa.select(column).where(column.table.c.id == row_id)).scalar_one()


def _flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


def _blob_path(vault, artifact_id):
    return vault.home / "blobs" / vault.blobs.relative(artifact_id)


def _assert_decryption_error(excinfo, *plaintexts: bytes):
    """Exactly DecryptionError, and no plaintext in any message of the exception chain."""
    assert type(excinfo.value) is DecryptionError
    assert excinfo.value.code == "decryption_failed"
    err: BaseException | None = excinfo.value
    while err is not None:
        for plaintext in plaintexts:
            assert plaintext.decode(errors="replace")[:20] not in str(err)
        err = err.__cause__ or err.__context__


def _read_record(vault, household_id, record_id):
    with vault.session(household_id) as session:
        return session.records(None).get(record_id)


# -- reading ---------------------------------------------------------------------------------
def test_read_artifact_returns_plaintext(vault, household, written):
    expected = {"transcript": TRANSCRIPT, "reply": REPLY, "audio": AUDIO, "audio_2": AUDIO_2}
    for kind, plaintext in expected.items():
        assert read_artifact(vault, household.id, written.artifacts[kind].id) == plaintext


def test_fresh_instance_reads_with_the_key_file(vault_factory, household, written):
    fresh = vault_factory()
    assert read_artifact(fresh, household.id, written.artifacts["transcript"].id) == TRANSCRIPT
    assert read_artifact(fresh, household.id, written.artifacts["audio"].id) == AUDIO
    assert _read_record(fresh, household.id, written.records[0].id).payload == NOTE


def test_same_plaintext_seals_differently(vault, household, turn_writer):
    first = turn_writer(vault, household.id, household.owner.id, {"transcript": TRANSCRIPT})
    second = turn_writer(vault, household.id, household.owner.id, {"transcript": TRANSCRIPT})
    a = _get_column(vault, artifacts.c.ciphertext, first.artifacts["transcript"].id)
    b = _get_column(vault, artifacts.c.ciphertext, second.artifacts["transcript"].id)
    assert a != b
    assert a[:12] != b[:12]  # fresh nonces


# -- wrong household key ---------------------------------------------------------------------
@pytest.mark.parametrize("other_key", ["random", "another_household"])
def test_different_household_key_is_decryption_error(
    vault, vault_factory, household, written, other_key
):
    key_file = _key_file(vault, household.id)
    if other_key == "random":
        replacement = base64.b64encode(os.urandom(32)) + b"\n"
    else:
        neighbours = vault.create_household("Neighbours")
        replacement = _key_file(vault, neighbours.id).read_bytes()
    assert replacement != key_file.read_bytes()
    key_file.write_bytes(replacement)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # still a valid, private key file

    fresh = vault_factory()
    for kind, plaintext in (("transcript", TRANSCRIPT), ("audio", AUDIO)):
        with pytest.raises(DecryptionError) as caught:
            read_artifact(fresh, household.id, written.artifacts[kind].id)
        _assert_decryption_error(caught, plaintext)
    with pytest.raises(DecryptionError) as caught:
        _read_record(fresh, household.id, written.records[0].id)
    _assert_decryption_error(caught, NOTE["task"].encode())


# -- tampered artifacts ----------------------------------------------------------------------
@pytest.mark.parametrize("position", [0, 11, 12, 30, -16, -1], ids=lambda p: f"byte{p}")
def test_tampered_artifact_ciphertext(vault, household, written, position):
    art_id = written.artifacts["transcript"].id
    sealed = _get_column(vault, artifacts.c.ciphertext, art_id)
    _set_column(vault, artifacts, art_id, ciphertext=_flip(sealed, position))
    with pytest.raises(DecryptionError) as caught:
        read_artifact(vault, household.id, art_id)
    _assert_decryption_error(caught, TRANSCRIPT)


@pytest.mark.parametrize("length", [0, 1, 27, 28], ids=lambda n: f"len{n}")
def test_truncated_artifact_ciphertext(vault, household, written, length):
    art_id = written.artifacts["transcript"].id
    sealed = _get_column(vault, artifacts.c.ciphertext, art_id)
    _set_column(vault, artifacts, art_id, ciphertext=sealed[:length])
    with pytest.raises(DecryptionError) as caught:
        read_artifact(vault, household.id, art_id)
    _assert_decryption_error(caught, TRANSCRIPT)


@pytest.fixture
def twins(vault, household):
    """Two artifacts of the same turn *and kind*, twice: in rows and in blobs."""
    with vault.session(household.id) as session:
        turn = session.start_turn(household.owner.id, "voice")
        rows = [session.put_artifact(turn, "transcript", t) for t in (TRANSCRIPT, REPLY)]
        blobs = [session.put_artifact(turn, "audio", a) for a in (AUDIO, AUDIO_2)]
    return rows, blobs


def test_ciphertext_copied_to_another_artifact_of_the_same_turn(vault, household, twins):
    """Same turn, same kind, same data key: only the artifact id in the binding refuses it."""
    (source, target), _blobs = twins
    sealed = _get_column(vault, artifacts.c.ciphertext, source.id)
    _set_column(vault, artifacts, target.id, ciphertext=sealed)
    with pytest.raises(DecryptionError) as caught:
        read_artifact(vault, household.id, target.id)
    _assert_decryption_error(caught, TRANSCRIPT)
    assert read_artifact(vault, household.id, source.id) == TRANSCRIPT  # the original is intact


def test_ciphertext_copied_to_an_artifact_of_another_kind(vault, household, written):
    source, target = written.artifacts["transcript"].id, written.artifacts["reply"].id
    sealed = _get_column(vault, artifacts.c.ciphertext, source)
    _set_column(vault, artifacts, target, ciphertext=sealed)
    with pytest.raises(DecryptionError) as caught:
        read_artifact(vault, household.id, target)
    _assert_decryption_error(caught, TRANSCRIPT)


def test_ciphertexts_swapped_between_turns(vault, household, written, turn_writer):
    other = turn_writer(vault, household.id, household.adult.id, {"transcript": b"what time is it"})
    a, b = written.artifacts["transcript"].id, other.artifacts["transcript"].id
    sealed_a = _get_column(vault, artifacts.c.ciphertext, a)
    sealed_b = _get_column(vault, artifacts.c.ciphertext, b)
    _set_column(vault, artifacts, a, ciphertext=sealed_b)
    _set_column(vault, artifacts, b, ciphertext=sealed_a)
    for art_id in (a, b):
        with pytest.raises(DecryptionError):
            read_artifact(vault, household.id, art_id)


def test_relabelled_artifact_kind(vault, household, written):
    art_id = written.artifacts["transcript"].id
    _set_column(vault, artifacts, art_id, kind="reply")
    with pytest.raises(DecryptionError):
        read_artifact(vault, household.id, art_id)


def test_artifact_moved_to_another_turn(vault, household, written, turn_writer):
    other = turn_writer(vault, household.id, household.adult.id, {"transcript": b"hi"})
    art_id = written.artifacts["transcript"].id
    _set_column(vault, artifacts, art_id, turn_id=other.turn.id)
    with pytest.raises(DecryptionError):
        read_artifact(vault, household.id, art_id)


# -- tampered blobs --------------------------------------------------------------------------
@pytest.mark.parametrize("position", [0, 12, 20_000, -1], ids=lambda p: f"byte{p}")
def test_tampered_blob(vault, household, written, position):
    art_id = written.artifacts["audio"].id
    path = _blob_path(vault, art_id)
    path.write_bytes(_flip(path.read_bytes(), position))
    with pytest.raises(DecryptionError) as caught:
        read_artifact(vault, household.id, art_id)
    _assert_decryption_error(caught, AUDIO)


@pytest.mark.parametrize("length", [0, 5, 28, 40_000], ids=lambda n: f"len{n}")
def test_truncated_blob(vault, household, written, length):
    art_id = written.artifacts["audio"].id
    path = _blob_path(vault, art_id)
    path.write_bytes(path.read_bytes()[:length])
    with pytest.raises(DecryptionError):
        read_artifact(vault, household.id, art_id)


def test_blob_copied_onto_another_blob_of_the_same_turn(vault, household, twins):
    _rows, (source, target) = twins
    _blob_path(vault, target.id).write_bytes(_blob_path(vault, source.id).read_bytes())
    with pytest.raises(DecryptionError) as caught:
        read_artifact(vault, household.id, target.id)
    _assert_decryption_error(caught, AUDIO)
    assert read_artifact(vault, household.id, source.id) == AUDIO


# -- wrapped data keys -----------------------------------------------------------------------
def test_tampered_wrapped_data_key(vault, vault_factory, household, written):
    key_id = written.turn.key_id
    wrapped = _get_column(vault, data_keys.c.wrapped, key_id)
    _set_column(vault, data_keys, key_id, wrapped=_flip(wrapped, len(wrapped) // 2))
    fresh = vault_factory()  # no unwrapped key cached
    with pytest.raises(DecryptionError) as caught:
        read_artifact(fresh, household.id, written.artifacts["transcript"].id)
    _assert_decryption_error(caught, TRANSCRIPT)


def test_wrapped_data_keys_swapped_between_turns(
    vault, vault_factory, household, written, turn_writer
):
    other = turn_writer(vault, household.id, household.adult.id, {"transcript": b"hello"})
    a, b = written.turn.key_id, other.turn.key_id
    wrapped_a = _get_column(vault, data_keys.c.wrapped, a)
    wrapped_b = _get_column(vault, data_keys.c.wrapped, b)
    _set_column(vault, data_keys, a, wrapped=wrapped_b)
    _set_column(vault, data_keys, b, wrapped=wrapped_a)
    fresh = vault_factory()
    with pytest.raises(DecryptionError):
        read_artifact(fresh, household.id, written.artifacts["transcript"].id)
    with pytest.raises(DecryptionError):
        read_artifact(fresh, household.id, other.artifacts["transcript"].id)


# -- records ---------------------------------------------------------------------------------
def test_tampered_record_ciphertext(vault, household, written):
    rec_id = written.records[0].id
    sealed = _get_column(vault, action_records.c.ciphertext, rec_id)
    _set_column(vault, action_records, rec_id, ciphertext=_flip(sealed, len(sealed) - 3))
    with pytest.raises(DecryptionError) as caught:
        _read_record(vault, household.id, rec_id)
    _assert_decryption_error(caught, NOTE["task"].encode())


def test_record_ciphertexts_swapped(vault, household, written):
    """Two records of the same member (same member key): the record id binding refuses it."""
    a, b = written.records[0].id, written.records[1].id
    sealed_a = _get_column(vault, action_records.c.ciphertext, a)
    sealed_b = _get_column(vault, action_records.c.ciphertext, b)
    _set_column(vault, action_records, a, ciphertext=sealed_b)
    _set_column(vault, action_records, b, ciphertext=sealed_a)
    for rec_id in (a, b):
        with pytest.raises(DecryptionError):
            _read_record(vault, household.id, rec_id)


@pytest.mark.parametrize("column", ["kind", "member_id"])
def test_record_rebound_to_other_kind_or_member(vault, household, written, column):
    rec_id = written.records[0].id
    value = {"kind": "alarm", "member_id": household.owner.id}[column]
    _set_column(vault, action_records, rec_id, **{column: value})
    with pytest.raises(DecryptionError):
        _read_record(vault, household.id, rec_id)


# -- the key file ----------------------------------------------------------------------------
def test_missing_key_file(vault, vault_factory, household, written):
    _key_file(vault, household.id).unlink()
    fresh = vault_factory()
    with pytest.raises(KeyFileError) as caught:
        read_artifact(fresh, household.id, written.artifacts["transcript"].id)
    assert type(caught.value) is KeyFileError
    assert "missing" in caught.value.message
    with pytest.raises(KeyFileError):
        _read_record(fresh, household.id, written.records[0].id)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o601], ids=oct)
def test_key_file_open_to_others(vault, vault_factory, household, written, mode):
    key_file = _key_file(vault, household.id)
    key_file.chmod(mode)
    fresh = vault_factory()
    with pytest.raises(KeyFileError) as caught:
        read_artifact(fresh, household.id, written.artifacts["transcript"].id)
    assert "chmod 600" in caught.value.message
    with pytest.raises(KeyFileError):
        fresh.add_member(household.id, "Dora")
    # Control: the same file with mode 0600 is accepted.
    key_file.chmod(0o600)
    assert read_artifact(vault_factory(), household.id, written.artifacts["transcript"].id) == (
        TRANSCRIPT
    )


@pytest.mark.parametrize(
    "content",
    [b"", b"not base64 at all!\n", base64.b64encode(os.urandom(16)), base64.b64encode(b"x" * 33)],
    ids=["empty", "not-base64", "short", "long"],
)
def test_corrupt_key_file(vault, vault_factory, household, written, content):
    _key_file(vault, household.id).write_bytes(content)
    fresh = vault_factory()
    with pytest.raises(KeyFileError):
        read_artifact(fresh, household.id, written.artifacts["transcript"].id)
