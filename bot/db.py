"""SQLite access: one connection per thread (WAL, synchronous=FULL, busy timeout), explicit write transactions,
and numbered migrations recorded in the database.

Inside `store.write()` use plain SQL through `db.execute(...)`: sqlite-utils' table helpers (insert, update)
commit on their own and would end the transaction early. Outside it, sqlite-utils is fine for reading.
"""

import os
import sqlite3
import threading
from contextlib import contextmanager

import sqlite_utils

from .timeutil import to_utc_text, utc_now


class Store:
    """The database file, shared by every thread of the process."""

    def __init__(self, path, busy_timeout_ms=10_000):
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        # Writers of this process queue on a lock instead of in SQLite's busy handler, which sleeps and polls
        # (1, 2, 5 … 100 ms): under load that turned lock waits into p99 latencies near a second.
        self._write_lock = threading.Lock()
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def _connect(self):
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: the WAL is fsync'd at every COMMIT, so an acknowledged expense survives power loss, not just a
        # crash. (A group commit measured no faster on this project's machine: CPU, not fsync, bounds it.)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @property
    def db(self):
        """This thread's sqlite_utils.Database."""
        database = getattr(self._local, "db", None)
        if database is None:
            database = sqlite_utils.Database(self._connect())
            self._local.db = database
        return database

    @contextmanager
    def write(self):
        """One write transaction (BEGIN IMMEDIATE: the lock up front, no upgrade deadlocks); not re-entrant.

        When it returns, the transaction is on disk, so a reply may acknowledge it.
        """
        database = self.db
        with self._write_lock:
            database.execute("BEGIN IMMEDIATE")
            try:
                yield database
            except BaseException:
                database.execute("ROLLBACK")
                raise
            else:
                database.execute("COMMIT")

    def query(self, sql, params=None):
        """Rows as dicts (a plain cursor: sqlite-utils' query() wraps every read in a SAVEPOINT)."""
        cursor = self.db.conn.execute(sql, params or {})
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def one(self, sql, params=None):
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self):
        database = getattr(self._local, "db", None)
        if database is not None:
            database.conn.close()
            self._local.db = None


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
