"""/wechat and /healthz over real HTTP on loopback: signatures, limits, safe XML, dedupe of WeChat's retries."""

import copy
import io
import hashlib
import logging
import secrets
import threading
import time
from datetime import timedelta

import defusedxml.ElementTree as SafeET
import pytest
import requests

from bot import VERSION
from bot.app import App
from bot.config import DEFAULTS
from bot.plugin import Plugin, load_plugins
from bot.timeutil import to_utc_text, utc_now
from bot.web import health, start_background
from bot.wechat import NON_TEXT_HINT, make_wechat_handler
from conftest import eventually

TOKEN = "testtoken"
US = "gh_teabot"


def sign(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def message_xml(openid="o-user", content="0", msg_id="1001", msg_type="text", create_time=None, extra=""):
    body = (f"<xml><ToUserName><![CDATA[{US}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>")
    if msg_type == "text":
        body += "<Content><![CDATA[" + content.replace("]]>", "]]]]><![CDATA[>") + "]]></Content>"
    if msg_id:
        body += f"<MsgId>{msg_id}</MsgId>"
    return (body + extra + "</xml>").encode("utf-8")


def event_xml(openid, event, create_time):
    return (f"<xml><ToUserName><![CDATA[{US}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event></xml>").encode("utf-8")


class Client:
    def __init__(self, app, port):
        self.app = app
        self.base = f"http://127.0.0.1:{port}"

    def params(self, timestamp=None, nonce=None, token=TOKEN, **extra):
        """A signed query; a new nonce each time (plaintext mode refuses a signature reused with another body)."""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(5) if nonce is None else nonce
        return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}

    def post(self, body, params=None, **kwargs):
        return requests.post(self.base + "/wechat", params=params or self.params(), data=body, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return requests.get(self.base + path, timeout=10, **kwargs)


def reply_content(response):
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/xml")
    root = SafeET.fromstring(response.content)
    return {child.tag: child.text for child in root}


@pytest.fixture
def wconfig(tmp_path):
    cfg = copy.deepcopy(DEFAULTS)
    cfg["database"] = str(tmp_path / "teabot.db")
    cfg["exports_dir"] = str(tmp_path / "exports")
    cfg["wechat"]["token"] = TOKEN
    cfg["admins"] = ["o-admin"]
    cfg["groups"] = ["测试组"]
    cfg["_path"] = "test"
    return cfg


@pytest.fixture
def serve(wconfig):
    """serve(config=None, plugins=None) -> Client for a real server on loopback; stopped after the test."""
    stops, apps = [], []

    def start(config=None, plugins=None):
        app = App(config or wconfig, plugins=plugins, sender=lambda openid, text: None).setup()
        port, stop = start_background(app)
        stops.append(stop)
        apps.append(app)
        return Client(app, port)
    yield start
    for stop in stops:
        stop()
    for app in apps:
        app.pusher.flush(5)


@pytest.fixture
def client(serve):
    return serve()


# --- URL check --------------------------------------------------------------------------------------------------

def test_url_check_echoes_echostr(client):
    response = client.get("/wechat", params=client.params(echostr="5838479218127813673"))
    assert (response.status_code, response.text) == (200, "5838479218127813673")


@pytest.mark.parametrize("tamper", ["signature", "token", "missing"])
def test_url_check_with_bad_signature_is_403(client, tamper):
    params = client.params(echostr="abc", token="wrongtoken" if tamper == "token" else TOKEN)
    if tamper == "signature":
        params["signature"] = "0" * 40
    if tamper == "missing":
        del params["signature"]
    response = client.get("/wechat", params=params)
    assert response.status_code == 403
    assert "abc" not in response.text


# --- text messages ------------------------------------------------------------------------------------------------

def test_text_0_replies_with_the_menu_as_xml(client):
    reply = reply_content(client.post(message_xml("o-user", "0", "2001")))
    assert "可用命令" in reply["Content"]
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == ("o-user", US, "text")
    assert abs(int(reply["CreateTime"]) - time.time()) < 60
    assert client.app.user("o-user")["last_message_at"], "the 48-hour push window starts with a message"


def test_full_width_command_and_chinese_text_round_trip(client):
    reply = reply_content(client.post(message_xml("o-user", "９ 不存在的组 张三", "2002")))
    assert "没有名为“不存在的组”的小组" in reply["Content"] and "测试组" in reply["Content"]


def test_bad_signature_is_403_and_does_nothing(client):
    params = client.params()
    params["signature"] = sign("wrongtoken", params["timestamp"], params["nonce"])
    response = client.post(message_xml("o-user", "9 测试组 张三", "2003"), params=params)
    assert response.status_code == 403
    assert client.app.store.query("SELECT * FROM inbound") == []
    assert client.app.user("o-user") is None


@pytest.mark.parametrize("tamper", ["non-ascii signature", "empty nonce", "no signature"])
def test_malformed_signature_parameters_are_403_not_500(client, tamper):
    params = client.params(nonce="" if tamper == "empty nonce" else "424242")
    if tamper == "non-ascii signature":
        params["signature"] = "签名" * 20
    if tamper == "no signature":
        del params["signature"]
    response = client.post(message_xml("o-user", "0", "2013"), params=params)
    assert response.status_code == 403


@pytest.mark.parametrize("offset", [-301, 301, -86400])
def test_stale_or_future_timestamp_is_403(client, offset):
    response = client.post(message_xml(msg_id="2004"), params=client.params(timestamp=int(time.time()) + offset))
    assert response.status_code == 403


def test_timestamp_within_skew_is_accepted(client):
    response = client.post(message_xml(msg_id="2005"), params=client.params(timestamp=int(time.time()) - 250))
    assert "可用命令" in reply_content(response)["Content"]


def test_body_over_cap_is_413(client):
    padding = "<Pad>" + "x" * 70000 + "</Pad>"
    response = client.post(message_xml(msg_id="2006", extra=padding))
    assert response.status_code == 413
    assert client.app.store.query("SELECT * FROM inbound") == []


def test_chunked_body_over_cap_without_content_length_is_413(client):
    def chunks():
        yield message_xml(msg_id="2007")[:-6]
        for _ in range(20):
            yield b"<Pad>" + b"y" * 4000 + b"</Pad>"
        yield b"</xml>"
    response = client.post(chunks())
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 413


def test_body_just_under_cap_is_accepted(client):
    body = message_xml(msg_id="2008", extra="<Pad>" + "x" * 60000 + "</Pad>")
    assert len(body) < 65536
    assert "可用命令" in reply_content(client.post(body))["Content"]


@pytest.mark.parametrize("body", [
    b"<xml><ToUserName>unclosed",
    b"not xml at all",
    b"",
    b"<notxml><FromUserName>o</FromUserName><MsgType>text</MsgType></notxml>",
    b"<xml><ToUserName>gh</ToUserName></xml>",          # no FromUserName / MsgType
])
def test_malformed_xml_is_400(client, body):
    assert client.post(body).status_code == 400


def test_xml_bomb_is_refused_fast(client):
    lol = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)]
    bomb = ("<?xml version=\"1.0\"?><!DOCTYPE xml [" + "".join(lol) + "]>"
            f"<xml><ToUserName>gh</ToUserName><FromUserName>o-bomb</FromUserName><MsgType>text</MsgType>"
            f"<Content>&lol9;</Content><MsgId>2009</MsgId></xml>").encode()
    started = time.monotonic()
    response = client.post(bomb)
    assert response.status_code == 400
    assert time.monotonic() - started < 1.0
    assert client.app.user("o-bomb") is None


@pytest.mark.parametrize("body", [
    # bodies that begin with <xml> skip defusedxml (no prolog, so nothing can be declared): still refused
    b"<xml><FromUserName>o-e</FromUserName><MsgType>text</MsgType><Content>&xxe;</Content></xml>",
    b"<xml><!DOCTYPE xml [<!ENTITY a 'b'>]><FromUserName>o-e</FromUserName><MsgType>text</MsgType></xml>",
    b'<xml><FromUserName>o-e</FromUserName><MsgType>text</MsgType><Content>&#0;</Content></xml>',
])
def test_entities_in_a_prolog_free_body_are_400(client, body):
    assert client.post(body).status_code == 400
    assert client.app.user("o-e") is None


def test_doctype_without_entities_is_400(client):
    body = b"<!DOCTYPE xml><xml><FromUserName>o-d</FromUserName><MsgType>text</MsgType><Content>0</Content></xml>"
    assert client.post(body).status_code == 400


def test_body_longer_than_its_content_length_claims_is_cut_at_the_cap(wconfig):
    # waitress itself honours Content-Length, so this checks the endpoint's own read limit directly.
    app = App(wconfig, sender=lambda o, t: None).setup()
    endpoint = make_wechat_handler(app)
    params = Client(app, 0).params()
    big = message_xml(msg_id="2011", extra="<Pad>" + "x" * 70000 + "</Pad>")
    assert endpoint.handle(params, None, io.BytesIO(big)).status == 413
    assert endpoint.handle(params, "not-a-number", io.BytesIO(big)).status == 400
    assert endpoint.handle(params, None, io.BytesIO(message_xml(msg_id="2012"))).status == 200


def test_external_entity_is_400(client):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<xml><FromUserName>o-x</FromUserName><MsgType>text</MsgType><Content>&x;</Content></xml>")
    response = client.post(xxe)
    assert response.status_code == 400 and "root:" not in response.text


def test_reply_with_cdata_terminator_stays_valid_xml(serve):
    plugin = Plugin("echo_test", "回声")

    @plugin.command(77, "回声", roles=("anyone",), usage="77 文字", example="77 a]]>b")
    def echo(ctx):
        """回声"""
        return ctx.rest
    client = serve(plugins=load_plugins() + [plugin])
    assert reply_content(client.post(message_xml("o-user", "77 a]]><b>&c", "2010")))["Content"] == "a]]><b>&c"


# --- retries ------------------------------------------------------------------------------------------------------

def _fire_concurrently(client, body, count=3):
    barrier = threading.Barrier(count)
    responses = [None] * count

    def one(i):
        barrier.wait()
        responses[i] = client.post(body)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return responses


def test_same_msgid_three_concurrent_retries_register_once(client):
    responses = _fire_concurrently(client, message_xml("o-zs", "9 测试组 张三", "3001"))
    contents = [reply_content(r)["Content"] for r in responses]
    assert "已提交注册" in contents[0]
    assert contents[1] == contents[0] and contents[2] == contents[0]
    store = client.app.store
    assert len(store.query("SELECT * FROM audit WHERE action = 'register'")) == 1
    expected = [{"dedupe_key": "3001", "state": "done"}]
    assert eventually(lambda: store.query("SELECT dedupe_key, state FROM inbound"), expected) == expected
    assert client.app.user("o-zs")["status"] == "pending"


def test_many_members_recording_at_once_over_http_lose_nothing_and_totals_add_up(client):
    """8 members × 10 distinct `1` messages, all at once through the real server: the writes share transactions
    (bot.db group commit), and every reply must still be right, in order per member, and on disk."""
    members = [f"o-m{i}" for i in range(8)]
    for n, openid in enumerate(members):
        assert "已提交注册" in reply_content(client.post(message_xml(openid, f"9 测试组 成员{n}", f"40{n}")))["Content"]
    assert "将通过以下 8 个" in reply_content(client.post(message_xml("o-admin", "81 全部", "4100")))["Content"]
    assert "已通过 8 个" in reply_content(client.post(message_xml("o-admin", "确认", "4101")))["Content"]
    totals = {openid: [] for openid in members}

    def member_sends(i, openid):
        for k in range(10):
            content = reply_content(client.post(message_xml(openid, f"1 {k + 1} 第{k}笔", f"5{i}{k:02d}")))["Content"]
            assert "已记录" in content, content
            totals[openid].append(content.split("你的未报销合计：")[1].split(" 元")[0])
    threads = [threading.Thread(target=member_sends, args=(i, o)) for i, o in enumerate(members)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    running = [f"{sum(range(1, k + 2))}.00" for k in range(10)]      # 1.00, 3.00, 6.00, … 55.00
    assert totals == {openid: running for openid in members}
    rows = client.app.store.query("SELECT openid, COUNT(*) AS n, SUM(amount_fen) AS fen FROM expenses GROUP BY openid")
    assert {r["openid"]: (r["n"], r["fen"]) for r in rows} == {openid: (10, 5500) for openid in members}


def test_retry_while_first_is_slow_waits_for_the_same_reply(client):
    app, calls = client.app, []
    original = app.router.reply

    def slow(tx, openid, text, msg_id=None):
        calls.append(msg_id)
        time.sleep(0.6)
        return original(tx, openid, text, msg_id)
    app.router.reply = slow
    started = time.monotonic()
    responses = _fire_concurrently(client, message_xml("o-user", "0", "3002"))
    assert calls == ["3002"]
    contents = {reply_content(r)["Content"] for r in responses}
    assert len(contents) == 1 and "可用命令" in contents.pop()
    assert time.monotonic() - started < 3, "waiters are woken when the first finishes, not at the deadline"


def test_later_retry_gets_the_stored_reply_without_recomputing(client):
    first = reply_content(client.post(message_xml("o-zs", "9 测试组 张三", "3003")))["Content"]
    again = reply_content(client.post(message_xml("o-zs", "9 测试组 张三", "3003")))["Content"]
    assert first == again
    assert len(client.app.store.query("SELECT * FROM audit WHERE action = 'register'")) == 1


def test_retry_still_processing_after_the_wait_answers_success_then_the_stored_reply(wconfig):
    app = App(wconfig, sender=lambda o, t: None).setup()
    inbound = app.inbound
    inbound.wait_seconds = 0.2
    release = threading.Event()
    results = {}

    def first():
        results["first"] = inbound.once("k1", "o-user", lambda tx: release.wait(5) and "答复")
    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.1)
    assert inbound.once("k1", "o-user", lambda: pytest.fail("computed twice")) == ""
    release.set()
    thread.join(5)
    assert results["first"] == "答复"
    assert inbound.once("k1", "o-user", lambda: pytest.fail("computed twice")) == "答复"


def test_processing_row_of_a_crashed_process_is_taken_over(client):
    old = to_utc_text(utc_now() - timedelta(seconds=120))
    with client.app.store.write() as db:
        db.execute("INSERT INTO inbound (dedupe_key, openid, received_at, state) VALUES ('3004', 'o-user', ?, "
                   "'processing')", [old])
    assert "可用命令" in reply_content(client.post(message_xml("o-user", "0", "3004")))["Content"]
    state = lambda: client.app.store.one("SELECT state FROM inbound WHERE dedupe_key = '3004'")["state"]  # noqa: E731
    assert eventually(state, "done") == "done"


def test_handler_crash_gives_an_error_reply_and_lets_a_retry_run(client):
    app = client.app
    original = app.router.reply
    app.router.reply = lambda *a, **k: 1 / 0
    reply = reply_content(client.post(message_xml("o-user", "0", "3005")))["Content"]
    assert reply.startswith("出错了（编号 ")
    app.router.reply = original
    assert "可用命令" in reply_content(client.post(message_xml("o-user", "0", "3005")))["Content"]


# --- events and other message types ----------------------------------------------------------------------------

def test_subscribe_welcomes_once_per_from_user_and_create_time(client):
    created = int(time.time())
    first = reply_content(client.post(event_xml("o-new", "subscribe", created)))["Content"]
    second = reply_content(client.post(event_xml("o-new", "subscribe", created)))["Content"]
    assert "欢迎关注" in first and first == second
    audit = client.app.store.query("SELECT * FROM audit WHERE action = 'subscribe'")
    assert len(audit) == 1
    expected = [{"dedupe_key": f"o-new:{created}"}]
    assert eventually(lambda: client.app.store.query("SELECT dedupe_key FROM inbound"), expected) == expected
    # a later subscribe (another CreateTime) is a new event
    reply_content(client.post(event_xml("o-new", "subscribe", created + 5)))
    assert len(client.app.store.query("SELECT * FROM audit WHERE action = 'subscribe'")) == 2


def test_unsubscribe_answers_success_and_marks_the_user(client):
    client.post(event_xml("o-gone", "subscribe", int(time.time()) - 10))
    response = client.post(event_xml("o-gone", "unsubscribe", int(time.time())))
    assert (response.status_code, response.text) == (200, "success")
    assert client.app.user("o-gone")["subscribed"] == 0


def test_unknown_event_with_no_handler_answers_success(client):
    response = client.post(event_xml("o-user", "VIEW", int(time.time())))
    assert (response.status_code, response.text) == (200, "success")


@pytest.mark.parametrize("msg_type", ["voice", "location"])      # an image is a receipt (tests/test_receipts.py)
def test_non_text_message_gets_the_text_command_hint(client, msg_type):
    reply = reply_content(client.post(message_xml("o-user", msg_type=msg_type, msg_id=f"40{len(msg_type)}")))
    assert reply["Content"] == NON_TEXT_HINT
    assert client.app.user("o-user")["last_message_at"]


# --- configuration ------------------------------------------------------------------------------------------------

def test_empty_token_refuses_everything_and_warns_once(serve, wconfig, caplog):
    wconfig["wechat"]["token"] = ""
    client = serve(wconfig)
    caplog.set_level(logging.WARNING, logger="teabot.wechat")
    params = {"signature": sign("", "1", "2"), "timestamp": str(int(time.time())), "nonce": "2", "echostr": "x"}
    assert client.get("/wechat", params=params).status_code == 403
    assert client.post(message_xml(), params=params).status_code == 403
    assert client.post(message_xml(), params={}).status_code == 403
    warnings = [r for r in caplog.records if "token" in r.getMessage()]
    assert len(warnings) == 1


# --- /healthz and plugin routes -----------------------------------------------------------------------------------

def test_healthz_reports_database_mode_and_plugin_hooks(serve):
    plugin = Plugin("probe", "探针")

    @plugin.health
    def probe_health(app):
        return {"probe": {"ok": True}}

    @plugin.health
    def broken_health(app):
        raise RuntimeError("boom")
    client = serve(plugins=load_plugins() + [plugin])
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok" and data["mode"] == "plaintext" and data["database"] == {"ok": True}
    assert "version" not in data and client.app.store.path not in response.text      # those: run_bot.py status
    detailed = health(client.app, detailed=True)
    assert detailed["version"] == VERSION and detailed["database"]["path"] == client.app.store.path
    assert detailed["database"]["journal_mode"] == "wal"
    assert data["probe"] == {"ok": True}
    assert data["failed_health_hooks"] == ["probe"]
    assert TOKEN not in response.text


def test_healthz_is_503_without_the_exception_text_when_the_database_cannot_be_read(client):
    class BrokenStore:
        path = client.app.store.path

        @property
        def db(self):
            raise OSError("disk gone at /srv/secret/teabot.db")
    client.app.store = BrokenStore()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error" and response.json()["database"] == {"ok": False, "error": "unavailable"}
    assert "/srv/secret" not in response.text and "disk gone" not in response.text


def test_disabled_plugin_routes_and_hooks_are_not_served(serve, wconfig):
    plugin = Plugin("probe", "探针")
    plugin.route("GET", "/probe")(lambda app: "probe")
    plugin.health(lambda app: {"probe": 1})
    wconfig["plugins"] = {"probe": {"enabled": False}}
    client = serve(wconfig, plugins=load_plugins() + [plugin])
    assert client.get("/probe").status_code == 404
    assert "probe" not in client.get("/healthz").json()


def test_plugin_route_gets_app_url_args_and_the_request(serve):
    import bottle
    plugin = Plugin("probe", "探针")

    @plugin.route("POST", "/probe/<name>")
    def probe(app, name):
        bottle.response.set_header("X-Probe", "1")
        return f"{name} {bottle.request.query.get('q')} {bottle.request.body.read().decode()} {len(app.plugins)}"
    client = serve(plugins=load_plugins() + [plugin])
    response = requests.post(client.base + "/probe/abc?q=7", data=b"body", timeout=10)
    assert response.status_code == 200 and response.headers["X-Probe"] == "1"
    assert response.text == f"abc 7 body {len(client.app.plugins)}"
