"""Forgetting through every door: the CLI (forget, receipts, verify-erasure), the HTTP API
(DELETE /v1/turns/{id}, POST /v1/deletions, receipts, verification) and by voice or text
("delete what I just said", "forget everything I said today") through the assistant."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from apiserver import demo_api
from clirun import init_home, run_json
from confide.assistant import Assistant
from confide.cli import main
from confide.lifecycle import list_receipts, verify_erasure
from confide.vault import NotFoundError, find_orphans, history, lineage
from confide.vault.schema import receipts as receipts_table
from speechgen import needs_speech, synthesise


# -- CLI -----------------------------------------------------------------------------------
@pytest.fixture
def home(tmp_path: Path) -> Path:
    return init_home(tmp_path / "home", "Bob")


def test_cli_forget_receipts_and_verify(home: Path, capsys) -> None:
    h = ("--home", str(home))
    alarm = run_json(capsys, "ask", "set an alarm for 6:45 am", *h)
    run_json(capsys, "ask", "what time is it", *h)
    bobs = run_json(capsys, "ask", "what time is it", "--member", "Bob", *h)

    receipt = run_json(capsys, "forget", alarm["turn_id"], *h)
    assert receipt["status"] == "done" and receipt["scope"] == "voice"
    assert {(i["kind"], i["action"]) for i in receipt["items"]} >= {
        ("data_key", "destroyed"),
        ("transcript", "deleted"),
        ("alarm", "kept"),
    }
    kept = next(i for i in receipt["items"] if i["action"] == "kept")
    assert kept["reason"]
    verified = run_json(capsys, "verify-erasure", receipt["receipt_id"], *h)
    assert verified == {
        "receipt_id": receipt["receipt_id"],
        "verified": True,
        "checked": verified["checked"],
        "problems": [],
    }
    last = run_json(capsys, "forget", "--last", "--scope", "everything", *h)
    assert last["turns"] == 1
    everything = run_json(capsys, "forget", "--all", "--member", "Bob", *h)
    assert {i["turn_id"] for i in everything["items"]} == {bobs["turn_id"]}
    listed = run_json(capsys, "receipts", *h)
    assert [r["receipt_id"] for r in listed][::-1][:1] == [receipt["receipt_id"]]
    one = run_json(capsys, "receipts", receipt["receipt_id"], *h)
    assert one["items"] == receipt["items"]
    assert run_json(capsys, "history", *h) == []
    # the text receipt names what was kept and how to check it
    capsys.readouterr()
    assert main(["receipts", receipt["receipt_id"], *h]) == 0
    text = capsys.readouterr().out
    assert "kept alarm" in text and f"confide verify-erasure {receipt['receipt_id']}" in text
    # the audit log has the deletions (ids only)
    actions = [e["action"] for e in run_json(capsys, "audit", *h)]
    assert actions.count("deletion.requested") == 3 and actions.count("deletion.completed") == 3


def test_cli_verify_exits_1_when_a_receipt_does_not_hold(home: Path, capsys) -> None:
    h = ("--home", str(home))
    turn = run_json(capsys, "ask", "what time is it", *h)
    receipt = run_json(capsys, "forget", turn["turn_id"], *h)
    db = sqlite3.connect(home / "confide.db")
    with db:
        db.execute("UPDATE receipts SET scope = 'everything'")
    db.close()
    out = run_json(capsys, "verify-erasure", receipt["receipt_id"], *h, code=1)
    assert out["verified"] is False
    assert out["problems"][0]["problem"] == "the receipt was altered after it was issued"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["forget"], "bad_selection"),
        (["forget", "--last", "--today"], "bad_selection"),
        (["forget", "turn_nope"], "not_found"),
        (["forget", "--last", "--scope", "some"], "bad_scope"),
        (["forget", "--since", "yesterday"], "bad_date"),
        (["forget", "--since", "2024-03-02", "--until", "2024-03-01"], "bad_selection"),
        (["forget", "--all", "--member", "Nobody"], "not_found"),
        (["receipts", "rcpt_nope"], "not_found"),
        (["verify-erasure", "rcpt_nope"], "not_found"),
    ],
)
def test_cli_bad_forget_requests_exit_2_and_change_nothing(home: Path, capsys, args, code):
    h = ("--home", str(home))
    turn = run_json(capsys, "ask", "what time is it", *h)
    out = run_json(capsys, *args, *h, code=2)
    assert out["error"]["code"] == code
    assert [t["turn_id"] for t in run_json(capsys, "history", *h)] == [turn["turn_id"]]
    with sqlite3.connect(home / "confide.db") as db:
        assert db.execute("SELECT count(*) FROM receipts").fetchone() == (0,)


# -- HTTP API --------------------------------------------------------------------------------
@pytest.fixture
def api(tmp_path: Path):
    with demo_api(tmp_path / "home") as client:
        yield client


def test_api_delete_a_turn_and_verify(api: httpx.Client) -> None:
    made = api.post("/v1/turns", json={"text": "set an alarm for 6:45 am"}).json()
    gone = api.delete(f"/v1/turns/{made['turn_id']}", params={"scope": "everything"})
    assert gone.status_code == 200
    receipt = gone.json()
    assert receipt["scope"] == "everything" and receipt["kept"] == 0
    assert ("alarm", "deleted") in {(i["kind"], i["action"]) for i in receipt["items"]}
    assert api.get(f"/v1/turns/{made['turn_id']}").status_code == 404
    again = api.delete(f"/v1/turns/{made['turn_id']}")
    assert again.status_code == 404
    check = api.post(f"/v1/receipts/{receipt['receipt_id']}/verification")
    assert check.status_code == 200 and check.json()["verified"] is True
    assert api.get(f"/v1/receipts/{receipt['receipt_id']}").json()["items"] == receipt["items"]
    assert [r["receipt_id"] for r in api.get("/v1/receipts").json()] == [receipt["receipt_id"]]


def test_api_deletions_by_mode(api: httpx.Client) -> None:
    sams = [api.post("/v1/turns", json={"text": "what time is it", "member": "Sam"}).json()]
    mine = [api.post("/v1/turns", json={"text": "what time is it"}).json() for _ in range(3)]
    last = api.post("/v1/deletions", json={"mode": "last"})
    assert last.status_code == 201
    assert [i["turn_id"] for i in last.json()["items"]][:1] == [mine[-1]["turn_id"]]
    today = api.post("/v1/deletions", json={"mode": "today", "member": "Sam"}).json()
    assert {i["turn_id"] for i in today["items"]} == {sams[0]["turn_id"]}
    span = api.post("/v1/deletions", json={"mode": "range", "since": "2000-01-01T00:00:00"}).json()
    assert {i["turn_id"] for i in span["items"]} == {m["turn_id"] for m in mine[:2]}
    assert api.get("/v1/history").json() == []
    empty = api.post("/v1/deletions", json={"mode": "all"}).json()
    assert empty["turns"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/v1/deletions", {"mode": "yesterday"}, 422),
        ("post", "/v1/deletions", {"mode": "turn"}, 400),
        ("post", "/v1/deletions", {"mode": "range"}, 400),
        ("post", "/v1/deletions", {"mode": "all", "member": "Nobody"}, 404),
        ("post", "/v1/deletions", {"mode": "all", "scope": "some"}, 422),
        ("post", "/v1/deletions", ["all"], 422),
        ("post", "/v1/deletions", {"mode": "range", "since": "soon"}, 422),
        ("delete", "/v1/turns/turn_nope", None, 404),
        ("delete", "/v1/turns/x?scope=all", None, 422),
        ("get", "/v1/receipts/rcpt_nope", None, 404),
        ("post", "/v1/receipts/rcpt_nope/verification", None, 404),
    ],
)
def test_api_bad_deletion_requests_are_4xx(api: httpx.Client, method, path, body, status):
    made = api.post("/v1/turns", json={"text": "what time is it"}).json()
    answer = api.request(method, path, json=body)
    assert answer.status_code == status, answer.text
    assert "error" in answer.json()
    assert [t["turn_id"] for t in api.get("/v1/history").json()] == [made["turn_id"]]


def test_api_needs_a_device_token(api: httpx.Client) -> None:
    with httpx.Client(base_url=str(api.base_url)) as stranger:
        assert stranger.delete("/v1/turns/turn_x").status_code == 401
        assert stranger.post("/v1/deletions", json={"mode": "all"}).status_code == 401
        assert stranger.get("/v1/receipts").status_code == 401


# -- by voice (the assistant) -------------------------------------------------------------------
def test_forget_by_voice_deletes_and_says_what(vault, household, clock) -> None:
    assistant = Assistant(vault, household.id)

    def ask(text, member=None):
        clock.advance(timedelta(seconds=5))
        return assistant.ask(text, member=member)

    ask("add kumquats to the shopping list")
    alarm = ask("set an alarm for 6:45 am")
    ben = ask("what time is it", member="Ben")
    out = ask("delete what I just said")
    assert out.intent == "privacy.forget_last"
    assert out.reply.startswith("Done. I deleted your last request")
    assert "I kept the alarm you asked for" in out.reply
    assert "6:45" not in out.reply  # counts and kinds only: no content copied
    (action,) = out.actions
    assert action.op == "delete" and action.data["turns"] == 1
    with pytest.raises(NotFoundError):
        lineage(vault, household.id, alarm.turn_id)
    receipt_id = action.record_id
    assert verify_erasure(vault, household.id, receipt_id).ok
    # today: everything else Ada said, but not Ben's turn, nor this request itself
    today = ask("forget everything I said today")
    assert today.intent == "privacy.forget_today"
    assert today.reply.startswith("Done. I deleted your 2 requests from today")
    left = {t.id for t in history(vault, household.id)}
    assert left == {ben.turn_id, today.turn_id}
    for receipt in list_receipts(vault, household.id):
        assert receipt.status == "done"
        assert verify_erasure(vault, household.id, receipt.id).ok
    assert find_orphans(vault) == []
    with vault.reading() as conn:
        assert conn.execute(receipts_table.select()).all()  # persisted


def test_forget_when_nothing_was_said(vault, household) -> None:
    out = Assistant(vault, household.id).ask("delete what I just said")
    assert out.reply == "There was nothing before this to delete."


@needs_speech
def test_spoken_delete_what_i_just_said_forgets_the_turn_before(
    vault, household, clock, tmp_path
) -> None:
    """The whole voice path: espeak-ng speech -> pocketsphinx -> privacy.forget_last."""
    from confide.voice import Audio
    from confide.voice.recognizers import PocketsphinxRecognizer

    spoken = Audio(synthesise("delete what I just said", tmp_path, wpm=120))
    assistant = Assistant(vault, household.id, speech=PocketsphinxRecognizer())
    alarm = assistant.ask("set an alarm for 6:45 am")
    clock.advance(timedelta(seconds=5))
    out = assistant.ask_audio(spoken)
    assert out.intent == "privacy.forget_last", out.transcript
    assert out.reply.startswith("Done. I deleted your last request")
    with pytest.raises(NotFoundError):
        lineage(vault, household.id, alarm.turn_id)
    assert {t.id for t in history(vault, household.id)} == {out.turn_id}
    assert verify_erasure(vault, household.id, out.actions[0].record_id).ok
