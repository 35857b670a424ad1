"""付款 (read-only, admin and finance): the count and total of every status (`88`'s status_totals, from the covering
index) and the payments newest first, 50 a page, filterable by status; payers by name, never by openid."""

import math

from bot import ledger
from bot.money import format_fen
from bot.timeutil import local_text

from .web import console_page, is_number, query_value, refuse_page, render, STAFF

PER_PAGE = 50
PROVIDER_LABEL = {"static": "收款码", "wechatpay_v3": "微信支付"}


@console_page("/console/payments", roles=STAFF)
def payments_page(app, visitor):
    if "pay" not in {p.name for p in app.plugins}:
        return refuse_page(visitor, 404, "付款", "这个服务没有安装付款插件。")
    from plugins.pay import STATUS_LABEL                # the pay plugin's own reads, only when it is loaded
    from plugins.pay.commands import status_totals
    totals = status_totals(app.store)
    status = query_value("status")
    if status not in STATUS_LABEL:
        status = ""
    count = sum(n for s, n, _ in totals if s == status or not status)
    pages = max(1, math.ceil(count / PER_PAGE))
    text = query_value("page", "1")
    page = min(max(int(text) if is_number(text) else 1, 1), pages)
    where, params = ("WHERE p.status = :s", {"s": status}) if status else ("", {})
    rows = app.store.query(
        f"""SELECT p.id, p.out_trade_no, p.openid, p.amount_fen, p.note, p.status, p.status_reason, p.provider,
                   p.created_at, p.paid_at, g.name AS group_name
            FROM payments p LEFT JOIN groups g ON g.id = p.group_id {where}
            ORDER BY p.id DESC LIMIT :n OFFSET :off""", {**params, "n": PER_PAGE, "off": (page - 1) * PER_PAGE})
    names = ledger.display_names(app.store, app.config, [r["openid"] for r in rows])
    for row in rows:
        row["name"] = names[row["openid"]]
        row["when"] = local_text(row["created_at"], app.tz)
        row["paid_when"] = local_text(row["paid_at"], app.tz)
    query = f"status={status}&" if status else ""
    return render("payments.tpl", visitor, money=format_fen, totals=totals, labels=STATUS_LABEL,
                  providers=PROVIDER_LABEL, chosen=status, rows=rows, count=count,
                  total_fen=sum(t for s, _, t in totals if s == status or not status),
                  page=page, pages=pages, page_url=lambda n: f"/console/payments?{query}page={n}")
