"""The daily report's “抽奖记录” sheet: every drawn lottery, one row per winner."""

from bot.ledger import display_names
from bot.timeutil import local_naive

from . import plugin
from .lotteries import winners


@plugin.report_sheet("抽奖记录", order=20,
                     header=["抽奖编号", "标题", "奖品", "中奖人", "小组", "开奖时间", "承诺(sha256)", "种子", "创建人",
                             "开奖人"])
def lottery_sheet(reader, day):
    """Every drawn lottery, one row per winner (one row with no winner when nobody joined), from the report's
    snapshot. `day` is not used: the sheet is the complete record. Undrawn lotteries are left out: their seeds
    are secret."""
    app = reader.app

    def rows():
        for row in reader.query("SELECT * FROM lotteries WHERE state = 'OPENED' ORDER BY id"):
            drawn_at = local_naive(row["drawn_at"], app.tz)
            won = winners(reader, row["id"])
            groups = {p["openid"]: p["group_name"] for p in reader.query(
                """SELECT w.openid, g.name AS group_name FROM lottery_winners w
                   JOIN users u ON u.openid = w.openid JOIN groups g ON g.id = u.group_id
                   WHERE w.lottery_id = :i""", {"i": row["id"]})}
            names = display_names(reader, app.config,
                                  [w["openid"] for w in won] + [row["created_by"], row["drawn_by"]])
            by = [names.get(row["created_by"]), names.get(row["drawn_by"])]
            if not won:
                yield [row["id"], row["title"], "", "（无人参加）", "", drawn_at, row["commitment"], row["seed"], *by]
            for w in won:
                yield [row["id"], row["title"], w["prize_name"], names[w["openid"]], groups.get(w["openid"], ""),
                       drawn_at, row["commitment"], row["seed"], *by]
    return {"rows": rows(), "money_columns": [], "datetime_columns": [5], "widths": {1: 20, 6: 40, 7: 40}}
