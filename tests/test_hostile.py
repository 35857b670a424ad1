"""Hostile traffic over real HTTP on loopback (issue 12 §3): a captured query string with another body, XML nested
deeper than WeChat ever sends, a notify that is not UTF-8, what the public /healthz shows, and a bounded fuzz of
every route: a refusal is a 4xx and one log line, never a 5xx or a traceback."""

import json
import logging
import random
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import yaml

from bot.timeutil import to_utc_text, utc_now
from conftest import ADMIN
from test_pay import PLATFORM_KEY_ID, fake, keys, notify_request, post_notify, server, v3  # noqa: F401 (fixtures)
from test_wechat_endpoint import TOKEN, US, client, message_xml, reply_content, serve, sign, wconfig  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


# --- plaintext mode: one captured query string, another body --------------------------------------------------

def test_a_captured_query_string_with_another_body_is_403_and_does_nothing(client):
    params = client.params(nonce="captured")
    assert "可用命令" in reply_content(client.post(message_xml(ADMIN, "0", "6001"), params=params))["Content"]
    forged = client.post(message_xml(ADMIN, "87 黑客组", "6002"), params=params)
    assert forged.status_code == 403
    assert client.app.store.query("SELECT * FROM groups WHERE name = '黑客组'") == []


def test_the_same_query_string_and_body_again_is_a_retry_with_the_same_reply(client):
    params, body = client.params(nonce="retried"), message_xml("o-zs", "9 测试组 张三", "6003")
    first, again = (reply_content(client.post(body, params=params))["Content"] for _ in range(2))
    assert "已提交注册" in first and again == first
    assert len(client.app.store.query("SELECT * FROM audit WHERE action = 'register'")) == 1


def test_each_new_nonce_is_a_new_signature(client):
    for n in range(3):
        response = client.post(message_xml("o-user", "0", f"601{n}"), params=client.params(nonce=f"n{n}"))
        assert "可用命令" in reply_content(response)["Content"]


def test_signatures_are_forgotten_once_their_timestamp_leaves_the_window():
    from bot.wechat import SignatureMemory
    now = [1_000_000.0]
    memory = SignatureMemory(max_skew=300, capacity=1000, clock=lambda: now[0])
    assert memory.admit("sig-a", 1_000_000, b"body") and memory.admit("sig-b", 1_000_100, b"body")
    assert not memory.admit("sig-a", 1_000_000, b"other body")
    assert memory.admit("sig-a", 1_000_000, b"body")               # the same body: a retry
    now[0] = 1_000_301                                              # sig-a's timestamp is out of the window
    assert memory.admit("sig-c", 1_000_301, b"body")
    assert len(memory) == 2
    now[0] = 1_000_401
    assert memory.admit("sig-d", 1_000_401, b"body") and len(memory) == 2


def test_signature_memory_has_a_hard_cap_and_warns(caplog):
    from bot.wechat import SignatureMemory
    memory = SignatureMemory(max_skew=300, capacity=3, clock=lambda: 1_000_000.0)
    caplog.set_level(logging.WARNING, logger="teabot.wechat")
    for n in range(10):
        assert memory.admit(f"sig-{n}", 1_000_000, b"body")
    assert len(memory) == 3
    warnings = [r for r in caplog.records if "signature" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


# --- XML nested deeper than WeChat's messages --------------------------------------------------------------------

def _pictures_event(extra_level=""):
    item = f"<PicMd5Sum>{extra_level or '1b5f7c23b5bf75682a53e7b6d163e185'}</PicMd5Sum>"
    return (f"<xml><ToUserName><![CDATA[{US}]]></ToUserName><FromUserName><![CDATA[o-pic]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[pic_photo_or_album]]></Event><EventKey><![CDATA[6]]></EventKey>"
            f"<SendPicsInfo><Count>1</Count><PicList><item>{item}</item></PicList></SendPicsInfo></xml>").encode()


def test_wechats_deepest_message_is_accepted(client):
    assert client.post(_pictures_event()).status_code == 200


def test_one_level_deeper_than_wechat_sends_is_400(client):
    assert client.post(_pictures_event(extra_level="<b>x</b>")).status_code == 400


@pytest.mark.parametrize("levels", [900, 9000])          # 6 KB, and as deep as the 64 KB body cap allows
def test_a_deeply_nested_body_is_400_in_one_log_line(client, caplog, levels):
    caplog.set_level(logging.INFO)
    body = (b"<xml><ToUserName>gh</ToUserName><FromUserName>o-deep</FromUserName><MsgType>text</MsgType>"
            + b"<a>" * levels + b"</a>" * levels + b"</xml>")
    assert len(body) < 65536
    assert client.post(body).status_code == 400
    lines = [r for r in caplog.records if r.name.startswith("teabot")]
    assert len(lines) == 1 and not lines[0].exc_info and "Traceback" not in caplog.text, caplog.text


# --- WeChat Pay's notify --------------------------------------------------------------------------------------------

def test_a_notify_body_that_is_not_utf8_is_400(v3, keys, server):  # noqa: F811
    headers, body = notify_request(keys, {"out_trade_no": "T1"})
    response = requests.post(f"{server}/pay/notify", data=b"\xff\xfe" + body.encode(), headers=headers, timeout=10)
    assert response.status_code == 400


# --- /healthz: states, ages and counts; the details in `run_bot.py status` ----------------------------------

STATE = re.compile(r"^[a-z][a-z0-9_]*$")


def _leaves(value, where=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{where}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _leaves(item, f"{where}[{n}]")
    else:
        yield where, value


def _failed_export(app):
    with app.store.write() as db:
        db.execute("INSERT INTO exports (kind, date, trigger, state, path, error, upload_state, created_at, "
                   "finished_at) VALUES ('report', '2026-11-22', 'daily', 'failed', ?, ?, 'pending', ?, ?)",
                   [str(Path(app.config["exports_dir"]) / "teabot-20261122.xlsx"),
                    "PermissionError: [Errno 13] /srv/secret/exports", to_utc_text(utc_now() - timedelta(seconds=65)),
                    to_utc_text(utc_now() - timedelta(seconds=60))])


def test_healthz_shows_only_states_ages_and_counts(client):
    _failed_export(client.app)
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok" and data["database"]["ok"] is True
    assert data["export"]["last_report"]["state"] == "failed" and data["export"]["last_report"]["age_seconds"] > 0
    for where, value in _leaves(data):
        assert value is None or isinstance(value, (bool, int, float)) or STATE.match(value), (where, value)
    for secret in (client.app.store.path, "/srv/secret", "Errno", TOKEN):
        assert secret not in response.text


def test_cli_status_shows_the_details(tmp_path, client):
    _failed_export(client.app)
    config_file = tmp_path / "teabot.yaml"
    config_file.write_text(yaml.safe_dump({"database": client.app.store.path,
                                           "exports_dir": client.app.config["exports_dir"],
                                           "groups": ["测试组"]}, allow_unicode=True), encoding="utf-8")
    result = subprocess.run([sys.executable, "run_bot.py", "--config", str(config_file), "status"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "ok" and data["database"]["path"] == client.app.store.path
    assert data["database"]["journal_mode"] == "wal" and data["version"]
    assert data["export"]["last_report"]["error"] == "PermissionError: [Errno 13] /srv/secret/exports"


# --- fuzz: every route, a 4xx and one log line ----------------------------------------------------------------

def _raw(port, data, timeout=5):
    """Send raw bytes, half-close, and return the response's status code (None if the server closed without
    answering, as waitress does for a request it cannot frame)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass                      # the server may refuse (and close) before all of it is sent
        head = b""
        try:
            while b"\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
        except OSError:
            pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return int(match.group(1)) if match else None


def _request(method, target, body=b"", headers=()):
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: 127.0.0.1", b"Connection: close",
             *headers]
    if body is not None and not any(h.lower().startswith((b"content-length", b"transfer-encoding")) for h in headers):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def _fuzz_cases(rng):
    """(description, raw request bytes): bounded, reproducible (fixed seed)."""
    fresh = lambda nonce: "&".join(f"{k}={v}" for k, v in _signed(nonce).items())  # noqa: E731
    valid = message_xml("o-fuzz", "0", "7001")
    routes = ["/wechat", "/healthz", "/pay/notify", "/pay/" + "a" * 32, "/pay/x", "/nowhere", "/"]
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW"]
    types = [b"text/xml", b"application/json", b"application/x-www-form-urlencoded", b"multipart/form-data",
             b"multipart/form-data; boundary=--x", b"text/plain; charset=gbk", b"\x81\xfe/\xff", b""]
    cases = []
    for route in routes:
        for method in methods:
            body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
            kind = rng.choice(types)
            cases.append((f"{method} {route} {kind!r}", _request(method, route, body, [b"Content-Type: " + kind])))
    for n in range(40):                       # signed, with random bytes or a mutated real message
        body = bytearray(valid)
        for _ in range(rng.randrange(1, 8)):
            body[rng.randrange(len(body))] = rng.getrandbits(8)
        if n % 4 == 0:
            body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 400)))
        cases.append((f"signed mutated body {n}", _request("POST", f"/wechat?{fresh(f'fz{n}')}", bytes(body))))
    queries = ["signature=%ff%fe&timestamp=%zz&nonce=%", "%ff=%ff&%=", "timestamp=" + "9" * 400,
               "timestamp=" + "9" * 5000, "timestamp=1e999&nonce=1&signature=x", "timestamp=-0&nonce=&signature=",
               "timestamp=%E1%A0%8E1&nonce=1&signature=1", fresh("fzq") + "&encrypt_type=aes",
               fresh("fzq2") + "&encrypt_type=aes&msg_signature=%ff", "echostr=%ff%fe&" + fresh("fzq3"),
               "timestamp=" + str(int(time.time())) + "&nonce=%00&signature=" + "0" * 40, "a" * 20000]
    for query in queries:
        for method in ("GET", "POST"):
            cases.append((f"{method} /wechat?{query[:40]}", _request(method, f"/wechat?{query}", valid)))
            cases.append((f"{method} /pay/notify?{query[:40]}", _request(method, f"/pay/notify?{query}", b"{}")))
    for path in ("/pay/%ff%fe", "/pay/%00", "/pay/..%2f..%2fetc%2fpasswd", "/pay/" + "b" * 5000, "//wechat",
                 "/wechat/", "/%ff", "/healthz?%ff", "*"):
        cases.append((f"GET {path[:40]}", _request("GET", path, None)))
    notify_headers = [b"Wechatpay-Serial: " + PLATFORM_KEY_ID.encode(), b"Wechatpay-Nonce: n",
                      b"Wechatpay-Timestamp: " + str(int(time.time())).encode(), b"Wechatpay-Signature: AAAA",
                      b"Content-Type: application/json"]
    for body in (b"\xff\xfe{}", b"{", b"[]", b'{"resource": 1}', b"null", b"\x00" * 100):
        cases.append((f"notify {body[:10]!r}", _request("POST", "/pay/notify", body, notify_headers)))
        for digits in (400, 5000):
            cases.append((f"notify ts {digits} {body[:10]!r}", _request("POST", "/pay/notify", body, [
                *notify_headers[:2], b"Wechatpay-Timestamp: " + b"9" * digits, *notify_headers[3:]])))
    big = b"X-Big: " + b"y" * 300_000
    many = [b"X-H%d: v" % n for n in range(2000)]
    for route in ("/wechat", "/healthz", "/pay/notify"):
        cases.append((f"huge header {route}", _request("POST", route, valid, [big])))
        cases.append((f"many headers {route}", _request("POST", route, valid, many)))
        cases.append((f"bad length {route}", _request("POST", route, valid, [b"Content-Length: -5"])))
        cases.append((f"length not a number {route}", _request("POST", route, valid, [b"Content-Length: ab"])))
        cases.append((f"bad chunk {route}", _request("POST", route, b"zz\r\nxx\r\n0\r\n\r\n",
                                                      [b"Transfer-Encoding: chunked"])))
        cases.append((f"non-latin header {route}", _request("POST", route, valid, [b"X-Name: \xe5\xbc\xa0\xff"])))
    cases += [("garbage request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(200)),
              ("HTTP/1.0 without Host", b"GET /healthz HTTP/1.0\r\n\r\n"),
              ("request line without version", b"GET /wechat\r\n\r\n"),
              ("absolute URI", _request("GET", "http://evil.example/healthz", None))]
    return cases


def _signed(nonce):
    timestamp = str(int(time.time()))
    return {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def test_fuzzing_every_route_gives_no_5xx_and_no_traceback(v3, server, caplog, capfd):  # noqa: F811
    port = int(server.rsplit(":", 1)[1])
    caplog.set_level(logging.DEBUG)
    logging.getLogger("teabot.web").setLevel(logging.INFO)      # its DEBUG request lines are not failures
    rng = random.Random(1212)
    failures = []
    for what, data in _fuzz_cases(rng):
        before = len(caplog.records)
        status = _raw(port, data)
        time.sleep(0.01)              # the request's log line is written after its response is sent
        lines = [r for r in caplog.records[before:] if r.levelno >= logging.INFO]
        if (status is not None and status >= 500) or len(lines) > 1 or any(r.exc_info for r in lines):
            failures.append((what, status, [r.getMessage()[:120] for r in lines]))
    assert not failures, "\n".join(map(str, failures))
    assert not [r for r in caplog.records if r.exc_info], caplog.text[-3000:]
    assert "Traceback" not in caplog.text and "Traceback" not in capfd.readouterr().err
