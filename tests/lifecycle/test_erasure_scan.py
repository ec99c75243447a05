"""After a deletion, no byte of what was forgotten is left in any file under the home directory.

The fixtures are real: a spoken turn (espeak-ng speech through pocketsphinx, the recording kept
as an encrypted blob) and typed turns with distinctive slot values, logs written to a file in
the home.  Before the deletion the same scan finds the fixtures' *ciphertexts* (database rows
and blobs) and wrapped data keys in the files - proof that they were written and that the scan
looks where they are - while their plaintexts are nowhere (invariant 1).  After the deletion
neither the ciphertexts, the wrapped keys nor any plaintext (transcripts, slot values, 64-byte
excerpts of the audio) are found; a marker planted afterwards is (the scan's positive control).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

pytest.importorskip("pocketsphinx")

from confide.assistant import Assistant
from confide.lifecycle import Selection, forget, verify_erasure
from confide.vault import find_orphans, lineage, read_artifact
from confide.vault.schema import action_records, artifacts, data_keys, turns
from confide.voice import Audio
from confide.voice.recognizers import PocketsphinxRecognizer
from speechgen import needs_speech, synthesise

pytestmark = needs_speech

SPOKEN = "remove milk from the shopping list"
TYPED = (
    "add kumquat marmalade to the shopping list",
    "send a message to Ben saying the zebra password is violet",
    "remind me to water the bonsai tree tomorrow at 9 am",
    "add quarterly xylophone recital to my calendar on friday at 3 pm",
)
SECRETS = (
    b"kumquat marmalade",
    b"zebra password is violet",
    b"water the bonsai tree",
    b"quarterly xylophone recital",
    SPOKEN.encode(),
    *(t.encode() for t in TYPED),
)
LIVE_TEXT = "add pomegranate syrup to the shopping list"


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Audio:
    return Audio(synthesise(SPOKEN, tmp_path_factory.mktemp("speech"), wpm=120))


@pytest.fixture(scope="module")
def speech() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer()


@pytest.fixture
def log_file(tmp_path: Path):
    """Confide's log, at debug level, in a file under the home (so the scan covers it)."""
    path = tmp_path / "home" / "logs" / "confide.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("confide")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield path
    logger.removeHandler(handler)
    logger.setLevel(previous)
    handler.close()


def audio_excerpts(audio: Audio, count: int = 8) -> list[bytes]:
    pcm = audio.samples
    step = len(pcm) // (count + 2) // 2 * 2
    return [pcm[step * (i + 1) : step * (i + 1) + 64] for i in range(count)]


def middle(data: bytes, size: int = 48) -> bytes:
    start = max(12, (len(data) - size) // 2)  # past the nonce: the ciphertext proper
    return data[start : start + size]


def stored_ciphertexts(vault, turn_ids, record_ids):
    """48-byte excerpts of every sealed row, blob and wrapped key of these turns."""
    out: dict[str, bytes] = {}
    with vault.reading() as conn:
        for row in conn.execute(sa.select(artifacts).where(artifacts.c.turn_id.in_(turn_ids))):
            sealed = row.ciphertext if row.store == "db" else vault.blobs.get(row.id)
            out[f"{row.kind} {row.id}"] = middle(sealed)
        for row in conn.execute(
            sa.select(data_keys).where(data_keys.c.id.in_([f"key_{t}" for t in turn_ids]))
        ):
            out[f"key {row.id}"] = row.wrapped[12:44]
        for row in conn.execute(
            sa.select(action_records).where(action_records.c.id.in_(record_ids))
        ):
            out[f"record {row.id}"] = middle(row.ciphertext)
    return out


@pytest.mark.parametrize("scope", ["everything", "voice"])
def test_forgotten_turns_leave_no_byte_behind(
    vault, household, clock, spoken, speech, log_file, scan_home, tmp_path, backend, scope
):
    home = tmp_path / "home"
    vault.set_member_setting(household.id, "Ada", "audio_retention", "until_deleted", actor="test")
    assistant = Assistant(vault, household.id, speech=speech)
    assistant.ask("add milk to the shopping list", member="Ben")  # so "remove milk" acts
    clock.advance(timedelta(minutes=1))
    voice = assistant.ask_audio(spoken)
    assert voice.intent == "shopping.remove", voice.transcript
    assert "audio" in {s.kind for s in voice.stored}
    typed = []
    for text in TYPED:
        clock.advance(timedelta(minutes=1))
        typed.append(assistant.ask(text))
    assert all(o.intent is not None for o in typed), [o.transcript for o in typed]
    live = assistant.ask(LIVE_TEXT, member="Ben")
    forgotten = [voice, *typed]
    turn_ids = [o.turn_id for o in forgotten]
    record_ids = [s.id for o in typed for s in o.stored if s.location == "db:action_records"]
    assert record_ids, "the typed turns created records"

    # before: the vault holds them - readable through the vault, ciphertext in the files
    audio_item = next(s for s in voice.stored if s.kind == "audio")
    assert audio_item.location.startswith("blob:")
    assert read_artifact(vault, household.id, audio_item.id)[44:] == spoken.samples
    sealed = stored_ciphertexts(vault, turn_ids, record_ids)
    assert len(sealed) >= 6 * len(forgotten)
    if backend == "sqlite":  # on PostgreSQL the rows are in the server's files, not the home
        looked_for = sealed
    else:
        looked_for = {k: v for k, v in sealed.items() if k.startswith("audio ")}
    before = scan_home(home, list(looked_for.values()))
    assert all(before[n] for n in looked_for.values()), [
        k for k, n in looked_for.items() if not before[n]
    ]
    plaintexts = [*SECRETS, *audio_excerpts(spoken)]
    assert not any(scan_home(home, plaintexts).values())  # encrypted at rest

    receipt = forget(
        vault, household.id, Selection("all", household.owner.id), scope=scope, actor="test"
    )
    assert {t.turn_id for t in receipt.turns} == set(turn_ids)
    wal = home / "confide.db-wal"
    if backend == "sqlite":  # the deletion emptied the WAL: no old page images linger there
        assert not wal.exists() or wal.stat().st_size == 0
    assert verify_erasure(vault, household.id, receipt.id).ok

    # after: nothing of the forgotten turns in any file
    kept = {f"record {i.id}" for _t, i in receipt.kept()}
    assert (len(kept) > 0) == (scope == "voice")
    gone = {k: v for k, v in looked_for.items() if k not in kept}
    after = scan_home(home, [*gone.values(), *plaintexts])
    assert not any(after.values()), {
        k: [str(p) for p in after[n]] for k, n in {**gone}.items() if after[n]
    } or [n for n in plaintexts if after[n]]
    if backend == "sqlite":
        with vault.reading() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(turns)).scalar_one()
        assert count == 2  # Ben's two turns
    # live data is untouched and readable
    assert read_artifact(vault, household.id, live.stored[0].id) == LIVE_TEXT.encode()
    assert lineage(vault, household.id, live.turn_id).turn.id == live.turn_id
    assert find_orphans(vault) == []
    # the receipt itself holds ids and kinds only
    assert not any(s.decode() in str(receipt.to_dict()) for s in SECRETS)

    # positive control: the same scan does find a planted marker
    marker = b"kumquat marmalade"
    (home / "logs" / "planted.txt").write_bytes(b"left behind: " + marker)
    assert scan_home(home, [marker])[marker] == [home / "logs" / "planted.txt"]
