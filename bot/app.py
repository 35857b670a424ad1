"""The application object: config, database, plugins, router and push channel wired together.

Nothing here starts a thread or a server: `run_bot.py` decides what runs, so tests can build apps freely.
"""

import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from .confirm import Confirmations
from .db import Store, StoreFault, audit, migrate
from .pages import Pages
from .plugin import ADMIN, FINANCE, MEMBER, PENDING, ROLE_NAMES, Registry, load_plugins
from .push import Pusher
from .router import Router
from .schema import MIGRATIONS
from .timeutil import from_utc_text, to_utc_text, utc_now
from .wechat_api import WeChatAPI

log = logging.getLogger("teabot")

TOUCH_INTERVAL_SECONDS = 300


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
        self.extra_roles = {}          # openid -> set of roles granted outside config (the local console)
        config["_extra_roles"] = self.extra_roles      # the same dict, for code that only sees the config
        self.scheduler = None          # set by `serve`
        self._touched = {}             # openid -> time.monotonic() of its last_message_at, see touch()

    # --- start-up -------------------------------------------------------------------------------------------

    def setup(self):
        """Migrate the database and create the configured teams; safe to call on every start."""
        migrate(self.store, MIGRATIONS + self.registry.migrations())
        for name in self.config.get("groups") or []:
            self.ensure_group(str(name), actor="config")
        return self

    def ensure_group(self, name, actor):
        with self.store.write() as db:
            if db.execute("SELECT 1 FROM groups WHERE name = ?", [name]).fetchone():
                return False
            db.execute("INSERT INTO groups (name, created_at) VALUES (?, ?)", [name, to_utc_text(utc_now())])
            audit(db, actor, "group.create", name)
            return True

    # --- who is asking --------------------------------------------------------------------------------------

    def now(self):
        return datetime.now(self.tz)

    def user(self, openid):
        return self.store.one("SELECT * FROM users WHERE openid = :o", {"o": openid})

    def group(self, group_id):
        return self.store.one("SELECT * FROM groups WHERE id = :g", {"g": group_id})

    def user_and_group(self, openid):
        """(users row or None, their groups row or None) in one read: the router needs both per message."""
        row = self.store.one(
            "SELECT u.*, g.name AS _group_name, g.created_at AS _group_created_at FROM users u "
            "LEFT JOIN groups g ON g.id = u.group_id WHERE u.openid = :o", {"o": openid})
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

    def touch(self, openid):
        """Remember when the user last wrote to us: pushes only reach them within 48 hours of it.

        Written at most every few minutes per user, so the hot path does not pay an fsync for it, and checked
        in memory first, so it does not pay a read either. Skipped (tried again with the next message) while
        another process holds the write lock or the disk is full: a read-only `2` must not wait for it.
        """
        if time.monotonic() - self._touched.get(openid, float("-inf")) < TOUCH_INTERVAL_SECONDS:
            return
        now = utc_now()
        user = self.user(openid)
        if user and user["last_message_at"]:
            age = (now - from_utc_text(user["last_message_at"])).total_seconds()
            if 0 <= age < TOUCH_INTERVAL_SECONDS:
                self._touched[openid] = time.monotonic() - age
                return
        try:
            with self.store.write(wait_seconds=0) as db:
                db.execute(
                    "INSERT INTO users (openid, created_at, last_message_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(openid) DO UPDATE SET last_message_at = excluded.last_message_at",
                    [openid, to_utc_text(now), to_utc_text(now)],
                )
        except StoreFault as fault:
            log.info("last message time of %s not saved now (%s); the next message tries again", openid, fault.kind)
            return
        self._touched[openid] = time.monotonic()

    def provided(self, name):
        """Functions enabled plugins offer under `name` (see Plugin.provide), in plugin order."""
        return [f for p in self.plugins if p.enabled(self.config) for f in p.provisions.get(name, [])]

    # --- replies --------------------------------------------------------------------------------------------

    def handle_text(self, openid, text, msg_id=None):
        """The reply to a text message (dedupe of WeChat retries happens before this, in bot.wechat)."""
        self.touch(openid)
        return self.router.reply(openid, text, msg_id=msg_id)

    def handle_event(self, openid, event_type, message=None):
        """The reply to an event ('' for none): plugins declare handlers with @plugin.on_event(type)."""
        self.touch(openid)
        replies = []
        for plugin in self.plugins:
            if not plugin.enabled(self.config):
                continue
            for handler in plugin.event_hooks.get(event_type, []):
                try:
                    reply = handler(self, openid, message or {})
                except Exception:
                    log.exception("event handler %s.%s failed", plugin.name, handler.__name__)
                    continue
                if reply:
                    replies.append(reply)
        return self.pages.first(openid, "\n".join(replies)) if replies else ""

    def unknown(self, text, roles):
        """The short answer to text that is no command (你好, 👍): what was not understood and where the menu is;
        the whole menu is for 0 / 帮助 / 菜单 and new followers."""
        shown = text if len(text) <= 20 else text[:20] + "…"
        hint = "发送 0 查看菜单"
        if not roles & {MEMBER, ADMIN, FINANCE, PENDING}:
            hint = "新用户请先注册：9 组名 姓名（例如 9 研发一组 张三）；发送 0 查看菜单"
        return f"没看懂“{shown}”。{hint}。" if text else f"{hint}。"

    def menu(self, openid, roles=None, prefix=""):
        """The list of commands this user may use, from the declarations."""
        roles = self.roles_of(openid) if roles is None else roles
        lines = [f"{c.number} {c.summary_for(roles)}" for c in self.registry.commands
                 if c.allowed(roles) and c.plugin.enabled(self.config)]
        tail = "发送 0 编号 查看某个命令的详细说明，例如 0 1"
        if not roles & {MEMBER, ADMIN, FINANCE, PENDING}:
            tail = "新用户请先注册：9 组名 姓名\n" + tail
        return f"{prefix}可用命令：\n" + "\n".join(lines) + "\n" + tail
