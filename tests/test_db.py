import gc
import os
import sqlite3
import threading
import time

import pytest

from bot import wakeup
from bot.db import Store
from conftest import eventually


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


def test_write_is_not_reentrant(store):
    with store.write() as tx:
        tx.execute("INSERT INTO t (v) VALUES (1)")
        with pytest.raises(RuntimeError, match="not re-entrant"):
            with store.write():
                pass
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 1


@pytest.fixture
def held_fsync(monkeypatch):
    """The first fdatasync waits until the test lets it go: writers that arrive meanwhile form one batch."""
    release, calls = threading.Event(), []
    real = os.fdatasync

    def held(fd):
        calls.append(fd)
        if len(calls) == 1:
            release.wait(10)
        return real(fd)
    monkeypatch.setattr(os, "fdatasync", held)
    return release, calls


def start_batch(store, held_fsync, blocks):
    """One write whose fsync is held, then one thread per block(tx) while it is: returns what each raised."""
    release, calls = held_fsync
    outcomes = {}

    def run(name, block):
        try:
            with store.write() as tx:
                block(tx)
            outcomes[name] = None
        except Exception as exc:
            outcomes[name] = exc

    first = threading.Thread(target=run, args=("first", lambda tx: tx.execute("INSERT INTO t (v) VALUES (0)")))
    first.start()
    assert eventually(lambda: len(calls), 1) == 1          # the first write is in its fsync
    threads = [threading.Thread(target=run, args=(name, block)) for name, block in blocks.items()]
    for thread in threads:
        thread.start()
    try:
        # every block has run: the failing ones have returned, the others wait for their batch's COMMIT
        assert eventually(lambda: len(outcomes) + len(store._waiters), len(blocks)) == len(blocks)
    finally:
        release.set()
        for thread in [first] + threads:
            thread.join(10)
    return outcomes, len(calls)


def insert(v, then=None):
    def block(tx):
        tx.execute("INSERT INTO t (v) VALUES (?)", [v])
        if then:
            then(tx)
    return block


def boom(tx):
    raise RuntimeError("boom")


def test_concurrent_blocks_share_one_commit_and_a_failing_block_undoes_only_itself(store, held_fsync):
    blocks = {v: insert(v) for v in range(1, 9)}
    blocks["failing"] = insert(99, then=boom)
    outcomes, fsyncs = start_batch(store, held_fsync, blocks)
    assert isinstance(outcomes.pop("failing"), RuntimeError)
    assert set(outcomes.values()) == {None}
    assert sorted(r["v"] for r in store.query("SELECT v FROM t")) == list(range(0, 9))   # not 99
    assert store._committed == 2         # the first write's COMMIT, then one COMMIT for the eight others
    assert fsyncs == 2


def test_a_batch_whose_commit_fails_fails_every_block_in_it(store, held_fsync):
    # a deferred foreign key is checked at COMMIT: the one real way to make a COMMIT fail on demand
    store.db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    store.db.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    blocks = {v: insert(v) for v in range(1, 5)}
    blocks["orphan"] = lambda tx: tx.execute("INSERT INTO child (parent_id) VALUES (42)")
    outcomes, _ = start_batch(store, held_fsync, blocks)
    assert outcomes.pop("first") is None
    assert all(isinstance(exc, sqlite3.IntegrityError) for exc in outcomes.values()), outcomes
    assert [r["v"] for r in store.query("SELECT v FROM t")] == [0]      # none of the batch remains
    with store.write() as tx:                                            # and the store goes on
        tx.execute("INSERT INTO t (v) VALUES (10)")
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 2


def test_a_failed_fsync_is_reported_not_acknowledged(store, monkeypatch):
    real, failures = os.fdatasync, [OSError(5, "Input/output error")]

    def failing_once(fd):
        if failures:
            raise failures.pop()
        return real(fd)
    monkeypatch.setattr(os, "fdatasync", failing_once)
    with pytest.raises(OSError):
        with store.write() as tx:
            tx.execute("INSERT INTO t (v) VALUES (1)")
    with store.write() as tx:          # the next writer's fsync covers both
        tx.execute("INSERT INTO t (v) VALUES (2)")
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 2


def test_concurrent_writers_some_failing_keep_exactly_the_blocks_that_returned(store):
    """16 real threads, 40 writes each, every fourth raising after its INSERT: whatever batches they shared, the
    rows in the table are exactly those of the writes that returned."""
    returned, lock = set(), threading.Lock()

    def writer(n):
        for i in range(40):
            value = n * 1000 + i
            try:
                with store.write() as tx:
                    tx.execute("INSERT INTO t (v) VALUES (?)", [value])
                    if i % 4 == 3:
                        raise RuntimeError("changed my mind")
            except RuntimeError:
                continue
            with lock:
                returned.add(value)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(returned) == 16 * 30
    assert {r["v"] for r in store.query("SELECT v FROM t")} == returned
    assert store._committed < 16 * 40      # some writes shared a COMMIT


def test_a_thread_closing_its_connection_leaves_the_shared_one_to_the_others(store):
    store.query("SELECT 1")
    shared = store._shared

    def background_job():
        store.db.execute("SELECT COUNT(*) FROM t").fetchone()
        store.close_thread()

    job = threading.Thread(target=background_job)
    job.start()
    job.join()
    assert store._shared is shared               # still open: writers holding it are not cut off
    with store.write() as tx:
        tx.execute("INSERT INTO t (v) VALUES (1)")
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 1


def test_a_stray_wakeup_does_not_return_before_the_batch_is_on_disk(store, held_fsync):
    release, calls = held_fsync
    done = threading.Event()

    def first():
        with store.write() as tx:
            tx.execute("INSERT INTO t (v) VALUES (1)")

    def poisoned():
        gate = wakeup.thread_gate()
        gate.open()                    # a count left on this thread's gate, as by an interrupted wait
        del gate
        with store.write() as tx:
            tx.execute("INSERT INTO t (v) VALUES (2)")
        done.set()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert eventually(lambda: len(calls), 1) == 1          # the first write is in its (held) fsync
    threads.append(threading.Thread(target=poisoned))
    threads[1].start()
    try:
        assert eventually(lambda: len(store._waiters), 1) == 1
        assert not done.wait(0.3)      # woken by the stray count, it must go back to sleep
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
    assert done.is_set() and len(calls) == 2


def test_waiting_threads_leave_no_descriptors_behind(store):
    with store.write() as tx:
        tx.execute("INSERT INTO t (v) VALUES (-1)")
    before = len(os.listdir("/proc/self/fd"))
    write_from_threads(store, 16, 10)
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) <= before


def test_group_commit_without_eventfd(store, monkeypatch):
    monkeypatch.delattr(os, "eventfd", raising=False)          # as on macOS: gates are plain locks
    assert isinstance(wakeup.thread_gate(), wakeup.LockGate)
    writes = write_from_threads(store, 8, 20)
    assert store.one("SELECT COUNT(DISTINCT v) AS n FROM t")["n"] == writes
