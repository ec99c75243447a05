"""The ``confide`` command: thin, it parses arguments and calls the parts.

Every command that prints data accepts ``--json``.  Bad input exits 2 with one line naming the
problem (and, with ``--json``, an error document on stdout); never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from confide import runtime
from confide.errors import ConfideError

if TYPE_CHECKING:
    from confide.voice.tts import SpeechSynthesizer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Confide: a voice assistant that keeps only what you allow, and proves it.",
)
members_app = typer.Typer(no_args_is_help=True, help="Household members.")
contacts_app = typer.Typer(no_args_is_help=True, help="People outside the household.")
devices_app = typer.Typer(no_args_is_help=True, help="Devices that may call the API.")
app.add_typer(members_app, name="members")
app.add_typer(contacts_app, name="contacts")
app.add_typer(devices_app, name="devices")

# The shared options and helpers (re-exported here: command modules and tests use them).
from confide.commands.common import (  # noqa: E402
    DbOpt,
    HomeOpt,
    JsonOpt,
    emit,
    installation,
    parse_when,
)


@app.command()
def init(
    household: Annotated[str, typer.Option(help="Household name.")] = "My household",
    owner: Annotated[str, typer.Option(help="The owner's name.")] = "Owner",
    home: HomeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create the vault and keys (does nothing if they exist)."""
    vault = runtime.open_vault(home, db)
    try:
        found, created = runtime.init_household(vault, household, owner)
        out = {"household": found.to_dict(), "created": created, "home": str(vault.home)}
        verb = "Created" if created else "Already initialised:"
        emit(out, as_json, f"{verb} household {found.name!r} in {vault.home}")
    finally:
        vault.close()


@members_app.command("add")
def members_add(
    name: str,
    role: Annotated[str, typer.Option(help="adult or child.")] = "adult",
    home: HomeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a household member."""
    if role not in ("adult", "child"):
        raise ConfideError(f"unknown role {role!r}: use adult or child", code="bad_role")
    with installation(home, db) as inst:
        member = inst.vault.add_member(inst.household.id, name, role)
        emit(member.to_dict(), as_json, f"Added {member.name} ({member.role}).")


@members_app.command("list")
def members_list(home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List household members."""
    with installation(home, db) as inst:
        found = inst.vault.members(inst.household.id)
        text = "\n".join(f"{m.name}\t{m.role}\t{m.id}" for m in found)
        emit([m.to_dict() for m in found], as_json, text)


@members_app.command("remove")
def members_remove(
    name: str, home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """Remove a member who has no data left."""
    with installation(home, db) as inst:
        member = inst.vault.remove_member(inst.household.id, name)
        inst.vault.record_access(inst.household.id, "operator:cli", "member.remove", [member.id])
        emit(member.to_dict(), as_json, f"Removed {member.name}.")


@contacts_app.command("add")
def contacts_add(
    name: str, home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """Add a contact (someone messages can be addressed to)."""
    with installation(home, db) as inst:
        added = inst.vault.add_contact(inst.household.id, name)
        emit({"name": added}, as_json, f"Added contact {added}.")


@contacts_app.command("list")
def contacts_list(home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List contacts."""
    with installation(home, db) as inst:
        found = inst.vault.contacts(inst.household.id)
        emit(found, as_json, "\n".join(found))


@devices_app.command("add")
def devices_add(
    name: str, home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """Register a device and print its API token (shown once)."""
    with installation(home, db) as inst:
        device, token = inst.vault.add_device(inst.household.id, name)
        inst.vault.record_access(inst.household.id, "operator:cli", "device.add", [device.id])
        emit({**device.to_dict(), "token": token}, as_json, f"Device {device.name}: token {token}")


@devices_app.command("list")
def devices_list(home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List devices."""
    with installation(home, db) as inst:
        found = inst.vault.devices(inst.household.id)
        emit([d.to_dict() for d in found], as_json, "\n".join(f"{d.name}\t{d.id}" for d in found))


@app.command()
def ask(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TEXT | FILE.wav...", help="What to ask, or WAV files with --audio."
        ),
    ] = None,
    audio: Annotated[
        bool, typer.Option("--audio", help="The arguments are WAV files: one voice turn each.")
    ] = False,
    member: Annotated[str | None, typer.Option(help="Who is speaking (default: owner).")] = None,
    reply_wav: Annotated[
        Path | None,
        typer.Option(
            "--reply-wav",
            metavar="PATH",
            help="Write the spoken reply as a WAV file (never stored by Confide).  With "
            "several --audio files PATH is a directory (created if missing) and each reply "
            "goes to PATH/<file stem>.reply.wav.",
        ),
    ] = None,
    voice: Annotated[
        str | None,
        typer.Option(
            "--voice",
            help="The voice of --reply-wav: one the Wyoming server offers (default en-us); "
            "an unknown name is refused with the list.",
        ),
    ] = None,
    home: HomeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run one turn from text, or one voice turn per WAV file (--audio), and print the reply.

    With --audio every file is decoded before any turn runs: one bad file stores nothing.
    With --json each turn is printed as one JSON line.
    """
    from confide.assistant import Assistant

    args = words or []
    replies = _ReplyPlan.check(reply_wav, voice)
    if not audio:
        if not args:
            raise ConfideError("nothing to ask: give TEXT or --audio FILE.wav", code="empty_text")
        with installation(home, db) as inst:
            assistant = Assistant(inst.vault, inst.household.id)
            assistant.member(member)  # an unknown member fails before the turn
            writer = replies.prepare(None) if replies else None
            outcome = assistant.ask(" ".join(args), member=member)
            _emit_turn(outcome.to_dict(), outcome.reply, as_json, writer, 0, outcome.reply)
        return
    from confide.voice_turns import decode_files, run_voice_turn

    if not args:
        raise ConfideError("--audio needs at least one WAV file", code="no_audio")
    paths = [Path(a) for a in args]
    for path in paths:
        if not path.is_file():
            raise ConfideError(
                f"{path}: no such file (with --audio every argument is a WAV file; "
                "ask in text without --audio)",
                code="file_unreadable",
            )
    decoded = decode_files(paths)
    with installation(home, db) as inst:
        assistant = Assistant(inst.vault, inst.household.id)
        assistant.member(member)  # an unknown member fails before any turn
        writer = replies.prepare(paths) if replies else None
        for index, (path, wav) in enumerate(zip(paths, decoded, strict=True)):
            outcome = run_voice_turn(assistant, wav, member=member)
            heard = " (not understood)" if outcome.intent is None else ""
            line = f'{path}: heard "{outcome.transcript}"{heard} -> {outcome.reply}'
            out = {"file": str(path), **outcome.to_dict()}
            _emit_turn(out, line, as_json, writer, index, outcome.reply)


def _emit_turn(
    out: dict[str, Any],
    text: str,
    as_json: bool,
    writer: _ReplyWriter | None,
    index: int,
    reply: str,
) -> None:
    """Speak the reply into its WAV file (if asked), then print the turn.

    The turn is printed even when writing its reply fails (it is stored by then); the
    error follows it.
    """
    written: str | None = None
    try:
        written = writer.write(index, reply) if writer else None
    finally:
        if written is not None:
            out["reply_wav"] = written
        emit(out, as_json, text)


class ReplyWavError(ConfideError):
    """The spoken reply could not be written after the checks passed (exit 1)."""

    code = "reply_wav_failed"
    bad_input = False


def _unwritable(where: Path, why: str) -> ConfideError:
    return ConfideError(f"--reply-wav {where}: {why}", code="reply_wav_unwritable")


@dataclass(frozen=True)
class _ReplyPlan:
    """``--reply-wav PATH [--voice NAME]``, checked before anything else runs."""

    path: Path
    voice: str

    @classmethod
    def check(cls, path: Path | None, voice: str | None) -> _ReplyPlan | None:
        if path is None:
            if voice is not None:
                raise ConfideError(
                    "--voice is the voice of --reply-wav: give --reply-wav PATH too",
                    code="voice_without_reply_wav",
                )
            return None
        from confide.hub.speech import check_voice

        return cls(path, check_voice(voice))

    def prepare(self, inputs: list[Path] | None) -> _ReplyWriter:
        """Where each reply goes (a file for one turn, else a directory, created here),
        checked writable, and the synthesiser; raises before any turn runs."""
        from confide.voice.tts import SpeechSynthesizer

        if inputs is None or len(inputs) == 1:
            targets = [self.path]
            if self.path.is_dir():
                raise _unwritable(self.path, "is a directory (with one turn PATH is the file)")
            if self.path.exists() and not self.path.is_file():
                raise _unwritable(self.path, "exists and is not a regular file")
            if not self.path.parent.is_dir():
                raise _unwritable(self.path, f"no such directory {self.path.parent}")
        else:
            targets = [self.path / f"{p.stem}.reply.wav" for p in inputs]
            clash = next((t for i, t in enumerate(targets) if t in targets[:i]), None)
            if clash is not None:
                raise _unwritable(clash, "two input files have the same name (stem)")
            if self.path.exists() and not self.path.is_dir():
                raise _unwritable(self.path, "is not a directory (several turns need one)")
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise _unwritable(self.path, f"cannot create it ({_reason(err)})") from err
            taken = next((t for t in targets if t.exists() and not t.is_file()), None)
            if taken is not None:
                raise _unwritable(taken, "exists and is not a regular file")
        _probe(targets[0].parent)
        return _ReplyWriter(targets, SpeechSynthesizer(self.voice))


def _reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def _probe(folder: Path) -> None:
    """Create and remove an empty file in ``folder``: it is writable (root included)."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".confide-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(name)
    except OSError as err:
        raise _unwritable(folder, f"cannot write there ({_reason(err)})") from err


@dataclass(frozen=True)
class _ReplyWriter:
    """Speaks replies into their WAV files; the audio goes nowhere else."""

    targets: list[Path]
    synthesizer: SpeechSynthesizer

    def write(self, index: int, reply: str) -> str | None:
        """The path the reply of turn ``index`` was written to (``None``: nothing to say)."""
        from confide.hub.speech import speak_reply

        speech = speak_reply(self.synthesizer, reply)
        if speech is None:
            return None
        target = self.targets[index]
        _write_atomically(target, speech.to_wav())
        return str(target)


def _write_atomically(target: Path, data: bytes) -> None:
    """``data`` into ``target``: a temporary file beside it, fsync, then :func:`os.replace`.

    The file is private to its owner (mode 0600): it holds what the assistant said.
    """
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise ReplyWavError(f"--reply-wav {target}: cannot write ({_reason(err)})") from err
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(name, target)
    except BaseException as err:
        with suppress(OSError):
            os.unlink(name)
        if isinstance(err, OSError):
            raise ReplyWavError(f"--reply-wav {target}: cannot write ({_reason(err)})") from err
        raise


@app.command()
def settings(
    key: Annotated[
        str | None,
        typer.Argument(
            metavar="KEY",
            help="The setting to change: audio_retention (how long recordings are kept) or "
            "transcript_retention (how long requests and what was made from them are kept).",
        ),
    ] = None,
    value: Annotated[
        str | None,
        typer.Argument(
            metavar="VALUE",
            help="audio_retention: off, 3_months, 18_months or until_deleted (children: off); "
            "transcript_retention: 3_months, 18_months or until_deleted (children: 3_months).",
        ),
    ] = None,
    member: Annotated[str | None, typer.Option(help="Whose settings (default: owner).")] = None,
    home: HomeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a member's retention and consent settings, or set one (KEY VALUE)."""
    from confide.vault import MEMBER_SETTINGS

    with installation(home, db) as inst:
        hh = inst.household.id
        who = inst.vault.member(hh, member) if member else inst.vault.owner(hh)
        if key is not None:
            if value is None:
                allowed = MEMBER_SETTINGS.get(key)
                hint = f"one of {', '.join(allowed)}" if allowed else "KEY VALUE"
                raise ConfideError(f"give a value for {key}: {hint}", code="bad_setting")
            who = inst.vault.set_member_setting(hh, who.name, key, value, actor="operator:cli")
        out = {
            "member": who.name,
            "member_id": who.id,
            "role": who.role,
            "settings": who.settings(),
            "allowed": {k: list(v) for k, v in MEMBER_SETTINGS.items()},
        }
        text = "\n".join(f"{who.name}\t{k}\t{v}" for k, v in who.settings().items())
        emit(out, as_json, text)


@app.command()
def inbox(
    member: Annotated[str | None, typer.Option(help="Whose inbox (default: owner).")] = None,
    home: HomeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Messages household members sent to a member."""
    from confide.assistant import Assistant

    with installation(home, db) as inst:
        assistant = Assistant(inst.vault, inst.household.id)
        recipient = assistant.member(member)
        messages = assistant.inbox(recipient.name)
        inst.vault.record_access(
            inst.household.id, "operator:cli", "inbox.read", [m.id for m in messages]
        )
        names = {m.id: m.name for m in inst.vault.members(inst.household.id)}
        rows = [
            {
                "record_id": m.id,
                "from": names.get(m.member_id, m.member_id),
                "body": m.payload.get("body"),
                "turn_id": m.origin_turn_id,
                "created_at": m.created_at.isoformat(),
            }
            for m in messages
        ]
        text = "\n".join(f"{r['created_at']}  {r['from']}: {r['body']}" for r in rows)
        emit(rows, as_json, text or f"No messages for {recipient.name}.")


@app.command()
def history(
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date, inclusive.")] = None,
    member: Annotated[str | None, typer.Option(help="Only this member's turns.")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, max=100_000, help="At most this many.")
    ] = None,
    home: HomeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List turns, newest first."""
    from confide.vault import history as read_history

    start, end = parse_when(since, end_of_day=False), parse_when(until, end_of_day=True)
    with installation(home, db) as inst:
        member_id = inst.vault.member(inst.household.id, member).id if member else None
        turns = read_history(
            inst.vault, inst.household.id, member_id=member_id, since=start, until=end, limit=limit
        )
        inst.vault.record_access(
            inst.household.id, "operator:cli", "history.read", [member_id or inst.household.id]
        )
        rows = [t.to_dict() for t in turns]
        text = "\n".join(
            f"{r['created_at']}  {r['turn_id']}  {r['member']}  {r['source']}" for r in rows
        )
        emit(rows, as_json, text or "No turns.")


@app.command()
def show(turn_id: str, home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Show a turn with every artifact derived from it and where it is stored."""
    from confide.hub.views import turn_view

    with installation(home, db) as inst:
        view = turn_view(inst.vault, inst.household.id, turn_id, actor="operator:cli")
        lines = [
            f"turn {view['turn_id']}  {view['created_at']}  {view['member']}  ({view['source']})"
        ]
        for item in view["stored"]:
            content = item.get("content")
            shown = "" if content is None else f"  {json.dumps(content, ensure_ascii=False)}"
            lines.append(f"  {item['kind']:<15} {item['id']:<26} {item['stored_in']}{shown}")
        emit(view, as_json, "\n".join(lines))


@app.command()
def audit(
    verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, max=100_000)] = None,
    home: HomeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the access log; --verify checks its chain (exit 1 if broken)."""
    with installation(home, db) as inst:
        if verify:
            verdict = inst.vault.verify_audit(inst.household.id)
            text = (
                f"Audit log intact: {verdict.entries} entries."
                if verdict.ok
                else f"Audit log BROKEN after {verdict.entries} good entries: {verdict.problem}"
            )
            emit(verdict.to_dict(), as_json, text)
            if not verdict.ok:
                raise typer.Exit(1)
            return
        entries = inst.vault.audit_entries(inst.household.id, limit)
        text = "\n".join(
            f"{e.seq:>6} {datetime.fromtimestamp(e.at).isoformat(timespec='seconds')} "
            f"{e.actor} {e.action} {' '.join(e.targets)}"
            for e in entries
        )
        emit([e.to_dict() for e in entries], as_json, text or "The access log is empty.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address the HTTP API listens on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="HTTP port of the hub and API (0: any free).")
    ] = 8700,
    wyoming_port: Annotated[
        int,
        typer.Option(
            "--wyoming-port",
            min=0,
            max=65535,
            help="Port of the Wyoming server for Home Assistant (0 disables it).",
        ),
    ] = 10300,
    wyoming_host: Annotated[
        str,
        typer.Option(
            "--wyoming-host",
            help="Address the Wyoming server listens on.  Wyoming has no authentication: "
            "anyone who can reach it can use the assistant.",
        ),
    ] = "127.0.0.1",
    wyoming_member: Annotated[
        str | None,
        typer.Option(
            "--wyoming-member", help="Who speaks over Wyoming (default: the household owner)."
        ),
    ] = None,
    home: HomeOpt = None,
    db: DbOpt = None,
) -> None:
    """Run the HTTP API and the Wyoming server (creates a demo household on first run)."""
    from confide.hub.server import run

    run(
        home=home,
        db_url=db,
        host=host,
        port=port,
        wyoming_host=wyoming_host,
        wyoming_port=wyoming_port,
        wyoming_member=wyoming_member,
    )


from confide.commands import forgetting  # noqa: E402 - command groups register on `app`

forgetting.register(app)
from confide.commands import backups  # noqa: E402

backups.register(app)
from confide.commands import retention  # noqa: E402

retention.register(app)
from confide.commands import enrollment  # noqa: E402

enrollment.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: one-line errors, exit 2 for bad input."""
    args = sys.argv[1:] if argv is None else argv
    try:
        result = app(args=args, prog_name="confide", standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        typer.echo("confide: aborted", err=True)
        return 1
    except typer.TyperException as err:  # usage errors of the (vendored) click layer
        message = err.format_message() if hasattr(err, "format_message") else str(err)
        if type(err).__name__ == "NoArgsIsHelpError":
            typer.echo(message, err=True)
            return 2
        return _fail(message, "usage", bad_input=True, as_json="--json" in args)
    except ConfideError as err:
        return _fail(err.message, err.code, bad_input=err.bad_input, as_json="--json" in args)
    return result if isinstance(result, int) else 0


def _fail(message: str, code: str, *, bad_input: bool, as_json: bool) -> int:
    line = " ".join(message.split())
    if as_json:
        typer.echo(json.dumps({"error": {"code": code, "message": line}}))
    typer.echo(f"confide: {line}", err=True)
    return 2 if bad_input else 1


if __name__ == "__main__":
    raise SystemExit(main())
