"""The merchant the settings describe, and an order's life: placed with WeChat Pay outside any transaction (an
HTTP call must not hold the database's write lock), then 待支付 -> 已支付 / 已关闭 / 异常, by the same rules
for a notify and a query."""

import json
import logging
import os
import secrets
import weakref

from bot.config import public_base_url
from bot.db import audit
from bot.money import format_fen
from bot.plugin import ADMIN
from bot.timeutil import from_utc_text, to_utc_text, utc_now

from . import APIV3_KEY_ENV, MODES, PROVIDERS, plugin, provider_of, settings_of, wechatpay

log = logging.getLogger("teabot.pay")

MAX_DESCRIPTION_BYTES = 127
ORDER_FAILED = "微信支付下单没有成功，请稍后再试。如果一直失败，请联系管理员。"


class PayConfigError(Exception):
    """plugins.pay is set up wrong; the message names the key."""


# --- settings and the merchant ------------------------------------------------------------------------------

def _read(path, key):
    if not path:
        raise PayConfigError(f"plugins.pay.{key} 未设置")
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise PayConfigError(f"plugins.pay.{key} 读不了：{path}（{exc.strerror}）") from None


def apiv3_key_of(settings):
    key = settings.get("apiv3_key") or os.environ.get(APIV3_KEY_ENV, "")
    if len(key.encode("utf-8")) != 32:
        raise PayConfigError(f"APIv3 密钥（环境变量 {APIV3_KEY_ENV}）必须是 32 字节")
    return key


class Merchant:
    """The configured merchant: a v3 client plus what orders and notifies are checked against."""

    def __init__(self, config):
        s = settings_of(config)
        self.settings = s
        self.mchid = str(s.get("mchid") or "")
        self.appid = str(s.get("appid") or (config.get("wechat") or {}).get("app_id") or "")
        if not self.mchid:
            raise PayConfigError("plugins.pay.mchid 未设置")
        if not self.appid:
            raise PayConfigError("plugins.pay.appid（或 wechat.app_id）未设置")
        serial_no = str(s.get("merchant_serial_no") or "")
        if not serial_no:
            raise PayConfigError("plugins.pay.merchant_serial_no 未设置")
        try:
            self.private_key = wechatpay.load_private_key(_read(s.get("merchant_private_key_path"),
                                                               "merchant_private_key_path"))
        except ValueError:
            raise PayConfigError("plugins.pay.merchant_private_key_path 不是 RSA 私钥 PEM") from None
        self.platform_keys = wechatpay.PlatformKeys()
        try:
            if s.get("platform_public_key_path") or s.get("platform_public_key_id"):
                if not s.get("platform_public_key_id"):
                    raise PayConfigError("plugins.pay.platform_public_key_id 未设置")
                self.platform_keys.add_public_key(str(s["platform_public_key_id"]),
                                                  _read(s.get("platform_public_key_path"), "platform_public_key_path"))
            if s.get("platform_cert_path"):
                self.platform_keys.add_certificate(_read(s["platform_cert_path"], "platform_cert_path"))
        except ValueError:
            raise PayConfigError("平台公钥/平台证书文件格式不对（需要 PEM）") from None
        if not len(self.platform_keys):
            raise PayConfigError("需要 plugins.pay.platform_public_key_path + platform_public_key_id "
                                 "或 platform_cert_path，用来验证微信支付的应答和通知")
        self.apiv3_key = apiv3_key_of(s)
        self.mode = s["mode"]
        if self.mode not in MODES:
            raise PayConfigError(f"plugins.pay.mode 只能是 jsapi 或 native，现在是 {self.mode!r}")
        timeout = float(s["http_timeout_seconds"])
        self.client = wechatpay.WeChatPayClient(
            mchid=self.mchid, serial_no=serial_no, private_key=self.private_key, platform_keys=self.platform_keys,
            api_base=s["api_base"], timeout=(min(3.05, timeout), timeout))


_merchants = weakref.WeakKeyDictionary()


def merchant(app):
    """The app's merchant, built once (keys are read from disk on first use)."""
    found = _merchants.get(app)
    if found is None:
        found = _merchants[app] = Merchant(app.config)
    return found


@plugin.check_config
def check_pay_config(config):
    s = settings_of(config)
    provider = s["provider"]
    if provider not in PROVIDERS:
        return [f"plugins.pay.provider 只能是 {' / '.join(PROVIDERS)}，现在是 {provider!r}"]
    problems = []
    for key in ("order_expire_minutes", "reconcile_interval_minutes"):    # max_amount: a Yuan, checked by the schema
        if not isinstance(s[key], (int, float)) or s[key] <= 0:
            problems.append(f"plugins.pay.{key} 必须是正数")
    if provider == "static" and not s["static_url"]:
        problems.append("plugins.pay.static_url 未设置（收款链接或收款码图片地址）")
    if provider == "wechatpay_v3":
        try:
            Merchant(config)
        except PayConfigError as exc:
            problems.append(str(exc))
        if not str(s["notify_url"]).startswith("https://") or "?" in str(s["notify_url"]):
            problems.append("plugins.pay.notify_url 必须是不带查询参数的 https 地址（…/pay/notify）")
        if not public_base_url(config, s["public_base_url"]).startswith(("http://", "https://")):
            problems.append("server.public_base_url（或 plugins.pay.public_base_url）未设置（付款链接的网址前缀）")
    return problems


@plugin.health
def pay_health(app):
    row = app.store.one("SELECT COUNT(*) AS n FROM payments WHERE status = 'pending'")
    return {"pay": {"provider": provider_of(app.config), "pending": row["n"]}}


# --- orders -------------------------------------------------------------------------------------------------

def new_out_trade_no(now_local):
    """'TB' + local yyyymmddHHMMSS + 8 random hex: 24 characters, sortable by time."""
    return f"TB{now_local.strftime('%Y%m%d%H%M%S')}{secrets.token_hex(4).upper()}"


def truncate_bytes(text, limit):
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


def pay_link(app, row):
    base = public_base_url(app.config, settings_of(app.config)["public_base_url"])
    return f"{base}/pay/{row['token']}"


def payment_by(reader, column, value):
    """The payments row whose `column` is `value`, through any reader (a transaction, app.store)."""
    return reader.one(f"SELECT * FROM payments WHERE {column} = ?", [value])


def _order_body(app, m, row):
    description = truncate_bytes(" ".join(p for p in (row["group_name"], row["note"]) if p) or "下午茶付款",
                                 MAX_DESCRIPTION_BYTES)
    body = {
        "appid": m.appid, "mchid": m.mchid, "description": description, "out_trade_no": row["out_trade_no"],
        "time_expire": from_utc_text(row["expires_at"]).astimezone(app.tz).isoformat(timespec="seconds"),
        "notify_url": settings_of(app.config)["notify_url"],
        "amount": {"total": row["amount_fen"], "currency": "CNY"},
    }
    if m.mode == "jsapi":
        body["payer"] = {"openid": row["openid"]}
    return body


def place_order(app, payment_id, tell_payer=False):
    """Place a pending wechatpay_v3 order with WeChat and keep its prepay_id / code_url; returns the order's row as
    it is then. Call it outside any transaction: the HTTP call is made with no lock held, and what it gives is
    kept in a transaction of its own. If WeChat has no usable order, nobody can pay it: it is closed here (and
    with `tell_payer` the payer is told so in a push); the row then has neither prepay_id nor code_url.
    An order already placed, or no longer pending, is returned as it is."""
    row = app.store.one("SELECT p.*, COALESCE(g.name, '') AS group_name FROM payments p "
                        "LEFT JOIN groups g ON g.id = p.group_id WHERE p.id = ?", [payment_id])
    if row is None or row["status"] != "pending" or row["prepay_id"] or row["code_url"]:
        return row
    m = merchant(app)
    try:
        if m.mode == "jsapi":
            prepay_id, code_url = m.client.jsapi(_order_body(app, m, row))["prepay_id"], None
        else:
            prepay_id, code_url = None, m.client.native(_order_body(app, m, row))["code_url"]
    except (wechatpay.WeChatPayError, KeyError, TypeError) as exc:
        # WeChat has no usable order (or it expires at time_expire unseen): nobody can pay it, close it here.
        log.warning("pay: creating %s failed: %s", row["out_trade_no"], exc)
        with app.transaction() as tx:
            if close_order(tx, payment_id, "下单失败", actor="wechatpay", unplaced=True) and tell_payer:
                tx.push(row["openid"], ORDER_FAILED, kind="pay_failed", notice="payment",
                        fields={"amount": format_fen(row["amount_fen"]), "order": row["out_trade_no"],
                                "status": "下单失败", "note": row["note"] or ""})
        return payment_by(app.store, "id", payment_id)
    with app.transaction() as tx:
        # unless another placing (the pay page's) was first: the order keeps the prepay_id it was shown with
        tx.execute("UPDATE payments SET prepay_id = ?, code_url = ? WHERE id = ? AND prepay_id IS NULL "
                   "AND code_url IS NULL", [prepay_id, code_url, payment_id])
        return payment_by(tx, "id", payment_id)


def close_order(tx, payment_id, reason, actor, unplaced=False):
    """待支付 -> 已关闭 in `tx` (`unplaced`: only while it has no prepay_id or code_url); True if this call closed it."""
    changed = tx.execute(
        "UPDATE payments SET status = 'closed', status_reason = ? WHERE id = ? AND status = 'pending'"
        + (" AND prepay_id IS NULL AND code_url IS NULL" if unplaced else ""), [reason, payment_id]).rowcount
    if changed:
        audit(tx, actor, "pay.close", tx.value("SELECT out_trade_no FROM payments WHERE id = ?", [payment_id]), reason)
    return bool(changed)


def _summary(transaction, source):
    amount = transaction.get("amount") or {}
    return json.dumps({"source": source, "at": to_utc_text(utc_now()), "trade_state": transaction.get("trade_state"),
                       "transaction_id": transaction.get("transaction_id"), "total": amount.get("total"),
                       "success_time": transaction.get("success_time")}, ensure_ascii=False)


def apply_transaction(app, transaction, source):
    """Apply WeChat's view of one order (from a notify or a query), the same rules for both, in a transaction of
    its own.

    Returns 'paid' (this call paid it), 'already', 'abnormal', 'closed', 'not_paid', 'unknown' (not our order)
    or 'foreign' (another merchant or app). The conditional UPDATEs inside one write transaction make a notify
    and a query racing each other pay an order once; the payer's push is recorded in the same transaction.
    """
    m = merchant(app)
    if str(transaction.get("mchid")) != m.mchid or str(transaction.get("appid")) != m.appid:
        log.warning("pay: %s for mchid %s appid %s is not ours", source, transaction.get("mchid"),
                    transaction.get("appid"))
        return "foreign"
    with app.transaction() as tx:
        return _apply(tx, transaction, source)


def _apply(tx, transaction, source):
    no = str(transaction.get("out_trade_no") or "")
    state = transaction.get("trade_state")
    total = (transaction.get("amount") or {}).get("total")
    transaction_id = transaction.get("transaction_id")
    now = to_utc_text(utc_now())
    actor = f"wechatpay.{source}"
    found = tx.execute("SELECT id, openid, amount_fen, status, note FROM payments "
                       "WHERE out_trade_no = ? AND provider = 'wechatpay_v3'", [no]).fetchone()
    if found is None:
        return "unknown"
    payment_id, openid, amount_fen, status, note = found
    tx.execute("UPDATE payments SET last_notify = ? WHERE id = ?", [_summary(transaction, source), payment_id])
    if state != "SUCCESS":
        if state in ("CLOSED", "REVOKED") and tx.execute(
                "UPDATE payments SET status = 'closed', status_reason = ? WHERE id = ? AND status = 'pending'",
                [f"微信支付：{state}", payment_id]).rowcount:
            audit(tx, actor, "pay.close", no, state)
            return "closed"
        return "not_paid"
    if not isinstance(total, int) or isinstance(total, bool) or total != amount_fen or status == "closed":
        reason = (f"金额不符：订单 {format_fen(amount_fen)} 元，微信支付 {total} 分" if total != amount_fen
                  else "订单已关闭后收到付款")
        changed = tx.execute(
            """UPDATE payments SET status = 'abnormal', status_reason = ?, paid_fen = ?, transaction_id = ?,
               paid_at = ? WHERE id = ? AND status IN ('pending', 'closed')""",
            [reason, total if isinstance(total, int) else None, transaction_id, now, payment_id]).rowcount
        if changed:
            audit(tx, actor, "pay.abnormal", no, f"{reason} transaction_id={transaction_id}")
            for admin in tx.app.users_with_role(ADMIN):
                tx.push(admin, f"付款异常：订单 {no}（{note or '无说明'}）{reason}，微信支付单号 {transaction_id}。"
                               f"未计入已支付，请核对。", kind="pay_alert", notice="payment",
                        fields={"amount": format_fen(amount_fen), "order": no, "status": "付款异常", "note": reason})
            return "abnormal"
        return "already"
    changed = tx.execute(
        """UPDATE payments SET status = 'paid', paid_at = ?, paid_fen = ?, transaction_id = ?
           WHERE id = ? AND status = 'pending'""", [now, total, transaction_id, payment_id]).rowcount
    if not changed:
        return "already"
    audit(tx, actor, "pay.paid", no, f"{total} transaction_id={transaction_id}")
    tx.push(openid, f"已收到你的付款 {format_fen(amount_fen)} 元（订单 {no}{' ' + note if note else ''}），谢谢！",
            kind="pay_paid", notice="payment",
            fields={"amount": format_fen(amount_fen), "order": no, "status": "已支付", "note": note or ""})
    return "paid"
