"""Dedupe of WeChat retries: one computation per key, replies kept in memory and saved in the background
(bot.inbound.Inbound)."""

import sqlite3
import threading
import time

from bot.app import App
from bot.inbound import Inbound
from conftest import eventually


def _stored(path, key):
    """The inbound row as another process would see it (a fresh connection)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT state, reply FROM inbound WHERE dedupe_key = ?", [key]).fetchone()
    finally:
        conn.close()


def test_reply_is_saved_in_the_background_soon_after_it_is_returned(config):
    app = App(config).setup()
    inbound = Inbound(app.store)
    assert inbound.once("m1", "o-user", lambda: "答复一") == "答复一"
    assert eventually(lambda: _stored(config["database"], "m1"), ("done", "答复一")) == ("done", "答复一")


def test_a_retry_is_answered_from_memory_without_computing_again(config):
    app = App(config).setup()
    inbound = Inbound(app.store)
    assert inbound.once("m4", "o-user", lambda: "第一次") == "第一次"
    assert inbound.once("m4", "o-user", lambda: "computed again") == "第一次"


def test_concurrent_messages_each_store_their_own_reply_once(config):
    app = App(config).setup()
    inbound = Inbound(app.store)
    count = 24
    barrier = threading.Barrier(count)
    results, computed = {}, []

    def one(i):
        barrier.wait()
        results[i] = inbound.once(f"k{i}", f"o-{i}", lambda: computed.append(i) or f"reply {i}")
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == {i: f"reply {i}" for i in range(count)}
    assert sorted(computed) == list(range(count))
    inbound.flush()
    rows = app.store.query("SELECT dedupe_key, openid, state, reply FROM inbound ORDER BY dedupe_key")
    assert sorted((r["dedupe_key"], r["openid"], r["state"], r["reply"]) for r in rows) == sorted(
        (f"k{i}", f"o-{i}", "done", f"reply {i}") for i in range(count))


def test_a_restarted_process_answers_a_retry_from_the_stored_reply(config):
    app = App(config).setup()
    first = Inbound(app.store)
    first.once("m2", "o-user", lambda: "第一次的答复")
    first.flush()                      # as at shutdown, or within SAVE_INTERVAL_SECONDS while running
    restarted = Inbound(App(config).setup().store)
    assert restarted.once("m2", "o-user", lambda: "computed again") == "第一次的答复"


def test_failed_computation_stores_nothing_so_a_retry_computes(config):
    app = App(config).setup()
    inbound = Inbound(app.store)

    def boom():
        raise RuntimeError("disk on fire")
    assert inbound.once("m3", "o-user", boom).startswith("出错了（编号 ")
    inbound.flush()
    assert _stored(config["database"], "m3") is None
    assert inbound.once("m3", "o-user", lambda: "好了") == "好了"


def test_a_saved_reply_rides_along_the_next_write_transaction(config):
    app = App(config).setup()
    inbound = Inbound(app.store)
    inbound.once("m5", "o-user", lambda: "答复五")
    with app.store.write() as db:       # any request's write, e.g. the next expense
        db.execute("INSERT INTO groups (name, created_at) VALUES ('另一组', '2026-12-01T00:00:00+00:00')")
    assert _stored(config["database"], "m5") == ("done", "答复五")   # committed with it, no waiting


def test_replies_are_forgotten_after_recent_seconds_so_memory_stays_bounded(config, monkeypatch):
    monkeypatch.setattr("bot.inbound.RECENT_SECONDS", 0.05)
    inbound = Inbound(App(config).setup().store)
    inbound.once("old", "o-user", lambda: "一")
    time.sleep(0.1)
    inbound.once("new", "o-user", lambda: "二")
    assert list(inbound._recent) == ["new"]
