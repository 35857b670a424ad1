"""De-duplication of WeChat's retries, for every message and event, in the framework: a plugin never sees it.

WeChat sends a message again when no reply came within 5 s (up to three times), and may do so while the first
attempt still runs, or after this server crashed. Each message has a key (its MsgId; for events FromUserName +
CreateTime). The first arrival of a key runs the handler in the message's transaction, and the reply is saved in
the `inbound` table in that same transaction (App.run_message): either everything the handler wrote and the
saved reply are on disk, or nothing is. So:

- a retry while the first attempt runs waits for it (in memory: one server process per database) and gets its
  reply;
- a retry after it gets the reply from memory (the last RECENT_SECONDS) or from the table (after a restart);
- two attempts that both got as far as saving (a restart between them) cannot both commit: the key is the
  table's primary key, so the second is rolled back and answered with the first's saved reply.

A handler that failed (an error, the database busy) keeps nothing, and its retry runs again.
"""

import collections
import logging
import threading
import time
from datetime import timedelta

from .timeutil import from_utc_text, to_utc_text, utc_now

log = logging.getLogger("teabot.wechat")

RETRY_WAIT_SECONDS = 4.5           # WeChat gives up on a request after 5 s
KEEP_INBOUND_DAYS = 2
RECENT_SECONDS = 300               # replies answered to retries from memory (WeChat retries within ~15 s)
PRUNE_INTERVAL_SECONDS = 3600


class AlreadyAnswered(Exception):
    """The key was saved by another attempt: roll this one back and answer with the saved reply."""

    def __init__(self, reply):
        super().__init__("already answered")
        self.reply = reply


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
    """At most one computation per dedupe key; retries (even concurrent ones) get the same reply."""

    def __init__(self, app, wait_seconds=RETRY_WAIT_SECONDS):
        self.app = app
        self.store = app.store
        self.wait_seconds = wait_seconds
        self._flights = {}
        self._recent = None                        # key -> (time.monotonic(), reply), oldest first; loaded lazily
        self._lock = threading.Lock()
        self._last_prune = time.monotonic()

    def _recent_replies(self):
        """(Under the lock.) The replies saved in the last RECENT_SECONDS, by this process or one before it: a
        retry of one of those is answered from memory, so no message needs a read to be de-duplicated."""
        if self._recent is None:
            self._recent = collections.OrderedDict()
            now_utc, now = utc_now(), time.monotonic()
            rows = self.store.query(
                "SELECT dedupe_key, received_at, reply FROM inbound WHERE state = 'done' AND received_at >= :since "
                "ORDER BY received_at", {"since": to_utc_text(now_utc - timedelta(seconds=RECENT_SECONDS))})
            for row in rows:
                age = max(0.0, (now_utc - from_utc_text(row["received_at"])).total_seconds())
                self._recent[row["dedupe_key"]] = (now - age, row["reply"] or "")
        return self._recent

    def once(self, key, openid, run):
        """run(tx) for the first arrival of `key`, in the message's transaction; a retry waits for and returns
        the same reply ('' if the first is still running after the wait: WeChat will retry again and the reply
        will be there). An exception of run() propagates to the caller of the first arrival only."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            with self._lock:
                recent = self._recent_replies().get(key)
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
                return self._run(key, openid, flight, run)
            if not flight.wait(max(0.0, deadline - time.monotonic())):
                log.warning("%s still processing after %.1fs; answering success so WeChat retries", key,
                            self.wait_seconds)
                return ""
            if flight.reply is not None:
                log.info("retry of %s answered with the reply of the first attempt", key)
                return flight.reply
            # the first attempt failed and let go: try ourselves

    def _run(self, key, openid, flight, run):
        try:
            try:
                reply = self.app.run_message(key, openid, run)
            except AlreadyAnswered as answered:
                log.info("%s was answered before (saved reply used)", key)
                reply = answered.reply
            flight.reply = reply
            with self._lock:
                now = time.monotonic()
                recent = self._recent_replies()
                recent[key] = (now, reply)
                while next(iter(recent.values()))[0] < now - RECENT_SECONDS:
                    recent.popitem(last=False)          # oldest first: amortised O(1) per message
            return reply
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.finish()

    def save(self, tx, key, openid, reply):
        """Save the reply under `key` in the message's transaction `tx`; raises AlreadyAnswered if another attempt
        saved it first. Returns the reply."""
        saved = tx.execute(
            "INSERT INTO inbound (dedupe_key, openid, received_at, state, reply) VALUES (?, ?, ?, 'done', ?) "
            "ON CONFLICT(dedupe_key) DO UPDATE SET state = 'done', reply = excluded.reply, "
            "received_at = excluded.received_at WHERE inbound.state != 'done'",   # a crashed old 'processing' row
            [key, openid, to_utc_text(utc_now()), reply or ""]).rowcount
        if not saved:
            raise AlreadyAnswered(tx.value("SELECT reply FROM inbound WHERE dedupe_key = ?", [key]) or "")
        if time.monotonic() - self._last_prune >= PRUNE_INTERVAL_SECONDS:
            # hourly, one read of the last two days' rows (no index on received_at: that would cost every message)
            self._last_prune = time.monotonic()
            tx.execute("DELETE FROM inbound WHERE received_at < ?",
                       [to_utc_text(utc_now() - timedelta(days=KEEP_INBOUND_DAYS))])
        return reply or ""
