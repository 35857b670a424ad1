"""Sign-in without passwords: a one-time link bound to an openid, then a session cookie.

`89` (commands.py) makes the link: an unguessable token (32 random bytes), valid `link_minutes`, usable once.
Opening it starts a session: the cookie holds another random value, HttpOnly, SameSite=Lax, Secure when the
public address is https, for `session_hours`. Only sha256 hashes of both are stored. A used or expired link
signs nobody in and says how to get a new one. The menu's 控制台 button (WeChat OAuth2, signin.py) ends in the same
session; its states and codes are each used once (console_oauth)."""

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
    return start_session(tx, config, row["openid"]), row["openid"]


def start_session(tx, config, openid):
    """A new session for `openid` (the cookie's value), audited as a sign-in: what a `89` link and the menu's
    OAuth2 sign-in both end with."""
    now = utc_now()
    session = secrets.token_urlsafe(32)
    hours = float(settings(config)["session_hours"])
    tx.execute("INSERT INTO console_sessions (session_hash, openid, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
               [_hash(session), openid, secrets.token_urlsafe(24), to_utc_text(now),
                to_utc_text(now + timedelta(hours=hours))])
    tx.execute("DELETE FROM console_sessions WHERE expires_at < ?", [to_utc_text(now - timedelta(days=2))])
    audit(tx, openid, "console.login", openid)
    return session


# --- OAuth2 from the menu (signin.py): states and codes, each used once -----------------------------------------

OAUTH_STATE_MINUTES = 10        # from the menu button to WeChat's page and back
OAUTH_KEEP_DAYS = 2             # how long used states and codes' hashes are remembered (WeChat's codes live 5 min)


def new_oauth_state(tx):
    """A fresh state for WeChat's authorize URL (recorded in `tx`), valid OAUTH_STATE_MINUTES, usable once."""
    state = secrets.token_urlsafe(24)
    now = utc_now()
    tx.execute("INSERT INTO console_oauth (secret_hash, kind, created_at, expires_at) VALUES (?, 'state', ?, ?)",
               [_hash("state:" + state), to_utc_text(now),
                to_utc_text(now + timedelta(minutes=OAUTH_STATE_MINUTES))])
    tx.execute("DELETE FROM console_oauth WHERE created_at < ?", [to_utc_text(now - timedelta(days=OAUTH_KEEP_DAYS))])
    return state


def take_oauth_state(tx, state):
    """'ok' for a state we issued, unused and unexpired (now used); else 'used', 'expired' or 'unknown'."""
    row = tx.one("SELECT expires_at, used_at FROM console_oauth WHERE secret_hash = ? AND kind = 'state'",
                 [_hash("state:" + state)])
    now = to_utc_text(utc_now())
    if row is None:
        return "unknown"
    if row["used_at"]:
        return "used"
    if row["expires_at"] < now:
        return "expired"
    tx.execute("UPDATE console_oauth SET used_at = ? WHERE secret_hash = ?", [now, _hash("state:" + state)])
    return "ok"


def take_oauth_code(tx, code):
    """True the first time a code is seen (its hash is remembered), False for a replay."""
    now = utc_now()
    taken = tx.execute(
        "INSERT OR IGNORE INTO console_oauth (secret_hash, kind, created_at, expires_at, used_at) "
        "VALUES (?, 'code', ?, ?, ?)",
        [_hash("code:" + code), to_utc_text(now), to_utc_text(now + timedelta(days=OAUTH_KEEP_DAYS)),
         to_utc_text(now)])
    return taken.rowcount == 1


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
