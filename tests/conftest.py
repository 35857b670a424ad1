"""Shared fixtures: a real config, a real SQLite file, a real app."""

import copy
import re
import time

import pytest

from bot import db as bot_db
from bot.app import App
from bot.config import DEFAULTS

ADMIN = "o-admin"
FINANCE = "o-finance"


def eventually(read, expected, seconds=5):
    """read() once it equals expected (for what is written in the background), else its last value."""
    deadline = time.monotonic() + seconds
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


@pytest.fixture(autouse=True)
def close_stores(monkeypatch):
    """Close every database a test opened (its shared connection lives as long as the Store would), so a long
    suite does not run out of file descriptors."""
    opened = []
    original = bot_db.Store.__init__

    def tracking(self, *args, **kwargs):
        original(self, *args, **kwargs)
        opened.append(self)
    monkeypatch.setattr(bot_db.Store, "__init__", tracking)
    yield
    for store in opened:
        try:
            store.close()
        except Exception:
            pass


@pytest.fixture
def config(tmp_path):
    cfg = copy.deepcopy(DEFAULTS)
    cfg["database"] = str(tmp_path / "teabot.db")
    cfg["exports_dir"] = str(tmp_path / "exports")
    cfg["wechat"]["token"] = "testtoken"
    cfg["admins"] = [ADMIN]
    cfg["finance"] = [FINANCE]
    cfg["groups"] = ["研发一组", "研发二组"]
    cfg["_path"] = "test"
    return cfg


@pytest.fixture
def sent():
    """Every push the app makes, as (openid, text)."""
    return []


@pytest.fixture
def app(config, sent):
    application = App(config, sender=lambda openid, text: sent.append((openid, text))).setup()
    yield application
    application.pusher.flush(5)


@pytest.fixture
def say(app):
    """say(openid, text[, msg_id]) -> reply, through the real router and database."""
    def send(openid, text, msg_id=None):
        return app.handle_text(openid, text, msg_id=msg_id)
    return send


@pytest.fixture
def confirmed(say):
    """confirmed(openid, text[, msg_id]) -> reply: say it, and answer “确认” if the bot asks for confirmation
    (the 确认 message gets msg_id + '-ok')."""
    from bot.confirm import FOOTER

    def send(openid, text, msg_id=None):
        reply = say(openid, text, msg_id=msg_id)
        if reply.endswith(FOOTER):
            return say(openid, "确认", msg_id=f"{msg_id}-ok" if msg_id else None)
        return reply
    return send


@pytest.fixture
def member(app, say):
    """A factory: member('张三', '研发一组') registers and approves a user, returns the openid."""
    def make(name, group="研发一组"):
        openid = f"o-{name}"
        say(openid, f"9 {group} {name}")
        request_id = app.store.one("SELECT id FROM registration_requests WHERE openid = :o AND status = 'pending'",
                                   {"o": openid})["id"]
        reply = say(ADMIN, f"81 {request_id}")
        assert "已通过" in reply, reply
        return openid
    return make


def serve_console(app):
    """(base URL, stop) of the real server for `app` on loopback, with server.public_base_url pointing at it, so
    `89` links and pages name this server."""
    from bot.web import start_background
    port, stop = start_background(app)
    app.config["server"]["public_base_url"] = base = f"http://127.0.0.1:{port}"
    return base, stop


def link_for(app, openid):
    """The one-time console sign-in link `89` replies to `openid`."""
    reply = app.handle_text(openid, "89")
    return re.search(r"https?://\S+/console/login/\S+", reply).group(0)

