"""The application object: config, database, plugins, router and push channel wired together.

Nothing here starts a thread or a server: `run_bot.py` decides what runs, so tests can build apps freely.
"""

import logging
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from .config import public_base_url
from .confirm import Confirmations
from .db import Store, StoreFault, audit, migrate, store_fault
from .inbound import Inbound
from .pages import Pages
from .plugin import ADMIN, FINANCE, MEMBER, PENDING, ROLE_NAMES, Refusal, Registry, load_plugins
from .push import Pusher
from .router import Router, error_reply
from .schema import MIGRATIONS
from .timeutil import from_utc_text, to_utc_text, utc_now
from .unit import Transaction
from .wechat_api import WeChatAPI

log = logging.getLogger("teabot")
message_log = logging.getLogger("teabot.router")     # one line per message that was not done, as before

TOUCH_INTERVAL_SECONDS = 300
NON_TEXT_HINT = "目前只支持文字命令，发送 0 查看菜单"    # a non-text message no enabled plugin answers


class App:
    def __init__(self, config, plugins=None, sender=None):
        self.config = config
        self.tz = ZoneInfo(config["timezone"])
        self.store = Store(config["database"])
        self.plugins = load_plugins() if plugins is None else plugins
        self.registry = Registry(self.plugins)
        self.router = Router(self)
        self.confirmations = Confirmations(self.store)
        self.pages = Pages(self.store)
        self.wechat_api = WeChatAPI(config)
        self.pusher = Pusher(self, sender=sender)
        self.inbound = Inbound(self)
        self.extra_roles = {}          # openid -> set of roles granted outside config (the local console)
        config["_extra_roles"] = self.extra_roles      # the same dict, for code that only sees the config
        self.scheduler = None          # set by `serve`
        self._touched = {}             # openid -> time.monotonic() of its last_message_at, see touch()
        self._current = threading.local()

    # --- start-up -------------------------------------------------------------------------------------------

    def setup(self):
        """Migrate the database and create the configured teams; safe to call on every start."""
        migrate(self.store, MIGRATIONS + self.registry.migrations())
        with self.transaction() as tx:
            for name in self.config.get("groups") or []:
                self.ensure_group(tx, str(name), actor="config")
        return self

    def ensure_group(self, tx, name, actor):
        """Create the team `name` in `tx` unless it exists; True if it was created."""
        if tx.value("SELECT 1 FROM groups WHERE name = ?", [name]):
            return False
        tx.execute("INSERT INTO groups (name, created_at) VALUES (?, ?)", [name, to_utc_text(utc_now())])
        audit(tx, actor, "group.create", name)
        return True

    # --- units of work --------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self, wait_seconds=None):
        """One unit of work (bot/unit.py) for a job, a web request or a CLI command, as a message gets one:
        committed and on disk when the block ends, then its pushes sent; nothing of it remains if the block
        raises. `wait_seconds`: how long to wait for another process's write lock (bot.db.Store.write)."""
        with self.store.write(wait_seconds) as database:
            tx = Transaction(self, database)
            self._current.tx = tx
            try:
                yield tx
            finally:
                self._current.tx = None
        tx.committed()

    def current_transaction(self):
        """This thread's open unit of work, or None: for code that may be called inside one or not (a push)."""
        return getattr(self._current, "tx", None)

    @contextmanager
    def read_transaction(self):
        """A read-only unit of work on this thread's own connection (one snapshot; any write raises
        sqlite3.OperationalError): for a message while another process holds the write lock."""
        conn = self.store.db.conn
        conn.execute("PRAGMA query_only = ON")
        conn.execute("BEGIN")
        self._current.tx = Transaction(self, self.store.db, writable=False)
        try:
            yield self._current.tx
        finally:
            self._current.tx = None
            conn.execute("ROLLBACK")
            conn.execute("PRAGMA query_only = OFF")

    # --- who is asking --------------------------------------------------------------------------------------

    def now(self):
        return datetime.now(self.tz)

    def user(self, openid):
        return self.store.one("SELECT * FROM users WHERE openid = :o", {"o": openid})

    def group(self, group_id):
        return self.store.one("SELECT * FROM groups WHERE id = :g", {"g": group_id})

    def user_and_group(self, tx, openid):
        """(users row or None, their groups row or None) in one read: the router needs both per message."""
        row = tx.one(
            "SELECT u.*, g.name AS _group_name, g.created_at AS _group_created_at FROM users u "
            "LEFT JOIN groups g ON g.id = u.group_id WHERE u.openid = ?", [openid])
        if row is None:
            return None, None
        group_name, group_created_at = row.pop("_group_name"), row.pop("_group_created_at")
        group = None if group_name is None else {"id": row["group_id"], "name": group_name,
                                                  "created_at": group_created_at}
        return row, group

    def roles_of(self, openid, user=None):
        """The roles of a user; pass the users row if you already read it."""
        roles = set(self.extra_roles.get(openid, ()))
        if openid in (self.config.get("admins") or []):
            roles.add(ADMIN)
        if openid in (self.config.get("finance") or []):
            roles.add(FINANCE)
        user = self.user(openid) if user is None else user
        if user and user["status"] == "member":
            roles.add(MEMBER)
        elif user and user["status"] == "pending":
            roles.add(PENDING)
        return frozenset(roles)

    def role_label(self, role):
        return ROLE_NAMES.get(role, role)

    def users_with_role(self, role):
        """Openids holding a config role (admins, finance), for notifications."""
        key = {ADMIN: "admins", FINANCE: "finance"}[role]
        return list(self.config.get(key) or []) + [o for o, r in self.extra_roles.items() if role in r]

    def touch(self, tx, openid):
        """Remember, in the message's transaction, when the user last wrote to us: pushes only reach them within
        48 hours of it. Written at most every few minutes per user (checked in memory first, so the hot path pays
        neither a read nor a write for it); skipped in a read-only run (tried again with the next message)."""
        if not tx.writable or time.monotonic() - self._touched.get(openid, float("-inf")) < TOUCH_INTERVAL_SECONDS:
            return
        now = utc_now()
        last = tx.value("SELECT last_message_at FROM users WHERE openid = ?", [openid])
        if last:
            age = (now - from_utc_text(last)).total_seconds()
            if 0 <= age < TOUCH_INTERVAL_SECONDS:
                self._touched[openid] = time.monotonic() - age
                return
        tx.execute(
            "INSERT INTO users (openid, created_at, last_message_at) VALUES (?, ?, ?) "
            "ON CONFLICT(openid) DO UPDATE SET last_message_at = excluded.last_message_at",
            [openid, to_utc_text(now), to_utc_text(now)],
        )
        seen = time.monotonic()
        tx.after_commit(lambda: self._touched.__setitem__(openid, seen))

    def full_list_url(self, command):
        """Where the whole list of a command's long reply is on the web (Command.full_list under
        server.public_base_url), or '' when no base URL is set or no enabled plugin serves that path."""
        base = public_base_url(self.config)
        if not (command and command.full_list and base):
            return ""
        return base + command.full_list if self.registry.serves(self.config, command.full_list) else ""

    def report_sheets(self):
        """Every report sheet the plugins declare (Plugin.report_sheet), in their order."""
        return sorted((sheet for p in self.plugins for sheet in p.report_sheets), key=lambda sheet: sheet.order)

    # --- replies --------------------------------------------------------------------------------------------

    def handle_text(self, openid, text, msg_id=None, key=None):
        """The reply to a text message, computed once per MsgId (see handle)."""
        return self.handle(key or msg_id or f"local:{secrets.token_hex(8)}", openid,
                           lambda tx: self.router.reply(tx, openid, text, msg_id=msg_id), what=text)

    def handle_event(self, openid, event_type, message=None, key=None):
        """The reply to an event ('' for none), once per FromUserName + CreateTime: plugins declare handlers with
        @plugin.on_event(type); each gets a Context whose `message` is the event's fields."""
        message = message or {}
        key = key or f"{openid}:{message.get('CreateTime') or secrets.token_hex(8)}"
        return self.handle(key, openid, lambda tx: self._event_reply(tx, openid, event_type, message),
                           what=f"event {event_type}")

    def handle_message(self, openid, msg_type, message=None, key=None):
        """The reply to a message that is not text (an image, a voice...), once per MsgId: plugins declare handlers
        with @plugin.on_message(type); without one that answers, NON_TEXT_HINT. Either way the message opens the
        48-hour push window."""
        message = message or {}
        msg_id = message.get("MsgId") if isinstance(message.get("MsgId"), str) and message.get("MsgId") else None
        key = key or msg_id or f"{openid}:{message.get('CreateTime') or secrets.token_hex(8)}"
        return self.handle(key, openid, lambda tx: self._message_reply(tx, openid, msg_type.lower(), message, msg_id),
                           what=msg_type)

    def handle(self, key, openid, run, what=""):
        """reply = run(tx) inside the message's own transaction, once per dedupe key (bot/inbound.py): the
        reply is saved with what the handler wrote, and any error becomes a reply that says so (a store fault's
        cause, else an error id with the traceback in the log under it), nothing of it kept."""
        def in_transaction(tx):
            self.touch(tx, openid)
            return run(tx)
        try:
            return self.inbound.once(key, openid, in_transaction)
        except Exception as exc:
            fault = store_fault(exc)
            if fault is not None:      # expected (database busy, disk full): the reply says so, no traceback
                message_log.warning("command not done (%s: %s), user %s, text %r", fault.kind, fault, openid, what)
                return fault.reply
            error_id = secrets.token_hex(3)
            message_log.exception("command failed, error id %s, user %s, text %r", error_id, openid, what)
            return error_reply(error_id)

    def run_message(self, key, openid, run):
        """run(tx) in a write transaction that also saves `key` and the reply; returns the reply. While another
        process holds the write lock, or the disk is full, the message is run again read-only (a `2` neither
        waits for the lock nor needs space); only if it needs to write does it wait for the lock (bot.db's limit)
        and run a third time, which answers with the fault if it persists. Nothing of a failed run remains."""
        try:
            with self.transaction(wait_seconds=0) as tx:
                return self.inbound.save(tx, key, openid, run(tx))
        except StoreFault:
            pass
        try:
            with self.read_transaction() as tx:
                return run(tx)        # not saved: a retry in this process gets it from memory
        except sqlite3.OperationalError as exc:
            if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF != sqlite3.SQLITE_READONLY:
                raise
        with self.transaction() as tx:
            return self.inbound.save(tx, key, openid, run(tx))

    def _event_reply(self, tx, openid, event_type, message):
        replies = []
        for plugin in self.plugins:
            if not plugin.enabled(self.config):
                continue
            for handler in plugin.event_hooks.get(event_type, []):
                ctx = self.router.context(tx, openid, plugin=plugin, message=message)
                try:
                    with tx.savepoint():
                        reply = handler(ctx)
                except Exception:
                    log.exception("event handler %s.%s failed", plugin.name, handler.__name__)
                    continue
                if reply:
                    replies.append(reply)
        return self.pages.first(tx, openid, "\n".join(replies)) if replies else ""

    def _message_reply(self, tx, openid, msg_type, message, msg_id):
        """The first reply of an enabled plugin's on_message handler, run like a command: in a savepoint, a Refusal's
        text as the reply, any other error propagating (the message is rolled back and answered with an error id)."""
        for plugin in self.plugins:
            if not plugin.enabled(self.config):
                continue
            for handler in plugin.message_hooks.get(msg_type, []):
                ctx = self.router.context(tx, openid, plugin=plugin, message=message, msg_id=msg_id)
                try:
                    with tx.savepoint():
                        reply = handler(ctx)
                except Refusal as exc:
                    reply = str(exc)
                if reply:
                    return self.pages.first(tx, openid, reply)
        return NON_TEXT_HINT

    def unknown(self, text, roles):
        """The short answer to text that is no command (你好, 👍): what was not understood and where the menu is;
        the whole menu is for 0 / 帮助 / 菜单 and new followers."""
        shown = text if len(text) <= 20 else text[:20] + "…"
        hint = "发送 0 查看菜单"
        if not roles & {MEMBER, ADMIN, FINANCE, PENDING} and self.onboarding():
            hint = f"{self.onboarding()}；发送 0 查看菜单"
        return f"没看懂“{shown}”。{hint}。" if text else f"{hint}。"

    def onboarding(self):
        """How a newcomer gets in, as the enabled plugins declare it (Plugin.onboarding), or ''."""
        return "；".join(p.onboarding for p in self.plugins if p.onboarding and p.enabled(self.config))

    def guest_reply(self, roles, user=None):
        """What a member-only command answers a non-member, from the first plugin that has an answer."""
        for plugin in self.plugins:
            if plugin.enabled(self.config):
                for function in plugin.guest_replies:
                    reply = function(roles, user)
                    if reply:
                        return reply
        return None

    def menu(self, openid, roles=None, prefix=""):
        """The list of commands this user may use, from the declarations."""
        roles = self.roles_of(openid) if roles is None else roles
        lines = [f"{c.number} {c.summary_for(roles)}" for c in self.registry.commands
                 if c.allowed(roles) and c.plugin.enabled(self.config)]
        tail = "发送 0 编号 查看某个命令的详细说明，例如 0 1"
        if not roles & {MEMBER, ADMIN, FINANCE, PENDING} and self.onboarding():
            tail = f"{self.onboarding()}\n" + tail
        return f"{prefix}可用命令：\n" + "\n".join(lines) + "\n" + tail
