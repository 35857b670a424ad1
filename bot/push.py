"""Best-effort pushes to users: recorded in the sender's transaction, sent from a background thread once it has
committed, with what happened recorded."""

import logging
import queue
import threading
import time
from datetime import timedelta

from .pages import REPLY_LIMIT_BYTES, byte_len, split_pages
from .timeutil import from_utc_text, to_utc_text, utc_now
from .wechat_api import NETWORK_ERROR, PushError, redact

log = logging.getLogger("teabot.push")

RETRY_DELAY_SECONDS = 1.0
MAX_ATTEMPTS = 2            # a second try only for network errors / WeChat "system busy"


class Pusher:
    """push() records a 'pending' row and returns at once; one daemon thread sends and records the outcome.

    The 48-hour customer-service window is WeChat's rule, so it is checked only when sending through the
    WeChat API (no `sender` given); a custom sender (tests, the local console) receives every push.
    """

    def __init__(self, app, sender=None):
        self.app = app
        self.sender = sender
        self.retry_delay = RETRY_DELAY_SECONDS
        self._queue = queue.Queue()
        self._thread = None
        self._start_lock = threading.Lock()

    # --- the caller's side ------------------------------------------------------------------------------------

    def push(self, openid, text, kind=""):
        """Record and queue a message: in this thread's open unit of work if there is one (sent when it commits,
        as tx.push / ctx.push), else in a transaction of its own. Returns the first push id (None if recording
        failed). Never raises."""
        current = self.app.current_transaction()
        if current is not None:
            return current.push(openid, text, kind)
        try:
            with self.app.transaction() as tx:
                return tx.push(openid, text, kind)
        except Exception:
            log.exception("could not record a push to %s (kind %s)", openid, kind)
            return None

    def record(self, tx, openid, text, kind=""):
        """Record a message as pending rows inside transaction `tx` (not sent yet): the ids, one per part.

        A text over WeChat's 2,048-byte limit is sent as several messages, cut between lines like a long reply
        and numbered （1/3）, so none of them is refused."""
        now = to_utc_text(utc_now())
        sql = "INSERT INTO pushes (openid, text, kind, created_at, status) VALUES (?, ?, ?, ?, 'pending')"
        return [tx.execute(sql, [openid, part, kind or "", now]).lastrowid for part in self._parts(text)]

    def enqueue(self, ids):
        """Hand committed pending rows to the sending thread."""
        try:
            self._ensure_worker()
            for push_id in ids:
                self._queue.put(push_id)
        except Exception:
            log.exception("could not queue pushes %s", ids)

    @staticmethod
    def _parts(text):
        if byte_len(text) <= REPLY_LIMIT_BYTES:
            return [text]
        pages = split_pages(text, REPLY_LIMIT_BYTES - 32)
        return [f"{page}\n（{i}/{len(pages)}）" for i, page in enumerate(pages, 1)]

    def resume(self):
        """Queue again the pushes a previous process recorded but never finished (it stopped or crashed between
        recording and sending): at start, so a notification may arrive twice rather than never. The 48-hour
        window is checked when each is sent, as for any push. Returns how many were queued."""
        rows = self.app.store.query("SELECT id FROM pushes WHERE status = 'pending' ORDER BY id")
        if rows:
            self._ensure_worker()
            for row in rows:
                self._queue.put(row["id"])
            log.info("%d push(es) left pending by the previous run queued again", len(rows))
        return len(rows)

    def flush(self, timeout=5):
        """Wait until every queued push has been handled, at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("push queue not drained after %ss (%s left)", timeout, self._queue.unfinished_tasks)
                    return
                self._queue.all_tasks_done.wait(remaining)

    def idle(self):
        return self._queue.unfinished_tasks == 0

    # --- the worker -------------------------------------------------------------------------------------------

    def _ensure_worker(self):
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="teabot-push", daemon=True)
                self._thread.start()

    def _work(self):
        while True:
            push_id = self._queue.get()
            try:
                self._deliver(push_id)
            except Exception:
                log.exception("push %s: unexpected failure", push_id)
            finally:
                self._queue.task_done()

    def _load(self, push_id):
        return self.app.store.one("SELECT * FROM pushes WHERE id = :i", {"i": push_id})

    def _window_open(self, openid):
        hours = (self.app.config.get("wechat") or {}).get("push_window_hours", 48)
        user = self.app.store.one("SELECT last_message_at FROM users WHERE openid = :o", {"o": openid})
        if not user or not user["last_message_at"]:
            return False, hours
        return utc_now() - from_utc_text(user["last_message_at"]) < timedelta(hours=hours), hours

    def _deliver(self, push_id):
        row = self._load(push_id)
        if row is None:
            log.warning("push %s vanished before sending", push_id)
            return
        if row["status"] != "pending":
            return
        sender = self.sender
        if sender is None:
            is_open, hours = self._window_open(row["openid"])
            if not is_open:
                self._finish(push_id, "skipped", f"超过{hours}小时窗口", 0)
                log.info("push %s to %s skipped: outside the %sh window", push_id, row["openid"], hours)
                return
            sender = self.app.wechat_api.send_text
        attempts = 0
        while True:
            attempts += 1
            try:
                sender(row["openid"], row["text"])
            except PushError as exc:
                if exc.errcode == NETWORK_ERROR and attempts < MAX_ATTEMPTS:
                    time.sleep(self.retry_delay)
                    continue
                error = redact(f"{exc.errcode} {exc.errmsg}")
            except Exception as exc:
                error = redact(f"{type(exc).__name__}: {exc}")
            else:
                self._finish(push_id, "sent", "", attempts)
                return
            self._finish(push_id, "failed", error, attempts)
            log.warning("push %s to %s failed after %s attempt(s): %s", push_id, row["openid"], attempts, error)
            return

    def _finish(self, push_id, status, error, attempts):
        sent_at = to_utc_text(utc_now()) if status == "sent" else None
        with self.app.transaction() as tx:
            tx.execute("UPDATE pushes SET status = ?, error = ?, attempts = ?, sent_at = ? WHERE id = ?",
                       [status, error, attempts, sent_at, push_id])
