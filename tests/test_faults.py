"""Faults the user should understand (issue 11), over real HTTP on loopback with real SQLite files: another process
holding the database's write lock, a full disk."""

import errno
import itertools
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest
import requests

from bot.db import Store, StoreBusy, StoreFull, store_fault
from bot.plugin import ANYONE, Plugin, load_plugins
from bot.web import health
from conftest import ADMIN
from test_wechat_endpoint import message_xml, reply_content, serve, wconfig  # noqa: F401 (fixtures)

BUSY = "数据库正忙，请稍后再试"
FULL = "服务器存储空间不足，没有保存"
MEMBER = "o-zhang"
MEMBER_AWAY = "o-li"
_msg_ids = itertools.count(9000)


def say(client, openid, text):
    """The reply text to one message posted to the server, and how long it took."""
    started = time.monotonic()
    response = client.post(message_xml(openid, text, str(next(_msg_ids))))
    return reply_content(response)["Content"], time.monotonic() - started


def healthz(client):
    started = time.monotonic()
    response = requests.get(client.base + "/healthz", timeout=10)
    return response, time.monotonic() - started


def with_member(client):
    """A registered, approved member who has just sent a message (so nothing is due to be written for them)."""
    assert "已提交注册" in say(client, MEMBER, "9 测试组 张三")[0]
    assert "已通过" in say(client, ADMIN, "81 1")[0]
    assert "张三" in say(client, MEMBER, "2")[0]
    return client


def expenses(path):
    with closing(sqlite3.connect(path)) as other:
        return other.execute("SELECT COUNT(*) FROM expenses").fetchone()[0]


@pytest.fixture
def operator_lock(wconfig):  # noqa: F811
    """hold(): an operator's `sqlite3` shell in another process enters BEGIN IMMEDIATE and keeps the write lock until
    hold.release()."""
    shells = []

    def hold():
        shells.append(subprocess.Popen(
            [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
             "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.readline()",
             wconfig["database"]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        assert shells[-1].stdout.readline().strip() == "locked"

    def release():
        for shell in shells:
            if shell.poll() is None:
                shell.communicate("\n", timeout=5)      # the shell ends, its transaction rolled back
    hold.release = release
    yield hold
    release()


def test_another_process_holding_the_write_lock_stalls_no_read_and_a_writer_is_told_busy(serve, operator_lock,  # noqa: F811
                                                                                           caplog):
    client = with_member(serve())
    say(client, MEMBER_AWAY, "9 测试组 李四")
    say(client, ADMIN, "81 2")
    with client.app.store.write() as db:            # 李四 last wrote an hour ago
        db.execute("UPDATE users SET last_message_at = '2000-01-01T00:00:00+00:00' WHERE openid = ?", [MEMBER_AWAY])
    client.app._touched.clear()
    operator_lock()
    caplog.set_level(logging.INFO)
    writer = {}

    def record():
        writer["reply"], writer["seconds"] = say(client, MEMBER, "1 12.5 奶茶")
    thread = threading.Thread(target=record)
    thread.start()
    time.sleep(0.5)                    # the writer is waiting for the lock
    for text, expected in [("2", "张三"), ("4", "全中心合计")]:
        reply, seconds = say(client, MEMBER, text)
        assert expected in reply and seconds < 1, (text, reply, seconds)
    reply, seconds = say(client, MEMBER_AWAY, "2")   # a first message in 5 minutes writes its time: not now
    assert "李四" in reply and seconds < 1, (reply, seconds)
    response, seconds = healthz(client)
    assert seconds < 1
    assert response.status_code == 503
    assert response.json()["status"] == "error" and response.json()["database"]["error"] == "busy"
    thread.join(10)
    assert writer["reply"] == BUSY and 2.5 <= writer["seconds"] < 4.5, writer
    lines = [r for r in caplog.records if r.name == "teabot.router"]
    assert len(lines) == 1 and "busy" in lines[0].getMessage() and not lines[0].exc_info
    operator_lock.release()
    assert expenses(client.app.store.path) == 0           # nothing half-written
    assert healthz(client)[0].status_code == 200
    assert "已记录" in say(client, MEMBER, "1 12.5 奶茶")[0]       # sent again, it is recorded
    assert expenses(client.app.store.path) == 1


def test_writers_waiting_for_another_connection_go_on_when_it_commits(tmp_path):
    """Writers that find the write lock taken share batches as usual once it is free, and nothing they wrote is lost."""
    path = str(tmp_path / "t.db")
    store = Store(path)
    store.db.execute("CREATE TABLE t (v INTEGER)")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (v) VALUES (-1)")
    errors = []

    def writer(n):
        try:
            for i in range(10):
                with store.write() as tx:
                    tx.execute("INSERT INTO t (v) VALUES (?)", [n * 100 + i])
        except Exception as exc:
            errors.append(exc)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 0      # reads answer meanwhile
    other.execute("COMMIT")
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert store.one("SELECT COUNT(DISTINCT v) AS n FROM t")["n"] == 81


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (needs root): fill() uses up every free byte with a file, free() deletes it."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    filler = mountpoint / "filler"

    def fill():
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)

    def free():
        filler.unlink()
    fill.free = free
    fill.path = str(mountpoint / "teabot.db")
    yield fill
    subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def test_a_full_disk_is_named_in_the_reply_and_in_healthz_until_a_write_succeeds(serve, wconfig, small_disk,  # noqa: F811
                                                                                  caplog):
    wconfig["database"] = small_disk.path
    client = with_member(serve(wconfig))
    small_disk()
    caplog.set_level(logging.INFO)
    assert say(client, MEMBER, "1 12.5 奶茶")[0] == FULL
    assert "张三" in say(client, MEMBER, "2")[0]                  # reads still answer
    response = healthz(client)[0]
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "full"}
    assert "full" in health(client.app, detailed=True)["database"]["detail"]
    lines = [r for r in caplog.records if r.name == "teabot.router"]
    assert len(lines) == 1 and "full" in lines[0].getMessage() and not lines[0].exc_info
    small_disk.free()
    assert "已记录" in say(client, MEMBER, "1 12.5 奶茶")[0]
    assert healthz(client)[0].status_code == 200
    assert expenses(small_disk.path) == 1


def test_a_full_disk_stays_reported_after_space_is_freed_until_a_write_gets_through(small_disk):
    store = Store(small_disk.path)
    store.db.execute("CREATE TABLE t (v TEXT)")
    small_disk()
    with pytest.raises(StoreFull):
        with store.write() as tx:
            tx.execute("INSERT INTO t (v) VALUES (?)", ["x" * 10000])
    small_disk.free()
    assert isinstance(store.write_fault(0.1), StoreFull)        # nothing has been written since
    store.sync()                                                 # writes nothing: proves nothing
    assert isinstance(store.write_fault(0.1), StoreFull)
    with store.write() as tx:
        tx.execute("INSERT INTO t (v) VALUES ('y')")
    assert store.write_fault(0.1) is None


def real_locked_error(tmp_path):
    path = str(tmp_path / "locked.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        sqlite3.connect(path, timeout=0, isolation_level=None).execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return exc
    finally:
        holder.close()


def real_full_error(tmp_path):
    conn = sqlite3.connect(str(tmp_path / "full.db"))
    conn.execute("CREATE TABLE t (b BLOB)")
    conn.execute("PRAGMA max_page_count = 10")
    try:
        conn.execute("INSERT INTO t VALUES (zeroblob(100000))")
    except sqlite3.OperationalError as exc:
        return exc


@pytest.mark.parametrize("make_error, fault", [
    (real_locked_error, StoreBusy),
    (real_full_error, StoreFull),
    (lambda tmp_path: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), StoreFull),      # fsync of a full disk
    (lambda tmp_path: sqlite3.OperationalError("no such table: x"), None),
    (lambda tmp_path: OSError(errno.EIO, os.strerror(errno.EIO)), None),
])
def test_database_errors_the_user_should_understand_are_mapped_in_one_place(tmp_path, make_error, fault):
    mapped = store_fault(make_error(tmp_path))
    assert (type(mapped) if mapped else None) is fault


def test_a_plugin_meeting_a_locked_database_gets_the_busy_reply_and_one_log_line(serve, caplog, tmp_path):  # noqa: F811
    plugin = Plugin("probe", "探针")

    @plugin.command(50, "探针", roles=(ANYONE,), usage="50")
    def locked(ctx):
        """探针"""
        raise real_locked_error(tmp_path)         # SQLite's "database is locked", as after a busy timeout
    client = serve(plugins=load_plugins() + [plugin])
    caplog.set_level(logging.INFO, logger="teabot")
    assert say(client, MEMBER, "50")[0] == BUSY
    lines = [r for r in caplog.records if r.name == "teabot.router"]
    assert len(lines) == 1 and lines[0].exc_info is None
