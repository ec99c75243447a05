"""Backups without keys, and restores that re-apply deletions, on SQLite and PostgreSQL.

Turns are written into a real vault (transcripts in rows, audio over 16 KiB in the blob store,
action records under member keys); deletions go through ``confide.lifecycle``; the backup is a
real directory, checked byte by byte; the CLI is ``confide.cli.main``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from clirun import run_json
from confide.cli import main
from confide.lifecycle import (
    BackupError,
    Selection,
    create_backup,
    execute,
    forget,
    list_receipts,
    request,
    restore_backup,
    verify_backup,
    verify_erasure,
)
from confide.vault import (
    DecryptionError,
    NotFoundError,
    Vault,
    find_orphans,
    history,
    read_artifact,
)
from confide.vault.schema import (
    artifacts,
    audit_log,
    data_keys,
    devices,
    members,
    tombstones,
    turns,
)

ACTOR = "test"


@dataclass
class Made:
    """A turn written for a test: ids, and every plaintext it holds (to scan for)."""

    turn_id: str
    key_id: str
    plain: dict[str, bytes] = field(default_factory=dict)  # artifact id -> plaintext
    record_id: str | None = None
    needles: list[bytes] = field(default_factory=list)

    def artifact(self, kind_prefix: str) -> str:
        return next(a for a, data in self.plain.items() if data.startswith(kind_prefix.encode()))


def make_turn(vault, clock, household_id, member, *, audio=False, audio_expires=None, record=True):
    clock.advance(timedelta(seconds=30))
    marker = secrets.token_hex(8)
    transcript = f"TXT please remember the {marker} plan".encode()
    with vault.session(household_id) as session:
        turn = session.start_turn(member.id, "voice" if audio else "text")
        made = Made(turn.id, turn.key_id)
        made.plain[session.put_artifact(turn, "transcript", transcript).id] = transcript
        made.needles += [transcript, f"the {marker} plan".encode()]
        if audio:
            pcm = f"PCM-{marker}-".encode() * 2000  # over 16 KiB: a blob
            made.plain[session.put_artifact(turn, "audio", pcm, expires_at=audio_expires).id] = pcm
            made.needles.append(f"PCM-{marker}-".encode())
        if record:
            rec = session.records(turn).create(
                "alarm", {"label": f"record {marker}"}, member_id=member.id
            )
            made.record_id = rec.id
            made.needles.append(f"record {marker}".encode())
    return made


def key_material(vault: Vault, key_ids) -> dict[str, list[bytes]]:
    """Every form a data key could take in a file: wrapped (raw, base64), unwrapped (raw,
    base64, hex)."""
    out: dict[str, list[bytes]] = {}
    with vault.reading() as conn:
        for key_id in key_ids:
            wrapped = conn.execute(
                sa.select(data_keys.c.wrapped).where(data_keys.c.id == key_id)
            ).scalar_one()
            plain = vault.keyring.data_key(conn, key_id)
            out[key_id] = [
                bytes(wrapped),
                base64.b64encode(bytes(wrapped)),
                plain,
                base64.b64encode(plain),
                plain.hex().encode(),
            ]
    return out


def household_key_material(home: Path, household_id: str) -> list[bytes]:
    text = (home / "keys" / f"{household_id}.key").read_bytes().strip()
    return [text, base64.b64decode(text)]


def unreadable(vault, household_id, made: Made) -> None:
    assert made.turn_id not in {t.id for t in history(vault, household_id)}
    for artifact_id in made.plain:
        with pytest.raises((NotFoundError, DecryptionError)):
            read_artifact(vault, household_id, artifact_id)
    with vault.reading() as conn, pytest.raises(DecryptionError):
        vault.keyring.data_key(conn, made.key_id)


def readable(vault, household_id, made: Made, *, except_ids=()) -> None:
    for artifact_id, data in made.plain.items():
        if artifact_id not in except_ids:
            assert read_artifact(vault, household_id, artifact_id) == data


def state(vault: Vault, household_id: str) -> dict[str, object]:
    """Everything a refused restore must leave as it was."""
    with vault.reading() as conn:
        rows = {
            table.name: sorted(tuple(map(str, r)) for r in conn.execute(sa.select(table)))
            for table in (turns, artifacts, data_keys, members, devices, tombstones, audit_log)
        }
    rows["blobs"] = sorted(vault.blobs.ids())
    rows["history"] = [t.id for t in history(vault, household_id)]
    return rows


def found(scan, root: Path, needles) -> set[bytes]:
    return {needle for needle, paths in scan(root, needles).items() if paths}


# -- the whole story -------------------------------------------------------------------------
def test_restore_reapplies_every_deletion_made_since_the_backup(
    vault, vault_factory, household, clock, tmp_path, scan_home, backend
):
    hh, ada, ben = household.id, household.owner, household.adult
    keep = make_turn(vault, clock, hh, ada, audio=True)
    voice = make_turn(vault, clock, hh, ben, audio=True)  # forgotten, scope voice: record kept
    whole = make_turn(vault, clock, hh, ben)  # forgotten, scope everything
    expiring = make_turn(vault, clock, hh, ada, audio=True, audio_expires=vault.now() + 60)
    before = [keep, voice, whole, expiring]
    keys = key_material(vault, [m.key_id for m in before] + [f"key_{ada.id}"])
    with vault.reading() as conn:
        keep_sealed = conn.execute(
            sa.select(artifacts.c.ciphertext).where(artifacts.c.id == keep.artifact("TXT"))
        ).scalar_one()
    keep_blob = vault.blobs.get(keep.artifact("PCM"))

    made = create_backup(vault, hh, tmp_path / "backup", actor=ACTOR)
    assert made.tables["turns"] == 4 and made.blobs == 3
    assert made.tables["members"] == 3 and made.tables["action_records"] == 4

    forget(vault, hh, Selection("turn", turn_id=voice.turn_id), actor=ACTOR)
    forget(vault, hh, Selection("turn", turn_id=whole.turn_id), scope="everything", actor=ACTOR)
    clock.advance(timedelta(minutes=5))  # the recording of `expiring` expires: erased alone
    partial = request(
        vault, hh, Selection("turn", turn_id=expiring.turn_id), actor=ACTOR, kinds=["audio"]
    )
    execute(vault, partial.receipt_id)
    late = make_turn(vault, clock, hh, ada, audio=True)  # after the backup, never forgotten
    keys.update(key_material(vault, [late.key_id]))

    report = restore_backup(vault, hh, tmp_path / "backup", actor=ACTOR)

    assert report.backup_id == made.backup_id
    assert report.left_out["forgotten_turns"] == 2
    assert report.left_out["forgotten_artifacts"] == 1
    assert report.left_out["forgotten_records"] == 1
    assert report.rolled_back_turns == (late.turn_id,)
    assert report.restored["turns"] == 2 and report.restored["action_records"] == 3

    fresh = vault_factory()  # nothing cached: every key comes from the database
    for v in (vault, fresh):
        assert {t.id for t in history(v, hh)} == {keep.turn_id, expiring.turn_id}
        readable(v, hh, keep)
        readable(v, hh, expiring, except_ids=[expiring.artifact("PCM")])
        with pytest.raises(NotFoundError):
            read_artifact(v, hh, expiring.artifact("PCM"))
        for gone in (voice, whole, late):
            unreadable(v, hh, gone)
    assert not fresh.blobs.exists(expiring.artifact("PCM"))
    assert not fresh.blobs.exists(late.artifact("PCM"))
    assert not fresh.blobs.exists(voice.artifact("PCM"))
    with fresh.read_records(hh) as records:
        assert records.get(keep.record_id).payload["label"].startswith("record ")
        kept = records.get(voice.record_id)  # kept under scope voice, linked to its tombstone
        assert kept.origin_turn_id == voice.turn_id
        for gone_id in (whole.record_id, late.record_id):
            with pytest.raises(NotFoundError):
                records.get(gone_id)
    with fresh.reading() as conn:
        stones = set(conn.execute(sa.select(tombstones.c.turn_id)).scalars())
        live_keys = set(conn.execute(sa.select(data_keys.c.id)).scalars())
    assert stones == {voice.turn_id, whole.turn_id}
    assert live_keys == {keep.key_id, expiring.key_id} | {
        f"key_{m.id}" for m in (ada, ben, household.child)
    } | {f"key_{r.record_id}" for r in (keep, voice, expiring)}  # the records' own keys
    assert find_orphans(fresh) == []
    for receipt in list_receipts(fresh, hh):
        assert verify_erasure(fresh, hh, receipt.id).ok, receipt.id
    assert fresh.verify_audit(hh).ok
    actions = [(e.action, e.targets) for e in fresh.audit_entries(hh)]
    assert ("backup.created", (made.backup_id,)) in actions
    assert ("backup.restored", (made.backup_id, late.turn_id)) in actions

    # Byte scans: the backup holds no plaintext and no key material at all.
    plaintexts = [n for m in [*before, late] for n in m.needles]
    all_keys = [form for forms in keys.values() for form in forms]
    hh_key = household_key_material(vault.home, hh)
    backup_dir = tmp_path / "backup"
    assert found(scan_home, backup_dir, plaintexts + all_keys + hh_key) == set()
    # ... and the scan would see them: the exported ciphertexts are there, base64 or as is.
    assert found(scan_home, backup_dir, [base64.b64encode(keep_sealed), keep_blob]) == {
        base64.b64encode(keep_sealed),
        keep_blob,
    }
    # The home holds no plaintext, no unwrapped key, and nothing of a destroyed key.
    destroyed = [f for m in (voice, whole, late) for f in keys[m.key_id]]
    unwrapped = [f for forms in keys.values() for f in forms[2:]]
    assert found(scan_home, vault.home, plaintexts + destroyed + unwrapped) == set()
    live_wrapped = keys[keep.key_id][0]
    if backend == "sqlite":  # positive control: the live key store is the database file
        assert scan_home(vault.home, [live_wrapped])[live_wrapped]
    else:
        with fresh.reading() as conn:
            assert (
                conn.execute(
                    sa.select(data_keys.c.wrapped).where(data_keys.c.id == keep.key_id)
                ).scalar_one()
                == live_wrapped
            )

    # Restoring again changes nothing and still verifies.
    again = restore_backup(fresh, hh, backup_dir, actor=ACTOR)
    assert again.rolled_back_turns == ()
    assert {t.id for t in history(fresh, hh)} == {keep.turn_id, expiring.turn_id}
    assert find_orphans(fresh) == []
    assert all(verify_erasure(fresh, hh, r.id).ok for r in list_receipts(fresh, hh))


def test_restore_brings_back_rows_the_database_lost(vault, household, clock, tmp_path):
    hh = household.id
    first = make_turn(vault, clock, hh, household.owner, audio=True)
    second = make_turn(vault, clock, hh, household.child)
    create_backup(vault, hh, tmp_path / "b", actor=ACTOR)
    with vault.engine.begin() as conn:  # damage: rows gone, keys still there
        conn.execute(artifacts.delete().where(artifacts.c.turn_id == first.turn_id))
    vault.blobs.delete(first.artifact("PCM"))
    restore_backup(vault, hh, tmp_path / "b", actor=ACTOR)
    readable(vault, hh, first)
    readable(vault, hh, second)
    assert find_orphans(vault) == []


def test_acknowledged_deletion_is_completed_not_undone(vault, household, clock, tmp_path):
    hh = household.id
    doomed = make_turn(vault, clock, hh, household.owner, audio=True)
    create_backup(vault, hh, tmp_path / "b", actor=ACTOR)
    request(vault, hh, Selection("turn", turn_id=doomed.turn_id), actor=ACTOR)  # not run yet
    report = restore_backup(vault, hh, tmp_path / "b", actor=ACTOR)
    assert report.left_out["forgotten_turns"] == 1
    unreadable(vault, hh, doomed)
    assert all(verify_erasure(vault, hh, r.id).ok for r in list_receipts(vault, hh))
    assert find_orphans(vault) == []


def test_members_settings_and_revocations_are_not_rolled_back(vault, household, clock, tmp_path):
    hh = household.id
    device, token = vault.add_device(hh, "kitchen")
    cleo = make_turn(vault, clock, hh, household.child)
    create_backup(vault, hh, tmp_path / "b", actor=ACTOR)
    vault.set_member_setting(hh, "Ada", "audio_retention", "3_months", actor=ACTOR)
    dana = vault.add_member(hh, "Dana")
    forget(vault, hh, Selection("turn", turn_id=cleo.turn_id), scope="everything", actor=ACTOR)
    vault.remove_member(hh, "Cleo")
    with vault.engine.begin() as conn:
        conn.execute(devices.update().where(devices.c.id == device.id).values(revoked_at=1.0))

    report = restore_backup(vault, hh, tmp_path / "b", actor=ACTOR)

    assert report.left_out["members_without_key"] == 1  # Cleo was removed: her key is gone
    assert [m.name for m in vault.members(hh)] == ["Ada", "Ben"]  # Dana came after the backup
    assert vault.member(hh, "Ada").audio_retention == "3_months"
    assert vault.authenticate(token) is None  # still revoked
    with vault.reading() as conn:
        assert (
            conn.execute(
                sa.select(data_keys.c.id).where(data_keys.c.id == f"key_{dana.id}")
            ).first()
            is None
        )
    assert find_orphans(vault) == []
    later = make_turn(vault, clock, hh, household.adult)  # the restored vault works on
    readable(vault, hh, later)


# -- refusals --------------------------------------------------------------------------------
def _rewrite_checksums(root: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    for name in manifest["files"]:
        manifest["files"][name] = hashlib.sha256((root / name).read_bytes()).hexdigest()
    (root / "manifest.json").write_text(json.dumps(manifest))


def _flip_byte(root: Path) -> None:
    path = root / "artifacts.jsonl"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _drop_turn_and_resum(root: Path) -> None:  # a consistent edit: only the MAC catches it
    path = root / "turns.jsonl"
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[1:]))
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["tables"]["turns"] -= 1
    (root / "manifest.json").write_text(json.dumps(manifest))
    _rewrite_checksums(root)


def _extra_file(root: Path) -> None:
    (root / "data_keys.jsonl").write_text('{"id": "key_x"}\n')


def _missing_blob(root: Path) -> None:
    next((root / "blobs").iterdir()).unlink()


def _other_version(root: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["version"] = 99
    (root / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_flip_byte, "checksum mismatch"),
        (_drop_turn_and_resum, "MAC does not match"),
        (_extra_file, "data_keys.jsonl is not listed"),
        (_missing_blob, "is missing"),
        (_other_version, "format version 99"),
    ],
)
def test_a_tampered_backup_is_refused_and_nothing_changes(
    vault, household, clock, tmp_path, tamper, message
):
    hh = household.id
    make_turn(vault, clock, hh, household.owner, audio=True)
    make_turn(vault, clock, hh, household.adult)
    create_backup(vault, hh, tmp_path / "b", actor=ACTOR)
    after = make_turn(vault, clock, hh, household.owner, audio=True)
    tamper(tmp_path / "b")
    before = state(vault, hh)
    with pytest.raises(BackupError, match=message):
        restore_backup(vault, hh, tmp_path / "b", actor=ACTOR)
    assert state(vault, hh) == before
    readable(vault, hh, after)


def test_a_backup_belongs_to_its_household(vault, household, clock, tmp_path):
    make_turn(vault, clock, household.id, household.owner)
    create_backup(vault, household.id, tmp_path / "b", actor=ACTOR)
    other = vault.create_household("Other Home")
    with pytest.raises(BackupError, match="backup of household"):
        restore_backup(vault, other.id, tmp_path / "b", actor=ACTOR)
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    manifest["household_id"] = other.id  # relabelled: the other household's key does not fit
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="MAC does not match"):
        verify_backup(vault, other.id, tmp_path / "b")


def test_backup_is_written_atomically_into_a_new_directory(vault, household, clock, tmp_path):
    hh = household.id
    made = make_turn(vault, clock, hh, household.owner, audio=True)
    (tmp_path / "empty").mkdir()
    create_backup(vault, hh, tmp_path / "empty", actor=ACTOR)  # an empty directory is fine
    assert (tmp_path / "empty" / "manifest.json").is_file()
    assert (tmp_path / "empty").stat().st_mode & 0o777 == 0o700
    with pytest.raises(BackupError, match="not empty"):
        create_backup(vault, hh, tmp_path / "empty", actor=ACTOR)
    (tmp_path / "file").write_text("x")
    with pytest.raises(BackupError, match="not a directory"):
        create_backup(vault, hh, tmp_path / "file", actor=ACTOR)
    shutil.copy(vault.blobs.path_for(made.artifact("PCM")), tmp_path / "saved.blob")
    vault.blobs.delete(made.artifact("PCM"))  # a blob the backup cannot copy: it fails whole
    with pytest.raises(BackupError, match="missing"):
        create_backup(vault, hh, tmp_path / "new", actor=ACTOR)
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file", "home", "saved.blob"]


# -- the CLI ---------------------------------------------------------------------------------
@pytest.fixture
def cli_db(database) -> list[str]:
    url, schema = database
    return [] if url is None else ["--db", f"{url}?options=-csearch_path%3D{schema}"]


def test_cli_backup_forget_restore(tmp_path, capsys, cli_db, vault_factory, scan_home):
    home, out = tmp_path / "home", tmp_path / "backup"
    where = ["--home", str(home), *cli_db]
    run_json(capsys, "init", "--household", "Testers", "--owner", "Alex", *where)
    kept = run_json(capsys, "ask", "put kumquats on the shopping list", *where)
    gone = run_json(capsys, "ask", "remind me to water the ferns tomorrow at 9am", *where)
    made = run_json(capsys, "backup", "--out", str(out), *where)
    assert made["tables"]["turns"] == 2 and "no data key" in made["keys"]
    assert not any(p.name.startswith("data_keys") for p in out.iterdir())

    vault = vault_factory(home)
    household_id = (home / "household").read_text().strip()
    forget(vault, household_id, Selection("turn", turn_id=gone["turn_id"]), actor=ACTOR)
    vault.close()
    late = run_json(capsys, "ask", "add rambutans to the shopping list", *where)

    report = run_json(capsys, "restore", str(out), *where)
    assert report["left_out"]["forgotten_turns"] == 1
    assert report["rolled_back_turns"] == [late["turn_id"]]
    listed = run_json(capsys, "history", *where)
    assert [t["turn_id"] for t in listed] == [kept["turn_id"]]
    shown = run_json(capsys, "show", kept["turn_id"], *where)
    by_kind = {item["kind"]: item for item in shown["stored"]}
    assert by_kind["transcript"]["content"] == "put kumquats on the shopping list"
    for turn_id in (gone["turn_id"], late["turn_id"]):
        capsys.readouterr()
        assert main(["show", turn_id, *where]) == 2
    assert run_json(capsys, "audit", "--verify", *where)["ok"] is True

    assert (home / "confide.db").exists() is not bool(cli_db)  # PostgreSQL when --db is given
    needles = [b"water the ferns", b"rambutans", b"kumquats"]
    assert found(scan_home, out, needles) == set()
    assert found(scan_home, home, needles) == set()


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    home = tmp_path / "home"
    assert main(["init", "--home", str(home)]) == 0
    assert main(["ask", "what time is it", "--home", str(home)]) == 0
    assert main(["backup", "--out", str(tmp_path / "b"), "--home", str(home)]) == 0
    (tmp_path / "b" / "turns.jsonl").write_text("")
    cases = [
        ["restore", str(tmp_path / "b")],
        ["restore", str(tmp_path / "nowhere")],
        ["restore", str(home)],
        ["backup", "--out", str(tmp_path / "b")],
        ["backup", "--out", str(tmp_path / "no" / "such" / "dir")],
        ["backup"],
    ]
    for args in cases:
        capsys.readouterr()
        assert main([*args, "--home", str(home)]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("confide: ") or "Missing option" in err, args
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, args
    capsys.readouterr()
    assert main(["restore", str(tmp_path / "b"), "--json", "--home", str(home)]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "bad_backup"
