"""Sign-in without passwords: a one-time link bound to an openid, then a session cookie.

`89` (commands.py) makes the link: an unguessable token (32 random bytes), valid `link_minutes`, usable once.
Opening it starts a session: the cookie holds another random value, HttpOnly, SameSite=Lax, Secure when the
public address is https, for `session_hours`. Only sha256 hashes of both are stored. A used or expired link
signs nobody in and says how to get a new one."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from bot.config import public_base_url
from bot.db import audit
from bot.timeutil import to_utc_text, utc_now

from . import plugin

COOKIE = "teabot_console"
LOGIN_PATH = "/console/login/"


def _hash(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def settings(config):
    return plugin.settings(config)


def new_link(tx, config, openid):
    """A fresh one-time sign-in URL for `openid` (recorded in `tx`), or None when no public address is set."""
    base = public_base_url(config)
    if not base:
        return None
    token = secrets.token_urlsafe(32)
    now = utc_now()
    tx.execute("INSERT INTO console_links (token_hash, openid, created_at, expires_at) VALUES (?, ?, ?, ?)",
               [_hash(token), openid, to_utc_text(now),
                to_utc_text(now + timedelta(minutes=float(settings(config)["link_minutes"])))])
    tx.execute("DELETE FROM console_links WHERE created_at < ?", [to_utc_text(now - timedelta(days=2))])
    return f"{base}{LOGIN_PATH}{token}"


def redeem(tx, config, token):
    """(session cookie value, openid) for a valid unused link, now used (and the sign-in audited); or (None, why):
    'used', 'expired', 'unknown'."""
    if not 20 <= len(token) <= 100:
        return None, "unknown"
    row = tx.one("SELECT openid, expires_at, used_at FROM console_links WHERE token_hash = ?", [_hash(token)])
    now = utc_now()
    if row is None:
        return None, "unknown"
    if row["used_at"]:
        return None, "used"
    if row["expires_at"] < to_utc_text(now):
        return None, "expired"
    tx.execute("UPDATE console_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
               [to_utc_text(now), _hash(token)])
    session = secrets.token_urlsafe(32)
    hours = float(settings(config)["session_hours"])
    tx.execute("INSERT INTO console_sessions (session_hash, openid, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
               [_hash(session), row["openid"], secrets.token_urlsafe(24), to_utc_text(now),
                to_utc_text(now + timedelta(hours=hours))])
    tx.execute("DELETE FROM console_sessions WHERE expires_at < ?", [to_utc_text(now - timedelta(days=2))])
    audit(tx, row["openid"], "console.login", row["openid"])
    return session, row["openid"]


def session_of(reader, cookie):
    """The live session a cookie value names ({openid, csrf, expires_at}), or None."""
    if not cookie or len(cookie) > 100:
        return None
    row = reader.one("SELECT openid, csrf, expires_at, ended_at FROM console_sessions WHERE session_hash = ?",
                     [_hash(cookie)])
    if row is None or row["ended_at"] or row["expires_at"] < to_utc_text(utc_now()):
        return None
    return row


def end_session(tx, cookie):
    tx.execute("UPDATE console_sessions SET ended_at = ? WHERE session_hash = ? AND ended_at IS NULL",
               [to_utc_text(utc_now()), _hash(cookie or "")])


def csrf_ok(session, sent):
    return bool(sent) and hmac.compare_digest(session["csrf"].encode(), str(sent).encode("utf-8", "replace"))


def cookie_options(config):
    """How the session cookie is set: HttpOnly, SameSite=Lax, Secure behind https, for the session's hours."""
    return {"httponly": True, "samesite": "lax", "path": "/console",
            "secure": public_base_url(config).startswith("https://"),
            "max_age": int(float(settings(config)["session_hours"]) * 3600)}
