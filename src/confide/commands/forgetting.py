"""``confide forget``, ``confide receipts`` and ``confide verify-erasure``.

``forget`` takes exactly one of TURN_ID, ``--last``, ``--today``, ``--since/--until`` or
``--all``; the deletion is acknowledged (durable) before it runs, and the receipt is printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from confide.commands.common import DbOpt, HomeOpt, JsonOpt, emit, installation, parse_when
from confide.errors import ConfideError

if TYPE_CHECKING:
    from confide.lifecycle import Receipt, Verification


def receipt_text(receipt: Receipt) -> str:
    """A receipt for people: counts by action and kind, what was kept and why."""
    summary = receipt.summary()
    counts: dict[tuple[str, str], int] = {}
    for _turn, item in receipt.items():
        counts[(item.action, item.kind)] = counts.get((item.action, item.kind), 0) + 1
    removed = ", ".join(
        f"{n} {kind} {action}" for (action, kind), n in sorted(counts.items()) if action != "kept"
    )
    lines = [
        f"Receipt {receipt.id} ({receipt.status}): {summary['turns']} turn(s), scope "
        f"{receipt.scope}; {removed or 'nothing removed'}."
    ]
    lines.extend(f"  kept {item.kind} {item.id}: {item.reason}" for _turn, item in receipt.kept())
    lines.append(f"Check it at any time: confide verify-erasure {receipt.id}")
    return "\n".join(lines)


def verification_text(result: Verification) -> str:
    if result.ok:
        return f"Verified: all {result.checked} items of {result.receipt_id} are gone or as listed."
    lines = [f"NOT verified: {len(result.problems)} problem(s) in {result.receipt_id}:"]
    lines.extend(f"  {p.kind} {p.id}: {p.problem}" for p in result.problems)
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command()
    def forget(
        turn_id: Annotated[str | None, typer.Argument(help="The turn to forget.")] = None,
        last: Annotated[bool, typer.Option("--last", help="The member's last turn.")] = False,
        today: Annotated[bool, typer.Option("--today", help="The member's turns today.")] = False,
        since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
        until: Annotated[str | None, typer.Option(help="Up to this date, inclusive.")] = None,
        everything_of: Annotated[
            bool, typer.Option("--all", help="Every turn of the member.")
        ] = False,
        scope: Annotated[
            str,
            typer.Option(
                help="voice: what came from the speech; everything: also the records it made."
            ),
        ] = "voice",
        member: Annotated[
            str | None, typer.Option(help="Whose turns (default: the owner; any for a range).")
        ] = None,
        home: HomeOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Delete turns and everything derived from them; prints the receipt."""
        from confide.lifecycle import Selection
        from confide.lifecycle import forget as run_forget

        chosen = [
            name
            for name, on in (
                ("TURN_ID", turn_id is not None),
                ("--last", last),
                ("--today", today),
                ("--since/--until", since is not None or until is not None),
                ("--all", everything_of),
            )
            if on
        ]
        if len(chosen) != 1:
            raise ConfideError(
                "say what to forget: exactly one of TURN_ID, --last, --today, --since/--until, "
                f"--all (got {', '.join(chosen) or 'none'})",
                code="bad_selection",
            )
        with installation(home, db) as inst:
            vault, household = inst.vault, inst.household.id
            who = vault.member(household, member).id if member else None
            if turn_id is not None:
                selection = Selection("turn", turn_id=turn_id)
            elif since is not None or until is not None:
                selection = Selection(
                    "range",
                    who,
                    since=parse_when(since, end_of_day=False),
                    until=parse_when(until, end_of_day=True),
                )
            else:
                who = who or vault.owner(household).id
                if today:
                    selection = Selection.today(who, vault.clock.now())
                else:
                    selection = Selection("last" if last else "all", who)
            receipt = run_forget(vault, household, selection, scope=scope, actor="operator:cli")
            emit(receipt.to_dict(), as_json, receipt_text(receipt))

    @app.command()
    def receipts(
        receipt_id: Annotated[str | None, typer.Argument(help="One receipt in full.")] = None,
        limit: Annotated[int | None, typer.Option(min=1, max=100_000)] = None,
        home: HomeOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Show deletion receipts (newest first), or one receipt with every item."""
        from confide.lifecycle import list_receipts, load_receipt

        with installation(home, db) as inst:
            vault, household = inst.vault, inst.household.id
            if receipt_id is not None:
                receipt = load_receipt(vault, household, receipt_id)
                vault.record_access(household, "operator:cli", "receipt.read", [receipt.id])
                emit(receipt.to_dict(), as_json, receipt_text(receipt))
                return
            found = list_receipts(vault, household, limit)
            vault.record_access(household, "operator:cli", "receipts.read", [household])
            rows: list[dict[str, Any]] = [r.summary() for r in found]
            text = "\n".join(
                f"{r['created_at']}  {r['receipt_id']}  {r['status']:<8} {r['mode']:<6} "
                f"{r['scope']:<10} {r['turns']} turn(s), {r['removed']} removed, "
                f"{r['kept']} kept"
                for r in rows
            )
            emit(rows, as_json, text or "No deletions yet.")

    @app.command("verify-erasure")
    def verify_erasure(
        receipt_id: str, home: HomeOpt = None, db: DbOpt = None, as_json: JsonOpt = False
    ) -> None:
        """Re-check every item of a receipt; exit 0 only if all are verified gone."""
        from confide.lifecycle import verify_erasure as verify

        with installation(home, db) as inst:
            result = verify(inst.vault, inst.household.id, receipt_id)
            inst.vault.record_access(
                inst.household.id, "operator:cli", "erasure.verify", [receipt_id]
            )
            emit(result.to_dict(), as_json, verification_text(result))
            if not result.ok:
                raise typer.Exit(1)
