"""Settlement: the admin reimburses teams; a batch marks exactly the records it summed, in one transaction."""

from bot import ledger
from bot.db import audit
from bot.money import format_fen
from bot.pages import rest_line
from bot.plugin import ADMIN, FINANCE, ArgError, Plugin, Refusal
from bot.timeutil import local_text, to_utc_text, utc_now

from .query import team_line

plugin = Plugin("settle", "结算", "按小组报销：预览、结算、历史与撤销")

HISTORY_LIMIT = 20
DETAIL_LIMIT = 30


class PlanChanged(Refusal):
    """The open records are no longer those the admin confirmed: nothing was settled."""


def settle_group(store, group_id, actor, msg_id=None, expected=None):
    """Settle one team's open records; returns the batch row, or None when nothing is open.

    BEGIN IMMEDIATE holds the write lock from the SELECT to the COMMIT, and the UPDATE names the summed ids,
    so a record written meanwhile is either in this batch or still open, never marked without being counted.
    `expected` = (count, total_fen, highest id) the admin confirmed: anything else raises PlanChanged and settles
    nothing.
    """
    with store.write() as db:
        return _settle_in(db, group_id, actor, msg_id, expected)


def _settle_in(db, group_id, actor, msg_id, expected=None):
    rows = db.execute("SELECT id, openid, amount_fen FROM expenses WHERE group_id = ? AND status = 'open' ORDER BY id",
                      [group_id]).fetchall()
    total = sum(amount for _, _, amount in rows)
    if expected is not None and (len(rows), total, rows[-1][0] if rows else None) != tuple(expected):
        raise PlanChanged("确认期间待报销记录有变化（有新记录或作废），没有结算。请重新发送结算命令核对。")
    if not rows:
        return None
    now = to_utc_text(utc_now())
    batch_id = db.execute(
        """INSERT INTO settlements (group_id, created_by, created_at, record_count, total_fen, source_msg_id)
           VALUES (?, ?, ?, ?, ?, ?)""", [group_id, actor, now, len(rows), total, msg_id]).lastrowid
    db.conn.executemany("INSERT INTO settlement_items (settlement_id, expense_id, openid, amount_fen) VALUES (?, ?, ?, ?)",
                        [(batch_id, expense_id, openid, amount) for expense_id, openid, amount in rows])
    marked = db.execute(
        """UPDATE expenses SET status = 'settled', settlement_id = ?
           WHERE status = 'open' AND id IN (SELECT expense_id FROM settlement_items WHERE settlement_id = ?)""",
        [batch_id, batch_id]).rowcount
    if marked != len(rows):
        raise RuntimeError(f"settlement {batch_id}: summed {len(rows)} records but marked {marked}")
    audit(db, actor, "settle", batch_id, f"group={group_id} count={len(rows)} total_fen={total}")
    return {"id": batch_id, "group_id": group_id, "record_count": len(rows), "total_fen": total}


def settle_all(store, actor, msg_id=None, expected=None):
    """Every team with open records, one batch each, all in one transaction; `expected` = {group_id: (count,
    total_fen)} as confirmed (teams missing from it must have nothing open)."""
    with store.write() as db:
        group_ids = [g for (g,) in db.execute("SELECT id FROM groups ORDER BY id").fetchall()]
        return [b for b in (_settle_in(db, g, actor, msg_id, None if expected is None else expected.get(g, (0, 0, None)))
                            for g in group_ids) if b]


def reverse_settlement(store, batch_id, actor):
    """Reopen exactly the batch's records; the batch stays in history marked reversed. Returns count or None."""
    with store.write() as db:
        changed = db.execute(
            "UPDATE settlements SET status = 'reversed', reversed_at = ?, reversed_by = ? WHERE id = ? AND status = 'active'",
            [to_utc_text(utc_now()), actor, batch_id]).rowcount
        if not changed:
            return None
        reopened = db.execute(
            """UPDATE expenses SET status = 'open', settlement_id = NULL
               WHERE settlement_id = ? AND status = 'settled'
                 AND id IN (SELECT expense_id FROM settlement_items WHERE settlement_id = ?)""",
            [batch_id, batch_id]).rowcount
        audit(db, actor, "settle.reverse", batch_id, f"reopened={reopened}")
        return reopened


def batch(app, batch_id):
    """A settlement with its team's name and the names (never the openids) of who settled and reversed it."""
    row = app.store.one("SELECT s.*, g.name AS group_name FROM settlements s JOIN groups g ON g.id = s.group_id "
                        "WHERE s.id = :i", {"i": batch_id})
    if row is not None:
        names = ledger.display_names(app.store, app.config, [row["created_by"], row["reversed_by"]])
        row["admin_name"], row["reversed_name"] = names.get(row["created_by"], ""), names.get(row["reversed_by"], "")
    return row


def batch_organisers(app, batch_id):
    rows = app.store.query(
        """SELECT openid, SUM(amount_fen) AS total_fen, COUNT(*) AS count FROM settlement_items
           WHERE settlement_id = :b GROUP BY openid ORDER BY total_fen DESC""", {"b": batch_id})
    names = ledger.display_names(app.store, app.config, [r["openid"] for r in rows])
    return [{**r, "name": names[r["openid"]]} for r in rows]


def _notify_organisers(ctx, batches):
    for created in batches:
        info = batch(ctx.app, created["id"])
        for organiser in batch_organisers(ctx.app, created["id"]):
            ctx.push(organiser["openid"],
                     f"报销通知：你在“{info['group_name']}”的 {organiser['count']} 笔垫付共 "
                     f"{format_fen(organiser['total_fen'])} 元已由 {info['admin_name']} 结算（结算 #{created['id']}）。",
                     kind="settle")


def _reply_for(ctx, batches):
    lines = []
    for created in batches:
        info = batch(ctx.app, created["id"])
        lines.append(f"已结算 {info['group_name']}：结算 #{info['id']}，{info['record_count']} 笔，"
                     f"合计 {format_fen(info['total_fen'])} 元")
    if len(batches) > 1:
        lines.append(f"共 {len(batches)} 个小组，{sum(b['record_count'] for b in batches)} 笔，"
                     f"{format_fen(sum(b['total_fen'] for b in batches))} 元")
    return "\n".join(lines) + "\n已通知相关组员。发送 83 结算号 查看明细，83 结算号 撤销 可撤销。"


def _plan_text(plan):
    """What a settlement will do, as the admin confirms it: per team the count and total (one line each, so 50
    teams fit one reply), and the sum."""
    plan = list(plan)
    lines = ["将结算（标记为已报销并通知垫付人）："]
    if len(plan) == 1:
        lines.append(f"【{plan[0]['group_name']}】{plan[0]['count']} 笔，合计 {format_fen(plan[0]['total_fen'])} 元")
    else:
        lines += [team_line(r) for r in plan]
        lines.append(f"共 {len(plan)} 个小组，{sum(r['count'] for r in plan)} 笔，"
                     f"{format_fen(sum(r['total_fen'] for r in plan))} 元")
    return "\n".join(lines)


def _team_detail(ctx, plan):
    """One team's open records by quarter (when they span more than one) and by organiser: what `82 组名` shows
    finance and what the admin confirms (the same data gives the same lines: the confirmation compares them)."""
    quarters = ledger.open_quarter_totals(ctx.store, plan["group_id"])
    lines = []
    if len(quarters) > 1:
        lines.append("按季度：" + "，".join(f"{q['quarter']} {format_fen(q['open_fen'])}" for q in quarters))
    lines += [f"  {o['name']}：{format_fen(o['total_fen'])} 元（{o['count']} 笔）"
              for o in ledger.open_totals_by_member(ctx.store, plan["group_id"])]
    return lines


def _preview(ctx):
    """82: the open total of every team with open records, one line each; the breakdown of one is `82 组名`."""
    rows = [r for r in ledger.open_totals_by_group(ctx.store) if r["count"]]
    if not rows:
        return "所有小组都没有待报销的记录。"
    lines = ["待报销预览（不会改变任何数据）：",
             f"合计：{format_fen(sum(r['total_fen'] for r in rows))} 元，{sum(r['count'] for r in rows)} 笔"
             f"（{len(rows)} 个小组）"]
    lines += [team_line(r) for r in rows]
    if ctx.is_(ADMIN):
        lines.append("发送 82 组名 看一个小组的明细并结算，82 全部 结算所有小组（都要回复“确认”）")
    else:
        lines.append("发送 82 组名 看一个小组按季度和组员的明细")
    return "\n".join(lines)


def _team_preview(ctx, plan):
    """82 组名 for finance: the team's breakdown, nothing settled."""
    if not plan["count"]:
        return f"“{plan['group_name']}”没有待报销的记录。"
    return "\n".join([f"{plan['group_name']} 待报销 {format_fen(plan['total_fen'])} 元，{plan['count']} 笔"
                      "（预览，不会改变任何数据）：", *_team_detail(ctx, plan)])


def _team(ctx, name):
    group = ledger.group_by_name(ctx.store, name)
    if group is None:
        raise ArgError(f"没有名为“{name}”的小组（现有：{ledger.group_names_text(ctx.store)}）")
    return group


@plugin.command(82, "结算", roles=(ADMIN, FINANCE), usage="82 | 82 组名 | 82 全部",
                example=("82", "82 研发一组", "82 全部"), aliases=("结算",),
                menu={FINANCE: "结算预览：82 查看各组待报销，82 组名 查看一个小组的明细"})
def settle(ctx):
    """结算：82 预览待报销，82 组名 结算一个小组，82 全部 结算所有小组

    82 列出每个小组的未报销合计，82 组名 列出该组按季度和垫付人的明细，都不改变数据（管理员和财务可用）。
    结算只有管理员可以执行：管理员发送 82 组名 时明细之后问是否结算，回复“确认”后把该组此刻所有未报销记录
    标记为已报销，生成结算号，并通知垫付人。
    """
    if not ctx.args:
        return _preview(ctx)
    target = ctx.args[0]
    every_team = target in ("全部", "所有")
    if not ctx.is_(ADMIN):
        if every_team:
            raise Refusal("只有管理员可以执行结算；发送 82 查看预览，82 组名 查看一个小组的明细。")
        return _team_preview(ctx, ledger.open_totals_by_group(ctx.store, _team(ctx, target)["id"])[0])
    if ctx.msg_id:
        earlier = ctx.store.query("SELECT id, record_count, total_fen FROM settlements WHERE source_msg_id = :m ORDER BY id",
                                  {"m": ctx.msg_id})
        if earlier:
            ctx.store.sync()                 # the first attempt's settlement may be in a batch still in flight
            return _reply_for(ctx, earlier)  # the same WeChat message, already settled
    if every_team:
        plan = {r["group_id"]: r for r in ledger.open_totals_by_group(ctx.store) if r["count"]}
        if not plan:
            return "所有小组都没有待报销的记录，没有生成结算。"
        ctx.confirm(_plan_text(plan.values()))
        batches = settle_all(ctx.store, ctx.openid, ctx.msg_id,
                             expected={g: (r["count"], r["total_fen"], r["max_id"]) for g, r in plan.items()})
    else:
        group = _team(ctx, target)
        plan = ledger.open_totals_by_group(ctx.store, group["id"])[0]
        if not plan["count"]:
            return f"“{target}”没有待报销的记录，没有生成结算。"
        ctx.confirm("\n".join([_plan_text([plan]), *_team_detail(ctx, plan)]))
        created = settle_group(ctx.store, group["id"], ctx.openid, ctx.msg_id,
                               expected=(plan["count"], plan["total_fen"], plan["max_id"]))
        batches = [created]
    _notify_organisers(ctx, batches)
    return _reply_for(ctx, batches)


def _history(ctx, group=None):
    """83 (every team) or 83 组名: how many batches and how much first, then the latest HISTORY_LIMIT of them."""
    where, params = ("WHERE s.group_id = :g", {"g": group["id"]}) if group else ("", {})
    summary = ctx.store.one(
        f"""SELECT COUNT(*) AS n, COUNT(CASE WHEN s.status = 'reversed' THEN 1 END) AS reversed,
                   COALESCE(SUM(CASE WHEN s.status = 'active' THEN s.total_fen END), 0) AS total_fen
            FROM settlements s {where}""", params)
    whose = f"{group['name']} " if group else ""
    if not summary["n"]:
        return f"{whose}还没有结算记录。"
    rows = ctx.store.query(
        f"""SELECT s.*, g.name AS group_name FROM settlements s JOIN groups g ON g.id = s.group_id {where}
            ORDER BY s.id DESC LIMIT :n""", {**params, "n": HISTORY_LIMIT})
    names = ledger.display_names(ctx.store, ctx.config, [r["created_by"] for r in rows])
    reversed_ = f"（另有 {summary['reversed']} 次已撤销）" if summary["reversed"] else ""
    lines = [f"{whose}结算记录 {summary['n']} 次，已报销合计 {format_fen(summary['total_fen'])} 元{reversed_}，"
             "最新在前："]
    lines += [f"#{r['id']} {r['group_name']} {r['record_count']} 笔 {format_fen(r['total_fen'])} 元 "
              f"{names[r['created_by']]} {local_text(r['created_at'], ctx.tz)}"
              + ("【已撤销】" if r["status"] == "reversed" else "") for r in rows]
    if summary["n"] > len(rows):
        elsewhere = "完整记录见每日报表“结算记录”表"
        lines.append(rest_line(summary["n"] - len(rows), "次更早的",
                               elsewhere if group else "发送 83 组名 查看一个小组的结算记录，" + elsewhere))
    lines.append("发送 83 结算号 查看明细")
    return "\n".join(lines)


@plugin.command(83, "结算记录", roles=(ADMIN, FINANCE), usage="83 | 83 组名 | 83 结算号 | 83 结算号 撤销",
                example=("83", "83 1"), aliases=("结算记录",),
                menu={FINANCE: "结算记录：83 历史列表，83 结算号 查看明细"})
def history(ctx):
    """结算记录：83 历史列表，83 结算号 查看明细，83 结算号 撤销

    83 先给出结算次数和合计，再列出最近 20 次；83 组名 只看该组的结算。
    撤销（仅管理员）让该结算的记录重新变为未报销，结算本身保留在历史中并标为已撤销。
    """
    if not ctx.args:
        return _history(ctx)
    number, group = ledger.number_or_team(ctx.store, ctx.args)
    if group is not None:
        return _history(ctx, group)
    if number is None:
        raise ArgError("结算号必须是数字（查看一个小组的结算记录请写组名）")
    info = batch(ctx.app, number)
    if info is None:
        raise Refusal(f"没有结算 #{number}。发送 83 查看结算记录。")
    if len(ctx.args) > 1:
        if ctx.args[1] != "撤销":
            raise ArgError(f"看不懂“{ctx.args[1]}”；撤销请发送 83 {number} 撤销")
        if not ctx.is_(ADMIN):
            raise Refusal("只有管理员可以撤销结算。")
        if info["status"] == "reversed":
            return f"结算 #{info['id']} 已经撤销过了。"
        ctx.confirm(f"将撤销结算 #{info['id']}（{info['group_name']}，{info['record_count']} 笔，"
                    f"{format_fen(info['total_fen'])} 元，{info['admin_name']} 于 {local_text(info['created_at'], ctx.tz)} 结算）："
                    "这些记录恢复为未报销，并通知垫付人。")
        reopened = reverse_settlement(ctx.store, info["id"], ctx.openid)
        if reopened is None:
            return f"结算 #{info['id']} 已经撤销过了。"
        for organiser in batch_organisers(ctx.app, info["id"]):
            ctx.push(organiser["openid"], f"结算 #{info['id']} 已撤销，你的 {organiser['count']} 笔记录"
                                          f"（{format_fen(organiser['total_fen'])} 元）恢复为未报销。", kind="settle.reverse")
        return f"已撤销结算 #{info['id']}（{info['group_name']}）：{reopened} 笔记录恢复为未报销。"
    lines = [f"结算 #{info['id']} {info['group_name']}：{info['record_count']} 笔，合计 {format_fen(info['total_fen'])} 元",
             f"经办：{info['admin_name']}，{local_text(info['created_at'], ctx.tz)}"]
    if info["status"] == "reversed":
        lines.append(f"【已撤销】{info['reversed_name']}，{local_text(info['reversed_at'], ctx.tz)}")
    lines.append("按垫付人：")
    lines += [f"  {o['name']}：{format_fen(o['total_fen'])} 元（{o['count']} 笔）" for o in batch_organisers(ctx.app, info["id"])]
    records = ctx.store.query(
        """SELECT e.id, e.spent_on, i.amount_fen, e.note FROM settlement_items i JOIN expenses e ON e.id = i.expense_id
           WHERE i.settlement_id = :b ORDER BY e.id LIMIT :n""", {"b": info["id"], "n": DETAIL_LIMIT})
    lines.append("记录：")
    lines += [f"  #{r['id']} {r['spent_on']} {format_fen(r['amount_fen'])} {r['note']}".rstrip() for r in records]
    if info["record_count"] > len(records):
        lines.append(f"  ……共 {info['record_count']} 笔，仅显示前 {len(records)} 笔（完整明细见每日报表）")
    return "\n".join(lines)
