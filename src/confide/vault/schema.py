"""The vault's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Plaintext columns hold ids, names of household members and contacts, kinds, sizes and
timestamps (epoch seconds, UTC) - never voice content.  Voice content lives only in the
``ciphertext`` columns and in encrypted blobs.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

ID = sa.String(40)

households = sa.Table(
    "households",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
)

#: Wrapped data keys: one per turn (kind "turn"), per member ("member"), per action record
#: ("record") and per artifact that may go before its turn ("artifact": a recording).
#: Destroying a row here crypto-shreds everything sealed under that key.
data_keys = sa.Table(
    "data_keys",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("wrapped", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sqlite_with_rowid=False,  # small rows keyed by id: the table is its own primary-key index
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("name_key", sa.String(100), nullable=False),  # casefolded, for uniqueness
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("key_id", ID, sa.ForeignKey("data_keys.id"), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    # How long recordings of this member's voice turns are kept (confide.vault.settings).
    sa.Column("audio_retention", sa.String(16), nullable=False, server_default="off"),
    # How long their turns (transcripts and everything derived) are kept.
    sa.Column("transcript_retention", sa.String(16), nullable=False, server_default="3_months"),
    sa.UniqueConstraint("household_id", "name_key", name="uq_member_name"),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("name_key", sa.String(100), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.UniqueConstraint("household_id", "name_key", name="uq_contact_name"),
)

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("revoked_at", sa.Double, nullable=True),
)

turns = sa.Table(
    "turns",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), nullable=False),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("device_id", ID, sa.ForeignKey("devices.id"), nullable=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("key_id", ID, sa.ForeignKey("data_keys.id"), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    # When the turn and everything derived from it expire (the member's transcript retention).
    sa.Column("expires_at", sa.Double, nullable=True),
    sa.Index("ix_turns_member_time", "member_id", "created_at"),
    sa.Index("ix_turns_expiry", "expires_at"),
    sa.Index("ix_turns_household_time", "household_id", "created_at"),
    # Destroying a data key checks that no turn still references it (the foreign key): without
    # this index SQLite scans every turn for each key destroyed.
    sa.Index("ix_turns_key", "key_id"),
    # Enrollment turns (the household's voice model) are found among millions of others.
    sa.Index("ix_turns_source", "household_id", "source"),
    sqlite_with_rowid=False,
)

#: Everything derived from a turn: transcript, interpretation, reply, action payloads, audio.
artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("turn_id", ID, sa.ForeignKey("turns.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("store", sa.String(8), nullable=False),  # "db" | "blob"
    sa.Column("size", sa.Integer, nullable=False),  # plaintext bytes
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=True),
    sa.Column("ciphertext", sa.LargeBinary, nullable=True),  # when store == "db"
    # A key of its own (a recording, which retention may remove before the rest of the turn),
    # else NULL: the turn's key.  Not a foreign key: the key row is destroyed with the artifact.
    sa.Column("key_id", ID, nullable=True),
    sa.Index("ix_artifacts_turn", "turn_id"),
    sa.Index("ix_artifacts_expiry", "expires_at"),
)

#: State kept by skills (an alarm, a shopping item...), sealed under a data key of its own and
#: linked to the turn that created it.
action_records = sa.Table(
    "action_records",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), nullable=False),
    sa.Column("member_id", ID, sa.ForeignKey("members.id"), nullable=False),
    sa.Column("audience_member_id", ID, sa.ForeignKey("members.id"), nullable=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # The turn that created the record, or (after that turn was forgotten with scope "voice")
    # the id of its tombstone: never a foreign key, so the link survives the turn.
    sa.Column("origin_turn_id", ID, nullable=True),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    # Bumped by every update; an update names the version it read (optimistic concurrency).
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    # The record's own data key (destroyed with the record, so a copy in an older backup is
    # unreadable too); NULL for records sealed under the member's key by earlier versions.
    sa.Column("key_id", ID, nullable=True),
    sa.Index("ix_records_household_kind", "household_id", "kind", "status"),
    sa.Index("ix_records_origin", "origin_turn_id"),
    # Finished or cancelled records by owner and age: what the retention sweep looks for.
    sa.Index(
        "ix_records_retired",
        "member_id",
        "updated_at",
        sqlite_where=sa.text("status != 'active'"),
        postgresql_where=sa.text("status != 'active'"),
    ),
)

#: Append-only access log, one HMAC chain per household; ids only.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Double, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("targets", sa.Text, nullable=False),  # JSON list of ids
    sa.Column("prev_mac", sa.String(64), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
)

#: What is left of a forgotten turn: ids and times only, so lineage links of surviving records
#: point here (never to data) and a restore can re-apply the deletion.
tombstones = sa.Table(
    "tombstones",
    metadata,
    sa.Column("turn_id", ID, primary_key=True),
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), nullable=False),
    sa.Column("member_id", ID, nullable=False),
    sa.Column("turn_created_at", sa.Double, nullable=False),
    sa.Column("deleted_at", sa.Double, nullable=False),
    sa.Column("receipt_id", ID, nullable=False),
    sa.Index("ix_tombstones_household", "household_id", "deleted_at"),
)

#: One deletion: the durable job and, once done, its receipt (ids, kinds, times; never content).
receipts = sa.Table(
    "receipts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("household_id", ID, sa.ForeignKey("households.id"), nullable=False),
    sa.Column("member_id", ID, nullable=True),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("selector", sa.Text, nullable=False),  # JSON: the mode's ids and epoch times
    # Artifact kinds to remove (JSON list), or NULL: the whole turn.
    sa.Column("kinds", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # pending | done
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("completed_at", sa.Double, nullable=True),
    sa.Column("verified_at", sa.Double, nullable=True),
    # MAC over the completed receipt (its fields and every item), under the household key.
    sa.Column("mac", sa.String(64), nullable=True),
    sa.Index("ix_receipts_status", "status", "created_at"),
    sa.Index("ix_receipts_household", "household_id", "created_at"),
)

#: The turns of a deletion: planned when it is acknowledged, then erased with the items removed
#: (a compact JSON list of [id, kind, store, action, reason]).
receipt_turns = sa.Table(
    "receipt_turns",
    metadata,
    sa.Column("receipt_id", ID, sa.ForeignKey("receipts.id"), primary_key=True),
    sa.Column("turn_id", ID, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # planned | erased
    sa.Column("at", sa.Double, nullable=True),
    sa.Column("entries", sa.Text, nullable=True),
    # The next batch of a job comes straight from this index, in order (no sort per batch).
    sa.Index("ix_receipt_turns_status", "receipt_id", "status", "turn_id"),
)
