"""Ask before doing: a command states exactly what will happen, and the user's “确认” carries it out, once.

A handler calls ctx.confirm(prompt). The first time, that raises NeedsConfirmation: the router stores the
command's text and the prompt for that user (10 minutes, in the database, so a restart keeps it) and replies
with the prompt. On “确认” the router runs the same text again with the stored prompt; ctx.confirm returns when
the handler computes the same prompt, so what is carried out is what the user was shown. If the facts changed
meanwhile (another record came in), the prompt differs and the user is asked again.

Once: the confirming message claims the row (pending -> running, with its MsgId) before the handler runs, so a
second “确认” finds nothing to do; a WeChat retry of the claiming message (same MsgId) after a crash runs the
handler again, and the handlers that change data are idempotent by MsgId (expenses.source_msg_id,
settlements.source_msg_id, decided requests), and once done the stored reply answers every retry.
"""

from datetime import timedelta

from .timeutil import to_utc_text, utc_now

CONFIRM_WORD = "确认"
CANCEL_WORD = "取消"
VALID_FOR = timedelta(minutes=10)
ABANDONED_AFTER = timedelta(seconds=60)   # a claimed run not finished by then was cut short (a crash)
FOOTER = "回复“确认”执行，其他任何消息取消（10 分钟内有效）"


class NeedsConfirmation(Exception):
    """Raised by ctx.confirm: reply with the prompt and wait for “确认”."""

    def __init__(self, prompt):
        super().__init__(prompt)
        self.prompt = prompt


class Confirmations:
    """The pending confirmations, one per user, in the `confirmations` table; which users have one is also kept
    in memory (one server per database), so an ordinary message pays no read for it."""

    def __init__(self, store):
        self.store = store
        self._pending = None

    def _openids(self):
        if self._pending is None:
            self._pending = {r["openid"] for r in self.store.query(
                "SELECT openid FROM confirmations WHERE state IN ('pending', 'running')")}
        return self._pending

    def has_pending(self, openid):
        return openid in self._openids()

    def ask(self, openid, command_text, prompt):
        now = utc_now()
        with self.store.write() as db:
            db.execute(
                """INSERT INTO confirmations (openid, command_text, prompt, created_at, expires_at, state)
                   VALUES (?, ?, ?, ?, ?, 'pending')
                   ON CONFLICT(openid) DO UPDATE SET command_text = excluded.command_text, prompt = excluded.prompt,
                       created_at = excluded.created_at, expires_at = excluded.expires_at, state = 'pending',
                       done_msg_id = NULL, reply = NULL""",
                [openid, command_text, prompt, to_utc_text(now), to_utc_text(now + VALID_FOR)])
        self._openids().add(openid)

    def answered(self, openid, msg_id):
        """The stored reply if `msg_id` already carried out this user's confirmation (a WeChat retry)."""
        if not msg_id:
            return None
        row = self.store.one("SELECT reply FROM confirmations WHERE openid = :o AND state = 'done' "
                             "AND done_msg_id = :m", {"o": openid, "m": msg_id})
        return row["reply"] if row else None

    def claim(self, openid, msg_id):
        """The pending row for this user, now running under msg_id; or the reason there is none to run."""
        now = to_utc_text(utc_now())
        with self.store.write() as db:
            row = db.execute("SELECT command_text, prompt, expires_at, state, done_msg_id FROM confirmations "
                             "WHERE openid = ?", [openid]).fetchone()
            if row is None or row[3] == "done":
                return None, "none"
            command_text, prompt, expires_at, state, claimed_by = row
            if state == "running" and not (msg_id and claimed_by == msg_id):
                return None, "running"
            if state == "pending" and expires_at < now:
                db.execute("DELETE FROM confirmations WHERE openid = ?", [openid])
                self._openids().discard(openid)
                return None, "expired"
            db.execute("UPDATE confirmations SET state = 'running', done_msg_id = ?, expires_at = ? WHERE openid = ?",
                       [msg_id, to_utc_text(utc_now() + ABANDONED_AFTER), openid])
        return {"command_text": command_text, "prompt": prompt}, "claimed"

    def finish(self, openid, msg_id, reply):
        with self.store.write() as db:
            db.execute("UPDATE confirmations SET state = 'done', reply = ? WHERE openid = ? AND state = 'running'",
                       [reply, openid])
        self._openids().discard(openid)

    def release(self, openid):
        """The confirmed run failed (an error, not a refusal): let the user send “确认” again."""
        with self.store.write() as db:
            db.execute("UPDATE confirmations SET state = 'pending', done_msg_id = NULL WHERE openid = ? "
                       "AND state = 'running'", [openid])

    def cancel(self, openid):
        """Drop this user's pending confirmation (and a run a crash abandoned); its prompt if it was still
        valid, else None. A run in progress is left alone."""
        if not self.has_pending(openid):
            return None
        now = to_utc_text(utc_now())
        with self.store.write() as db:
            row = db.execute("SELECT prompt, expires_at, state FROM confirmations WHERE openid = ?",
                             [openid]).fetchone()
            if row is not None and row[2] == "running" and row[1] >= now:
                return None
            db.execute("DELETE FROM confirmations WHERE openid = ? AND state != 'done'", [openid])
        self._openids().discard(openid)
        if row is None or row[2] != "pending" or row[1] < now:
            return None
        return row[0]
