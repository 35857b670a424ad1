"""SQLite access: one shared connection for messages (plus one per thread for everything else), WAL, explicit
write transactions made durable by a group commit, numbered migrations, and the one-server-per-database lock.

Inside `store.write()` use plain SQL through `db.execute(...)`: sqlite-utils' table helpers (insert, update)
commit on their own and would end the transaction early. Outside it, sqlite-utils is fine for reading. A write
block shares its transaction with concurrent ones (each in its own SAVEPOINT), so constraints must be checked
when a statement runs (the default), not deferred to COMMIT, where one block's violation would fail them all.
"""

import errno
import fcntl
import os
import sqlite3
import threading
import time
from contextlib import contextmanager

import sqlite_utils

from .timeutil import to_utc_text, utc_now
from .wakeup import thread_gate


MAX_BATCH = 64                     # write() blocks sharing one transaction at most
WRITE_LOCK_WAIT_SECONDS = 3.0      # a writer waits this long for another connection's write lock: WeChat waits 5 s
# Between attempts at SQLite's write lock (as SQLite's own busy handler sleeps), then the last one repeated.
_LOCK_RETRY_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)


class StoreFault(Exception):
    """A write the database could not make for a reason the user should be told (not a bug): `reply` tells them,
    `kind` names it for /healthz. Nothing of the write was kept."""
    kind = reply = ""


class StoreBusy(StoreFault):
    """Another connection (an operator's sqlite3 shell, another process) held SQLite's write lock all along."""
    kind, reply = "busy", "数据库正忙，请稍后再试"


class StoreFull(StoreFault):
    """The disk (or the database's size limit) is full."""
    kind, reply = "full", "服务器存储空间不足，没有保存"


def store_fault(exc):
    """The StoreFault that a database error means for the user, or None for any other error: the one place that
    maps SQLite's (and the fsync's) error kinds to what a reply says."""
    if isinstance(exc, StoreFault):
        return exc
    if isinstance(exc, sqlite3.Error):
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF      # the primary code of an extended one
        if code == sqlite3.SQLITE_FULL:
            return StoreFull(str(exc))
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreBusy(str(exc))
    elif isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(str(exc))
    return None


class _Batch:
    """write() blocks sharing one transaction: how many, its COMMIT number once committed, the error that
    failed it, the connection's total_changes when it began."""
    __slots__ = ("size", "ticket", "error", "changes")

    def __init__(self, changes):
        self.size = 0
        self.ticket = None
        self.error = None
        self.changes = changes


class _Waiter:
    """A writer waiting for its batch to be on disk, or to be told to lead the next fsync: made by the waiting
    thread, woken once by another (`wake`, under the store lock)."""
    __slots__ = ("gate", "batch", "lead", "woken")

    def __init__(self, batch):
        self.gate = thread_gate()
        self.batch = batch
        self.lead = False
        self.woken = False

    def wait(self):
        self.gate.wait()               # always once: consumes this waiter's own wake-up, even if already woken
        while not self.woken:          # a stray count (left by an interrupted wait) returned early: sleep again
            self.gate.wait()

    def wake(self, lead=False):
        self.lead, self.woken = lead, True
        self.gate.open()


class Store:
    """The database file, shared by every thread of the process.

    `query`, `one` and `write` (every message) go through one shared connection, used under one lock: on the
    one core the server runs on, the lock costs nothing, and the connection that makes every write keeps its
    page cache, where per-thread connections re-read their pages after each other thread's COMMIT. Concurrent
    writers share one transaction and one fsync (group commit, see write()). `db` is a per-thread connection
    for everything else: sqlite-utils helpers, long reads, snapshots.

    What a read through `query`/`one` may see: blocks of the batch still open (committed with it a moment
    later), as it may see a batch not yet fsync'd. A write block that read them commits or fails with them (it
    is in the same batch or a later one); only a read-only reply could show a record whose batch then fails to
    commit (disk full, I/O error), and that record's writer is told it failed. Reads through `db` see
    committed data only.

    Another connection's write transaction (an operator's `sqlite3` shell, a backup) is waited for by write()
    without the lock (see _lock_in_transaction), so reads go on meanwhile, and for lock_wait_seconds at most.
    """

    def __init__(self, path, busy_timeout_ms=10_000, lock_wait_seconds=WRITE_LOCK_WAIT_SECONDS):
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms           # the per-thread connections' (`db`)
        self.lock_wait_seconds = lock_wait_seconds
        self.full = None                 # the StoreFull of the last write refused so, until a write gets through
        self._local = threading.local()
        self._shared = None
        self._before_commit = []         # functions(db) run inside every write transaction, before COMMIT
        # Re-entrant: a plugin may read through query() inside its own write(). Threads of this process queue
        # here, not in SQLite's busy handler, which sleeps and polls (1, 2, 5 … 100 ms).
        self._lock = threading.RLock()
        # group commit, all guarded by _lock
        self._batch = None               # the open transaction write() blocks share, see write()
        self._committed = 0              # batches committed so far
        self._synced = 0                 # of those, how many an fsync of the WAL has made durable
        self._syncing = False            # an fsync leader is running (one at a time)
        self._waiters = []               # writers waiting for their batch's COMMIT and fsync
        self._writers_waiting = 0        # threads in write() waiting for _lock (guarded by _waiting_lock)
        self._waiting_lock = threading.Lock()
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
                    # No busy handler: it would sleep under the lock. The only wait for another connection in WAL
                    # mode is BEGIN IMMEDIATE's, which _lock_in_transaction makes with the lock released.
                    database.execute("PRAGMA busy_timeout = 0")
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
    def write(self, wait_seconds=None):
        """One write transaction; not re-entrant. `wait_seconds`: how long to wait for another connection's write
        lock (default lock_wait_seconds; 0 for a write that may be skipped rather than hold up a reply). When it returns, what it wrote is on disk (fsync'd), so a reply
        may acknowledge it; if the block raises, nothing it wrote remains.

        Concurrent writers share transactions (group commit): each block runs in its own SAVEPOINT inside the
        open transaction (a batch), which is committed when no other writer is waiting for the lock and no fsync
        is running, or else by the next fsync's leader: writers that arrive while the disk is busy with one
        batch form the next. A COMMIT writes each page it changed to the WAL once, so the pages messages have in
        common (the ends of the ledger, its indexes, the audit table) are written once per batch, and one fsync
        covers the batch. BEGIN IMMEDIATE takes the write lock up front: no upgrade deadlocks. Another
        connection's write transaction is waited for with the store lock released, for lock_wait_seconds at most
        (then StoreBusy); a full disk raises StoreFull (store_fault maps the errors).
        """
        if getattr(self._local, "in_write", False):
            raise RuntimeError("store.write() is not re-entrant: use the transaction you are in")
        began = self._lock_in_transaction(self.lock_wait_seconds if wait_seconds is None else wait_seconds,
                                          writer=True)    # raises before anything is open
        waiter, lead = None, False
        try:
            database = self._shared_db()       # under the lock: close() cannot close it under us
            conn = database.conn
            if began:
                self._batch = _Batch(conn.total_changes)
            batch = self._batch
            failure = None
            try:
                conn.execute("SAVEPOINT teabot_write")
                self._local.in_write = True
                try:
                    yield database
                finally:
                    self._local.in_write = False
                conn.execute("RELEASE teabot_write")
                batch.size += 1
            except BaseException as exc:
                failure = exc
                self._undo_block(conn, batch, exc)
            keep_open = (batch.error is None and batch.size < MAX_BATCH
                         and (self._writers_waiting > 0 or (self._syncing and batch.size > 0)))
            if not keep_open:
                self._close_batch(conn)
                if not self._syncing:
                    self._syncing = lead = True     # even if this block failed: the others need the fsync
            if not lead and failure is None and batch.error is None:
                waiter = _Waiter(batch)
                self._waiters.append(waiter)
        finally:
            self._lock.release()
        if waiter is not None:
            waiter.wait()              # woken when the batch is on disk, or to lead the next fsync
            lead = waiter.lead
        if lead:
            self._lead(batch)
        if failure is not None:
            self._raise(failure)
        if batch.error is not None:
            self._raise(batch.error)

    @staticmethod
    def _raise(exc):
        """Raise a write's error, as its StoreFault if it is one."""
        fault = store_fault(exc)
        if fault is None or fault is exc:
            raise exc
        raise fault from exc

    def _note_failure(self, exc):
        """(Under the lock, where a block or a batch fails.) Remember a full disk for /healthz until a write gets
        through (_close_batch forgets it)."""
        fault = store_fault(exc)
        if isinstance(fault, StoreFull):
            self.full = fault

    def _lock_in_transaction(self, wait_seconds, writer):
        """Return holding the lock, the shared connection inside a write transaction: the open batch's (False) or
        one just begun with BEGIN IMMEDIATE (True). While another connection holds SQLite's write lock, try again
        with the lock released in between, so that reads and the group commit go on, and raise StoreBusy after
        wait_seconds. `writer`: count this thread in _writers_waiting while it waits for the lock (a batch is
        kept open for such a thread, which will join it)."""
        deadline, delays = None, iter(_LOCK_RETRY_SECONDS)
        while True:
            if writer:
                with self._waiting_lock:
                    self._writers_waiting += 1
                try:
                    self._lock.acquire()
                finally:
                    with self._waiting_lock:
                        self._writers_waiting -= 1
            else:
                self._lock.acquire()
            try:
                if self._batch is not None:
                    return False
                self._shared_db().conn.execute("BEGIN IMMEDIATE")
                return True
            except sqlite3.OperationalError as exc:
                self._lock.release()
                if not isinstance(store_fault(exc), StoreBusy):
                    raise
                busy = exc
            except BaseException:
                self._lock.release()
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + wait_seconds
            if now >= deadline:
                raise StoreBusy(f"another connection held the write lock for {wait_seconds:g} s ({busy})") from busy
            time.sleep(min(next(delays, _LOCK_RETRY_SECONDS[-1]), deadline - now))

    def write_fault(self, wait_seconds):
        """For /healthz: the StoreFault a write would meet now, or None. StoreFull if the last write found the disk
        full and none has got through since; StoreBusy if SQLite's write lock cannot be had within wait_seconds
        (taken and given back at once, writing nothing)."""
        if self.full is not None:
            return self.full
        try:
            began = self._lock_in_transaction(wait_seconds, writer=False)
        except StoreBusy as busy:
            return busy
        try:
            if began:
                self._shared.conn.execute("ROLLBACK")
        finally:
            self._lock.release()
        return None

    def sync(self):
        """Return once every write a read through query()/one() can see is on disk: call it before a reply
        acknowledges a record that another thread may have written a moment ago (a retry finding the first
        attempt's row), since that record's batch may not be committed yet."""
        with self._lock:
            if self._batch is None and self._synced == self._committed:
                return                 # all on disk already: no transaction to wait for (or for its lock)
        with self.write():
            pass

    def _undo_block(self, conn, batch, exc):
        """Roll back one block's savepoint. Some errors (disk full, I/O) make SQLite roll back the whole
        transaction: then the batch has failed, and so has every block in it."""
        self._note_failure(exc)
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO teabot_write")
                conn.execute("RELEASE teabot_write")
                return
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        batch.error = exc

    def _close_batch(self, conn):
        """COMMIT the open batch after the before_commit hooks (under the lock); a failed batch wakes its writers
        with the error."""
        batch, self._batch = self._batch, None
        if batch is None:
            return
        if batch.error is None:
            try:
                for hook in self._before_commit:
                    hook(self._shared)
                conn.execute("COMMIT")
                self._committed += 1
                batch.ticket = self._committed
                if self.full is not None and conn.total_changes != batch.changes:
                    self.full = None   # a transaction that wrote something got into the WAL: there is room again
                return
            except BaseException as exc:
                batch.error = exc
                self._note_failure(exc)
        if conn.in_transaction:        # never leave the shared connection inside a failed transaction
            conn.execute("ROLLBACK")
        self._release(lambda waiter: waiter.batch is batch)

    def _lead(self, own):
        """Be the fsync leader (self._syncing is set): commit the open batch, if any, fsync the WAL once for every
        batch committed so far (the leader's own batch `own` among them), release their writers and hand the lead
        to a writer still waiting."""
        with self._lock:
            self._close_batch(self._shared.conn)
            target = self._committed
        error = None
        if target > self._synced:
            try:
                self._fsync_wal()
            except BaseException as exc:          # those batches fail; the next leader tries again for later ones
                error = exc
        with self._lock:
            if error is None:
                self._synced = max(self._synced, target)
            else:
                self._note_failure(error)
                for batch in [own] + [waiter.batch for waiter in self._waiters]:
                    if batch.error is None and batch.ticket is not None and self._synced < batch.ticket <= target:
                        batch.error = error
            self._release(lambda waiter: waiter.batch.ticket is not None and waiter.batch.ticket <= target)
            self._syncing = False
            if self._waiters:                     # a batch committed or left open during this fsync
                successor = self._waiters.pop(0)
                self._syncing = True
                successor.wake(lead=True)

    def _release(self, done):
        """Wake the waiting writers for which done(waiter) is true (under the lock)."""
        waiting = []
        for waiter in self._waiters:
            if done(waiter):
                waiter.wake()
            else:
                waiting.append(waiter)
        self._waiters = waiting

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

    def close_thread(self):
        """Close this thread's own connection (`db`): for a thread that used it and is about to end."""
        database = getattr(self._local, "db", None)
        if database is not None:
            database.conn.close()
            self._local.db = None

    def close(self):
        """Close this thread's connection and the shared one (reopened on next use), once every write begun on
        it is committed and on disk: for shutdown, or before the database file is replaced."""
        self.close_thread()
        if self._shared is not None:
            self.sync()
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
