"""The register commands: `9` asks to join or move, `81` reviews requests, `87` lists and creates teams; the welcome
on follow. The rules they apply are in domain.py, which the web console uses too."""

from bot import ledger
from bot.db import audit
from bot.pages import rest_line
from bot.plugin import ADMIN, ANYONE, ArgError, Refusal
from bot.text import clean_name
from bot.timeutil import local_text, to_utc_text, utc_now

from . import plugin
from .domain import (BadName, approve_pending, approve_request, create_team, find_request, group_names_text,
                     member_name_problem, pending_by_team, pending_requests, reject_request, team_name_problem)

LIST_LIMIT = 15          # requests `81` lists (oldest first); the rest by team (`81 组名`) or once these are decided
TEAM_LIST_LIMIT = 25     # requests `81 组名` lists
ALL_NAMED = 20           # `81 全部` names each request up to this many; more are counted per team


@plugin.command(9, "注册", roles=(ANYONE,), usage="9 组名 姓名", example="9 研发一组 张三", aliases=("注册",))
def register(ctx):
    """注册或申请换组：9 组名 姓名，等待管理员审核

    已是组员时发送 9 新组名 姓名 即申请换组，审核通过前仍留在原组。重新发送会替换你之前未审核的申请。
    """
    if len(ctx.args) < 2:
        raise ArgError("请写清组名和姓名")
    group_name, name = ctx.args[0], clean_name(" ".join(ctx.args[1:]))
    problem = member_name_problem(name)
    if problem:
        raise ArgError(problem)
    group = ledger.group_by_name(ctx.db, group_name)
    if group is None:
        raise Refusal(f"没有名为“{group_name}”的小组。现有小组：{group_names_text(ctx.db)}")
    user = ctx.user or {}
    if user.get("status") == "member" and user.get("group_id") == group["id"] and user.get("name") == name:
        return f"你已经是“{group_name}”的组员（{name}），无需重复注册。"
    now = to_utc_text(utc_now())
    db = ctx.db
    request_id = db.execute(
        "INSERT INTO registration_requests (openid, group_id, name, created_at) VALUES (?, ?, ?, ?)",
        [ctx.openid, group["id"], name, now]).lastrowid
    db.execute("UPDATE registration_requests SET status = 'superseded', superseded_by = ? "
               "WHERE openid = ? AND status = 'pending' AND id != ?", [request_id, ctx.openid, request_id])
    db.execute(
        """UPDATE users SET requested_group_id = ?, requested_name = ?, requested_at = ?,
               status = CASE WHEN status = 'member' THEN 'member' ELSE 'pending' END
           WHERE openid = ?""",
        [group["id"], name, now, ctx.openid],
    )
    audit(db, ctx.openid, "register", request_id, f"{group_name} {name}")
    for admin in ctx.app.users_with_role(ADMIN):
        ctx.push(admin, f"新的注册申请 #{request_id}：{name} 申请加入“{group_name}”。发送 81 查看待审核列表。",
                 kind="register", notice="approval",
                 fields={"name": name, "group": group_name, "status": "待审核",
                         "note": f"申请 #{request_id}，发送 81 审核"})
    if user.get("status") == "member":
        return f"已提交换组申请：{name} → “{group_name}”。审核通过前你仍在原组记账。"
    return f"已提交注册：{name}，小组“{group_name}”。请等待管理员审核，审核结果会通知你，也可发送 2 查看状态。"


def _line(row, tz):
    moving = f"（现属 {row['current_group']}）" if row["user_status"] == "member" and row["current_group"] else ""
    return f"#{row['id']} {row['name']} → {row['requested_group']}{moving}  {local_text(row['created_at'], tz)}"


def _per_team(rows):
    """'研发一组 3、研发二组 1': how many of the requests are for each team, in team order."""
    counts = {}
    for row in sorted(rows, key=lambda r: r["group_id"]):
        counts[row["requested_group"]] = counts.get(row["requested_group"], 0) + 1
    return "、".join(f"{name} {n}" for name, n in counts.items())


def _approve_all(ctx):
    rows = pending_requests(ctx.db)
    if not rows:
        return "没有待审核的注册申请。"
    if len(rows) <= ALL_NAMED:
        ctx.confirm(f"将通过以下 {len(rows)} 个注册申请：\n" + "\n".join(_line(r, ctx.tz) for r in rows))
    else:       # a whole onboarding: what will happen, exactly, without a page per 30 people
        ctx.confirm(f"将通过以下 {len(rows)} 个注册申请（#{rows[0]['id']} 至 #{rows[-1]['id']} 中待审核的全部），"
                    f"按小组：{_per_team(rows)}")
    approved = [r for r in rows if approve_pending(ctx.db, r, ctx.openid)]
    if len(approved) > ALL_NAMED:
        return f"已通过 {len(approved)} 个注册，按小组：{_per_team(approved)}。每人都收到了通知。"
    return f"已通过 {len(approved)} 个注册：" + "、".join(f"#{r['id']} {r['name']}（{r['requested_group']}）"
                                                     for r in approved)


@plugin.command(81, "审核注册", roles=(ADMIN,), usage="81 | 81 组名 | 81 编号 | 81 编号 拒绝 [原因] | 81 全部",
                example=("81", "81 全部"), aliases=("审核",), full_list="/console/people")
def review(ctx):
    """审核注册：81 查看待审核，81 编号 通过，81 编号 拒绝 原因，81 全部 全部通过

    81 先给出待审核的个数，再列出最早的 15 个；81 组名 列出一个小组的申请。
    编号是申请自己的编号（#号），不随列表变化；申请人修改过的申请会换新编号，旧编号不再生效。
    81 全部 会先列出将通过的申请（很多时按小组计数），回复“确认”后执行。
    """
    if not ctx.args:
        return _pending_list(ctx)
    if ctx.args[0] in ("全部", "所有"):
        return _approve_all(ctx)
    number, group = ledger.number_or_team(ctx.db, ctx.args)
    if group is not None:
        return _pending_list(ctx, group)
    if number is None:
        raise ArgError("编号必须是数字（81 列表中的 #号），或写“全部”，或写组名查看该组的申请")
    find_request(ctx.db, number)             # an unknown number is refused before the words after it are read
    rejecting = len(ctx.args) > 1
    if rejecting and ctx.args[1] not in ("拒绝", "驳回"):
        raise ArgError(f"看不懂“{ctx.args[1]}”，拒绝请写：81 {number} 拒绝 原因")
    if rejecting:
        row = reject_request(ctx.db, number, ctx.openid, " ".join(ctx.args[2:]))
    else:
        row = approve_request(ctx.db, number, ctx.openid)
    return _done_reply(row, rejecting, row["reason"])


def _pending_list(ctx, group=None):
    """81 (every team) or 81 组名: how many wait, the oldest of them, and how to see the rest."""
    teams = [t for t in pending_by_team(ctx.db) if group is None or t["group_id"] == group["id"]]
    waiting = sum(t["n"] for t in teams)
    whose = f"{group['name']} " if group else ""
    if not waiting:
        return f"{whose}没有待审核的注册申请。"
    rows = pending_requests(ctx.db, group_id=group and group["id"], limit=TEAM_LIST_LIMIT if group else LIST_LIMIT)
    lines = [f"{whose}待审核注册 {waiting} 个" + ("：" if waiting == len(rows) else f"，最早的 {len(rows)} 个：")]
    lines += [_line(r, ctx.tz) for r in rows]
    if waiting > len(rows):
        lines.append(rest_line(waiting - len(rows), "个", f"处理这些之后再发送 81 {group['name']} 查看" if group else
                               "发送 81 组名 查看一个小组的申请（" + "、".join(f"{t['name']} {t['n']}" for t in teams) + "）"))
    lines.append("发送 81 编号 通过，81 编号 拒绝 原因" + ("" if group else "，81 全部 全部通过"))
    return "\n".join(lines)


def _done_reply(row, rejected, reason):
    if rejected:
        return f"已拒绝 #{row['id']}：{row['name']} → {row['requested_group']}" + (f"（原因：{reason}）" if reason else "")
    return f"已通过 #{row['id']}：{row['name']} → {row['requested_group']}"


@plugin.command(87, "小组", roles=(ADMIN,), usage="87 | 87 组名", example=("87", "87 测试新组"), aliases=("小组",))
def teams(ctx):
    """小组：87 列出所有小组，87 组名 新建小组"""
    if ctx.args:
        if len(ctx.args) > 1:
            raise ArgError("组名不能有空格、逗号或顿号")
        try:
            group = create_team(ctx.db, ctx.args[0], ctx.openid)
        except BadName as problem:
            raise ArgError(str(problem)) from None
        return f"已创建小组“{group['name']}”。组员可发送 9 {group['name']} 姓名 注册。"
    rows = ctx.db.query(
        """SELECT g.name, COUNT(u.openid) AS members FROM groups g
           LEFT JOIN users u ON u.group_id = g.id AND u.status = 'member'
           GROUP BY g.id ORDER BY g.id"""
    )
    if not rows:
        return "还没有小组。发送 87 组名 创建。"
    return "小组列表：\n" + "\n".join(f"{r['name']}（{r['members']} 人）" for r in rows)


@plugin.check_config
def check_team_names(config):
    return [f"groups 中的“{name}”不能作组名：{problem}" for name in config.get("groups") or []
            if (problem := team_name_problem(str(name)))]


@plugin.guest_reply
def how_to_join(roles, user):
    """A member-only command asked by someone not (yet, or any more) a member."""
    if (user or {}).get("status") == "left":
        return "你已离开小组，不能再记账；已有的未报销记录仍会正常结算。如需重新加入，发送 9 组名 姓名 申请。"
    if "pending" in roles:
        return "你的注册还在等待管理员审核，审核通过后就能使用这个命令。发送 2 查看状态。"
    return "你还没有注册。请先发送：9 组名 姓名（例如 9 研发一组 张三），管理员审核后即可使用。"


@plugin.on_event("subscribe")
def welcome(ctx):
    ctx.db.execute("UPDATE users SET subscribed = 1 WHERE openid = ?", [ctx.openid])
    audit(ctx.db, ctx.openid, "subscribe", ctx.openid)
    return ("欢迎关注下午茶记账！\n第一步：发送 9 组名 姓名 注册（例如 9 研发一组 张三），管理员审核后即可记账。\n"
            "发送 0 查看全部命令。")


@plugin.on_event("unsubscribe")
def farewell(ctx):
    ctx.db.execute("UPDATE users SET subscribed = 0 WHERE openid = ?", [ctx.openid])
    audit(ctx.db, ctx.openid, "unsubscribe", ctx.openid)
    return ""
