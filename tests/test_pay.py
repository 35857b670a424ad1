"""Payments end to end: a WeChat Pay v3 server on loopback (keys made here, crypto from `cryptography`, not from
plugins.pay.wechatpay), the real bot server over HTTP, notifies, reconciliation, the static provider and the
report sheet."""

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import segno
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot import web
from bot.scheduler import make_scheduler
from bot.timeutil import to_utc_text, utc_now
from conftest import ADMIN, FINANCE
from plugins.pay import commands, jobs, orders

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD1B7A9F3E"
PLATFORM_KEY_ID = "PUB_KEY_ID_0114232134912410000000000000"
APIV3_KEY = "0123456789abcdefghijABCDEFGHIJ01"   # 32 bytes


def _pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem_public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def keys():
    make = lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)  # noqa: E731
    return {"merchant": make(), "platform": make(), "intruder": make()}


def rsa_sign(private_key, message):
    return base64.b64encode(private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verifies(public_key, message, signature):
    try:
        public_key.verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return True
    except Exception:
        return False


class FakeWeChatPay:
    """Speaks the v3 endpoints teabot uses: checks our Authorization with the merchant public key and signs
    every answer with the platform key (or, when told, with an intruder's key)."""

    def __init__(self, keys):
        self.merchant_public = keys["merchant"].public_key()
        self.signing_key = keys["platform"]
        self.orders = {}             # out_trade_no -> {"body", "trade_state", "transaction_id", "paid_total"}
        self.calls = []              # (method, path)
        self.auth_failures = []
        self.on_order = None         # called with the out_trade_no while an order is being placed, before the answer
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.handle(self, "GET")

            def do_POST(self):
                fake.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _authorized(self, request, method, body):
        header = request.headers.get("Authorization", "")
        match = re.fullmatch(r'WECHATPAY2-SHA256-RSA2048 mchid="([^"]*)",nonce_str="([^"]*)",timestamp="(\d+)",'
                             r'serial_no="([^"]*)",signature="([^"]*)"', header)
        if not match:
            return False
        mchid, nonce, timestamp, serial, signature = match.groups()
        message = f"{method}\n{request.path}\n{timestamp}\n{nonce}\n{body}\n"
        return (mchid == MCHID and serial == MERCHANT_SERIAL and abs(time.time() - int(timestamp)) < 300
                and rsa_verifies(self.merchant_public, message, signature))

    def _answer(self, request, status, data=None):
        body = "" if data is None else json.dumps(data, ensure_ascii=False)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body.encode())))
        request.send_header("Wechatpay-Serial", PLATFORM_KEY_ID)
        request.send_header("Wechatpay-Timestamp", timestamp)
        request.send_header("Wechatpay-Nonce", nonce)
        request.send_header("Wechatpay-Signature", rsa_sign(self.signing_key, f"{timestamp}\n{nonce}\n{body}\n"))
        request.end_headers()
        request.wfile.write(body.encode())

    def handle(self, request, method):
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        with self.lock:
            self.calls.append((method, request.path))
        if not self._authorized(request, method, body):
            self.auth_failures.append(request.path)
            return self._answer(request, 401, {"code": "SIGN_ERROR", "message": "签名错误"})
        path = urlsplit(request.path).path
        if method == "POST" and path in ("/v3/pay/transactions/jsapi", "/v3/pay/transactions/native"):
            order = json.loads(body)
            no = order["out_trade_no"]
            problems = [p for p, bad in [
                ("mchid", order.get("mchid") != MCHID), ("appid", order.get("appid") != APPID),
                ("out_trade_no", not 6 <= len(no) <= 32),
                ("description", len(order.get("description", "").encode()) > 127),
                ("amount", not isinstance(order["amount"]["total"], int)),
                ("payer", path.endswith("jsapi") and not order.get("payer", {}).get("openid")),
                ("notify_url", not order.get("notify_url", "").startswith("https://"))] if bad]
            if problems:
                return self._answer(request, 400, {"code": "PARAM_ERROR", "message": ",".join(problems)})
            with self.lock:
                self.orders[no] = {"body": order, "trade_state": "NOTPAY", "transaction_id": None, "paid_total": None}
            if self.on_order:
                self.on_order(no)
            if path.endswith("jsapi"):
                return self._answer(request, 200, {"prepay_id": "wx" + secrets.token_hex(15)})
            return self._answer(request, 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_hex(6)}"})
        match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?", path)
        if match and match.group(1) in self.orders:
            no = match.group(1)
            if match.group(2) and method == "POST":
                if self.orders[no]["trade_state"] == "SUCCESS":
                    return self._answer(request, 400, {"code": "ORDERPAID", "message": "订单已支付"})
                self.orders[no]["trade_state"] = "CLOSED"
                return self._answer(request, 204)
            if method == "GET" and parse_qs(urlsplit(request.path).query).get("mchid") == [MCHID]:
                return self._answer(request, 200, self.transaction(no))
        return self._answer(request, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})

    def pay(self, no, total=None):
        """The payer pays (total defaults to the ordered amount); returns the transaction object."""
        with self.lock:
            order = self.orders[no]
            order.update(trade_state="SUCCESS", transaction_id="42000" + secrets.token_hex(10),
                         paid_total=order["body"]["amount"]["total"] if total is None else total)
        return self.transaction(no)

    def transaction(self, no):
        order = self.orders[no]
        data = {"appid": APPID, "mchid": MCHID, "out_trade_no": no, "trade_type": "JSAPI",
                "trade_state": order["trade_state"], "trade_state_desc": order["trade_state"],
                "amount": {"total": order["body"]["amount"]["total"], "currency": "CNY"}}
        if order["trade_state"] == "SUCCESS":
            data.update(transaction_id=order["transaction_id"], success_time="2026-11-20T14:00:00+08:00",
                        amount={"total": order["paid_total"], "payer_total": order["paid_total"], "currency": "CNY"})
        return data


def notify_request(keys, transaction, key="platform", serial=PLATFORM_KEY_ID, timestamp=None, apiv3_key=APIV3_KEY):
    """A TRANSACTION.SUCCESS notify as WeChat Pay sends it: (headers, body)."""
    nonce, aad = secrets.token_hex(6), "transaction"
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), json.dumps(transaction).encode(), aad.encode())
    body = json.dumps({
        "id": secrets.token_hex(8), "create_time": "2026-11-20T14:00:01+08:00", "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "associated_data": aad,
                     "nonce": nonce, "ciphertext": base64.b64encode(ciphertext).decode()}})
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    header_nonce = secrets.token_hex(16)
    headers = {"Content-Type": "application/json", "Wechatpay-Serial": serial, "Wechatpay-Timestamp": timestamp,
               "Wechatpay-Nonce": header_nonce,
               "Wechatpay-Signature": rsa_sign(keys[key], f"{timestamp}\n{header_nonce}\n{body}\n")}
    return headers, body


@pytest.fixture
def fake(keys):
    server = FakeWeChatPay(keys)
    yield server
    server.stop()


@pytest.fixture
def v3(app, config, keys, fake, tmp_path, monkeypatch):
    """The app switched to wechatpay_v3 against the fake server."""
    (tmp_path / "apiclient_key.pem").write_text(_pem_private(keys["merchant"]))
    (tmp_path / "pub_key.pem").write_text(_pem_public(keys["platform"]))
    monkeypatch.setenv("WECHATPAY_APIV3_KEY", APIV3_KEY)
    config["wechat"]["app_id"] = APPID
    config["plugins"]["pay"] = {
        "provider": "wechatpay_v3", "mchid": MCHID, "merchant_serial_no": MERCHANT_SERIAL,
        "merchant_private_key_path": str(tmp_path / "apiclient_key.pem"),
        "platform_public_key_path": str(tmp_path / "pub_key.pem"), "platform_public_key_id": PLATFORM_KEY_ID,
        "api_base": fake.base, "notify_url": "https://tea.example.com/pay/notify",
        "public_base_url": "https://tea.example.com",
    }
    return app


@pytest.fixture
def server(app):
    port, stop = web.start_background(app)
    yield f"http://127.0.0.1:{port}"
    stop()


def latest(app, openid):
    return app.store.one("SELECT * FROM payments WHERE openid = :o ORDER BY id DESC LIMIT 1", {"o": openid})


def audit_actions(app, target):
    return [r["action"] for r in app.store.query("SELECT action FROM audit WHERE target = :t ORDER BY id", {"t": target})]


def token_from(reply):
    return re.search(r"https://tea\.example\.com/pay/([A-Za-z0-9_-]+)", reply).group(1)


def wechat_text(base, openid, text, msg_id):
    """Send a text message to /wechat the way WeChat does (plaintext mode, signed query) -> reply Content."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    signature = hashlib.sha1("".join(sorted(["testtoken", timestamp, nonce])).encode()).hexdigest()
    xml = (f"<xml><ToUserName><![CDATA[gh_tea]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
           f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>")
    answer = requests.post(f"{base}/wechat", params={"signature": signature, "timestamp": timestamp, "nonce": nonce},
                           data=xml.encode(), timeout=10)
    assert answer.status_code == 200, answer.text
    return re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", answer.text, re.S).group(1)


def post_notify(base, headers, body):
    return requests.post(f"{base}/pay/notify", data=body.encode(), headers=headers, timeout=10)


# --- providers without a merchant account -------------------------------------------------------------------

def test_disabled_provider_says_payments_are_not_switched_on(app, say, member):
    zhang = member("张三")
    for text in ("5", "5 12.5 奶茶"):
        assert "还没有开通" in say(zhang, text)
    assert app.store.query("SELECT * FROM payments") == []


def test_static_link_is_recorded_pending_and_confirmed_once_by_an_admin(app, config, say, member, sent):
    config["plugins"]["pay"] = {"provider": "static", "static_url": "https://pay.example.com/qr.png"}
    zhang = member("张三")
    reply = say(zhang, "5 20 奶茶")
    assert "https://pay.example.com/qr.png" in reply and "20.00 元" in reply
    order = latest(app, zhang)
    assert (order["status"], order["amount_fen"], order["provider"]) == ("pending", 2000, "static")
    assert "待支付" in say(zhang, "5")
    assert "只有管理员" in say(FINANCE, f"88 {order['out_trade_no']} 已收")
    assert "已确认" in say(ADMIN, f"88 {order['out_trade_no']} 已收")
    assert "只有待支付" in say(ADMIN, f"88 {order['out_trade_no']} 已收")
    app.pusher.flush(5)
    assert [t for o, t in sent if o == zhang and "已确认收到你的付款 20.00 元" in t]
    assert "已支付" in say(zhang, "5")
    assert audit_actions(app, order["out_trade_no"]) == ["pay.create", "pay.confirm"]


def test_amount_over_the_limit_is_refused_with_usage(app, config, say, member):
    config["plugins"]["pay"] = {"provider": "static", "static_url": "https://pay.example.com", "max_amount": 100}
    reply = say(member("张三"), "5 100.01")
    assert "金额过大" in reply and "用法" in reply
    assert app.store.query("SELECT * FROM payments") == []


# --- wechatpay_v3 end to end --------------------------------------------------------------------------------

def test_jsapi_order_link_page_notify_and_status_end_to_end(v3, fake, keys, server, member, sent):
    zhang = member("张三")
    reply = wechat_text(server, zhang, "5 12.5 奶茶", msg_id="10001")
    assert "12.50 元" in reply and "30 分钟内" in reply
    token = token_from(reply)
    order = latest(v3, zhang)
    assert token == order["token"] and token not in order["out_trade_no"]
    sent_order = fake.orders[order["out_trade_no"]]["body"]
    assert sent_order["amount"] == {"total": 1250, "currency": "CNY"}
    assert sent_order["payer"] == {"openid": zhang}
    assert re.fullmatch(r"TB\d{14}[0-9A-F]{8}", order["out_trade_no"])

    page = requests.get(f"{server}/pay/{token}", timeout=10)
    assert page.status_code == 200 and "¥12.50" in page.text and "奶茶" in page.text and "待支付" in page.text
    params = json.loads(re.search(r"var payParams = (\{.*?\});", page.text).group(1))
    assert params["package"] == f"prepay_id={order['prepay_id']}" and params["appId"] == APPID
    assert params["signType"] == "RSA"
    message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert rsa_verifies(keys["merchant"].public_key(), message, params["paySign"])
    assert "getBrandWCPayRequest" in page.text

    answer = post_notify(server, *notify_request(keys, fake.pay(order["out_trade_no"])))
    assert answer.status_code == 200 and answer.json()["code"] == "SUCCESS"
    assert "已支付" in wechat_text(server, zhang, "5", msg_id="10002")
    assert "已支付" in requests.get(f"{server}/pay/{token}", timeout=10).text
    v3.pusher.flush(5)
    assert [t for o, t in sent if o == zhang and "已收到你的付款 12.50 元" in t]
    assert audit_actions(v3, order["out_trade_no"]) == ["pay.create", "pay.paid"]
    assert fake.auth_failures == []


def test_wechat_retry_of_the_same_message_creates_one_order(v3, fake, say, member):
    zhang = member("张三")
    first = say(zhang, "5 8 咖啡", msg_id="m-1")
    again = say(zhang, "5 8 咖啡", msg_id="m-1")
    assert token_from(first) == token_from(again)
    assert len(v3.store.query("SELECT * FROM payments")) == 1 and len(fake.orders) == 1


def test_order_is_placed_with_wechat_outside_the_message_transaction(v3, fake, say, member):
    """The HTTP call to WeChat holds no lock: while WeChat is answering, another member's message is written
    (inside the first message's transaction it would wait for the lock past the call's timeout)."""
    zhang, wang = member("张三"), member("王五")
    during = []
    fake.on_order = lambda no: during.append(say(wang, "1 10 奶茶"))
    reply = say(zhang, "5 12.5 奶茶")
    assert during and during[0].startswith("已记录")
    assert latest(v3, zhang)["prepay_id"] and token_from(reply) == latest(v3, zhang)["token"]


def test_native_mode_page_draws_the_code_url_as_qr(v3, config, fake, say, member, server):
    config["plugins"]["pay"]["mode"] = "native"
    reply = say(member("张三"), "5 30 水果")
    order = latest(v3, "o-张三")
    assert order["code_url"].startswith("weixin://wxpay/bizpayurl") and "payer" not in fake.orders[order["out_trade_no"]]["body"]
    page = requests.get(f"{server}/pay/{token_from(reply)}", timeout=10).text
    assert segno.make(order["code_url"], error="m").svg_inline(scale=6, border=2) in page
    assert "getBrandWCPayRequest" not in page


def test_unknown_pay_link_is_404(v3, server):
    assert requests.get(f"{server}/pay/{'x' * 32}", timeout=10).status_code == 404


@pytest.fixture
def ordered(v3, say, member):
    """A member with a fresh 12.50 order: (openid, order row)."""
    zhang = member("张三")
    say(zhang, "5 12.5 奶茶")
    return zhang, latest(v3, zhang)


def _unchanged(app, order):
    row = latest(app, order["openid"])
    return row["status"] == "pending" and row["transaction_id"] is None and \
        audit_actions(app, order["out_trade_no"]) == ["pay.create"]


def test_forged_notify_is_refused_and_changes_nothing(v3, fake, keys, server, ordered):
    _, order = ordered
    answer = post_notify(server, *notify_request(keys, fake.pay(order["out_trade_no"]), key="intruder"))
    assert answer.status_code == 401
    assert _unchanged(v3, order)


def test_notify_with_stale_timestamp_is_refused(v3, fake, keys, server, ordered):
    _, order = ordered
    headers, body = notify_request(keys, fake.pay(order["out_trade_no"]), timestamp=int(time.time()) - 360)
    assert post_notify(server, headers, body).status_code == 400
    assert _unchanged(v3, order)


def test_notify_naming_an_unknown_serial_is_refused(v3, fake, keys, server, ordered):
    _, order = ordered
    headers, body = notify_request(keys, fake.pay(order["out_trade_no"]), serial="PUB_KEY_ID_UNKNOWN")
    assert 400 <= post_notify(server, headers, body).status_code < 500
    assert _unchanged(v3, order)


def test_notify_encrypted_with_another_apiv3_key_is_refused(v3, fake, keys, server, ordered):
    _, order = ordered
    headers, body = notify_request(keys, fake.pay(order["out_trade_no"]), apiv3_key="X" * 32)
    assert post_notify(server, headers, body).status_code == 400
    assert _unchanged(v3, order)


def test_notify_for_an_order_that_is_not_ours_is_refused(v3, fake, keys, server, ordered):
    _, order = ordered
    transaction = dict(fake.pay(order["out_trade_no"]), out_trade_no="TB20990101000000FFFFFFFF")
    assert post_notify(server, *notify_request(keys, transaction)).status_code == 404
    other_merchant = dict(fake.transaction(order["out_trade_no"]), mchid="1900000999")
    assert post_notify(server, *notify_request(keys, other_merchant)).status_code == 400
    assert _unchanged(v3, order)


def test_notify_with_wrong_amount_marks_order_abnormal_and_alerts_admins(v3, fake, keys, server, ordered, say, sent):
    zhang, order = ordered
    answer = post_notify(server, *notify_request(keys, fake.pay(order["out_trade_no"], total=1)))
    assert answer.status_code == 200
    row = latest(v3, zhang)
    assert row["status"] == "abnormal" and row["paid_fen"] == 1 and row["paid_at"] is not None
    assert "异常" in say(zhang, "5")
    v3.pusher.flush(5)
    assert [t for o, t in sent if o == ADMIN and order["out_trade_no"] in t and "付款异常" in t]
    assert not [t for o, t in sent if o == zhang and "已收到你的付款" in t]
    assert paid_fen(v3) == 0
    assert audit_actions(v3, order["out_trade_no"]) == ["pay.create", "pay.abnormal"]


def test_replayed_notify_answers_success_and_pays_once(v3, fake, keys, server, ordered, sent):
    zhang, order = ordered
    headers, body = notify_request(keys, fake.pay(order["out_trade_no"]))
    answers = [post_notify(server, headers, body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    v3.pusher.flush(5)
    assert len([t for o, t in sent if o == zhang and "已收到你的付款" in t]) == 1
    assert audit_actions(v3, order["out_trade_no"]) == ["pay.create", "pay.paid"]


def paid_fen(app):
    """The total of 已支付 payments, as 88 counts it."""
    return {status: fen for status, _, fen in commands.status_totals(app.store)}["paid"]


def _age(app, order, minutes):
    """Pretend the order was created `minutes` ago (the reconciler only looks at orders a few minutes old)."""
    with app.transaction() as tx:
        tx.execute("UPDATE payments SET created_at = ? WHERE id = ?",
                   [to_utc_text(utc_now() - timedelta(minutes=minutes)), order["id"]])


def test_notify_and_query_racing_each_other_pay_each_order_once(v3, fake, keys, server, say, member, sent):
    zhang = member("张三")
    orders = []
    for i in range(6):
        say(zhang, f"5 {10 + i} 第{i}单")
        orders.append(latest(v3, zhang))
        _age(v3, orders[-1], 10)
    notifies = [notify_request(keys, fake.pay(o["out_trade_no"])) for o in orders]
    barrier = threading.Barrier(2)
    results = {}

    def notify_all():
        barrier.wait()
        results["notify"] = [post_notify(server, h, b).status_code for h, b in notifies]

    def reconcile():
        barrier.wait()
        results["reconcile"] = jobs.reconcile(v3)

    threads = [threading.Thread(target=notify_all), threading.Thread(target=reconcile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["notify"] == [200] * 6
    assert sum(results["reconcile"].values()) <= 6 and "error" not in results["reconcile"]
    v3.pusher.flush(5)
    for order in orders:
        assert audit_actions(v3, order["out_trade_no"]) == ["pay.create", "pay.paid"]
        assert len([t for o, t in sent if o == zhang and order["out_trade_no"] in t]) == 1
    assert {r["status"] for r in v3.store.query("SELECT status FROM payments")} == {"paid"}


def test_reconciliation_pays_an_order_whose_notify_never_came(v3, fake, ordered, sent):
    zhang, order = ordered
    fake.pay(order["out_trade_no"])
    assert jobs.reconcile(v3) == {}          # too young: the notify gets a head start
    _age(v3, order, 3)
    assert jobs.reconcile(v3) == {"paid": 1}
    assert latest(v3, zhang)["status"] == "paid"
    assert jobs.reconcile(v3) == {}           # nothing pending any more


def test_reconciliation_closes_orders_past_expiry_at_wechat_and_here(v3, fake, ordered, say):
    zhang, order = ordered
    _age(v3, order, 10)
    assert jobs.reconcile(v3) == {"not_paid": 1}   # not expired yet: left alone
    assert fake.orders[order["out_trade_no"]]["trade_state"] == "NOTPAY"
    assert jobs.reconcile(v3, now=utc_now() + timedelta(minutes=31)) == {"closed": 1}
    assert ("POST", f"/v3/pay/transactions/out-trade-no/{order['out_trade_no']}/close") in fake.calls
    assert fake.orders[order["out_trade_no"]]["trade_state"] == "CLOSED"
    assert "已关闭" in say(zhang, "5")
    assert audit_actions(v3, order["out_trade_no"]) == ["pay.create", "pay.close"]


def test_expired_order_paid_just_before_close_is_paid_not_closed(v3, fake, ordered):
    zhang, order = ordered
    _age(v3, order, 40)
    original = fake.transaction

    def paid_after_query(no):            # the first query still says NOTPAY, then the payer pays
        answer = original(no)
        fake.transaction = original
        fake.pay(no)
        return answer
    fake.transaction = paid_after_query
    assert jobs.reconcile(v3, now=utc_now() + timedelta(minutes=31)) == {"paid": 1}
    assert latest(v3, zhang)["status"] == "paid"


def test_answer_signed_with_an_unknown_key_is_not_trusted(v3, fake, keys, say, member, sent, server):
    """The order is placed with WeChat after the message's transaction commits, so the reply (saved for WeChat's
    retries before that) is the link; when placing fails the order is closed and the payer told in a push."""
    fake.signing_key = keys["intruder"]
    zhang = member("张三")
    reply = say(zhang, "5 12.5")
    row = latest(v3, "o-张三")
    assert row["status"] == "closed" and row["status_reason"] == "下单失败" and row["prepay_id"] is None
    assert audit_actions(v3, row["out_trade_no"]) == ["pay.create", "pay.close"]
    v3.pusher.flush(5)
    assert [t for o, t in sent if o == zhang and "下单" in t] == [orders.ORDER_FAILED]
    assert "已关闭" in requests.get(f"{server}/pay/{token_from(reply)}", timeout=10).text
    assert "已关闭" in say(zhang, "5")


def test_pay_page_places_an_order_its_message_did_not(v3, fake, keys, say, member, server, sent, monkeypatch):
    """If the server stopped between the `5`'s commit and placing its order, the pay page places it (or says it
    failed, the order closed)."""
    monkeypatch.setattr(commands, "place_order", lambda *args, **kwargs: None)
    zhang = member("张三")
    first, second = token_from(say(zhang, "5 12.5 奶茶")), token_from(say(zhang, "5 8 咖啡"))
    assert fake.orders == {} and v3.store.query("SELECT prepay_id FROM payments") == [{"prepay_id": None}] * 2
    page = requests.get(f"{server}/pay/{first}", timeout=10).text
    row = payment_by_token(v3, first)
    assert row["prepay_id"] and f"prepay_id={row['prepay_id']}" in page and row["out_trade_no"] in fake.orders
    assert "getBrandWCPayRequest" in page
    fake.signing_key = keys["intruder"]
    page = requests.get(f"{server}/pay/{second}", timeout=10).text
    assert orders.ORDER_FAILED in page and "已关闭" in page
    assert payment_by_token(v3, second)["status"] == "closed"
    v3.pusher.flush(5)
    assert not [t for o, t in sent if o == zhang and "下单" in t]        # the page said it; no push


def payment_by_token(app, token):
    return app.store.one("SELECT * FROM payments WHERE token = :t", {"t": token})


def test_admin_overview_lists_everyone_with_totals_per_status(v3, fake, keys, say, member, server):
    zhang, wang = member("张三"), member("王五", "研发二组")
    say(zhang, "5 12.5 奶茶")
    say(wang, "5 30")
    post_notify(server, *notify_request(keys, fake.pay(latest(v3, zhang)["out_trade_no"])))
    reply = say(FINANCE, "88")
    assert "张三" in reply and "王五" in reply
    assert "已支付 1 笔 12.50 元" in reply and "待支付 1 笔 30.00 元" in reply
    assert "微信支付订单" in say(ADMIN, f"88 {latest(v3, wang)['out_trade_no']} 已收")
    assert "只有" in say(zhang, "88")


def test_report_sheet_has_fen_and_local_datetimes(v3, fake, keys, say, member, server):
    zhang = member("张三")
    say(zhang, "5 12.5 奶茶")
    order = latest(v3, zhang)
    post_notify(server, *notify_request(keys, fake.pay(order["out_trade_no"])))
    [declared] = [s for s in v3.report_sheets() if s.title == "付款记录"]
    assert declared.order == 10 and declared.plugin.name == "pay"
    assert declared.header == ("订单号", "组员", "小组", "金额", "说明", "状态", "创建时间", "支付时间", "微信支付单号",
                               "确认人")
    with v3.read_transaction() as reader:            # any reader with .query/.one/.app, as the report's snapshot
        sheet = declared.function(reader, datetime.now(v3.tz).date())
    assert "title" not in sheet and "header" not in sheet and sheet["money_columns"] == [3]
    [row] = list(sheet["rows"])
    assert len(row) == len(declared.header)
    assert row[:6] == [order["out_trade_no"], "张三", "研发一组", 1250, "奶茶", "已支付"]
    assert all(isinstance(row[i], datetime) and row[i].tzinfo is None for i in sheet["datetime_columns"])
    assert abs(row[6] - datetime.now(v3.tz).replace(tzinfo=None)) < timedelta(minutes=5)
    assert row[8] == fake.orders[order["out_trade_no"]]["transaction_id"]
    assert row[9] == "微信支付"        # confirmed by WeChat Pay's notify, not by a person
    assert paid_fen(v3) == 1250


def test_reconciliation_job_is_scheduled_on_start(v3, config):
    config["plugins"]["pay"]["reconcile_interval_minutes"] = 7
    v3.scheduler = make_scheduler(v3)
    jobs.schedule_reconciliation(v3)
    job = v3.scheduler.get_job("pay.reconcile")
    assert job.trigger.interval == timedelta(minutes=7)


def test_config_check_names_missing_and_bad_keys(v3, config, monkeypatch):
    assert orders.check_pay_config(config) == []
    monkeypatch.setenv("WECHATPAY_APIV3_KEY", "short")
    assert any("WECHATPAY_APIV3_KEY" in p for p in orders.check_pay_config(config))
    config["plugins"]["pay"].pop("merchant_private_key_path")
    config["plugins"]["pay"]["notify_url"] = "http://tea.example.com/pay/notify?x=1"
    problems = orders.check_pay_config(config)
    assert any("merchant_private_key_path" in p for p in problems) and any("notify_url" in p for p in problems)
    config["plugins"]["pay"]["provider"] = "alipay"
    assert "provider" in orders.check_pay_config(config)[0]


def test_long_chinese_note_is_cut_to_127_bytes_of_description_and_pending_order_lists_its_link(v3, fake, say, member):
    zhang = member("张三")
    reply = say(zhang, "5 1 " + "奶" * 40)
    assert "/pay/" in reply, reply
    description = fake.orders[latest(v3, zhang)["out_trade_no"]]["body"]["description"]
    assert len(description.encode()) <= 127 and description.startswith("研发一组 奶")
    assert f"https://tea.example.com/pay/{latest(v3, zhang)['token']}" in say(zhang, "5")


def test_pay_links_use_server_public_base_url_unless_pay_sets_its_own(config):
    from bot.app import App
    from plugins.pay.orders import pay_link
    config["server"]["public_base_url"] = "https://tea.example.com/"
    app = App(config, sender=lambda *a: None)
    assert pay_link(app, {"token": "abc"}) == "https://tea.example.com/pay/abc"
    config["plugins"]["pay"] = {"public_base_url": "https://pay.example.com"}
    assert pay_link(app, {"token": "abc"}) == "https://pay.example.com/pay/abc"
