"""Totals: my status, my team's open total, and every team's and the centre's open totals."""

from bot.money import format_fen
from bot.plugin import ADMIN, ANYONE, FINANCE, MEMBER, Plugin
from bot.timeutil import local_text
from plugins.expense import ledger
from plugins.expense.receipts import receipt_counts, receipt_mark
from plugins import quota as quotas
from plugins.expense.ledger import team_line
from plugins.quota import short_yuan

plugin = Plugin("query", "查询", "查看个人、小组与中心的未报销金额", requires=("expense", "settle"))

STATUS_TEXT = {"member": "已通过", "pending": "待审核", "rejected": "未通过", "left": "已离开", "unknown": "未注册"}


@plugin.command(2, "我的", roles=(ANYONE,), usage="2 | 2 id", example=("2", "2 id"), aliases=("我的", "状态"))
def my_status(ctx):
    """我的：注册状态、所在小组、未报销记录和合计；2 id 查看你的 openid

    openid 是管理员把你配置为管理员或财务（config.yaml 的 admins / finance）时要用的编号。
    """
    if ctx.args and ctx.args[0].lower() in ("id", "openid"):
        return f"你的 openid：{ctx.openid}\n管理员把你配置为管理员或财务（admins / finance）时要用。"
    user = ctx.user or {}
    status = user.get("status") or "unknown"
    staff = bool(ctx.roles & {ADMIN, FINANCE})
    lines = []
    if status == "member":
        lines.append(f"{user['name']}，{ctx.group['name']}（{STATUS_TEXT[status]}）")
    elif status == "pending":
        lines.append(f"注册待审核：{user['requested_name']} → 申请小组 {_group_name(ctx, user['requested_group_id'])}")
    elif status == "left":
        team = f"，{ctx.group['name']}" if ctx.group else ""
        lines.append(f"{user['name']}{team}（{STATUS_TEXT[status]}）：不能再记账，已有的未报销记录仍会正常结算。"
                     "如需重新加入，发送 9 组名 姓名 申请。")
    elif not staff:
        lines.append(f"注册状态：{STATUS_TEXT.get(status, status)}。发送 9 组名 姓名 注册。")
    if status == "member" and user.get("requested_group_id"):
        lines.append(f"换组申请待审核：→ {_group_name(ctx, user['requested_group_id'])}")
    roles = [ctx.app.role_label(r) for r in (ADMIN, FINANCE) if r in ctx.roles]
    if roles:
        lines.append("身份：" + "、".join(roles) + ("" if status in ("member", "pending") else "（无需注册，发送 0 查看可用命令）"))
    totals = ledger.member_totals(ctx.db, ctx.openid)
    if totals["open_count"]:
        rows = ctx.db.query(
            "SELECT * FROM expenses WHERE openid = :o AND status = 'open' ORDER BY id DESC LIMIT 10", {"o": ctx.openid})
        lines.append(f"未报销 {totals['open_count']} 笔，合计 {format_fen(totals['open_fen'])} 元：")
        marks = receipt_counts(ctx.db, [r["id"] for r in rows])
        lines += [f"#{r['id']} {r['spent_on']} {format_fen(r['amount_fen'])} {r['note']} {receipt_mark(marks.get(r['id']))}"
                  .rstrip() for r in rows]
        if totals["open_count"] > len(rows):
            lines.append(f"……（仅显示最近 {len(rows)} 笔；全部记录见每日报表，发送 7 查看最近记录和作废）")
    elif status == "member":
        lines.append("没有未报销的记录。")
    if totals["settled_count"]:
        last = ctx.db.one("SELECT * FROM settlements WHERE id = :i", {"i": totals["last_settlement_id"]})
        when = f"，{local_text(last['created_at'], ctx.tz, '%Y-%m-%d')}" if last else ""
        lines.append(f"已报销 {totals['settled_count']} 笔，合计 {format_fen(totals['settled_fen'])} 元"
                     f"（最近一次结算 #{totals['last_settlement_id']}{when}）")
    if status not in ("member", "pending", "left") and not staff:
        lines.append(f"你的 openid：{ctx.openid}（管理员配置 admins / finance 时要用）")
    return "\n".join(lines)


@plugin.command(3, "本组", roles=(MEMBER,), usage="3", example="3", aliases=("本组",))
def team_totals(ctx):
    """本组：本组未报销合计，按组员列出"""
    rows = ledger.open_totals_by_member(ctx.db, ctx.group["id"])
    total = sum(r["total_fen"] for r in rows)
    count = sum(r["count"] for r in rows)
    quota = quotas.quota_for(ctx.db, ctx.app, ctx.group, ctx.now.date())
    quota_line = [quota.line(f"本季度（{quota.quarter}）")] if quota else []
    if not rows:
        return "\n".join([f"{ctx.group['name']}：没有未报销的记录。", *quota_line])
    lines = [f"{r['name']}：{format_fen(r['total_fen'])} 元（{r['count']} 笔）" for r in rows]
    return "\n".join([f"{ctx.group['name']} 未报销合计 {format_fen(total)} 元（{count} 笔）：", *quota_line, *lines])


@plugin.command(4, "中心", roles=(MEMBER, ADMIN, FINANCE), usage="4", example="4", aliases=("中心", "全部"))
def centre_totals(ctx):
    """中心：各小组及全中心未报销合计"""
    rows = ledger.open_totals_by_group(ctx.db)
    if not rows:
        return "还没有小组。"
    total = sum(r["total_fen"] for r in rows)
    count = sum(r["count"] for r in rows)
    lines = [f"全中心合计：{format_fen(total)} 元（{count} 笔）"]
    quotas_now = quotas.quotas_for_all(ctx.db, ctx.app, ctx.now.date())
    if quotas_now:
        return "\n".join(lines + _centre_quota_lines(rows, quotas_now))
    lines.append("各组未报销：")
    lines += [team_line(r) for r in rows if r["count"]]
    idle = [r["group_name"] for r in rows if not r["count"]]
    if idle:
        lines.append("没有未报销：" + "、".join(idle))
    return "\n".join(lines)


def _centre_quota_lines(rows, quotas_now):
    """`4` with quotas: the quarter's sums, then one short line per team: its open total, and this quarter's used
    and allowance, in exact 元 without separators or trailing zeros ('研发一组 1234.5 2345.67/3000', '!' when
    over), so that 50 teams fit one reply."""
    some = next(iter(quotas_now.values()))
    over = sum(1 for q in quotas_now.values() if q.over_fen)
    lines = [f"本季度（{some.quarter}）已用 {format_fen(sum(q.used_fen for q in quotas_now.values()))} / 额度 "
             f"{format_fen(sum(q.allowance_fen for q in quotas_now.values()))} 元" + (f"，{over} 个组超出（!）" if over else ""),
             "各组：未报销 本季度已用/额度（元）"]
    for r in rows:
        q = quotas_now.get(r["group_id"])
        figures = f"{short_yuan(q.used_fen)}/{short_yuan(q.allowance_fen)}" + ("!" if q.over_fen else "") if q else "不设额度"
        lines.append(f"{r['group_name']} {short_yuan(r['total_fen'])} {figures}")
    return lines


def _group_name(ctx, group_id):
    return ctx.db.value("SELECT name FROM groups WHERE id = ?", [group_id]) or ""
