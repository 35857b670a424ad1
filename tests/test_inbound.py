"""The framework's message contract (bot/unit.py, bot/inbound.py): one message, one transaction; the same MsgId runs
the handler once, concurrently or after a restart, and every copy gets the same reply; a failed handler keeps
nothing and sends nothing. The plugin below has no retry or concurrency code at all."""

import threading

import pytest

import bot.inbound
from bot.app import App
from bot.plugin import ANYONE, Plugin, load_plugins

from conftest import ADMIN


def tally_plugin(runs, gate=None):
    """Command 60 adds a row and pushes the admin; 61 writes, pushes, then fails. No MsgId in sight."""
    plugin = Plugin("tally", "计数")

    @plugin.migration
    def m001_tally(db):
        db.execute("CREATE TABLE tally (id INTEGER PRIMARY KEY, who TEXT NOT NULL)")

    @plugin.command(60, "加一", roles=(ANYONE,), example="60")
    def add(ctx):
        """加一：60"""
        runs.append(ctx.openid)
        if gate is not None:
            gate.wait(5)
        ctx.db.execute("INSERT INTO tally (who) VALUES (?)", [ctx.openid])
        ctx.push(ADMIN, f"{ctx.openid} 加了一")
        return f"第 {ctx.db.value('SELECT COUNT(*) FROM tally')} 个"

    @plugin.command(61, "坏", roles=(ANYONE,), example="61")
    def broken(ctx):
        """坏：61"""
        runs.append(ctx.openid)
        ctx.db.execute("INSERT INTO tally (who) VALUES (?)", [ctx.openid])
        ctx.push(ADMIN, "不该发出")
        raise RuntimeError("the handler has a bug")
    return plugin


@pytest.fixture
def runs():
    return []


def make_app(config, runs, sent, gate=None):
    return App(config, plugins=[tally_plugin(runs, gate), *load_plugins()],
               sender=lambda openid, text: sent.append((openid, text))).setup()


def tally(app):
    return app.store.one("SELECT COUNT(*) AS n FROM tally")["n"]


def test_a_retry_gets_the_saved_reply_and_the_handler_ran_once(config, runs, sent):
    app = make_app(config, runs, sent)
    first = app.handle_text("o-a", "60", msg_id="m1")
    assert first == "第 1 个"
    assert app.handle_text("o-a", "60", msg_id="m1") == first
    assert (runs, tally(app)) == (["o-a"], 1)
    app.pusher.flush(5)
    assert sent == [(ADMIN, "o-a 加了一")], "the push of the one run, sent once"
    row = app.store.one("SELECT reply, state FROM inbound WHERE dedupe_key = 'm1'")
    assert row == {"reply": first, "state": "done"}, "the reply is saved with what the handler wrote"


def test_copies_sent_at_once_run_the_handler_once_and_all_get_its_reply(config, runs, sent):
    gate = threading.Event()
    app = make_app(config, runs, sent, gate)
    replies = []
    threads = [threading.Thread(target=lambda: replies.append(app.handle_text("o-a", "60", msg_id="m2")))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(10)
    assert replies == ["第 1 个"] * 4
    assert (runs, tally(app)) == (["o-a"], 1)


def test_a_restarted_process_answers_a_retry_from_the_saved_reply(config, runs, sent):
    first = make_app(config, runs, sent).handle_text("o-a", "60", msg_id="m3")
    restarted = make_app(config, runs, sent)
    assert restarted.handle_text("o-a", "60", msg_id="m3") == first
    assert runs == ["o-a"]


def test_a_second_attempt_that_gets_past_memory_is_rolled_back_and_gets_the_first_reply(config, runs, sent,
                                                                                         monkeypatch):
    """Two attempts of one key that both run (a restart forgot the first from memory): the key is the table's
    primary key, so the second's writes and pushes are rolled back and it answers with the first's reply."""
    app = make_app(config, runs, sent)
    first = app.handle_text("o-a", "60", msg_id="m4")
    app.inbound._recent.clear()
    second = app.handle_text("o-a", "60", msg_id="m4")
    assert second == first and tally(app) == 1
    app.pusher.flush(5)
    assert sent == [(ADMIN, "o-a 加了一")]


def test_a_failed_handler_keeps_nothing_sends_nothing_and_its_retry_runs_again(config, runs, sent, caplog):
    app = make_app(config, runs, sent)
    reply = app.handle_text("o-a", "61", msg_id="m5")
    assert reply.startswith("出错了（编号 ")
    assert tally(app) == 0
    assert app.store.one("SELECT COUNT(*) AS n FROM inbound WHERE dedupe_key = 'm5'")["n"] == 0
    assert app.store.one("SELECT COUNT(*) AS n FROM pushes")["n"] == 0
    app.pusher.flush(2)
    assert sent == []
    assert "command failed, error id" in caplog.text
    app.handle_text("o-a", "61", msg_id="m5")
    assert runs == ["o-a", "o-a"], "nothing was saved, so WeChat's retry runs the handler again"


def test_events_are_deduplicated_by_sender_and_create_time(config, runs, sent):
    app = make_app(config, runs, sent)
    message = {"FromUserName": "o-new", "CreateTime": "1764000000", "Event": "subscribe"}
    first = app.handle_event("o-new", "subscribe", message)
    assert "9 组名 姓名" in first
    assert app.handle_event("o-new", "subscribe", message) == first
    assert app.store.one("SELECT COUNT(*) AS n FROM audit WHERE action = 'subscribe'")["n"] == 1


def test_replies_are_forgotten_from_memory_after_recent_seconds(config, runs, sent, monkeypatch):
    app = make_app(config, runs, sent)
    monkeypatch.setattr(bot.inbound, "RECENT_SECONDS", 0)
    for n in range(5):
        app.handle_text("o-a", "0", msg_id=f"old-{n}")
    assert len(app.inbound._recent) <= 1
