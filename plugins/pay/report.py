"""The daily report's sheet “付款记录”: every payment, the complete record (like the expense detail)."""

from bot.ledger import display_names
from bot.timeutil import local_naive

from . import STATUS_LABEL, plugin

REPORT_HEADER = ["订单号", "组员", "小组", "金额", "说明", "状态", "创建时间", "支付时间", "微信支付单号", "确认人"]


@plugin.report_sheet("付款记录", order=10, header=REPORT_HEADER)
def payments_sheet(reader, day):
    """Every payment, read through the report's snapshot `reader`; `day` (the report's day) is not needed: the
    sheet is the whole record. Amounts in fen, times local and naive."""
    app = reader.app
    rows = reader.query(
        """SELECT p.*, COALESCE(g.name, '') AS group_name
           FROM payments p LEFT JOIN groups g ON g.id = p.group_id ORDER BY p.id""")
    # who marked it paid: an admin confirming a static link, or WeChat Pay's notify / reconciliation
    confirmed = {a["target"]: a["actor"] for a in reader.query(
        "SELECT target, actor FROM audit WHERE action IN ('pay.confirm', 'pay.paid') ORDER BY id")}
    names = display_names(reader, app.config, [r["openid"] for r in rows] +
                          [a for a in confirmed.values() if not a.startswith("wechatpay")])

    def confirmer(no):
        actor = confirmed.get(no)
        return None if actor is None else "微信支付" if actor.startswith("wechatpay") else names[actor]
    return {
        "rows": [[r["out_trade_no"], names[r["openid"]], r["group_name"], r["amount_fen"], r["note"],
                  STATUS_LABEL[r["status"]], local_naive(r["created_at"], app.tz), local_naive(r["paid_at"], app.tz),
                  r["transaction_id"] or "", confirmer(r["out_trade_no"])]
                 for r in rows],
        "money_columns": [3],
        "datetime_columns": [6, 7],
        "widths": {0: 30, 4: 24, 8: 36},
    }
