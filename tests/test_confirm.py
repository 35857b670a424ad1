"""The framework's “确认” step (bot/confirm.py): what is asked is what is done, by that user, once, within 10 minutes,
across a restart and WeChat's retries."""

import threading
from datetime import timedelta

import pytest

from bot.app import App
from bot.confirm import FOOTER
from bot.plugin import ANYONE, Plugin, load_plugins
from bot.timeutil import to_utc_text, utc_now


def counter_plugin(calls):
    """A plugin whose command 50 asks to confirm adding `n` to a counter, then adds it (and counts each run)."""
    plugin = Plugin("counter", "计数")

    @plugin.migration
    def m001(db):
        db.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, msg_id TEXT UNIQUE)")

    @plugin.command(50, "加", roles=(ANYONE,), usage="50 数", example="50 1")
    def add(ctx):
        """加：50 数"""
        n = int(ctx.args[0])
        existing = ctx.db.value("SELECT COALESCE(SUM(n), 0) FROM counter")
        ctx.confirm(f"将把 {existing} 加上 {n}")
        calls.append(ctx.msg_id)
        ctx.db.execute("INSERT INTO counter (n) VALUES (?)", [n])     # no MsgId check: the framework runs it once
        return f"已加 {n}"
    return plugin


@pytest.fixture
def calls():
    return []


@pytest.fixture
def capp(config, calls):
    return App(config, plugins=[counter_plugin(calls), *load_plugins()], sender=lambda *a: None).setup()


def total(app):
    return app.store.one("SELECT COALESCE(SUM(n), 0) AS t FROM counter")["t"]


def test_the_question_states_what_will_happen_and_nothing_happens_yet(capp):
    reply = capp.handle_text("o-a", "50 3", msg_id="1")
    assert reply == f"将把 0 加上 3\n{FOOTER}" and "确认" in FOOTER
    assert total(capp) == 0


def test_confirm_runs_it_once_and_a_retry_of_the_confirm_gets_the_same_reply(capp, calls):
    capp.handle_text("o-a", "50 3", msg_id="1")
    assert capp.handle_text("o-a", "确认", msg_id="2") == "已加 3"
    # WeChat's retry of the same MsgId, after the in-memory dedupe is gone (a restart): same reply, no second run
    assert capp.handle_text("o-a", "确认", msg_id="2") == "已加 3"
    assert total(capp) == 3 and calls == ["2"]
    assert "没有待确认的操作" in capp.handle_text("o-a", "确认", msg_id="3")
    assert total(capp) == 3


def test_the_pending_action_belongs_to_its_user(capp):
    capp.handle_text("o-a", "50 3", msg_id="1")
    assert "没有待确认的操作" in capp.handle_text("o-b", "确认", msg_id="2")
    assert total(capp) == 0
    assert capp.handle_text("o-a", "确认", msg_id="3") == "已加 3"


def test_any_other_message_cancels(capp):
    capp.handle_text("o-a", "50 3", msg_id="1")
    reply = capp.handle_text("o-a", "0", msg_id="2")
    assert reply.startswith("（已取消刚才待确认的操作）") and "可用命令" in reply
    assert "没有待确认的操作" in capp.handle_text("o-a", "确认", msg_id="3")
    capp.handle_text("o-a", "50 4", msg_id="4")
    assert capp.handle_text("o-a", "取消", msg_id="5") == "已取消，没有执行：将把 0 加上 4"
    assert total(capp) == 0


def test_a_question_older_than_10_minutes_is_not_carried_out(capp):
    capp.handle_text("o-a", "50 3", msg_id="1")
    with capp.store.write() as db:
        db.execute("UPDATE confirmations SET expires_at = ?", [to_utc_text(utc_now() - timedelta(seconds=1))])
    assert "超过 10 分钟" in capp.handle_text("o-a", "确认", msg_id="2")
    assert total(capp) == 0


def test_the_question_survives_a_restart(config, calls, capp):
    capp.handle_text("o-a", "50 3", msg_id="1")
    capp.store.close()
    restarted = App(config, plugins=[counter_plugin(calls), *load_plugins()], sender=lambda *a: None).setup()
    assert restarted.handle_text("o-a", "确认", msg_id="2") == "已加 3"
    assert total(restarted) == 3


def test_changed_facts_ask_again_instead_of_doing_something_else(capp):
    capp.handle_text("o-a", "50 3", msg_id="1")
    capp.handle_text("o-b", "50 5", msg_id="2")
    assert capp.handle_text("o-b", "确认", msg_id="3") == "已加 5"
    again = capp.handle_text("o-a", "确认", msg_id="4")       # the total it was going to add to is now 5
    assert again.startswith("情况有变，请重新确认：\n将把 5 加上 3") and again.endswith(FOOTER)
    assert total(capp) == 5
    assert capp.handle_text("o-a", "确认", msg_id="5") == "已加 3"
    assert total(capp) == 8


def test_confirms_sent_at_once_with_different_msgids_run_it_once(capp, calls):
    capp.handle_text("o-a", "50 3", msg_id="1")
    replies, start = [], threading.Barrier(6)

    def confirm(i):
        start.wait()
        replies.append(capp.handle_text("o-a", "确认", msg_id=f"c{i}"))
    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert total(capp) == 3 and len(calls) == 1
    assert replies.count("已加 3") == 1
    assert all("没有待确认" in r or "还在执行" in r for r in replies if r != "已加 3")


def test_a_failing_confirmed_run_can_be_confirmed_again(config):
    attempts = []
    plugin = Plugin("flaky", "不稳")

    @plugin.command(51, "试", roles=(ANYONE,), usage="51", example="51")
    def flaky(ctx):
        """试：51"""
        ctx.confirm("将试一次")
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("boom")
        return "成功"
    app = App(config, plugins=[plugin, *load_plugins()], sender=lambda *a: None).setup()
    app.handle_text("o-a", "51", msg_id="1")
    assert "出错了" in app.handle_text("o-a", "确认", msg_id="2")
    assert app.handle_text("o-a", "确认", msg_id="3") == "成功"
