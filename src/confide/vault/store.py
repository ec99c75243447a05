"""The vault: households, members, contacts, devices, turns, artifacts, records and the audit log.

This is the safe surface the rest of Confide uses (``put``-like sessions, reads by id, lineage);
keys and AEAD stay in the private hazmat modules.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from confide.clock import Clock, SystemClock
from confide.vault import _crypto, audit
from confide.vault.blobs import BlobStore
from confide.vault.engine import create_vault_engine
from confide.vault.errors import ConflictError, NotFoundError, StorageError, VaultError
from confide.vault.ids import new_id
from confide.vault.keyring import Keyring
from confide.vault.models import ROLES, Device, Household, MemberInfo
from confide.vault.schema import (
    action_records,
    artifacts,
    contacts,
    data_keys,
    devices,
    households,
    members,
    metadata,
    turns,
)
from confide.vault.session import TurnRecords, VaultSession
from confide.vault.settings import (
    AUDIO_OFF,
    AUDIO_RETENTION,
    DEFAULTS,
    TRANSCRIPT_RETENTION,
    audio_expiry,
    check_setting,
    earliest,
    turn_expiry,
)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _clean_name(name: str, what: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 100 or any(not (c.isalnum() or c in " -'.") for c in cleaned):
        raise VaultError(
            f"invalid {what} name {name!r}: use letters, digits, spaces, - ' . (1-100 characters)",
            code="bad_name",
        )
    return cleaned


_CHUNK = 1000
_SET_TURN_EXPIRY = (
    turns.update()
    .where(turns.c.id == sa.bindparam("tid"))
    .values(expires_at=sa.bindparam("expiry"))
)
_SET_ARTIFACT_EXPIRY = (
    artifacts.update()
    .where(artifacts.c.id == sa.bindparam("aid"))
    .values(expires_at=sa.bindparam("expiry"))
)


def _in_chunks(conn: sa.Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        conn.execute(statement, rows[start : start + _CHUNK])


def _reschedule(
    conn: sa.Connection, member_id: str, *, audio: str, transcript: str | None, now: float
) -> None:
    """Move the expiry of what a member's turns keep to match their retention settings.

    With ``transcript`` (the transcript retention changed) every turn of the member gets the
    expiry that setting gives it, and its non-audio artifacts follow their turn; recordings get
    the earlier of their own expiry (``audio``; ``off``: now) and their turn's.
    """
    owned = sa.select(turns.c.id).where(turns.c.member_id == member_id)
    if transcript is not None:
        made = conn.execute(
            sa.select(turns.c.id, turns.c.created_at).where(turns.c.member_id == member_id)
        )
        _in_chunks(
            conn,
            _SET_TURN_EXPIRY,
            [{"tid": row.id, "expiry": turn_expiry(transcript, row.created_at)} for row in made],
        )
        conn.execute(
            artifacts.update()
            .where(artifacts.c.kind != "audio", artifacts.c.turn_id.in_(owned))
            .values(
                expires_at=sa.select(turns.c.expires_at)
                .where(turns.c.id == artifacts.c.turn_id)
                .scalar_subquery()
            )
        )
    recordings = conn.execute(
        sa.select(artifacts.c.id, artifacts.c.created_at, turns.c.expires_at)
        .join(turns, turns.c.id == artifacts.c.turn_id)
        .where(turns.c.member_id == member_id, artifacts.c.kind == "audio")
    )
    _in_chunks(
        conn,
        _SET_ARTIFACT_EXPIRY,
        [
            {
                "aid": row.id,
                "expiry": earliest(
                    now if audio == AUDIO_OFF else audio_expiry(audio, row.created_at),
                    row.expires_at,
                ),
            }
            for row in recordings
        ],
    )


def _member_info(row: Any) -> MemberInfo:
    return MemberInfo(
        row.id, row.household_id, row.name, row.role, row.audio_retention, row.transcript_retention
    )


class Vault:
    """Open with :meth:`open`; close with :meth:`close` (or use as a context manager)."""

    def __init__(self, engine: Engine, home: Path, clock: Clock | None = None) -> None:
        self.engine = engine
        self.home = home
        self.clock: Clock = clock or SystemClock()
        self.keyring = Keyring(home / "keys")
        self.blobs = BlobStore(home / "blobs")
        self.member_key_ids: dict[tuple[str, str], str] = {}

    @classmethod
    def open(
        cls,
        home: Path,
        *,
        url: str | None = None,
        schema: str | None = None,
        clock: Clock | None = None,
    ) -> Vault:
        """Open (creating if needed) the vault of ``home``; SQLite in ``home`` unless ``url``."""
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = create_vault_engine(url or f"sqlite:///{home / 'confide.db'}", schema=schema)
        try:
            metadata.create_all(engine)
        except sa.exc.DBAPIError as err:  # unreachable server, corrupt file, no permission
            engine.dispose()
            reason = " ".join(str(err.orig).split())[:200]
            raise StorageError(
                f"cannot open the database: {reason}", code="database_unavailable"
            ) from err
        return cls(engine, home, clock)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def now(self) -> float:
        return self.clock.now().timestamp()

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def session(self, household_id: str) -> Iterator[VaultSession]:
        """One atomic write: commit on success, roll back (and remove new blobs) on error."""
        session: VaultSession | None = None
        try:
            with self.engine.begin() as conn:
                session = VaultSession(self, conn, household_id)
                yield session
                session.flush()
        except BaseException:
            if session is not None:
                for blob_id in session.written_blobs:
                    self.blobs.delete(blob_id)
            raise

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A connection for reads (on SQLite a deferred transaction: it never waits for writers)."""
        with self.engine.connect() as conn:
            yield conn.execution_options(confide_read_only=True)

    @contextmanager
    def read_records(self, household_id: str) -> Iterator[TurnRecords]:
        """A household's action records for reading: no turn, no write lock."""
        with self.reading() as conn:
            yield VaultSession(self, conn, household_id).records(None)

    # -- households --------------------------------------------------------------------------
    def create_household(self, name: str) -> Household:
        household = Household(new_id("hh"), _clean_name(name, "household"), self.now())
        self.keyring.create_household_key(household.id)
        with self.engine.begin() as conn:
            conn.execute(households.insert().values(**household.__dict__))
        return household

    def households(self) -> list[Household]:
        with self.reading() as conn:
            rows = conn.execute(sa.select(households).order_by(households.c.created_at))
            return [Household(r.id, r.name, r.created_at) for r in rows]

    def household(self, household_id: str) -> Household:
        for household in self.households():
            if household.id == household_id:
                return household
        raise NotFoundError(f"no household {household_id}")

    @staticmethod
    def _require_household(conn: sa.Connection, household_id: str) -> None:
        found = conn.execute(
            sa.select(households.c.id).where(households.c.id == household_id)
        ).first()
        if found is None:
            raise NotFoundError(f"no household {household_id}")

    # -- members ----------------------------------------------------------------------------
    def add_member(self, household_id: str, name: str, role: str = "adult") -> MemberInfo:
        if role not in ROLES:
            raise VaultError(f"unknown role {role!r}: use owner, adult or child", code="bad_role")
        cleaned = _clean_name(name, "member")
        member_id = new_id("mem")
        with self.engine.begin() as conn:
            self._require_household(conn, household_id)
            if self._member_row(conn, household_id, cleaned) is not None:
                raise ConflictError(f"there is already a member called {cleaned}")
            key_id = f"key_{member_id}"
            self.keyring.new_data_key(conn, household_id, key_id, "member", self.now())
            conn.execute(
                members.insert().values(
                    id=member_id,
                    household_id=household_id,
                    name=cleaned,
                    name_key=_name_key(cleaned),
                    role=role,
                    key_id=key_id,
                    created_at=self.now(),
                    audio_retention=DEFAULTS[AUDIO_RETENTION],
                    transcript_retention=DEFAULTS[TRANSCRIPT_RETENTION],
                )
            )
        return MemberInfo(
            member_id,
            household_id,
            cleaned,
            role,
            DEFAULTS[AUDIO_RETENTION],
            DEFAULTS[TRANSCRIPT_RETENTION],
        )

    def _member_row(self, conn: sa.Connection, household_id: str, name: str) -> sa.Row[Any] | None:
        return conn.execute(
            sa.select(members).where(
                members.c.household_id == household_id, members.c.name_key == _name_key(name)
            )
        ).first()

    def members(self, household_id: str) -> list[MemberInfo]:
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(members)
                .where(members.c.household_id == household_id)
                .order_by(members.c.created_at)
            )
            return [_member_info(r) for r in rows]

    def member(self, household_id: str, name: str) -> MemberInfo:
        with self.reading() as conn:
            row = self._member_row(conn, household_id, name)
        if row is None:
            raise NotFoundError(f"no member called {name!r}; see `confide members list`")
        return _member_info(row)

    def owner(self, household_id: str) -> MemberInfo:
        for member in self.members(household_id):
            if member.role == "owner":
                return member
        raise NotFoundError("this household has no owner; run `confide init --owner NAME`")

    def set_member_setting(
        self, household_id: str, name: str, key: str, value: str, *, actor: str
    ) -> MemberInfo:
        """Change one of a member's settings (validated) and log the change (ids only).

        A retention setting applies to what is already kept, too: the expiry of the member's
        turns and artifacts is moved to match it (shorter or longer; audio under ``off``
        expires now).  The change, the new expiry dates and the audit entry are committed
        together.
        """
        member = self.member(household_id, name)
        check_setting(key, value, member.role)
        with self.engine.begin() as conn:
            conn.execute(members.update().where(members.c.id == member.id).values({key: value}))
            if key in (AUDIO_RETENTION, TRANSCRIPT_RETENTION):
                current = conn.execute(
                    sa.select(members.c.audio_retention, members.c.transcript_retention).where(
                        members.c.id == member.id
                    )
                ).one()
                _reschedule(
                    conn,
                    member.id,
                    audio=current.audio_retention,
                    transcript=(
                        current.transcript_retention if key == TRANSCRIPT_RETENTION else None
                    ),
                    now=self.now(),
                )
            entry = audit.append(
                conn,
                self._audit_key(household_id),
                household_id,
                self.now(),
                actor,
                f"settings.{key}",
                [member.id],
            )
        audit.AuditAnchor(self.keyring.key_dir, household_id).advance(entry.seq, entry.mac)
        return self.member(household_id, member.name)

    def remove_member(self, household_id: str, name: str) -> MemberInfo:
        """Remove a member who has no turns or records left (their data must be forgotten first)."""
        member = self.member(household_id, name)
        if member.role == "owner":
            raise ConflictError("the owner cannot be removed")
        with self.engine.begin() as conn:
            used = (
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(turns)
                    .where(turns.c.member_id == member.id)
                ).scalar_one()
                + conn.execute(
                    sa.select(sa.func.count())
                    .select_from(action_records)
                    .where(
                        (action_records.c.member_id == member.id)
                        | (action_records.c.audience_member_id == member.id)
                    )
                ).scalar_one()
            )
            if used:
                raise ConflictError(
                    f"{member.name} still has data in the vault; forget it first "
                    "(nothing was removed)"
                )
            key_id = conn.execute(
                sa.select(members.c.key_id).where(members.c.id == member.id)
            ).scalar_one()
            conn.execute(members.delete().where(members.c.id == member.id))
            conn.execute(data_keys.delete().where(data_keys.c.id == key_id))
        self.keyring.forget_cached(key_id)
        self.member_key_ids.pop((household_id, member.id), None)
        return member

    # -- contacts ---------------------------------------------------------------------------
    def add_contact(self, household_id: str, name: str) -> str:
        cleaned = _clean_name(name, "contact")
        with self.engine.begin() as conn:
            self._require_household(conn, household_id)
            exists = conn.execute(
                sa.select(contacts.c.id).where(
                    contacts.c.household_id == household_id,
                    contacts.c.name_key == _name_key(cleaned),
                )
            ).first()
            if exists is not None:
                raise ConflictError(f"there is already a contact called {cleaned}")
            conn.execute(
                contacts.insert().values(
                    id=new_id("con"),
                    household_id=household_id,
                    name=cleaned,
                    name_key=_name_key(cleaned),
                    created_at=self.now(),
                )
            )
        return cleaned

    def contacts(self, household_id: str) -> list[str]:
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(contacts.c.name)
                .where(contacts.c.household_id == household_id)
                .order_by(contacts.c.name_key)
            )
            return [r.name for r in rows]

    # -- devices ----------------------------------------------------------------------------
    def add_device(self, household_id: str, name: str) -> tuple[Device, str]:
        """Register a device; returns it and its bearer token (shown once, stored hashed)."""
        device = Device(new_id("dev"), household_id, _clean_name(name, "device"))
        token = f"cfd_{secrets.token_urlsafe(32)}"
        with self.engine.begin() as conn:
            self._require_household(conn, household_id)
            conn.execute(
                devices.insert().values(
                    id=device.id,
                    household_id=household_id,
                    name=device.name,
                    token_digest=_crypto.token_digest(token),
                    created_at=self.now(),
                )
            )
        return device, token

    def authenticate(self, token: str) -> Device | None:
        with self.reading() as conn:
            row = conn.execute(
                sa.select(devices).where(
                    devices.c.token_digest == _crypto.token_digest(token),
                    devices.c.revoked_at.is_(None),
                )
            ).first()
        return None if row is None else Device(row.id, row.household_id, row.name)

    def devices(self, household_id: str) -> list[Device]:
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(devices).where(
                    devices.c.household_id == household_id, devices.c.revoked_at.is_(None)
                )
            )
            return [Device(r.id, r.household_id, r.name) for r in rows]

    # -- audit ------------------------------------------------------------------------------
    def _audit_key(self, household_id: str) -> bytes:
        return audit.audit_key(self.keyring.household_key(household_id))

    def record_access(
        self, household_id: str, actor: str, action: str, targets: list[str]
    ) -> audit.AuditEntry:
        """Append to the access log (ids only) in its own transaction."""
        with self.engine.begin() as conn:
            entry = audit.append(
                conn,
                self._audit_key(household_id),
                household_id,
                self.now(),
                actor,
                action,
                targets,
            )
        audit.AuditAnchor(self.keyring.key_dir, household_id).advance(entry.seq, entry.mac)
        return entry

    def append_audit(
        self, conn: sa.Connection, household_id: str, actor: str, action: str, targets: list[str]
    ) -> audit.AuditEntry:
        """Append to the access log inside the caller's transaction; after it commits, call
        :meth:`anchor_audit` with the entry."""
        return audit.append(
            conn, self._audit_key(household_id), household_id, self.now(), actor, action, targets
        )

    def anchor_audit(self, household_id: str, entry: audit.AuditEntry) -> None:
        audit.AuditAnchor(self.keyring.key_dir, household_id).advance(entry.seq, entry.mac)

    # -- receipts -----------------------------------------------------------------------------
    def seal_digest(self, household_id: str, message: bytes) -> str:
        """A MAC of ``message`` under the household's receipt key: whoever edits a receipt in
        the database cannot re-forge it without the key file."""
        key = _crypto.derive(self.keyring.household_key(household_id), "confide receipts v1")
        return _crypto.mac(key, message)

    def digest_matches(self, household_id: str, message: bytes, expected: str) -> bool:
        return _crypto.macs_equal(self.seal_digest(household_id, message), expected)

    def audit_entries(self, household_id: str, limit: int | None = None) -> list[audit.AuditEntry]:
        with self.reading() as conn:
            return audit.entries(conn, household_id, limit)

    def verify_audit(self, household_id: str) -> audit.AuditVerdict:
        anchor = audit.AuditAnchor(self.keyring.key_dir, household_id).read()
        with self.reading() as conn:
            return audit.verify(conn, self._audit_key(household_id), household_id, anchor)
