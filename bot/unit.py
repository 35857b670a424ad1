"""The unit of work every plugin writes through: one transaction per message, job, web request or CLI command.

The framework opens it (`App.transaction()`), hands it to the code as `ctx.db` or `tx`, and commits it when the
code returns; what the code wrote, the audit rows, the saved reply for WeChat's retries and the pushes it queued
are committed together, made durable (bot.db's group commit), and only then are the pushes sent and the
after-commit steps run. If the code raises, nothing it wrote remains and nothing is sent. Plugins never see the
store's locking, batching or fsync.

`execute` returns a sqlite3 cursor, as sqlite3 does; `one` and `query` return dicts. Use plain SQL here:
sqlite-utils' table helpers commit on their own and would end the transaction early.
"""

import logging
import sqlite3
from contextlib import contextmanager

log = logging.getLogger("teabot")


class Transaction:
    def __init__(self, app, database, writable=True):
        self.app = app
        self.conn = database.conn
        self.writable = writable       # False for a read-only run (another process holds the write lock)
        self._pushes = []              # push ids recorded in this transaction, sent after COMMIT
        self._after_commit = []
        self._savepoints = 0

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def executemany(self, sql, rows):
        return self.conn.executemany(sql, rows)

    def query(self, sql, params=()):
        """Rows as dicts."""
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def one(self, sql, params=()):
        """The first row as a dict, or None."""
        cursor = self.conn.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip([column[0] for column in cursor.description], row))

    def value(self, sql, params=()):
        """The first column of the first row, or None."""
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def push(self, openid, text, kind="", notice="", fields=None):
        """Queue a message to a user: recorded in this transaction, sent only once it has committed. `notice` and
        `fields`: the template message that carries it outside the 48-hour window (bot/push.py, docs/notices.md)."""
        ids = self.app.pusher.record(self, openid, text, kind, notice=notice, fields=fields)
        self._pushes.extend(ids)
        return ids[0] if ids else None

    def after_commit(self, function):
        """Run function() once this transaction is committed and on disk (never if it is rolled back): for work
        outside the database, e.g. an HTTP call that must not hold the write lock. Exceptions are logged."""
        self._after_commit.append(function)

    @contextmanager
    def savepoint(self):
        """A part of the transaction that can be undone alone: what the block wrote is rolled back if it raises
        (the exception goes on), the rest of the transaction stays."""
        self._savepoints += 1
        name = f"teabot_part{self._savepoints}"
        pushes, after = len(self._pushes), len(self._after_commit)
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            try:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
            except sqlite3.Error:
                log.exception("could not roll back to %s", name)
            del self._pushes[pushes:], self._after_commit[after:]
            raise
        else:
            self.conn.execute(f"RELEASE {name}")

    def committed(self):
        """Called by the framework after COMMIT and fsync: send the pushes, run the after-commit steps."""
        if self._pushes:
            self.app.pusher.enqueue(self._pushes)
        for function in self._after_commit:
            try:
                function()
            except Exception:
                log.exception("after-commit step %s failed", getattr(function, "__name__", function))
