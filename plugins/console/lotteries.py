"""抽奖 (read-only, admin and finance): how many lotteries are in each state, and the lotteries newest first, 50 a
page, filterable by state: prizes, participants, the winners of a drawn one, the published commitment, and the seed
once it is drawn (until then the seed is secret: it is never on a page)."""

import math

from bot import ledger
from bot.timeutil import local_text

from .web import console_page, is_number, query_value, refuse_page, render, STAFF

PER_PAGE = 50
WINNERS_SHOWN = 100              # per lottery on this page; the full list is in the report's 抽奖记录 sheet


def _names_with_team(app, openids):
    """openid -> '张三（研发一组）' for every winner on the page, in two queries (not one per person)."""
    names = ledger.display_names(app.store, app.config, openids)
    wanted = sorted(set(openids))
    if wanted:
        marks = ",".join("?" * len(wanted))
        for row in app.store.query(f"SELECT u.openid, g.name AS group_name FROM users u JOIN groups g "
                                   f"ON g.id = u.group_id WHERE u.openid IN ({marks})", wanted):
            names[row["openid"]] += f"（{row['group_name']}）"
    return names


@console_page("/console/lotteries", roles=STAFF)
def lotteries_page(app, visitor):
    if "lottery" not in {p.name for p in app.plugins}:
        return refuse_page(visitor, 404, "抽奖", "这个服务没有安装抽奖插件。")
    from plugins.lottery.lotteries import OPENED, STATE_LABEL, lottery, prizes_text, winners   # only when loaded
    by_state = {r["state"]: r["n"] for r in app.store.query("SELECT state, COUNT(*) AS n FROM lotteries GROUP BY state")}
    state = query_value("status")
    if state not in STATE_LABEL:
        state = ""
    count = by_state.get(state, 0) if state else sum(by_state.values())
    pages = max(1, math.ceil(count / PER_PAGE))
    text = query_value("page", "1")
    page = min(max(int(text) if is_number(text) else 1, 1), pages)
    where, params = ("WHERE l.state = :s", {"s": state}) if state else ("", {})
    ids = [r["id"] for r in app.store.query(f"SELECT l.id FROM lotteries l {where} ORDER BY l.id DESC "
                                            "LIMIT :n OFFSET :off", {**params, "n": PER_PAGE,
                                                                     "off": (page - 1) * PER_PAGE})]
    rows = []
    for lottery_id in ids:
        row = lottery(app.store, lottery_id)
        row["prizes_text"] = prizes_text(row["prize_list"])
        row["joined"] = row["participant_count"] if row["participant_count"] is not None else app.store.one(
            "SELECT COUNT(*) AS n FROM lottery_entries WHERE lottery_id = :i AND left_at IS NULL",
            {"i": lottery_id})["n"]
        won = winners(app.store, lottery_id) if row["state"] == OPENED else []
        row["winner_count"], row["winners"] = len(won), won[:WINNERS_SHOWN]
        row["unawarded"] = sum(c for _, c in row["prize_list"]) - len(won) if row["state"] == OPENED else 0
        row["draw_when"] = local_text(row["draw_at"], app.tz)
        row["drawn_when"] = local_text(row["drawn_at"], app.tz)
        row["canceled_when"] = local_text(row["canceled_at"], app.tz)
        row["public_seed"] = row["seed"] if row["state"] == OPENED else ""
        del row["seed"]                                  # secret until drawn: not passed to the template at all
        rows.append(row)
    names = _names_with_team(app, [w["openid"] for r in rows for w in r["winners"]] +
                             [r["created_by"] for r in rows])
    for row in rows:
        by_prize = {}
        for w in row["winners"]:
            by_prize.setdefault(w["prize_name"], []).append(names[w["openid"]])
        row["by_prize"] = list(by_prize.items())
        row["creator"] = names.get(row["created_by"], "")
    query = f"status={state}&" if state else ""
    return render("lotteries.tpl", visitor, labels=STATE_LABEL, by_state=by_state, total=sum(by_state.values()),
                  state=state, count=count, rows=rows, shown_most=WINNERS_SHOWN, page=page, pages=pages,
                  page_url=lambda n: f"/console/lotteries?{query}page={n}")
