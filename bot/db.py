"""SQLite access: one shared connection for messages (plus one per thread for everything else), WAL, explicit
write transactions made durable by a group commit, numbered migrations, and the one-server-per-database lock.

Inside `store.write()` use plain SQL through `db.execute(...)`: sqlite-utils' table helpers (insert, update)
commit on their own and would end the transaction early. Outside it, sqlite-utils is fine for reading.
"""

import fcntl
import os
import sqlite3
import threading
from contextlib import contextmanager

import sqlite_utils

from .timeutil import to_utc_text, utc_now


class Store:
    """The database file, shared by every thread of the process.

    `query`, `one` and `write` (every message) go through one shared connection, used under one lock: on the
    one core the server runs on, the lock costs nothing, and the connection that makes every write keeps its
    page cache, where per-thread connections re-read their pages after each other thread's COMMIT. The fsync
    happens outside the lock, shared by concurrent writers (group commit). `db` is a per-thread connection
    for everything else: sqlite-utils helpers, long reads, snapshots.
    """

    def __init__(self, path, busy_timeout_ms=10_000):
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._shared = None
        self._before_commit = []         # functions(db) run inside every write transaction, before COMMIT
        # Re-entrant: a plugin may read through query() inside its own write(). Threads of this process queue
        # here, not in SQLite's busy handler, which sleeps and polls (1, 2, 5 … 100 ms).
        self._lock = threading.RLock()
        self._committed = 0              # write transactions committed so far (guarded by _lock)
        self._synced = 0                 # of those, how many an fsync of the WAL has made durable
        self._syncing = False            # an fsync is running (one at a time)
        self._sync_lock = threading.Lock()
        self._sync_waiters = []          # (ticket, gate) of writers waiting for an fsync
        self._synced_wal_inode = None
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def _connect(self):
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL: a COMMIT is in the WAL (safe from a crash) without its own fsync; write() then fsyncs the WAL
        # once for every transaction committed so far (group commit), so an acknowledged write survives power
        # loss exactly as with synchronous=FULL, at one fsync per batch instead of one per transaction.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _shared_db(self):
        if self._shared is None:
            with self._lock:
                if self._shared is None:
                    database = sqlite_utils.Database(self._connect())
                    database.execute("PRAGMA cache_size = -32768")     # 32 MiB: the one connection's cache
                    self._shared = database
        return self._shared

    @property
    def db(self):
        """This thread's own sqlite_utils.Database (not the shared one `query` and `write` use)."""
        if self.path == ":memory:":
            return self._shared_db()       # one in-memory database per connection: share it
        database = getattr(self._local, "db", None)
        if database is None:
            database = sqlite_utils.Database(self._connect())
            self._local.db = database
        return database

    def before_commit(self, function):
        """Run function(db) inside every write transaction, just before its COMMIT: small writes that may wait
        for the next transaction and then share its fsync. It must not raise (or the transaction is lost)."""
        self._before_commit.append(function)

    def transaction(self):
        """The Database of this thread's open write() transaction, or None."""
        return self._shared if getattr(self._local, "in_write", False) else None

    @contextmanager
    def write(self):
        """One write transaction (BEGIN IMMEDIATE: the lock up front, no upgrade deadlocks); not re-entrant.

        When it returns, the transaction is on disk (fsync'd), so a reply may acknowledge it.
        """
        database = self._shared_db()
        conn = database.conn
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            self._local.in_write = True
            try:
                yield database
                for hook in self._before_commit:
                    hook(database)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            finally:
                self._local.in_write = False
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:    # never leave the shared connection inside a failed transaction
                    conn.execute("ROLLBACK")
                raise
            self._committed += 1
            ticket = self._committed
        self._make_durable(ticket)

    def _make_durable(self, ticket):
        """Return once an fsync of the WAL begun after COMMIT number `ticket` has finished.

        The fsync runs outside the write lock, so the transactions that commit meanwhile are made durable
        together by the next one: one fsync per batch of concurrent writers (group commit). Each waiter sleeps
        on its own gate and is woken once, when its batch is on disk or when it is to lead the next one (a
        shared condition would wake every waiter after every fsync).
        """
        while True:
            with self._sync_lock:
                if self._synced >= ticket:
                    return
                if self._syncing:
                    gate = threading.Lock()
                    gate.acquire()
                    self._sync_waiters.append((ticket, gate))
                else:
                    self._syncing, gate, target = True, None, self._committed
            if gate is not None:
                gate.acquire()
                continue
            try:
                self._fsync_wal()         # on failure the error reaches this caller; the next waiter tries again
            except BaseException:
                with self._sync_lock:
                    self._syncing = False
                    self._wake_sync_waiters()
                raise
            with self._sync_lock:
                self._syncing = False
                self._synced = max(self._synced, target)
                self._wake_sync_waiters()
            return

    def _wake_sync_waiters(self):
        """Release the waiters whose COMMIT is now on disk, and the first of the others to lead the next fsync."""
        waiting = []
        for waiter_ticket, gate in self._sync_waiters:
            if waiter_ticket <= self._synced:
                gate.release()
            else:
                waiting.append((waiter_ticket, gate))
        if waiting:
            waiting.pop(0)[1].release()
        self._sync_waiters = waiting

    def _fsync_wal(self):
        """fsync the WAL file (and, the first time a WAL file is seen, its directory entry), as SQLite's
        synchronous=FULL would at COMMIT; fsync covers every page of the file, whichever descriptor wrote it."""
        if self.path == ":memory:":
            return
        wal = self.path + "-wal"
        try:
            fd = os.open(wal, os.O_RDONLY)
        except FileNotFoundError:       # checkpointed and removed: the data is in the (synced) database file
            return
        try:
            os.fdatasync(fd)     # what SQLite itself uses on Linux: data and the size, not the mtime
            inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)
        if inode != self._synced_wal_inode:
            directory = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            self._synced_wal_inode = inode

    def query(self, sql, params=None):
        """Rows as dicts, read through the shared connection (a plain cursor: sqlite-utils' query() wraps every
        read in a SAVEPOINT). For reads of many rows use `db`, which does not hold up other threads."""
        with self._lock:
            cursor = self._shared_db().conn.execute(sql, params or {})
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor]

    def one(self, sql, params=None):
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self):
        """Close this thread's connection and the shared one (reopened on next use)."""
        database = getattr(self._local, "db", None)
        if database is not None:
            database.conn.close()
            self._local.db = None
        with self._lock:
            if self._shared is not None:
                self._shared.conn.close()
                self._shared = None


class ServerRunning(Exception):
    """Another process serves this database."""


def _lock_path(database):
    return os.path.abspath(database) + ".lock"


def hold_server_lock(database):
    """Take '<database>.lock' (flock) for the life of this process: one server per database, as the in-memory
    dedupe of WeChat retries assumes, and no restore under a running server. The kernel drops the lock when the
    process ends, kill -9 included. Returns the open file (keep a reference); raises ServerRunning."""
    os.makedirs(os.path.dirname(_lock_path(database)), exist_ok=True)
    handle = open(_lock_path(database), "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ServerRunning(database) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def server_running(database):
    """The pid of the server holding the database's lock, 0 if unknown, or None when no server holds it."""
    try:
        handle = open(_lock_path(database))
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = handle.read().strip()
            return int(text) if text.isdigit() else 0
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def migrate(store, migrations):
    """Apply each (name, function(db)) not yet recorded, in order, each in its own transaction."""
    database = store.db
    database.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied = {row["name"] for row in database.query("SELECT name FROM migrations")}
    for name, function in migrations:
        if name in applied:
            continue
        with store.write() as tx:
            function(tx)
            tx.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", [name, to_utc_text(utc_now())])


def audit(db, actor, action, target="", detail=""):
    """Record a state change with who did it; call inside the same transaction as the change."""
    db.execute(
        "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [to_utc_text(utc_now()), actor or "", action, str(target), detail or ""],
    )
