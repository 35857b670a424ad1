"""Pushes through the real WeChat API client against a loopback server that speaks the WeChat API."""

import copy
import json
import logging
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from bot import wechat_api
from bot.app import App
from bot.config import DEFAULTS
from bot.timeutil import to_utc_text, utc_now
from bot.wechat_api import PushError, WeChatAPI

APP_ID = "wxpushtest0001"
SECRET = "s3cr3t-app-secret-value"


class FakeWeChat(ThreadingHTTPServer):
    """stable_token hands out tok-1, tok-2, ...; custom/send answers from `send_answers` (then errcode 0)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeHandler)
        self.calls = []                 # (path, query dict, json body, raw body)
        self.send_answers = []          # errcodes, or "http500" / "slow"
        self.tokens = []
        self.lock = threading.Lock()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def paths(self):
        return [c[0] for c in self.calls]


class FakeHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _json(self, data, status=200):
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        server = self.server
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        payload = json.loads(raw.decode("utf-8"))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with server.lock:
            server.calls.append((url.path, query, payload, raw))
            if url.path == "/cgi-bin/stable_token":
                if payload.get("secret") != SECRET:
                    return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                server.tokens.append(f"tok-{len(server.tokens) + 1}")
                return self._json({"access_token": server.tokens[-1], "expires_in": 7200})
            if url.path == "/cgi-bin/message/custom/send":
                if query.get("access_token") not in server.tokens:
                    return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                answer = server.send_answers.pop(0) if server.send_answers else 0
        if answer == "http500":
            return self._json({"oops": True}, status=500)
        if answer == "slow":
            time.sleep(0.3)
            answer = 0
        return self._json({"errcode": answer, "errmsg": "ok" if answer == 0 else f"error {answer}"})


@pytest.fixture(autouse=True)
def fresh_token_cache():
    wechat_api._tokens.clear()
    yield
    wechat_api._tokens.clear()


@pytest.fixture
def fake():
    server = FakeWeChat()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def pconfig(tmp_path, fake):
    cfg = copy.deepcopy(DEFAULTS)
    cfg["database"] = str(tmp_path / "teabot.db")
    cfg["wechat"].update(token="testtoken", api_base=fake.base, app_id=APP_ID, app_secret=SECRET)
    cfg["_path"] = "test"
    return cfg


@pytest.fixture
def app(pconfig):
    application = App(pconfig).setup()
    application.pusher.retry_delay = 0.05
    yield application
    application.pusher.flush(5)


def touch(app, openid):
    """The user has just written to the account (opens the 48-hour window)."""
    with app.transaction() as tx:
        app.touch(tx, openid)


def pushed(app, push_id):
    app.pusher.flush(5)
    assert app.pusher.idle()
    return app.store.one("SELECT * FROM pushes WHERE id = :i", {"i": push_id})


def test_push_within_window_is_sent_and_recorded(app, fake):
    touch(app, "o-zs")
    push_id = app.pusher.push("o-zs", "报销通知：你的 2 笔垫付已结算 ✓", kind="settle")
    row = pushed(app, push_id)
    assert (row["status"], row["attempts"], row["error"], row["kind"]) == ("sent", 1, "", "settle")
    assert row["sent_at"] >= row["created_at"]
    assert fake.paths() == ["/cgi-bin/stable_token", "/cgi-bin/message/custom/send"]
    token_request, send_request = fake.calls[0][2], fake.calls[1]
    assert token_request == {"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET,
                             "force_refresh": False}
    assert send_request[1] == {"access_token": "tok-1"}
    assert send_request[2] == {"touser": "o-zs", "msgtype": "text",
                               "text": {"content": "报销通知：你的 2 笔垫付已结算 ✓"}}
    assert "报销通知".encode("utf-8") in send_request[3], "UTF-8 body, not \\u escapes"


def test_token_is_fetched_once_and_shared(app, fake, pconfig):
    touch(app, "o-a")
    touch(app, "o-b")
    ids = [app.pusher.push("o-a", "一"), app.pusher.push("o-b", "二")]
    WeChatAPI(pconfig).send_text("o-a", "三")          # another client in the same process
    assert [pushed(app, i)["status"] for i in ids] == ["sent", "sent"]
    assert fake.paths().count("/cgi-bin/stable_token") == 1
    assert fake.paths().count("/cgi-bin/message/custom/send") == 3


def test_token_rejected_with_40001_is_refetched_and_retried_once(app, fake):
    touch(app, "o-zs")
    assert pushed(app, app.pusher.push("o-zs", "预热"))["status"] == "sent"
    fake.send_answers = [40001]
    row = pushed(app, app.pusher.push("o-zs", "第二条"))
    assert row["status"] == "sent"
    assert fake.paths() == ["/cgi-bin/stable_token", "/cgi-bin/message/custom/send",
                            "/cgi-bin/message/custom/send", "/cgi-bin/stable_token",
                            "/cgi-bin/message/custom/send"]
    assert fake.calls[-1][1]["access_token"] == "tok-2"


def test_token_rejected_twice_fails_without_looping(app, fake):
    touch(app, "o-zs")
    fake.send_answers = [42001, 42001, 0]
    row = pushed(app, app.pusher.push("o-zs", "x"))
    assert row["status"] == "failed" and row["error"].startswith("42001")
    assert fake.paths().count("/cgi-bin/message/custom/send") == 2


def test_45015_from_wechat_is_recorded_as_failed(app, fake):
    touch(app, "o-zs")
    fake.send_answers = [45015]
    row = pushed(app, app.pusher.push("o-zs", "x"))
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["error"] == "45015 error 45015"


@pytest.mark.parametrize("last_message", [None, timedelta(hours=49)])
def test_push_outside_48_hours_or_to_a_silent_user_is_skipped(app, fake, last_message):
    if last_message is not None:
        touch(app, "o-old")
        with app.store.write() as db:
            db.execute("UPDATE users SET last_message_at = ? WHERE openid = 'o-old'",
                       [to_utc_text(utc_now() - last_message)])
    row = pushed(app, app.pusher.push("o-old", "x"))
    assert (row["status"], row["error"], row["attempts"]) == ("skipped", "超过48小时窗口", 0)
    assert fake.calls == []


def test_push_window_follows_config(app, fake):
    app.config["wechat"]["push_window_hours"] = 1
    touch(app, "o-zs")
    with app.store.write() as db:
        db.execute("UPDATE users SET last_message_at = ? WHERE openid = 'o-zs'",
                   [to_utc_text(utc_now() - timedelta(hours=2))])
    assert pushed(app, app.pusher.push("o-zs", "x"))["error"] == "超过1小时窗口"


def test_http_error_is_retried_once_then_failed_and_token_kept_out_of_logs(app, fake, caplog):
    caplog.set_level(logging.DEBUG)
    touch(app, "o-zs")
    fake.send_answers = ["http500", "http500"]
    row = pushed(app, app.pusher.push("o-zs", "x"))
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert "500" in row["error"] and "access_token=***" in row["error"]
    assert "tok-1" not in row["error"]
    assert fake.tokens == ["tok-1"]
    assert "tok-1" not in caplog.text and SECRET not in caplog.text
    assert "access_token=***" in caplog.text, "urllib3's debug line is logged, redacted"


def test_missing_app_credentials_fail_with_a_chinese_reason(app, fake):
    app.wechat_api = WeChatAPI({"wechat": {"api_base": fake.base, "app_id": "", "app_secret": ""}})
    touch(app, "o-zs")
    row = pushed(app, app.pusher.push("o-zs", "x"))
    assert row["status"] == "failed" and "未配置 app_id/app_secret" in row["error"]
    assert fake.calls == []
    with pytest.raises(PushError, match="未配置"):
        app.wechat_api.send_text("o-zs", "x")


def test_wrong_secret_fails_and_the_secret_is_not_recorded(app, fake, caplog):
    caplog.set_level(logging.DEBUG)
    app.wechat_api = WeChatAPI({"wechat": {"api_base": fake.base, "app_id": APP_ID, "app_secret": "wrong-secret"}})
    touch(app, "o-zs")
    row = pushed(app, app.pusher.push("o-zs", "x"))
    assert row["status"] == "failed" and row["error"].startswith("40125")
    assert "wrong-secret" not in caplog.text and "wrong-secret" not in repr(app.wechat_api)


def test_unreachable_api_fails_after_two_attempts(app, fake):
    fake.shutdown()
    fake.server_close()
    touch(app, "o-zs")
    row = pushed(app, app.pusher.push("o-zs", "x"))
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert row["error"].startswith("-1 请求微信接口失败")


def test_push_returns_at_once_while_sending_is_slow(app, fake):
    touch(app, "o-zs")
    fake.send_answers = ["slow", "slow"]
    started = time.monotonic()
    ids = [app.pusher.push("o-zs", "一"), app.pusher.push("o-zs", "二")]
    assert time.monotonic() - started < 0.25
    assert app.store.one("SELECT status FROM pushes WHERE id = :i", {"i": ids[1]})["status"] == "pending"
    assert [pushed(app, i)["status"] for i in ids] == ["sent", "sent"]


def test_custom_sender_gets_every_push_and_its_crash_is_recorded(tmp_path, pconfig):
    received = []

    def sender(openid, text):
        if text == "boom":
            raise RuntimeError("sender broke")
        received.append((openid, text))
    app = App(pconfig, sender=sender).setup()
    first, second = app.pusher.push("o-never-wrote", "你好"), app.pusher.push("o-never-wrote", "boom")
    assert pushed(app, first)["status"] == "sent"
    assert received == [("o-never-wrote", "你好")], "a custom sender is not bound by WeChat's window"
    row = pushed(app, second)
    assert (row["status"], row["error"]) == ("failed", "RuntimeError: sender broke")


def test_push_never_raises_even_when_the_database_is_gone(app, caplog):
    app.store.close()
    app.store.path = str(app.store.path) + ".missing/dir/x.db"
    assert app.pusher.push("o-zs", "x") is None
    assert "could not record a push" in caplog.text


def test_push_inside_a_transaction_is_sent_only_after_commit_and_never_after_a_rollback(tmp_path, pconfig):
    received = []
    app = App(pconfig, sender=lambda o, t: received.append(t)).setup()
    with app.transaction() as tx:
        push_id = tx.push("o-zs", "事务内")
        time.sleep(0.2)
        assert received == [], "nothing is sent before the transaction commits"
    assert pushed(app, push_id)["status"] == "sent"
    assert received == ["事务内"]
    with pytest.raises(RuntimeError):
        with app.transaction() as tx:
            tx.push("o-zs", "回滚")
            raise RuntimeError("the handler failed")
    app.pusher.flush(2)
    assert received == ["事务内"]
    assert app.store.one("SELECT COUNT(*) AS n FROM pushes WHERE text = '回滚'")["n"] == 0


def test_pushes_left_pending_by_a_crashed_process_are_sent_at_the_next_start(pconfig, fake):
    crashed = App(pconfig).setup()
    touch(crashed, "o-zs")
    with crashed.store.write() as db:        # recorded, never sent: the process died in between
        db.execute("INSERT INTO pushes (openid, text, kind, created_at, status) VALUES "
                   "('o-zs', '你的注册已通过', 'register', ?, 'pending')", [to_utc_text(utc_now())])
    restarted = App(pconfig).setup()
    assert restarted.pusher.resume() == 1
    restarted.pusher.flush(5)
    row = restarted.store.one("SELECT status, attempts FROM pushes WHERE text = '你的注册已通过'")
    assert (row["status"], row["attempts"]) == ("sent", 1)
    assert fake.calls[-1][2]["text"] == {"content": "你的注册已通过"}
    assert restarted.pusher.resume() == 0     # nothing pending any more: nothing sent twice


def test_redact_hides_the_app_secret_and_oauth_code_as_well_as_the_token():
    from bot.wechat_api import redact
    text = redact("GET https://api/sns/oauth2/access_token?appid=wx1&secret=S3CR3T&code=0a1b2c&grant_type=x "
                  "errcode=40029 /cgi-bin/menu/get?access_token=TOKEN1")
    assert "S3CR3T" not in text and "0a1b2c" not in text and "TOKEN1" not in text
    assert "appid=wx1" in text and "errcode=40029" in text
