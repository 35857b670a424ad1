import os
import sqlite3
import threading
import time

import pytest

from bot.db import Store


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path / "t.db"))
    store.db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
    return store


def test_connections_are_wal_and_leave_the_fsync_to_the_group_commit(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1     # NORMAL: write() does the fsync


@pytest.fixture
def fsyncs(monkeypatch, tmp_path):
    """Every fdatasync the process makes, as (path, rows of t visible to another connection at that moment)."""
    calls = []
    real = os.fdatasync

    def recording(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        with sqlite3.connect(tmp_path / "t.db") as other:
            visible = other.execute("SELECT COUNT(*) FROM t").fetchone()[0]
        calls.append((path, visible))
        time.sleep(0.005)              # a slow disk: writers that commit meanwhile must share the next fsync
        return real(fd)
    monkeypatch.setattr(os, "fdatasync", recording)
    return calls


def test_write_returns_after_an_fsync_of_the_wal_that_began_after_its_commit(store, fsyncs, tmp_path):
    for n in range(1, 4):
        with store.write() as tx:
            tx.execute("INSERT INTO t (v) VALUES (?)", [n])
        assert fsyncs, "a write must not return before an fsync"
        path, visible = fsyncs[-1]
        assert path == str(tmp_path / "t.db-wal")
        assert visible == n            # the fsync started after this transaction's COMMIT


def write_from_threads(store, threads_n, per_thread):
    """threads_n real threads, each making per_thread write transactions of one distinct row."""
    def writer(n):
        for i in range(per_thread):
            with store.write() as tx:
                tx.execute("INSERT INTO t (v) VALUES (?)", [n * 1000 + i])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return threads_n * per_thread


def test_concurrent_writers_share_fsyncs(store, fsyncs):
    writes = write_from_threads(store, 8, 10)
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == writes
    assert len(fsyncs) < writes / 2, f"{len(fsyncs)} fsyncs for {writes} writes: no group commit"


def test_failed_transaction_rolls_back(store):
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.execute("INSERT INTO t (v) VALUES (1)")
            raise RuntimeError("boom")
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 0


def test_concurrent_writers_lose_nothing(store):
    writes = write_from_threads(store, 8, 40)
    assert store.one("SELECT COUNT(DISTINCT v) AS n FROM t")["n"] == writes


def test_query_returns_dicts(store):
    with store.write() as tx:
        tx.execute("INSERT INTO t (v) VALUES (7)")
    assert store.query("SELECT v FROM t WHERE v = :v", {"v": 7}) == [{"v": 7}]
