"""The settlement commands: `82` previews and settles, `83` shows history and detail and reverses."""

from bot import ledger
from bot.money import format_fen
from bot.pages import rest_line
from bot.plugin import ADMIN, FINANCE, ArgError, Refusal
from bot.timeutil import local_text
from plugins.expense import ledger as expenses
from plugins.expense.receipts import batch_receipt_gaps
from plugins.expense.ledger import team_line
from plugins import quota as quotas
from plugins.register import group_names_text

from . import plugin
from .domain import (batch, batch_organisers, notify_reversed, notify_settled, reverse_settlement, settle_all,
                     no_quota_text, settle_group, settle_within_allowance, settled_lines)

HISTORY_LIMIT = 20
DETAIL_LIMIT = 30


def _reply_for(ctx, batches):
    return ("\n".join(settled_lines(ctx.db, ctx.config, batches))
            + "\n已通知相关组员。发送 83 结算号 查看明细，83 结算号 撤销 可撤销。")


WITHIN = "额度内"


def _plan_text(plan, over=None):
    """What a settlement will do, as the admin confirms it: per team the count and total (one line each, so 50
    teams fit one reply), and the sum; with quotas (`over`: {group_id: fen beyond the allowance}) how much of it
    is beyond the allowance."""
    plan = list(plan)
    lines = ["将结算（标记为已报销并通知垫付人）："]
    if len(plan) == 1:
        lines.append(f"【{plan[0]['group_name']}】{plan[0]['count']} 笔，合计 {format_fen(plan[0]['total_fen'])} 元")
    else:
        lines += [team_line(r) for r in plan]
        lines.append(f"共 {len(plan)} 个小组，{sum(r['count'] for r in plan)} 笔，"
                     f"{format_fen(sum(r['total_fen'] for r in plan))} 元")
    lines += _over_lines(plan, over)
    return "\n".join(lines)


def _over_lines(plan, over):
    """'其中超出额度 120.00 元…': the over-allowance part of what `plan` settles, when there is one."""
    beyond = {r["group_id"]: over[r["group_id"]] for r in plan if (over or {}).get(r["group_id"])}
    if not beyond:
        return []
    if len(plan) == 1:
        name = plan[0]["group_name"]
        return [f"其中超出额度 {format_fen(beyond[plan[0]['group_id']])} 元；只结算额度内的记录请发送 82 {name} {WITHIN}"]
    return [f"其中超出额度 {format_fen(sum(beyond.values()))} 元（{len(beyond)} 个小组）；"
            f"只结算一个小组额度内的记录请发送 82 组名 {WITHIN}"]


def _over_mark(row, over):
    """' 超额 120.00' after a team's line of the preview, when part of its open total is beyond its allowance."""
    return f" 超额 {format_fen(over[row['group_id']])}" if over.get(row["group_id"]) else ""


def _team_detail(ctx, plan):
    """One team's open records by quarter (when they span more than one) and by organiser: what `82 组名` shows
    finance and what the admin confirms (the same data gives the same lines: the confirmation compares them)."""
    quarters = expenses.open_quarter_totals(ctx.db, plan["group_id"])
    lines = []
    if len(quarters) > 1:
        lines.append("按季度：" + "，".join(f"{q['quarter']} {format_fen(q['open_fen'])}" for q in quarters))
    lines += [f"  {o['name']}：{format_fen(o['total_fen'])} 元（{o['count']} 笔）"
              for o in expenses.open_totals_by_member(ctx.db, plan["group_id"])]
    return lines


def _preview(ctx):
    """82: the open total of every team with open records, one line each; the breakdown of one is `82 组名`."""
    rows = [r for r in expenses.open_totals_by_group(ctx.db) if r["count"]]
    if not rows:
        return "所有小组都没有待报销的记录。"
    over = quotas.over_allowance(ctx.db, ctx.app)
    lines = ["待报销预览（不会改变任何数据）：",
             f"合计：{format_fen(sum(r['total_fen'] for r in rows))} 元，{sum(r['count'] for r in rows)} 笔"
             f"（{len(rows)} 个小组）"]
    if any(over.values()):
        lines.append(f"其中超出额度：{format_fen(sum(over.values()))} 元（{sum(1 for v in over.values() if v)} 个小组，"
                     "见各组的“超额”）")
    lines += [team_line(r) + _over_mark(r, over) for r in rows]
    if ctx.is_(ADMIN):
        lines.append("发送 82 组名 看一个小组的明细并结算，82 全部 结算所有小组（都要回复“确认”）"
                     + (f"；82 组名 {WITHIN} 只结算额度内的记录" if any(over.values()) else ""))
    else:
        lines.append("发送 82 组名 看一个小组按季度和组员的明细")
    return "\n".join(lines)


def _team_preview(ctx, plan):
    """82 组名 for finance: the team's breakdown, nothing settled."""
    if not plan["count"]:
        return f"“{plan['group_name']}”没有待报销的记录。"
    return "\n".join([f"{plan['group_name']} 待报销 {format_fen(plan['total_fen'])} 元，{plan['count']} 笔"
                      "（预览，不会改变任何数据）：", *_team_detail(ctx, plan),
                      *_over_lines([plan], quotas.over_allowance(ctx.db, ctx.app, _group_of(plan)))])


def _group_of(plan):
    return {"id": plan["group_id"], "name": plan["group_name"]}


def _within_text(plan):
    """What `82 组名 额度内` will settle, as the admin confirms it: per quarter the allowance, what is settled
    already, the room left and what fits; then the totals. What stays open is named in the reply, as it is when
    the batch is made: records that do not fit change nothing of what is confirmed."""
    lines = [f"将按额度结算【{plan.group_name}】（标记为已报销并通知垫付人，超出额度的记录留待以后）："]
    for part in plan.parts:
        q = part.quota
        lines.append(f"{q.quarter}：额度 {format_fen(q.allowance_fen)} 元（{q.basis()}），已报销 {format_fen(q.settled_fen)}"
                     f" 元，可结算 {format_fen(q.room_fen)} 元；结算 {part.chosen_count} 笔 {format_fen(part.chosen_fen)} 元")
    lines.append(f"共结算 {len(plan.chosen)} 笔，合计 {format_fen(plan.chosen_fen)} 元；其余的未报销记录留待以后"
                 "（结算后列出）")
    return "\n".join(lines)


def _kept_text(plan, before):
    if not plan.kept:
        return ""
    return f"{before}仍未报销 {len(plan.kept)} 笔，{format_fen(plan.kept_fen)} 元（{plan.kept_ids_text()}）"


def _settle_within(ctx, group):
    """`82 组名 额度内` (admin): settle the records within the allowance after “确认”, name what stays open."""
    plan = quotas.within_allowance(ctx.db, ctx.app, group)
    if plan is None:
        raise Refusal(no_quota_text(group["name"]))
    if not plan.chosen and not plan.kept:
        return f"“{group['name']}”没有待报销的记录，没有生成结算。"
    if not plan.chosen:
        return (f"“{group['name']}”没有能在额度内结算的记录（额度已由已报销的记录用完，或最早的一笔就超出剩余额度），"
                f"没有生成结算{_kept_text(plan, '；')}。发送 82 {group['name']} 可结算全部。")
    ctx.confirm(_within_text(plan))
    created = settle_within_allowance(ctx.db, group, ctx.openid, expected=plan.figures)
    notify_settled(ctx.db, ctx.config, [created])
    return ("\n".join(settled_lines(ctx.db, ctx.config, [created]) + [_kept_text(plan, "")]).rstrip()
            + "\n已通知相关组员。发送 83 结算号 查看明细，83 结算号 撤销 可撤销。")


def _team(ctx, name):
    group = ledger.group_by_name(ctx.db, name)
    if group is None:
        raise ArgError(f"没有名为“{name}”的小组（现有：{group_names_text(ctx.db)}）")
    return group


@plugin.command(82, "结算", roles=(ADMIN, FINANCE), usage="82 | 82 组名 | 82 组名 额度内 | 82 全部",
                example=("82", "82 研发一组", "82 研发一组 额度内", "82 全部"), aliases=("结算",),
                menu={FINANCE: "结算预览：82 查看各组待报销，82 组名 查看一个小组的明细"},
                full_list="/console/settlements")
def settle(ctx):
    """结算：82 预览待报销，82 组名 结算一个小组，82 全部 结算所有小组

    82 列出每个小组的未报销合计，82 组名 列出该组按季度和垫付人的明细，都不改变数据（管理员和财务可用）。
    结算只有管理员可以执行：管理员发送 82 组名 时明细之后问是否结算，回复“确认”后把该组此刻所有未报销记录
    标记为已报销，生成结算号，并通知垫付人。
    设了额度（plugins.quota）时，预览和确认写出超出额度的部分；82 组名 额度内 只结算额度内的记录：每个季度按消费
    日期从早到晚取整笔记录，直到再多一笔就超出“额度 − 已报销”，其余的留待以后，回复里写明。
    """
    if not ctx.args:
        return _preview(ctx)
    target = ctx.args[0]
    every_team = target in ("全部", "所有")
    within = ctx.args[1:] == [WITHIN]
    if len(ctx.args) > 1 and (not within or every_team):
        raise ArgError(f"看不懂“{' '.join(ctx.args[1:])}”；只结算一个小组额度内的记录请发送 82 组名 {WITHIN}")
    if not ctx.is_(ADMIN):
        if every_team or within:
            raise Refusal("只有管理员可以执行结算；发送 82 查看预览，82 组名 查看一个小组的明细。")
        return _team_preview(ctx, expenses.open_totals_by_group(ctx.db, _team(ctx, target)["id"])[0])
    if within:
        return _settle_within(ctx, _team(ctx, target))
    if every_team:
        plan = {r["group_id"]: r for r in expenses.open_totals_by_group(ctx.db) if r["count"]}
        if not plan:
            return "所有小组都没有待报销的记录，没有生成结算。"
        ctx.confirm(_plan_text(plan.values(), quotas.over_allowance(ctx.db, ctx.app)))
        batches = settle_all(ctx.db, ctx.openid,
                             expected={g: (r["count"], r["total_fen"], r["max_id"]) for g, r in plan.items()})
    else:
        group = _team(ctx, target)
        plan = expenses.open_totals_by_group(ctx.db, group["id"])[0]
        if not plan["count"]:
            return f"“{target}”没有待报销的记录，没有生成结算。"
        ctx.confirm("\n".join([_plan_text([plan], quotas.over_allowance(ctx.db, ctx.app, group)),
                               *_team_detail(ctx, plan)]))
        created = settle_group(ctx.db, group["id"], ctx.openid,
                               expected=(plan["count"], plan["total_fen"], plan["max_id"]))
        batches = [created]
    notify_settled(ctx.db, ctx.config, batches)
    return _reply_for(ctx, batches)


def _history(ctx, group=None):
    """83 (every team) or 83 组名: how many batches and how much first, then the latest HISTORY_LIMIT of them."""
    where, params = ("WHERE s.group_id = :g", {"g": group["id"]}) if group else ("", {})
    summary = ctx.db.one(
        f"""SELECT COUNT(*) AS n, COUNT(CASE WHEN s.status = 'reversed' THEN 1 END) AS reversed,
                   COALESCE(SUM(CASE WHEN s.status = 'active' THEN s.total_fen END), 0) AS total_fen
            FROM settlements s {where}""", params)
    whose = f"{group['name']} " if group else ""
    if not summary["n"]:
        return f"{whose}还没有结算记录。"
    rows = ctx.db.query(
        f"""SELECT s.*, g.name AS group_name FROM settlements s JOIN groups g ON g.id = s.group_id {where}
            ORDER BY s.id DESC LIMIT :n""", {**params, "n": HISTORY_LIMIT})
    names = ledger.display_names(ctx.db, ctx.config, [r["created_by"] for r in rows])
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
                menu={FINANCE: "结算记录：83 历史列表，83 结算号 查看明细"},
                full_list="/console/settlements")
def history(ctx):
    """结算记录：83 历史列表，83 结算号 查看明细，83 结算号 撤销

    83 先给出结算次数和合计，再列出最近 20 次；83 组名 只看该组的结算。
    撤销（仅管理员）让该结算的记录重新变为未报销，结算本身保留在历史中并标为已撤销。
    """
    if not ctx.args:
        return _history(ctx)
    number, group = ledger.number_or_team(ctx.db, ctx.args)
    if group is not None:
        return _history(ctx, group)
    if number is None:
        raise ArgError("结算号必须是数字（查看一个小组的结算记录请写组名）")
    info = batch(ctx.db, ctx.config, number)
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
        reopened = reverse_settlement(ctx.db, info["id"], ctx.openid)
        if reopened is None:
            return f"结算 #{info['id']} 已经撤销过了。"
        notify_reversed(ctx.db, ctx.config, info["id"])
        return f"已撤销结算 #{info['id']}（{info['group_name']}）：{reopened} 笔记录恢复为未报销。"
    lines = [f"结算 #{info['id']} {info['group_name']}：{info['record_count']} 笔，合计 {format_fen(info['total_fen'])} 元",
             f"经办：{info['admin_name']}，{local_text(info['created_at'], ctx.tz)}"]
    if info["status"] == "reversed":
        lines.append(f"【已撤销】{info['reversed_name']}，{local_text(info['reversed_at'], ctx.tz)}")
    lines.append("按垫付人：")
    lines += [f"  {o['name']}：{format_fen(o['total_fen'])} 元（{o['count']} 笔）" for o in batch_organisers(ctx.db, ctx.config, info["id"])]
    records = ctx.db.query(
        """SELECT e.id, e.spent_on, i.amount_fen, e.note FROM settlement_items i JOIN expenses e ON e.id = i.expense_id
           WHERE i.settlement_id = :b ORDER BY e.id LIMIT :n""", {"b": info["id"], "n": DETAIL_LIMIT})
    lines.append("记录：")
    lines += [f"  #{r['id']} {r['spent_on']} {format_fen(r['amount_fen'])} {r['note']}".rstrip() for r in records]
    if info["record_count"] > len(records):
        lines.append(f"  ……共 {info['record_count']} 笔，仅显示前 {len(records)} 笔（完整明细见每日报表）")
    missing, pending = batch_receipt_gaps(ctx.db, info["id"])
    if not missing:
        lines.append("小票：每笔记录都有小票。")
    else:
        fetching = f"（其中 {pending} 笔的小票正在取回）" if pending else ""
        lines.append(f"小票：{missing} 笔记录没有小票{fetching}；每日报表“明细”的小票列可查是哪几笔。")
    return "\n".join(lines)
