"""Reconciliation: every few minutes, ask WeChat Pay about orders still 待支付 and apply its answer by the
notify's rules; close at WeChat and here those past their expiry. Each HTTP call is made outside any
transaction; each change is a unit of work of its own (orders.py)."""

import logging
from datetime import timedelta

from bot.timeutil import from_utc_text, to_utc_text, utc_now

from . import plugin, provider_of, settings_of, wechatpay
from .orders import apply_transaction, close_order, merchant

log = logging.getLogger("teabot.pay")


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
                           "AND created_at <= ? ORDER BY id", [cutoff])
    m = merchant(app) if rows else None
    for row in rows:
        outcome = _reconcile_one(app, m, row, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    if rows:
        log.info("pay: reconciled %s pending order(s): %s", len(rows), counts)
    return counts


def _close(app, row, reason, actor):
    with app.transaction() as tx:
        return "closed" if close_order(tx, row["id"], reason, actor) else "already"


def _reconcile_one(app, m, row, now):
    no = row["out_trade_no"]
    expired = row["expires_at"] is not None and from_utc_text(row["expires_at"]) <= now
    try:
        transaction = m.client.query_by_out_trade_no(no)
    except wechatpay.WeChatPayError as exc:
        if exc.code == "ORDER_NOT_EXIST" and expired:
            return _close(app, row, "微信支付无此订单，已过期", "wechatpay.query")
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
    return _close(app, row, "超时未支付", "wechatpay.close")


@plugin.on_start
def schedule_reconciliation(app):
    """An on_start hook, not a @plugin.job: the interval is a setting, and only wechatpay_v3 has orders to ask about."""
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
