"""The lotteries' states and the reads every part of the plugin shares.

`reader` is anything with .query/.one: the transaction of a message or job (which sees what it wrote so far),
app.store, the report's snapshot.
"""

import json

from bot.ledger import display_names
from bot.plugin import Refusal

INIT, OPENING, OPENED, CANCELED = "INIT", "OPENING", "OPENED", "CANCELED"
STATE_LABEL = {INIT: "进行中", OPENING: "开奖中", OPENED: "已开奖", CANCELED: "已取消"}


def lottery(reader, lottery_id):
    row = reader.one("SELECT * FROM lotteries WHERE id = :i", {"i": lottery_id})
    if row:
        row["prize_list"] = [(p["name"], p["count"]) for p in json.loads(row["prizes"])]
    return row


def existing(reader, lottery_id):
    """lottery(), or a Refusal that says there is none with this number."""
    row = lottery(reader, lottery_id)
    if row is None:
        raise Refusal(f"没有编号为 {lottery_id} 的抽奖。发送 6 查看进行中的抽奖。")
    return row


def participants(reader, lottery_id):
    """Openids of current participants, sorted by join number: the order the draw uses."""
    rows = reader.query("SELECT openid FROM lottery_entries WHERE lottery_id = :i AND left_at IS NULL "
                        "ORDER BY join_no", {"i": lottery_id})
    return [row["openid"] for row in rows]


def winners(reader, lottery_id):
    return reader.query("SELECT * FROM lottery_winners WHERE lottery_id = :i ORDER BY prize_index",
                        {"i": lottery_id})


def entry(reader, lottery_id, openid):
    return reader.one("SELECT * FROM lottery_entries WHERE lottery_id = :i AND openid = :o",
                      {"i": lottery_id, "o": openid})


def names_with_team(reader, openids, config=None):
    """openid -> '张三（研发一组）'; people who never registered by their role or '未登记用户' (bot.ledger), never
    by the openid."""
    names = {}
    for openid in set(openids):
        row = reader.one("""SELECT u.name, g.name AS group_name FROM users u LEFT JOIN groups g ON g.id = u.group_id
                            WHERE u.openid = :o""", {"o": openid})
        if row and row["name"]:
            names[openid] = f"{row['name']}（{row['group_name']}）" if row["group_name"] else row["name"]
        else:
            names[openid] = display_names(reader, config or {}, [openid])[openid]
    return names


def prizes_text(prize_list):
    return "、".join(f"{name}×{count}" for name, count in prize_list)
