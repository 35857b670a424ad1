"""Ask before doing: a command states exactly what will happen, and the user's “确认” carries it out, once.

A handler calls ctx.confirm(prompt). The first time, that raises NeedsConfirmation: the router stores the
command's text and the prompt for that user (10 minutes, in the database, so a restart keeps it) and replies
with the prompt. On “确认” the router runs the same text again with the stored prompt; ctx.confirm returns when
the handler computes the same prompt, so what is carried out is what the user was shown. If the facts changed
meanwhile (another record came in), the prompt differs and the user is asked again.

Once: taking the question, running the command and saving the reply are one message's transaction (bot/unit.py),
so a second “确认” finds nothing to do, a failed run leaves the question pending, and a WeChat retry of the
confirming message gets the saved reply (bot/inbound.py).
"""

from datetime import timedelta

from .timeutil import to_utc_text, utc_now

CONFIRM_WORD = "确认"
CANCEL_WORD = "取消"
VALID_FOR = timedelta(minutes=10)
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

    def ask(self, tx, openid, command_text, prompt):
        now = utc_now()
        tx.execute(
            """INSERT INTO confirmations (openid, command_text, prompt, created_at, expires_at, state)
               VALUES (?, ?, ?, ?, ?, 'pending')
               ON CONFLICT(openid) DO UPDATE SET command_text = excluded.command_text, prompt = excluded.prompt,
                   created_at = excluded.created_at, expires_at = excluded.expires_at, state = 'pending',
                   done_msg_id = NULL, reply = NULL""",
            [openid, command_text, prompt, to_utc_text(now), to_utc_text(now + VALID_FOR)])
        self._openids().add(openid)    # at once: a user in the set without a row costs a read, never a lost question
        tx.after_commit(lambda: self._openids().add(openid))   # after the discard of a question this one replaces

    def take(self, tx, openid):
        """(the pending question of this user, 'taken') -- removed in `tx`, so it runs once -- or (None, why)."""
        if not self.has_pending(openid):
            return None, "none"
        row = tx.one("SELECT command_text, prompt, expires_at, state FROM confirmations WHERE openid = ?", [openid])
        self._forget_after(tx, openid)
        if row is None or row["state"] == "done":
            return None, "none"
        tx.execute("DELETE FROM confirmations WHERE openid = ?", [openid])
        if row["expires_at"] < to_utc_text(utc_now()):
            return None, "expired"
        return {"command_text": row["command_text"], "prompt": row["prompt"]}, "taken"

    def cancel(self, tx, openid):
        """Drop this user's pending question (in `tx`); its prompt if it was still valid, else None."""
        if not self.has_pending(openid):
            return None
        row = tx.one("SELECT prompt, expires_at, state FROM confirmations WHERE openid = ?", [openid])
        tx.execute("DELETE FROM confirmations WHERE openid = ?", [openid])
        self._forget_after(tx, openid)
        if row is None or row["state"] != "pending" or row["expires_at"] < to_utc_text(utc_now()):
            return None
        return row["prompt"]

    def _forget_after(self, tx, openid):
        tx.after_commit(lambda: self._openids().discard(openid))
