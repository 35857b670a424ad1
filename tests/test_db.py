import threading

import pytest

from bot.db import Store


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path / "t.db"))
    store.db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
    return store


def test_connections_are_wal_and_fully_synchronous(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2     # FULL: fsync at every COMMIT


def test_failed_transaction_rolls_back(store):
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.execute("INSERT INTO t (v) VALUES (1)")
            raise RuntimeError("boom")
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 0


def test_concurrent_writers_lose_nothing(store):
    threads_n, per_thread = 8, 40

    def writer(n):
        for i in range(per_thread):
            with store.write() as tx:
                tx.execute("INSERT INTO t (v) VALUES (?)", [n * 1000 + i])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.one("SELECT COUNT(DISTINCT v) AS n FROM t")["n"] == threads_n * per_thread


def test_query_returns_dicts(store):
    with store.write() as tx:
        tx.execute("INSERT INTO t (v) VALUES (7)")
    assert store.query("SELECT v FROM t WHERE v = :v", {"v": 7}) == [{"v": 7}]
