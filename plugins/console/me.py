"""我的: a member's own records, totals and settlements; the one page a member may open."""

import math

from bot.money import format_fen
from bot.timeutil import local_text
from plugins.expense.ledger import member_totals

from .receipts import gallery, SHOWN
from .web import console_page, EVERYONE, is_number, query_value, render

PER_PAGE = 50
STATUS_TEXT = {"open": "未报销", "settled": "已报销", "void": "已作废"}


def page_number(pages):
    text = query_value("page", "1")
    number = int(text) if is_number(text) else 1
    return min(max(number, 1), max(pages, 1))


@console_page("/console/me", roles=EVERYONE)
def my_page(app, visitor):
    totals = member_totals(app.store, visitor.openid)
    count = app.store.one("SELECT COUNT(*) AS n FROM expenses WHERE openid = :o", {"o": visitor.openid})["n"]
    pages = max(1, math.ceil(count / PER_PAGE))
    page = page_number(pages)
    records = app.store.query(
        "SELECT e.*, g.name AS group_name FROM expenses e JOIN groups g ON g.id = e.group_id "
        "WHERE e.id IN (SELECT id FROM expenses WHERE openid = :o ORDER BY id DESC LIMIT :n OFFSET :off) "
        "ORDER BY e.id DESC", {"o": visitor.openid, "n": PER_PAGE, "off": (page - 1) * PER_PAGE})
    settlements = app.store.query(
        """SELECT s.id, s.status, s.created_at, g.name AS group_name, COUNT(*) AS count, SUM(i.amount_fen) AS total_fen
           FROM settlement_items i JOIN settlements s ON s.id = i.settlement_id JOIN groups g ON g.id = s.group_id
           WHERE i.openid = :o GROUP BY s.id ORDER BY s.id DESC LIMIT 50""", {"o": visitor.openid})
    for row in settlements:
        row["when"] = local_text(row["created_at"], app.tz)
    return render("me.tpl", visitor, money=format_fen, totals=totals, records=records, settlements=settlements,
                  receipts=gallery(app.store, [r["id"] for r in records]), shown=SHOWN,
                  status_text=STATUS_TEXT, page=page, pages=pages, page_url=lambda n: f"/console/me?page={n}")
