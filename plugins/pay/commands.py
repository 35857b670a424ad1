"""The pay commands: `5` creates a pay link or lists my payments, `88` lists everyone's and confirms a static one.

`5 金额` writes the pending order in the message's transaction; a wechatpay_v3 order is placed with WeChat
right after that commits (ctx.db.after_commit: the HTTP call holds no lock), before the reply is sent."""

import logging
import secrets
import sqlite3
from datetime import timedelta

from bot.db import audit
from bot.money import format_fen, looks_like_amount, parse_amount, yuan_setting_to_fen
from bot.pages import rest_line
from bot.plugin import ADMIN, FINANCE, MEMBER, ArgError, Refusal
from bot.text import clean_name
from bot.timeutil import from_utc_text, local_text, to_utc_text, utc_now

from . import STATUS_LABEL, plugin, provider_of, settings_of
from .orders import PayConfigError, merchant, new_out_trade_no, pay_link, payment_by, place_order

log = logging.getLogger("teabot.pay")

MAX_NOTE = 40
MY_LIST_LIMIT = 10
ALL_LIST_LIMIT = 20
CONFIRM_WORDS = ("已收", "已收款")
DISABLED_REPLY = "付款功能还没有开通（管理员未设置付款方式）。需要付款请直接联系管理员。"


def _line(app, row, with_name=False):
    name = f"{row['name'] or row['openid']} " if with_name else ""
    note = f" {row['note']}" if row["note"] else ""
    reason = f"（{row['status_reason']}）" if row["status"] == "abnormal" and row["status_reason"] else ""
    return (f"{row['out_trade_no']} {name}{format_fen(row['amount_fen'])} 元{note} "
            f"[{STATUS_LABEL[row['status']]}]{reason} {local_text(row['created_at'], app.tz, '%m-%d %H:%M')}")


def _my_payments(ctx):
    rows = ctx.db.query("SELECT * FROM payments WHERE openid = ? ORDER BY id DESC LIMIT ?",
                        [ctx.openid, MY_LIST_LIMIT])
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


def _insert_order(ctx, amount_fen, note, provider, mode, expires_at):
    """The new pending order, in the message's transaction (with its audit row)."""
    now = utc_now()
    group_id = ctx.user["group_id"] if ctx.user else None
    for _ in range(5):
        out_trade_no = new_out_trade_no(now.astimezone(ctx.tz))
        try:
            cursor = ctx.db.execute(
                """INSERT INTO payments (out_trade_no, token, openid, group_id, amount_fen, note, provider, mode,
                                         created_at, expires_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [out_trade_no, secrets.token_urlsafe(24), ctx.openid, group_id, amount_fen, note, provider, mode,
                 to_utc_text(now), expires_at and to_utc_text(expires_at)])
        except sqlite3.IntegrityError:
            continue       # an out_trade_no (or token) drawn twice: the statement changed nothing, draw again
        audit(ctx.db, ctx.openid, "pay.create", out_trade_no, f"{amount_fen} {provider} {note}".rstrip())
        return payment_by(ctx.db, "id", cursor.lastrowid)
    raise RuntimeError("could not draw a unique out_trade_no")


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
    if provider == "static":
        if not s["static_url"]:
            raise Refusal("付款方式设置不完整（缺少收款链接），请联系管理员。")
        return _created_reply(ctx, _insert_order(ctx, amount_fen, note, "static", "", None))
    if provider != "wechatpay_v3":
        raise Refusal("付款方式设置有误，请联系管理员。")
    try:
        mode = merchant(ctx.app).mode
    except PayConfigError as exc:
        log.error("pay: %s", exc)
        raise Refusal("微信支付设置有误，暂时不能付款，请联系管理员。") from None
    expires_at = utc_now() + timedelta(minutes=float(s["order_expire_minutes"]))
    row = _insert_order(ctx, amount_fen, note, "wechatpay_v3", mode, expires_at)
    app, payment_id = ctx.app, row["id"]

    def place_with_wechat():
        # after COMMIT, before the reply is sent; if it fails, the order is closed and the payer told in a push
        place_order(app, payment_id, tell_payer=True)
    ctx.db.after_commit(place_with_wechat)
    return _created_reply(ctx, row)


def _created_reply(ctx, row):
    note = f" {row['note']}" if row["note"] else ""
    head = f"付款订单 {row['out_trade_no']}：{format_fen(row['amount_fen'])} 元{note}"
    if row["provider"] == "static":
        return (f"{head}\n请用这个收款链接付款：{settings_of(ctx.config)['static_url']}\n"
                f"付款后管理员确认到账，状态会变为已支付（发送 5 查看）。")
    minutes = int(float(settings_of(ctx.config)["order_expire_minutes"]))
    until = local_text(row["expires_at"], ctx.tz, "%H:%M")
    how = "在微信里打开链接付款" if row["mode"] == "jsapi" else "打开链接，用微信扫码付款"
    return (f"{head}\n请在 {minutes} 分钟内（{until} 前）{how}：\n{pay_link(ctx.app, row)}\n"
            f"到账后会通知你；发送 5 查看状态。")


def status_totals(reader):
    """[(status, count, total fen)] for every status, in STATUS_LABEL's order (from the covering index)."""
    rows = reader.query("SELECT status, COUNT(*) AS count, COALESCE(SUM(amount_fen), 0) AS total_fen "
                        "FROM payments GROUP BY status")
    by_status = {r["status"]: r for r in rows}
    return [(status, by_status.get(status, {}).get("count", 0), by_status.get(status, {}).get("total_fen", 0))
            for status in STATUS_LABEL]


def confirm_static(tx, out_trade_no, actor):
    """The admin saw the money arrive on a static link: 待支付 -> 已支付 in `tx`, the payer told; the amount."""
    found = tx.execute("SELECT id, openid, amount_fen, status, provider, note FROM payments WHERE out_trade_no = ?",
                       [out_trade_no]).fetchone()
    if found is None:
        raise Refusal(f"找不到订单 {out_trade_no}。发送 88 查看最近的付款。")
    payment_id, openid, amount_fen, status, provider, note = found
    if provider != "static":
        raise Refusal(f"订单 {out_trade_no} 是微信支付订单，由支付通知和对账自动确认，不能手工确认。")
    if status != "pending":
        raise Refusal(f"订单 {out_trade_no} 现在是“{STATUS_LABEL[status]}”，只有待支付的订单可以确认收款。")
    tx.execute("UPDATE payments SET status = 'paid', paid_at = ?, paid_fen = amount_fen "
               "WHERE id = ? AND status = 'pending'", [to_utc_text(utc_now()), payment_id])
    audit(tx, actor, "pay.confirm", out_trade_no, str(amount_fen))
    tx.push(openid, f"管理员已确认收到你的付款 {format_fen(amount_fen)} 元（订单 {out_trade_no}"
                    f"{' ' + note if note else ''}），谢谢！", kind="pay_paid", notice="payment",
            fields={"amount": format_fen(amount_fen), "order": out_trade_no, "status": "已支付", "note": note or ""})
    return amount_fen


@plugin.command(88, "付款记录", roles=(ADMIN, FINANCE), usage="88 | 88 订单号 已收",
                example=("88", "88 TB20260101120000ABCDEF12 已收"), aliases=("付款记录",),
                menu={FINANCE: "付款记录：88 查看所有人最近的付款及各状态合计"}, full_list="/console/payments")
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
        amount_fen = confirm_static(ctx.db, ctx.args[0], ctx.openid)
        return f"已确认订单 {ctx.args[0]} 收款 {format_fen(amount_fen)} 元，已通知付款人。"
    totals = status_totals(ctx.db)
    count = sum(n for _, n, _ in totals)
    if not count:
        return "还没有付款记录。"
    rows = ctx.db.query(
        """SELECT p.*, u.name FROM payments p LEFT JOIN users u ON u.openid = p.openid
           ORDER BY p.id DESC LIMIT ?""", [ALL_LIST_LIMIT])
    lines = [f"付款共 {count} 笔：" + "；".join(f"{STATUS_LABEL[s]} {n} 笔 {format_fen(t)} 元" for s, n, t in totals if n),
             f"最近 {len(rows)} 笔：", *(_line(ctx.app, r, with_name=True) for r in rows)]
    if count > len(rows):
        lines.append(rest_line(count - len(rows), "笔更早的", "完整记录见每日报表“付款记录”表（发送 86 生成）"))
    return "\n".join(lines)
