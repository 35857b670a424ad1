"""De-duplication of WeChat's retries: one computation per message, and the same reply for every retry of it
(kept in memory, saved to the inbound table)."""

import collections
import logging
import secrets
import sqlite3
import threading
import time
from datetime import timedelta

from .db import store_fault
from .router import error_reply
from .timeutil import from_utc_text, to_utc_text, utc_now

log = logging.getLogger("teabot.wechat")

RETRY_WAIT_SECONDS = 4.5           # WeChat gives up on a request after 5 s
KEEP_INBOUND_DAYS = 2
RECENT_SECONDS = 300               # replies answered to retries from memory (WeChat retries within ~15 s)
SAVE_INTERVAL_SECONDS = 0.5        # replies no write transaction took along are saved this often
SAVER_IDLE_SECONDS = 10            # the saver thread ends after this long with nothing to save
SAVE_BATCH_ROWS = 100              # rows per transaction: a short hold of the database lock, not one long one


class _Flight:
    """One computation in progress; retries of it wait() until finish(). (A held lock as the latch: cheaper
    than a threading.Event, made once per message.)"""
    __slots__ = ("_latch", "reply")

    def __init__(self):
        self._latch = threading.Lock()
        self._latch.acquire()
        self.reply = None

    def wait(self, timeout):
        if not self._latch.acquire(timeout=timeout):
            return False
        self._latch.release()          # let the next waiter through
        return True

    def finish(self):
        self._latch.release()


class Inbound:
    """At most one computation per dedupe key; retries (even concurrent ones) get the same reply.

    A key being computed is claimed in memory (one server process per database); its reply is then kept in
    memory for RECENT_SECONDS (WeChat retries within about 15 s) and saved to the inbound table inside the next
    write transaction of any request (Store.before_commit: it shares that fsync), or by a background writer
    after SAVE_INTERVAL_SECONDS when no write comes; a restarted process loads the recent ones at start, so it
    answers a late retry with the same reply too. No request waits for that save: what a command changes is on
    disk before it replies (Store.write), and commands that change data record the MsgId themselves
    (expenses.source_msg_id, settlements.source_msg_id), so a retry that finds no saved reply (a crash before
    the save) computes again without recording twice.
    """

    def __init__(self, store, wait_seconds=RETRY_WAIT_SECONDS):
        self.store = store
        self.wait_seconds = wait_seconds
        self._flights = {}
        self._recent = collections.OrderedDict()   # key -> (time.monotonic(), reply), oldest first
        self._unsaved = []                    # inbound rows the saver has not written yet
        self._lock = threading.Lock()
        self._saver = None
        self._last_prune = 0.0
        store.before_commit(self._save_pending)
        self._load_recent()

    def _load_recent(self):
        """The replies saved in the last RECENT_SECONDS (by a process before this one): a retry of one of those
        is answered from memory like any other, so no message needs a database read to be deduplicated."""
        now_utc, now = utc_now(), time.monotonic()
        rows = self.store.query(
            "SELECT dedupe_key, received_at, reply FROM inbound WHERE state = 'done' AND received_at >= :since "
            "ORDER BY received_at", {"since": to_utc_text(now_utc - timedelta(seconds=RECENT_SECONDS))})
        for row in rows:
            age = max(0.0, (now_utc - from_utc_text(row["received_at"])).total_seconds())
            self._recent[row["dedupe_key"]] = (now - age, row["reply"] or "")

    def once(self, key, openid, compute):
        """compute() for the first arrival of `key`; a retry waits for and returns the same reply ('' if the
        first is still running after the wait: WeChat will retry again and the reply will be there)."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            with self._lock:
                recent = self._recent.get(key)
                if recent is not None:
                    log.info("retry of %s answered with the reply of the first attempt", key)
                    return recent[1]
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = _Flight()
                    claimed = True
                else:
                    claimed = False
            if claimed:
                return self._run(key, openid, flight, compute)
            if not flight.wait(max(0.0, deadline - time.monotonic())):
                log.warning("%s still processing after %.1fs; answering success so WeChat retries", key,
                            self.wait_seconds)
                return ""
            if flight.reply is not None:
                log.info("retry of %s answered with the reply of the first attempt", key)
                return flight.reply
            # the first attempt failed and let go: try ourselves

    def _run(self, key, openid, flight, compute):
        try:
            try:
                reply = compute() or ""
            except Exception as exc:         # nothing kept: a retry computes again
                fault = store_fault(exc)
                if fault is not None:        # expected (database busy, disk full): the reply says so
                    log.warning("handling %s not done (%s: %s)", key, fault.kind, fault)
                    return fault.reply
                error_id = secrets.token_hex(3)
                log.exception("handling %s failed, error id %s", key, error_id)
                return error_reply(error_id)
            flight.reply = reply
            with self._lock:
                now = time.monotonic()
                self._recent[key] = (now, reply)
                while next(iter(self._recent.values()))[0] < now - RECENT_SECONDS:
                    self._recent.popitem(last=False)          # oldest first: amortised O(1) per message
                self._unsaved.append([key, openid, to_utc_text(utc_now()), reply])
            self._start_saver()
            return reply
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.finish()

    # --- saving replies -----------------------------------------------------------------------------------------

    def _save_pending(self, db):
        """Store hook, run inside every write transaction before its COMMIT: the replies waiting to be saved ride
        along (usually the one or two of the messages just before), sharing that transaction's fsync."""
        with self._lock:
            batch, self._unsaved = self._unsaved[:SAVE_BATCH_ROWS], self._unsaved[SAVE_BATCH_ROWS:]
        if not batch:
            return
        try:
            db.conn.executemany(
                "INSERT INTO inbound (dedupe_key, openid, received_at, state, reply) VALUES (?, ?, ?, 'done', ?) "
                "ON CONFLICT(dedupe_key) DO UPDATE SET state = 'done', reply = excluded.reply", batch)
        except sqlite3.Error:
            log.exception("could not save %d inbound replies; kept for the next transaction", len(batch))
            with self._lock:
                self._unsaved[:0] = batch

    def _start_saver(self):
        if self._saver is None:
            with self._lock:
                if self._saver is None:
                    self._saver = threading.Thread(target=self._save_forever, name="teabot-inbound", daemon=True)
                    self._saver.start()

    def _save_forever(self):
        """For replies no write transaction took along (read-only commands): a transaction of their own every
        SAVE_INTERVAL_SECONDS. After SAVER_IDLE_SECONDS with nothing to save, end (the next reply starts a new
        saver), so an idle endpoint holds no thread and no reference to its store."""
        idle_since = time.monotonic()
        while True:
            time.sleep(SAVE_INTERVAL_SECONDS)
            with self._lock:
                if self._unsaved:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since >= SAVER_IDLE_SECONDS:
                    self._saver = None
                    return
            try:
                self.flush()
            except Exception:
                log.exception("could not save inbound replies")

    def flush(self):
        """Save the replies not yet saved (until a transaction saves none: the hook logged why); prune old rows
        hourly."""
        with self._lock:
            pending = len(self._unsaved)
        while pending:
            with self.store.write():
                pass                    # the hook saves (up to SAVE_BATCH_ROWS per transaction)
            with self._lock:
                pending, before = len(self._unsaved), pending
            if pending >= before:
                break
        if time.monotonic() - self._last_prune >= 3600:
            self._last_prune = time.monotonic()
            with self.store.write() as db:
                db.execute("DELETE FROM inbound WHERE state = 'done' AND received_at < ?",
                           [to_utc_text(utc_now() - timedelta(days=KEEP_INBOUND_DAYS))])
