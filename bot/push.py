"""Best-effort pushes to users: recorded in the sender's transaction, sent from a background thread once it has
committed, with what happened recorded.

A push goes as a customer-service message while the user is within WeChat's 48-hour window; outside it, or when
WeChat answers with the window error, as the template message configured for its kind of notice
(`wechat.templates`, the fields in bot.config.NOTICE_FIELDS); else it is skipped. Every try, and each channel
passed over, is a push_attempts row; the pushes row keeps the final status and the channel it came by."""

import json
import logging
import queue
import threading
import time
from datetime import timedelta

from .config import NOTICE_FIELDS, TEMPLATE_VALUE_CHARS, template_placeholders
from .menu import console_url
from .pages import REPLY_LIMIT_BYTES, byte_len, split_pages
from .timeutil import from_utc_text, local_text, to_utc_text, utc_now
from .wechat_api import NETWORK_ERROR, PushError, redact

log = logging.getLogger("teabot.push")

RETRY_DELAY_SECONDS = 1.0
MAX_ATTEMPTS = 2            # a second try only for network errors / WeChat "system busy"
# The customer-service message cannot reach the user now: outside the 48-hour window (45015), or more messages
# since the user last wrote than WeChat allows (45047). A template message may still reach them.
WINDOW_ERRORS = {45015, 45047}
RECENT_DAYS = 7             # /healthz and the console count the pushes of the last 7 days


class _Filled(dict):
    """A notice's fields at send time: a placeholder with no value is left empty, never sent as "{field}"."""

    def __missing__(self, key):
        return ""


def _clip(text):
    return text if len(text) <= TEMPLATE_VALUE_CHARS else text[:TEMPLATE_VALUE_CHARS - 1] + "…"


def fill(text, fields):
    """A template value with its {field}s filled from `fields` (plain text), at most TEMPLATE_VALUE_CHARS long.
    ValueError for anything but plain {name} placeholders (`check` refuses those; this guards a config changed in
    memory)."""
    template_placeholders(text)
    return _clip(text.format_map(_Filled(fields)))


def recent_counts(reader, days=RECENT_DAYS):
    """The pushes made in the last `days` days by final outcome: sent and failed per channel, skipped, pending
    (numbers only: /healthz is public). Rows from before issue 16 have no channel: they were customer-service."""
    since = to_utc_text(utc_now() - timedelta(days=days))
    counts = {"days": days, "custom": {"sent": 0, "failed": 0}, "template": {"sent": 0, "failed": 0},
              "skipped": 0, "pending": 0}
    for row in reader.query("SELECT status, channel, COUNT(*) AS n FROM pushes WHERE created_at >= :s "
                            "GROUP BY status, channel", {"s": since}):
        if row["status"] in ("sent", "failed"):
            counts["template" if row["channel"] == "template" else "custom"][row["status"]] += row["n"]
        elif row["status"] in ("skipped", "pending"):
            counts[row["status"]] += row["n"]
    return counts


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

    def push(self, openid, text, kind="", notice="", fields=None):
        """Record and queue a message: in this thread's open unit of work if there is one (sent when it commits,
        as tx.push / ctx.push), else in a transaction of its own. Returns the first push id (None if recording
        failed). Never raises."""
        current = self.app.current_transaction()
        if current is not None:
            return current.push(openid, text, kind, notice=notice, fields=fields)
        try:
            with self.app.transaction() as tx:
                return tx.push(openid, text, kind, notice=notice, fields=fields)
        except Exception:
            log.exception("could not record a push to %s (kind %s)", openid, kind)
            return None

    def record(self, tx, openid, text, kind="", notice="", fields=None):
        """Record a message as pending rows inside transaction `tx` (not sent yet): the ids, one per part.

        `notice` names the kind of notice it is (a key of bot.config.NOTICE_FIELDS; '' for none) and `fields` the
        values its template is filled with (only that kind's fields: ValueError otherwise, a mistake in the code;
        `time` is added when sent). Outside the 48-hour window the notice goes as that template, if one is
        configured.

        A text over WeChat's 2,048-byte limit is sent as several messages, cut between lines like a long reply
        and numbered （1/3）, so none of them is refused; the first part carries the notice (one template message
        stands for the whole text)."""
        notice, fields = notice or "", {key: _clip(str(value)) for key, value in (fields or {}).items()}
        if notice and notice not in NOTICE_FIELDS:
            raise ValueError(f"unknown notice {notice!r} (one of {', '.join(NOTICE_FIELDS)})")
        unknown = sorted(set(fields) - set(NOTICE_FIELDS.get(notice, ())))
        if unknown:
            raise ValueError(f"fields {unknown} are not those of notice {notice!r} (bot.config.NOTICE_FIELDS)")
        now = to_utc_text(utc_now())
        sql = ("INSERT INTO pushes (openid, text, kind, created_at, status, notice, fields) "
               "VALUES (?, ?, ?, ?, 'pending', ?, ?)")
        extra = [notice, json.dumps(fields, ensure_ascii=False)]
        return [tx.execute(sql, [openid, part, kind or "", now, *(extra if n == 0 else ["", "{}"])]).lastrowid
                for n, part in enumerate(self._parts(text))]

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
        tries = []              # (at, channel, outcome, errcode, error): the push_attempts rows
        if self.sender is not None:
            self._try(tries, "custom", lambda: self.sender(row["openid"], row["text"]))
            return self._finish(push_id, row, tries)
        api = self.app.wechat_api
        is_open, hours = self._window_open(row["openid"])
        if is_open:
            self._try(tries, "custom", lambda: api.send_text(row["openid"], row["text"]))
            if tries[-1][2] == "sent" or tries[-1][3] not in WINDOW_ERRORS:
                return self._finish(push_id, row, tries)
        else:
            tries.append(self._skip("custom", f"超过{hours}小时窗口"))
        try:
            template, why_not = self._template(row)
        except ValueError as exc:
            template, why_not = None, None
            tries.append((to_utc_text(utc_now()), "template", "failed", None, f"模板配置有误：{exc}"))
        if template is not None:
            self._try(tries, "template", lambda: api.send_template(row["openid"], *template))
        elif why_not:
            tries.append(self._skip("template", why_not))
        self._finish(push_id, row, tries)

    def _template(self, row):
        """(template_id, values, url) for this push's notice, or (None, why there is none)."""
        notice = row["notice"]
        if not notice:
            return None, "这类通知没有模板消息"
        conf = ((self.app.config.get("wechat") or {}).get("templates") or {}).get(notice) or {}
        if not conf.get("template_id"):
            return None, f"未配置模板（wechat.templates.{notice}）"
        fields = json.loads(row["fields"] or "{}")
        fields.setdefault("time", local_text(row["created_at"], self.app.tz))
        values = {key: fill(text, fields) for key, text in (conf.get("data") or {}).items()}
        url = conf.get("url") or ""
        if url == "console":
            url = console_url(self.app.config)      # signs them in on the way, as the menu's button does
        return (conf["template_id"], values, url), ""

    @staticmethod
    def _skip(channel, why):
        return to_utc_text(utc_now()), channel, "skipped", None, why

    def _try(self, tries, channel, send):
        """send() once, and once more after a network error or WeChat's "system busy"; each try appended to
        `tries`."""
        while True:
            at = to_utc_text(utc_now())
            try:
                send()
            except PushError as exc:
                tries.append((at, channel, "failed", exc.errcode, redact(f"{exc.errcode} {exc.errmsg}")))
                if exc.errcode == NETWORK_ERROR and sum(t[1] == channel for t in tries) < MAX_ATTEMPTS:
                    time.sleep(self.retry_delay)
                    continue
            except Exception as exc:
                tries.append((at, channel, "failed", None, redact(f"{type(exc).__name__}: {exc}")))
            else:
                tries.append((at, channel, "sent", 0, ""))
            return

    def _finish(self, push_id, row, tries):
        """Record every try and the push's final status: sent (by the channel that sent it), failed (the last
        failure's channel and error) or skipped (nothing tried: why)."""
        made = [t for t in tries if t[2] != "skipped"]
        last = made[-1] if made else None
        if last is None:
            status, channel = "skipped", ""
            error = next((t[4] for t in tries if t[1] == "custom"), "")
            if row["notice"] and any(t[1] == "template" for t in tries):
                error += f"，{tries[-1][4]}"
        else:
            status, channel, error = last[2], last[1], last[4]
        sent_at = last[0] if status == "sent" else None
        with self.app.transaction() as tx:
            tx.executemany("INSERT INTO push_attempts (push_id, at, channel, outcome, errcode, error) "
                           "VALUES (?, ?, ?, ?, ?, ?)", [(push_id, *t) for t in tries])
            tx.execute("UPDATE pushes SET status = ?, channel = ?, error = ?, attempts = ?, sent_at = ? WHERE id = ?",
                       [status, channel, error, len(made), sent_at, push_id])
        if status == "skipped":
            log.info("push %s to %s skipped: %s", push_id, row["openid"], error)
        elif status == "failed":
            log.warning("push %s to %s failed after %s attempt(s): %s", push_id, row["openid"], len(made), error)
