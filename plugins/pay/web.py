"""The pay plugin's web routes: the pay link's page (GET /pay/<token>) and WeChat Pay's notify (POST /pay/notify).

Reads are outside any transaction; each change is a unit of work of its own (orders.py), and the one HTTP call
a page may make (placing an order its `5` could not place) holds no lock."""

import html
import json
import logging

import bottle

from bot.money import format_fen
from bot.timeutil import from_utc_text, local_text, utc_now
from bot.web import refuse

from . import STATUS_LABEL, plugin, provider_of, settings_of, wechatpay
from .orders import ORDER_FAILED, PayConfigError, apply_transaction, merchant, payment_by, place_order

log = logging.getLogger("teabot.pay")


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
    """WeChat Pay's result notify: verify, decrypt, apply; 200 {"code":"SUCCESS"} once handled (a replay too)."""
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


def _expired(row):
    return (row["status"] == "pending" and row["expires_at"] is not None
            and from_utc_text(row["expires_at"]) <= utc_now())


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
    placing_failed = False
    if (row["status"] == "pending" and row["provider"] == "wechatpay_v3" and not _expired(row)
            and not (row["prepay_id"] or row["code_url"])):
        # not placed with WeChat after its `5` (the server stopped in between): place it now, outside any transaction
        row = place_order(app, row["id"])
        placing_failed = not (row["prepay_id"] or row["code_url"])
    expired = _expired(row)
    action, script = (f'<p id="msg">{ORDER_FAILED}</p>', "") if placing_failed else _page_action(app, row, expired)
    when = f"创建于 {local_text(row['created_at'], app.tz)}"
    if row["status"] == "paid" and row["paid_at"]:
        when += f"，支付于 {local_text(row['paid_at'], app.tz)}"
    elif row["status"] == "pending" and row["expires_at"]:
        when += f"，{local_text(row['expires_at'], app.tz, '%H:%M')} 前有效"
    return PAGE.format(title=f"付款 {format_fen(row['amount_fen'])} 元", amount=format_fen(row["amount_fen"]),
                       note=html.escape(row["note"] or "下午茶付款"), status=row["status"],
                       status_label="已过期" if expired else STATUS_LABEL[row["status"]], action=action,
                       out_trade_no=html.escape(row["out_trade_no"]), when=when, script=script)
