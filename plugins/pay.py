"""Payments: members create a pay link (WeChat Pay v3 JSAPI/Native, or a static collection link); notifies and a
reconciliation job move each order from 待支付 to 已支付 exactly once."""

import html
import json
import logging
import os
import secrets
import sqlite3
import weakref
from datetime import datetime, timedelta
from typing import Literal

import bottle

from bot import wechatpay
from bot.config import HttpBase, PluginSettings, Yuan, setting
from bot.db import audit
from bot.ledger import display_names
from bot.money import format_fen, looks_like_amount, parse_amount, yuan_setting_to_fen
from bot.pages import rest_line
from bot.text import clean_name
from bot.plugin import ADMIN, FINANCE, MEMBER, ArgError, Plugin, Refusal
from bot.timeutil import from_utc_text, local_naive, local_text, to_utc_text, utc_now
from bot.web import refuse

log = logging.getLogger("teabot.pay")

PROVIDERS = ("disabled", "static", "wechatpay_v3")
MODES = ("jsapi", "native")
APIV3_KEY_ENV = "WECHATPAY_APIV3_KEY"


class PaySettings(PluginSettings):
    """static 只用 static_url；wechatpay_v3 用下面从 mchid 到 public_base_url 的各项。
    APIv3 密钥（32 字节）从环境变量 WECHATPAY_APIV3_KEY 读取，不写在文件里。"""
    provider: Literal[PROVIDERS] = setting(
        "disabled", "disabled（默认，不开放付款）/ static（收款码，管理员确认）/ wechatpay_v3")
    static_url: str = setting("", "static：收款链接或收款码图片的网址，原样回复给付款人")
    mchid: str = setting("", "微信支付商户号（加引号），例如 \"1900000109\"")
    appid: str = setting("", "公众号 AppID；留空则用 wechat.app_id")
    merchant_serial_no: str = setting("", "商户 API 证书序列号（商户平台“API安全”里查看）")
    merchant_private_key_path: str = setting(
        "", "商户 API 私钥 PEM，例如 /etc/teabot/apiclient_key.pem（文件权限 600，不进仓库）")
    platform_public_key_path: str = setting("", "微信支付公钥 PEM（公钥模式），例如 /etc/teabot/pub_key.pem")
    platform_public_key_id: str = setting("", "微信支付公钥 ID（即应答里的 Wechatpay-Serial），例如 PUB_KEY_ID_0114…")
    platform_cert_path: str = setting("", "可选：平台证书 PEM（证书模式），序列号从证书读取；可与公钥同时配置（切换期）")
    api_base: HttpBase = setting(wechatpay.DEFAULT_API_BASE, "微信支付 API 地址（测试时可指向本地模拟服务）")
    notify_url: str = setting(
        "", "支付通知地址：https，不带查询参数，指向本服务 /pay/notify，例如 https://tea.example.com/pay/notify")
    public_base_url: str = setting(
        "", "回复里付款链接的前缀：{public_base_url}/pay/<token>，例如 https://tea.example.com")
    mode: Literal[MODES] = setting("jsapi", "jsapi（公众号内直接支付，默认）或 native（扫码支付）")
    order_expire_minutes: float = setting(30, "订单有效期（分钟），到期未付自动关单", gt=0)
    max_amount: Yuan = setting(5000, "单笔上限（元）")
    reconcile_interval_minutes: float = setting(5, "对账任务间隔（分钟）", gt=0)
    reconcile_min_age_minutes: float = setting(2, "订单创建多少分钟后才查询（先等支付通知）", ge=0)
    http_timeout_seconds: float = setting(4, "调用微信支付的读取超时（秒）；聊天回复必须在 5 秒内", gt=0)
    notify_max_skew_seconds: float = setting(300, "通知时间戳允许的偏差（秒）", gt=0)


plugin = Plugin("pay", "付款", "生成付款链接（微信支付或收款码），自动确认到账并对账", settings_model=PaySettings)

STATUS_LABEL = {"pending": "待支付", "paid": "已支付", "closed": "已关闭", "abnormal": "异常"}
MAX_NOTE = 40
MAX_DESCRIPTION_BYTES = 127
MY_LIST_LIMIT = 10
ALL_LIST_LIMIT = 20
CONFIRM_WORDS = ("已收", "已收款")


class PayConfigError(Exception):
    """plugins.pay is set up wrong; the message names the key."""


@plugin.migration
def m001_payments(db):
    db.execute("""CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        out_trade_no TEXT NOT NULL UNIQUE,           -- ours, 6-32 chars, sent to WeChat
        token TEXT NOT NULL UNIQUE,                  -- the unguessable part of the pay link
        openid TEXT NOT NULL,
        group_id INTEGER REFERENCES groups(id),
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'closed', 'abnormal')),
        status_reason TEXT NOT NULL DEFAULT '',
        provider TEXT NOT NULL,                      -- wechatpay_v3 / static
        mode TEXT NOT NULL DEFAULT '',               -- jsapi / native for wechatpay_v3
        prepay_id TEXT,
        code_url TEXT,
        created_at TEXT NOT NULL,                    -- UTC
        expires_at TEXT,                             -- UTC; NULL for static links
        paid_at TEXT,
        paid_fen INTEGER,                            -- what WeChat reported, kept even when it differs
        transaction_id TEXT,
        last_notify TEXT,                            -- UTC time and summary of the last notify/query applied
        source_msg_id TEXT UNIQUE)""")
    db.execute("CREATE INDEX payments_openid ON payments (openid, id)")
    db.execute("CREATE INDEX payments_status ON payments (status, created_at)")


@plugin.migration
def m002_status_totals_covered(db):
    """`88`'s totals per status read this index, not every payment of the centre's years."""
    db.execute("CREATE INDEX payments_status_amount ON payments (status, amount_fen)")


# --- settings and the merchant ------------------------------------------------------------------------------

def settings_of(config):
    return plugin.settings(config)


def provider_of(config):
    return settings_of(config)["provider"] or "disabled"


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
        if not str(s["public_base_url"]).startswith(("http://", "https://")):
            problems.append("plugins.pay.public_base_url 未设置（付款链接的网址前缀）")
    return problems


# --- orders -------------------------------------------------------------------------------------------------

def new_out_trade_no(now_local):
    """'TB' + local yyyymmddHHMMSS + 8 random hex: 24 characters, sortable by time."""
    return f"TB{now_local.strftime('%Y%m%d%H%M%S')}{secrets.token_hex(4).upper()}"


def truncate_bytes(text, limit):
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


def pay_link(app, row):
    base = str(settings_of(app.config)["public_base_url"]).rstrip("/")
    return f"{base}/pay/{row['token']}"


def payment_by(store, column, value):
    return store.one(f"SELECT * FROM payments WHERE {column} = :v", {"v": value})


def _insert_order(app, openid, group_id, amount_fen, note, provider, mode, expires_at, msg_id):
    now = utc_now()
    for _ in range(5):
        out_trade_no = new_out_trade_no(now.astimezone(app.tz))
        try:
            with app.store.write() as db:
                db.execute(
                    """INSERT INTO payments (out_trade_no, token, openid, group_id, amount_fen, note, provider, mode,
                                             created_at, expires_at, source_msg_id)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [out_trade_no, secrets.token_urlsafe(24), openid, group_id, amount_fen, note, provider, mode,
                     to_utc_text(now), expires_at and to_utc_text(expires_at), msg_id])
                audit(db, openid, "pay.create", out_trade_no, f"{amount_fen} {provider} {note}".rstrip())
            return payment_by(app.store, "out_trade_no", out_trade_no)
        except sqlite3.IntegrityError:
            earlier = payment_by(app.store, "source_msg_id", msg_id) if msg_id else None
            if earlier:
                app.store.sync()             # the first attempt's order may be in a batch still in flight
                return earlier
            # otherwise an out_trade_no/token collision: draw again
    raise RuntimeError("could not draw a unique out_trade_no")


def _order_body(app, m, row, group_name):
    description = truncate_bytes(" ".join(p for p in (group_name, row["note"]) if p) or "下午茶付款",
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


def create_wechat_order(app, row, group_name):
    """Place the order with WeChat and keep its prepay_id / code_url; on failure the order is closed here."""
    m = merchant(app)
    try:
        if m.mode == "jsapi":
            prepay_id = m.client.jsapi(_order_body(app, m, row, group_name))["prepay_id"]
            code_url = None
        else:
            code_url = m.client.native(_order_body(app, m, row, group_name))["code_url"]
            prepay_id = None
    except (wechatpay.WeChatPayError, KeyError, TypeError) as exc:
        # WeChat has no usable order (or it expires at time_expire unseen): nobody can pay it, close it here.
        log.warning("pay: creating %s failed: %s", row["out_trade_no"], exc)
        close_order(app, row["id"], "下单失败", actor="wechatpay")
        raise Refusal("微信支付下单没有成功，请稍后再试。如果一直失败，请联系管理员。") from None
    with app.store.write() as db:
        db.execute("UPDATE payments SET prepay_id = ?, code_url = ? WHERE id = ?", [prepay_id, code_url, row["id"]])
    return payment_by(app.store, "id", row["id"])


def close_order(app, payment_id, reason, actor):
    """待支付 -> 已关闭; returns True if this call closed it."""
    with app.store.write() as db:
        changed = db.execute("UPDATE payments SET status = 'closed', status_reason = ? WHERE id = ? AND status = 'pending'",
                             [reason, payment_id]).rowcount
        if changed:
            no = db.execute("SELECT out_trade_no FROM payments WHERE id = ?", [payment_id]).fetchone()[0]
            audit(db, actor, "pay.close", no, reason)
    return bool(changed)


def _alert_admins(app, text):
    for openid in app.users_with_role(ADMIN):
        app.pusher.push(openid, text, kind="pay_alert")


def _summary(transaction, source):
    amount = transaction.get("amount") or {}
    return json.dumps({"source": source, "at": to_utc_text(utc_now()), "trade_state": transaction.get("trade_state"),
                       "transaction_id": transaction.get("transaction_id"), "total": amount.get("total"),
                       "success_time": transaction.get("success_time")}, ensure_ascii=False)


def apply_transaction(app, transaction, source):
    """Apply WeChat's view of one order (from a notify or a query), the same rules for both.

    Returns 'paid' (this call paid it), 'already', 'abnormal', 'closed', 'not_paid', 'unknown' (not our order)
    or 'foreign' (another merchant or app). The conditional UPDATEs inside BEGIN IMMEDIATE make a notify and a
    query racing each other pay an order once; the payer's push is recorded in the same transaction.
    """
    m = merchant(app)
    if str(transaction.get("mchid")) != m.mchid or str(transaction.get("appid")) != m.appid:
        log.warning("pay: %s for mchid %s appid %s is not ours", source, transaction.get("mchid"),
                    transaction.get("appid"))
        return "foreign"
    no = str(transaction.get("out_trade_no") or "")
    state = transaction.get("trade_state")
    total = (transaction.get("amount") or {}).get("total")
    transaction_id = transaction.get("transaction_id")
    summary = _summary(transaction, source)
    now = to_utc_text(utc_now())
    actor = f"wechatpay.{source}"
    with app.store.write() as db:
        found = db.execute("SELECT id, openid, amount_fen, status, note FROM payments "
                           "WHERE out_trade_no = ? AND provider = 'wechatpay_v3'", [no]).fetchone()
        if found is None:
            return "unknown"
        payment_id, openid, amount_fen, status, note = found
        db.execute("UPDATE payments SET last_notify = ? WHERE id = ?", [summary, payment_id])
        if state != "SUCCESS":
            if state in ("CLOSED", "REVOKED") and db.execute(
                    "UPDATE payments SET status = 'closed', status_reason = ? WHERE id = ? AND status = 'pending'",
                    [f"微信支付：{state}", payment_id]).rowcount:
                audit(db, actor, "pay.close", no, state)
                return "closed"
            return "not_paid"
        if not isinstance(total, int) or isinstance(total, bool) or total != amount_fen or status == "closed":
            reason = (f"金额不符：订单 {format_fen(amount_fen)} 元，微信支付 {total} 分" if total != amount_fen
                      else "订单已关闭后收到付款")
            changed = db.execute(
                """UPDATE payments SET status = 'abnormal', status_reason = ?, paid_fen = ?, transaction_id = ?,
                   paid_at = ? WHERE id = ? AND status IN ('pending', 'closed')""",
                [reason, total if isinstance(total, int) else None, transaction_id, now, payment_id]).rowcount
            if changed:
                audit(db, actor, "pay.abnormal", no, f"{reason} transaction_id={transaction_id}")
                _alert_admins(app, f"付款异常：订单 {no}（{note or '无说明'}）{reason}，微信支付单号 {transaction_id}。"
                                   f"未计入已支付，请核对。")
                return "abnormal"
            return "already"
        changed = db.execute(
            """UPDATE payments SET status = 'paid', paid_at = ?, paid_fen = ?, transaction_id = ?
               WHERE id = ? AND status = 'pending'""", [now, total, transaction_id, payment_id]).rowcount
        if not changed:
            return "already"
        audit(db, actor, "pay.paid", no, f"{total} transaction_id={transaction_id}")
        app.pusher.push(openid, f"已收到你的付款 {format_fen(amount_fen)} 元（订单 {no}{' ' + note if note else ''}），谢谢！",
                        kind="pay_paid")
        return "paid"


def confirm_static(app, out_trade_no, actor):
    """The admin saw the money arrive on a static link: 待支付 -> 已支付."""
    with app.store.write() as db:
        found = db.execute("SELECT id, openid, amount_fen, status, provider, note FROM payments WHERE out_trade_no = ?",
                           [out_trade_no]).fetchone()
        if found is None:
            raise Refusal(f"找不到订单 {out_trade_no}。发送 88 查看最近的付款。")
        payment_id, openid, amount_fen, status, provider, note = found
        if provider != "static":
            raise Refusal(f"订单 {out_trade_no} 是微信支付订单，由支付通知和对账自动确认，不能手工确认。")
        if status != "pending":
            raise Refusal(f"订单 {out_trade_no} 现在是“{STATUS_LABEL[status]}”，只有待支付的订单可以确认收款。")
        db.execute("UPDATE payments SET status = 'paid', paid_at = ?, paid_fen = amount_fen WHERE id = ? AND status = 'pending'",
                   [to_utc_text(utc_now()), payment_id])
        audit(db, actor, "pay.confirm", out_trade_no, str(amount_fen))
        app.pusher.push(openid, f"管理员已确认收到你的付款 {format_fen(amount_fen)} 元（订单 {out_trade_no}"
                                f"{' ' + note if note else ''}），谢谢！", kind="pay_paid")
    return amount_fen


# --- reconciliation -----------------------------------------------------------------------------------------

def reconcile(app, now=None):
    """Query WeChat about orders still 待支付 after a few minutes; close those past their expiry.

    Returns a count per outcome, for logs and tests.
    """
    counts = {}
    if provider_of(app.config) != "wechatpay_v3":
        return counts
    s = settings_of(app.config)
    now = now or utc_now()
    cutoff = to_utc_text(now - timedelta(minutes=float(s["reconcile_min_age_minutes"])))
    rows = app.store.query("SELECT * FROM payments WHERE provider = 'wechatpay_v3' AND status = 'pending' "
                           "AND created_at <= :c ORDER BY id", {"c": cutoff})
    m = merchant(app) if rows else None
    for row in rows:
        outcome = _reconcile_one(app, m, row, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    if rows:
        log.info("pay: reconciled %s pending order(s): %s", len(rows), counts)
    return counts


def _reconcile_one(app, m, row, now):
    no = row["out_trade_no"]
    expired = row["expires_at"] is not None and from_utc_text(row["expires_at"]) <= now
    try:
        transaction = m.client.query_by_out_trade_no(no)
    except wechatpay.WeChatPayError as exc:
        if exc.code == "ORDER_NOT_EXIST" and expired:
            return "closed" if close_order(app, row["id"], "微信支付无此订单，已过期", "wechatpay.query") else "already"
        log.warning("pay: querying %s failed: %s", no, exc)
        return "error"
    outcome = apply_transaction(app, transaction, "query")
    if outcome != "not_paid" or not expired or transaction.get("trade_state") == "USERPAYING":
        return outcome
    try:
        m.client.close(no)
    except wechatpay.WeChatPayError as exc:
        if exc.code == "ORDERPAID":   # paid between our query and the close: apply the fresh state
            try:
                return apply_transaction(app, m.client.query_by_out_trade_no(no), "query")
            except wechatpay.WeChatPayError:
                return "error"
        log.warning("pay: closing %s failed: %s", no, exc)
        return "error"
    return "closed" if close_order(app, row["id"], "超时未支付", "wechatpay.close") else "already"


@plugin.on_start
def schedule_reconciliation(app):
    if provider_of(app.config) != "wechatpay_v3":
        return
    minutes = float(settings_of(app.config)["reconcile_interval_minutes"])
    app.scheduler.add_job(_reconcile_job, "interval", minutes=minutes, args=[app], id="pay.reconcile",
                          replace_existing=True)


def _reconcile_job(app):
    try:
        reconcile(app)
    except Exception:
        log.exception("pay: reconciliation failed")


@plugin.health
def pay_health(app):
    row = app.store.one("SELECT COUNT(*) AS n FROM payments WHERE status = 'pending'")
    return {"pay": {"provider": provider_of(app.config), "pending": row["n"]}}


# --- web: notify and the pay page ---------------------------------------------------------------------------

def _json_answer(status, code, message, why=""):
    """WeChat Pay's JSON answer; `why` a refusal's reason, said in the request's one log line."""
    if why:
        refuse(status, why)
    else:
        bottle.response.status = status
    bottle.response.content_type = "application/json"
    return json.dumps({"code": code, "message": message}, ensure_ascii=False)


@plugin.route("POST", "/pay/notify")
def pay_notify(app):
    """WeChat Pay's result notify: verify, decrypt, apply; 200 {"code":"SUCCESS"} once handled."""
    if provider_of(app.config) != "wechatpay_v3":
        return _json_answer(404, "FAIL", "wechatpay_v3 is not enabled")
    try:
        m = merchant(app)
    except PayConfigError as exc:
        log.error("pay: notify received but config is wrong: %s", exc)
        return _json_answer(500, "FAIL", "not configured")
    body = bottle.request.body.read()
    try:
        event, transaction = wechatpay.parse_notify(
            m.platform_keys, m.apiv3_key, bottle.request.headers, body,
            max_skew=float(settings_of(app.config)["notify_max_skew_seconds"]))
    except wechatpay.SignatureError as exc:
        return _json_answer(exc.status or 400, "FAIL", exc.code, why=f"notify refused ({exc.code}): {exc}")
    if "trade_state" not in transaction:
        log.info("pay: notify %s (%s) ignored", event.get("id"), event.get("event_type"))
        return _json_answer(200, "SUCCESS", "ignored")
    outcome = apply_transaction(app, transaction, "notify")
    summary = f"notify {event.get('id')} for {transaction.get('out_trade_no')}: {outcome}"
    if outcome == "unknown":
        return _json_answer(404, "FAIL", "unknown out_trade_no", why=summary)
    if outcome == "foreign":
        return _json_answer(400, "FAIL", "mchid/appid mismatch", why=summary)
    log.info("pay: %s", summary)
    return _json_answer(200, "SUCCESS", "成功")


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f5f5;color:#222}}
main{{max-width:420px;margin:0 auto;padding:24px 16px;text-align:center}}
.amount{{font-size:40px;font-weight:600;margin:16px 0 4px}}
.note{{color:#555;margin:0 0 16px}} .meta{{color:#888;font-size:13px}}
.status{{display:inline-block;padding:4px 12px;border-radius:12px;background:#eee;margin:8px 0}}
.paid{{background:#e1f5e6;color:#1a7f37}} .abnormal{{background:#fde8e8;color:#b42318}}
button{{width:100%;padding:14px;font-size:17px;border:0;border-radius:8px;background:#07c160;color:#fff}}
#msg{{min-height:1.5em;color:#555}} svg{{max-width:100%;height:auto}}
</style></head><body><main>
<div class="amount">¥{amount}</div>
<p class="note">{note}</p>
<div class="status {status}">{status_label}</div>
{action}
<p class="meta">订单号 {out_trade_no}<br>{when}</p>
</main>{script}</body></html>"""

JSAPI_SCRIPT = """<script>
var payParams = {params};
function startPay() {{
  if (typeof WeixinJSBridge === "undefined") {{
    document.getElementById("msg").textContent = "请在微信中打开此页面付款";
    return;
  }}
  WeixinJSBridge.invoke("getBrandWCPayRequest", payParams, function (res) {{
    var msg = document.getElementById("msg");
    if (res.err_msg === "get_brand_wcpay_request:ok") {{
      msg.textContent = "支付成功，正在确认…";
      setTimeout(function () {{ location.reload(); }}, 2000);
    }} else if (res.err_msg === "get_brand_wcpay_request:cancel") {{
      msg.textContent = "已取消，可以再次点击付款";
    }} else {{
      msg.textContent = "支付没有完成：" + res.err_msg;
    }}
  }});
}}
document.getElementById("pay").addEventListener("click", startPay);
if (typeof WeixinJSBridge === "undefined") {{
  document.addEventListener("WeixinJSBridgeReady", startPay, false);
}} else {{
  startPay();
}}
</script>"""


def _qr_svg(data):
    import segno
    return segno.make(data, error="m").svg_inline(scale=6, border=2)


def _page_action(app, row, expired):
    if row["status"] != "pending":
        return "", ""
    if expired:
        return '<p id="msg">订单已过期，请在公众号里重新发送 5 金额 下单。</p>', ""
    if row["provider"] == "static":
        url = settings_of(app.config)["static_url"]
        return (f'<p><a href="{html.escape(url)}">打开收款链接</a></p><div>{_qr_svg(url)}</div>'
                '<p id="msg">付款后由管理员确认到账。</p>'), ""
    if row["mode"] == "native" and row["code_url"]:
        return f'<div>{_qr_svg(row["code_url"])}</div><p id="msg">请用微信扫一扫付款（长按识别不可用）</p>', ""
    if row["prepay_id"]:
        m = merchant(app)
        params = wechatpay.jsapi_pay_params(m.appid, row["prepay_id"], m.private_key)
        # `<` escaped so the JSON can never close the script element.
        script = JSAPI_SCRIPT.format(params=json.dumps(params).replace("<", "\\u003c"))
        return '<button id="pay" type="button">微信支付</button><p id="msg"></p>', script
    return '<p id="msg">订单还没有创建成功，请稍后刷新。</p>', ""


@plugin.route("GET", "/pay/<token>")
def pay_page(app, token):
    """The pay link: amount, note and status, and the way to pay (JSAPI button, QR code or static link)."""
    bottle.response.set_header("Cache-Control", "no-store")
    bottle.response.content_type = "text/html; charset=utf-8"
    row = payment_by(app.store, "token", token) if 16 <= len(token) <= 64 else None
    if row is None:
        bottle.response.status = 404
        return PAGE.format(title="找不到订单", amount="—", note="找不到这个付款链接", status="abnormal",
                           status_label="链接无效", action="", out_trade_no="—", when="", script="")
    expired = (row["status"] == "pending" and row["expires_at"] is not None
               and from_utc_text(row["expires_at"]) <= utc_now())
    action, script = _page_action(app, row, expired)
    when = f"创建于 {local_text(row['created_at'], app.tz)}"
    if row["status"] == "paid" and row["paid_at"]:
        when += f"，支付于 {local_text(row['paid_at'], app.tz)}"
    elif row["status"] == "pending" and row["expires_at"]:
        when += f"，{local_text(row['expires_at'], app.tz, '%H:%M')} 前有效"
    return PAGE.format(title=f"付款 {format_fen(row['amount_fen'])} 元", amount=format_fen(row["amount_fen"]),
                       note=html.escape(row["note"] or "下午茶付款"), status=row["status"],
                       status_label="已过期" if expired else STATUS_LABEL[row["status"]], action=action,
                       out_trade_no=html.escape(row["out_trade_no"]), when=when, script=script)


# --- commands -----------------------------------------------------------------------------------------------

def _line(app, row, with_name=False):
    name = f"{row['name'] or row['openid']} " if with_name else ""
    note = f" {row['note']}" if row["note"] else ""
    reason = f"（{row['status_reason']}）" if row["status"] == "abnormal" and row["status_reason"] else ""
    return (f"{row['out_trade_no']} {name}{format_fen(row['amount_fen'])} 元{note} "
            f"[{STATUS_LABEL[row['status']]}]{reason} {local_text(row['created_at'], app.tz, '%m-%d %H:%M')}")


def _my_payments(ctx):
    rows = ctx.store.query("SELECT * FROM payments WHERE openid = :o ORDER BY id DESC LIMIT :n",
                           {"o": ctx.openid, "n": MY_LIST_LIMIT})
    if not rows:
        return "你还没有付款记录。发送 5 金额 说明 生成付款链接，例如 5 12.5 奶茶。"
    now = utc_now()
    lines = ["你最近的付款："]
    for row in rows:
        lines.append(_line(ctx.app, row))
        if (row["status"] == "pending" and row["provider"] == "wechatpay_v3" and row["expires_at"]
                and from_utc_text(row["expires_at"]) > now):
            lines.append(f"  付款链接：{pay_link(ctx.app, row)}")
    return "\n".join(lines)


DISABLED_REPLY = "付款功能还没有开通（管理员未设置付款方式）。需要付款请直接联系管理员。"


@plugin.command(5, "付款", roles=(MEMBER,), usage="5 | 5 金额 [说明]", example=("5", "5 12.5 奶茶"),
                aliases=("付款",))
def pay(ctx):
    """付款：5 金额 说明 生成付款链接；只发 5 查看我的付款

    微信支付：回复一个付款链接，在微信里打开即可支付，链接在有效期内可用；到账后自动确认并通知你。
    收款码方式：回复收款链接，付款后由管理员确认。状态：待支付 / 已支付 / 已关闭 / 异常。
    """
    provider = provider_of(ctx.config)
    if provider == "disabled":
        return DISABLED_REPLY
    if not ctx.args:
        return _my_payments(ctx)
    if not looks_like_amount(ctx.args[0]):
        raise ArgError(f"第一个参数应是金额，收到“{ctx.args[0]}”")
    s = settings_of(ctx.config)
    amount_fen = parse_amount(ctx.args[0], max_fen=yuan_setting_to_fen(s["max_amount"], 0))
    note = clean_name(" ".join(ctx.args[1:]))
    if len(note) > MAX_NOTE:
        raise ArgError(f"说明太长了（{len(note)} 字），最多 {MAX_NOTE} 字")
    if ctx.msg_id:
        existing = payment_by(ctx.store, "source_msg_id", ctx.msg_id)
        if existing:
            return _created_reply(ctx, existing)
    group_id = ctx.user["group_id"] if ctx.user else None
    if provider == "static":
        if not s["static_url"]:
            raise Refusal("付款方式设置不完整（缺少收款链接），请联系管理员。")
        row = _insert_order(ctx.app, ctx.openid, group_id, amount_fen, note, "static", "", None, ctx.msg_id)
        return _created_reply(ctx, row)
    if provider != "wechatpay_v3":
        raise Refusal("付款方式设置有误，请联系管理员。")
    try:
        merchant(ctx.app)
    except PayConfigError as exc:
        log.error("pay: %s", exc)
        raise Refusal("微信支付设置有误，暂时不能付款，请联系管理员。") from None
    expires_at = utc_now() + timedelta(minutes=float(s["order_expire_minutes"]))
    row = _insert_order(ctx.app, ctx.openid, group_id, amount_fen, note, "wechatpay_v3", merchant(ctx.app).mode,
                        expires_at, ctx.msg_id)
    if not (row["prepay_id"] or row["code_url"]) and row["status"] == "pending":
        row = create_wechat_order(ctx.app, row, ctx.group["name"] if ctx.group else "")
    return _created_reply(ctx, row)


def _created_reply(ctx, row):
    note = f" {row['note']}" if row["note"] else ""
    head = f"付款订单 {row['out_trade_no']}：{format_fen(row['amount_fen'])} 元{note}"
    if row["provider"] == "static":
        return (f"{head}\n请用这个收款链接付款：{settings_of(ctx.config)['static_url']}\n"
                f"付款后管理员确认到账，状态会变为已支付（发送 5 查看）。")
    if row["status"] != "pending":
        return f"{head}\n状态：{STATUS_LABEL[row['status']]}。发送 5 查看你的付款。"
    minutes = int(float(settings_of(ctx.config)["order_expire_minutes"]))
    until = local_text(row["expires_at"], ctx.tz, "%H:%M")
    how = "在微信里打开链接付款" if row["mode"] == "jsapi" else "打开链接，用微信扫码付款"
    return (f"{head}\n请在 {minutes} 分钟内（{until} 前）{how}：\n{pay_link(ctx.app, row)}\n"
            f"到账后会通知你；发送 5 查看状态。")


def status_totals(store):
    rows = store.query("SELECT status, COUNT(*) AS count, COALESCE(SUM(amount_fen), 0) AS total_fen "
                       "FROM payments GROUP BY status")
    by_status = {r["status"]: r for r in rows}
    return [(status, by_status.get(status, {}).get("count", 0), by_status.get(status, {}).get("total_fen", 0))
            for status in STATUS_LABEL]


@plugin.command(88, "付款记录", roles=(ADMIN, FINANCE), usage="88 | 88 订单号 已收",
                example=("88", "88 TB20260101120000ABCDEF12 已收"), aliases=("付款记录",),
                menu={FINANCE: "付款记录：88 查看所有人最近的付款及各状态合计"})
def payments_overview(ctx):
    """付款记录：88 查看所有人最近的付款及各状态合计；88 订单号 已收 确认收款码到账（管理员）

    “88 订单号 已收”只用于收款码（static）方式：管理员核对到账后确认，付款人会收到通知。
    微信支付订单由支付通知和对账自动确认，不能手工确认。
    """
    if ctx.args:
        if len(ctx.args) != 2 or ctx.args[1] not in CONFIRM_WORDS:
            raise ArgError("确认收款请写：88 订单号 已收")
        if not ctx.is_(ADMIN):
            raise Refusal("确认收款只有管理员可以操作。")
        amount_fen = confirm_static(ctx.app, ctx.args[0], ctx.openid)
        return f"已确认订单 {ctx.args[0]} 收款 {format_fen(amount_fen)} 元，已通知付款人。"
    totals = status_totals(ctx.store)
    count = sum(n for _, n, _ in totals)
    if not count:
        return "还没有付款记录。"
    rows = ctx.store.query(
        """SELECT p.*, u.name FROM payments p LEFT JOIN users u ON u.openid = p.openid
           ORDER BY p.id DESC LIMIT :n""", {"n": ALL_LIST_LIMIT})
    lines = [f"付款共 {count} 笔：" + "；".join(f"{STATUS_LABEL[s]} {n} 笔 {format_fen(t)} 元" for s, n, t in totals if n),
             f"最近 {len(rows)} 笔：", *(_line(ctx.app, r, with_name=True) for r in rows)]
    if count > len(rows):
        lines.append(rest_line(count - len(rows), "笔更早的", "完整记录见每日报表“付款记录”表（发送 86 生成）"))
    return "\n".join(lines)


# --- exports ------------------------------------------------------------------------------------------------

REPORT_HEADER = ["订单号", "组员", "小组", "金额", "说明", "状态", "创建时间", "支付时间", "微信支付单号", "确认人"]


@plugin.provide("report_sheet")
def report_sheet(app, *_, start=None, end=None, **__):
    """Every payment as a sheet for the export (which passes the report day: ignored, the sheet is the complete
    record, like the expense detail); start/end (aware datetimes or dates in app.tz) narrow it for other callers.
    """
    where, params = [], {}
    for name, bound, op in (("start", start, ">="), ("end", end, "<")):
        if bound is not None:
            if not isinstance(bound, datetime):
                bound = datetime(bound.year, bound.month, bound.day, tzinfo=app.tz)
            where.append(f"p.created_at {op} :{name}")
            params[name] = to_utc_text(bound)
    rows = app.store.query(
        f"""SELECT p.*, COALESCE(g.name, '') AS group_name
            FROM payments p LEFT JOIN groups g ON g.id = p.group_id
            {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY p.id""", params)
    # who marked it paid: an admin confirming a static link, or WeChat Pay's notify / reconciliation
    confirmed = {a["target"]: a["actor"] for a in app.store.query(
        "SELECT target, actor FROM audit WHERE action IN ('pay.confirm', 'pay.paid') ORDER BY id")}
    names = display_names(app.store, app.config, [r["openid"] for r in rows] +
                          [a for a in confirmed.values() if not a.startswith("wechatpay")])

    def confirmer(no):
        actor = confirmed.get(no)
        return None if actor is None else "微信支付" if actor.startswith("wechatpay") else names[actor]
    return {
        "title": "付款记录",
        "header": list(REPORT_HEADER),
        "rows": [[r["out_trade_no"], names[r["openid"]], r["group_name"], r["amount_fen"], r["note"],
                  STATUS_LABEL[r["status"]], local_naive(r["created_at"], app.tz), local_naive(r["paid_at"], app.tz),
                  r["transaction_id"] or "", confirmer(r["out_trade_no"])]
                 for r in rows],
        "money_columns": [3],
        "datetime_columns": [6, 7],
        "widths": {0: 30, 4: 24, 8: 36},
    }


@plugin.provide("report_summary")
def report_summary(app):
    """[(label, fen)]: payment totals per status."""
    return [(f"付款{STATUS_LABEL[status]}", total) for status, _, total in status_totals(app.store)]
