"""Registration: members ask to join a team, admins approve or reject, admins manage teams; welcome on follow."""

from bot import ledger
from bot.db import audit
from bot.plugin import ADMIN, ANYONE, ArgError, Plugin, Refusal
from bot.timeutil import local_text, to_utc_text, utc_now

plugin = Plugin("register", "注册", "注册、审核与小组管理")

MAX_NAME = 20


def _group_names(store):
    return "、".join(g["name"] for g in ledger.all_groups(store)) or "（还没有小组，请联系管理员创建）"


def pending_requests(store):
    return store.query(
        """SELECT u.openid, u.requested_name, u.requested_at, u.status, u.group_id,
                  g.name AS requested_group, cur.name AS current_group
           FROM users u JOIN groups g ON g.id = u.requested_group_id
           LEFT JOIN groups cur ON cur.id = u.group_id
           WHERE u.requested_group_id IS NOT NULL ORDER BY u.requested_at, u.openid"""
    )


@plugin.command(9, "注册", roles=(ANYONE,), usage="9 组名 姓名", example="9 研发一组 张三", aliases=("注册",))
def register(ctx):
    """注册或申请换组：9 组名 姓名，等待管理员审核

    已是组员时发送 9 新组名 姓名 即申请换组，审核通过前仍留在原组。
    """
    if len(ctx.args) < 2:
        raise ArgError("请写清组名和姓名")
    group_name, name = ctx.args[0], " ".join(ctx.args[1:])
    if len(name) > MAX_NAME:
        raise ArgError(f"姓名最多 {MAX_NAME} 个字")
    group = ledger.group_by_name(ctx.store, group_name)
    if group is None:
        raise Refusal(f"没有名为“{group_name}”的小组。现有小组：{_group_names(ctx.store)}")
    user = ctx.user or {}
    if user.get("status") == "member" and user.get("group_id") == group["id"] and user.get("name") == name:
        return f"你已经是“{group_name}”的组员（{name}），无需重复注册。"
    now = to_utc_text(utc_now())
    with ctx.store.write() as db:
        db.execute(
            """UPDATE users SET requested_group_id = ?, requested_name = ?, requested_at = ?,
                   status = CASE WHEN status = 'member' THEN 'member' ELSE 'pending' END
               WHERE openid = ?""",
            [group["id"], name, now, ctx.openid],
        )
        audit(db, ctx.openid, "register", ctx.openid, f"{group_name} {name}")
    for admin in ctx.app.users_with_role(ADMIN):
        ctx.push(admin, f"新的注册申请：{name} 申请加入“{group_name}”。发送 81 查看待审核列表。", kind="register")
    if user.get("status") == "member":
        return f"已提交换组申请：{name} → “{group_name}”。审核通过前你仍在原组记账。"
    return f"已提交注册：{name}，小组“{group_name}”。请等待管理员审核，审核结果会通知你，也可发送 2 查看状态。"


def _approve(ctx, row):
    now = to_utc_text(utc_now())
    with ctx.store.write() as db:
        changed = db.execute(
            """UPDATE users SET status = 'member', group_id = requested_group_id, name = requested_name,
                   approved_at = ?, approved_by = ?, requested_group_id = NULL, requested_name = '', requested_at = NULL
               WHERE openid = ? AND requested_at = ?""",
            [now, ctx.openid, row["openid"], row["requested_at"]],
        ).rowcount
        if changed:
            audit(db, ctx.openid, "approve", row["openid"], f"{row['requested_group']} {row['requested_name']}")
    if changed:
        ctx.push(row["openid"], f"你的注册已通过：{row['requested_name']}，小组“{row['requested_group']}”。"
                                "发送 1 金额 说明 即可记账，发送 0 查看菜单。", kind="approve")
    return changed


def _reject(ctx, row):
    with ctx.store.write() as db:
        changed = db.execute(
            """UPDATE users SET requested_group_id = NULL, requested_name = '', requested_at = NULL,
                   status = CASE WHEN status = 'member' THEN 'member' ELSE 'rejected' END
               WHERE openid = ? AND requested_at = ?""",
            [row["openid"], row["requested_at"]],
        ).rowcount
        if changed:
            audit(db, ctx.openid, "reject", row["openid"], f"{row['requested_group']} {row['requested_name']}")
    if changed:
        ctx.push(row["openid"], f"你加入“{row['requested_group']}”的申请未通过，如有疑问请联系管理员。", kind="reject")
    return changed


@plugin.command(81, "审核注册", roles=(ADMIN,), usage="81 | 81 编号 | 81 全部 | 81 编号 拒绝",
                example=("81", "81 全部"), aliases=("审核",))
def review(ctx):
    """审核注册：81 查看待审核，81 编号 通过，81 全部 全部通过，81 编号 拒绝

    编号是 81 列表中的序号；列表按申请时间排序。
    """
    rows = pending_requests(ctx.store)
    if not ctx.args:
        if not rows:
            return "没有待审核的注册申请。"
        lines = [f"{i}. {r['requested_name']} → {r['requested_group']}"
                 + (f"（现属 {r['current_group']}）" if r["status"] == "member" and r["current_group"] else "")
                 + f"  {local_text(r['requested_at'], ctx.tz)}" for i, r in enumerate(rows, 1)]
        return "待审核注册：\n" + "\n".join(lines) + "\n发送 81 编号 通过，81 编号 拒绝，81 全部 全部通过"
    if ctx.args[0] == "全部":
        approved = [r for r in rows if _approve(ctx, r)]
        if not approved:
            return "没有待审核的注册申请。"
        return f"已通过 {len(approved)} 个注册：" + "、".join(f"{r['requested_name']}（{r['requested_group']}）" for r in approved)
    if not ctx.args[0].isdigit():
        raise ArgError("编号必须是数字，或写“全部”")
    index = int(ctx.args[0])
    if not 1 <= index <= len(rows):
        raise Refusal(f"没有编号 {index} 的待审核申请（共 {len(rows)} 个），发送 81 查看列表。")
    row = rows[index - 1]
    if len(ctx.args) > 1:
        if ctx.args[1] not in ("拒绝", "驳回"):
            raise ArgError(f"看不懂“{ctx.args[1]}”，拒绝请写：81 {index} 拒绝")
        if _reject(ctx, row):
            return f"已拒绝：{row['requested_name']} → {row['requested_group']}"
        return "该申请已被处理，发送 81 查看最新列表。"
    if _approve(ctx, row):
        return f"已通过：{row['requested_name']} → {row['requested_group']}"
    return "该申请已被处理，发送 81 查看最新列表。"


@plugin.command(87, "小组", roles=(ADMIN,), usage="87 | 87 组名", example=("87", "87 测试新组"), aliases=("小组",))
def teams(ctx):
    """小组：87 列出所有小组，87 组名 新建小组"""
    if ctx.args:
        name = ctx.args[0]
        if len(ctx.args) > 1 or len(name) > MAX_NAME:
            raise ArgError(f"组名不能有空格，最多 {MAX_NAME} 个字")
        if name.isdigit():
            raise ArgError("组名不能是纯数字")
        if ctx.app.ensure_group(name, actor=ctx.openid):
            return f"已创建小组“{name}”。组员可发送 9 {name} 姓名 注册。"
        return f"小组“{name}”已存在。"
    rows = ctx.store.query(
        """SELECT g.name, COUNT(u.openid) AS members FROM groups g
           LEFT JOIN users u ON u.group_id = g.id AND u.status = 'member'
           GROUP BY g.id ORDER BY g.id"""
    )
    if not rows:
        return "还没有小组。发送 87 组名 创建。"
    return "小组列表：\n" + "\n".join(f"{r['name']}（{r['members']} 人）" for r in rows)


@plugin.on_event("subscribe")
def welcome(app, openid, message):
    with app.store.write() as db:
        db.execute("UPDATE users SET subscribed = 1 WHERE openid = ?", [openid])
        audit(db, openid, "subscribe", openid)
    return ("欢迎关注下午茶记账！\n第一步：发送 9 组名 姓名 注册（例如 9 研发一组 张三），管理员审核后即可记账。\n"
            "发送 0 查看全部命令。")


@plugin.on_event("unsubscribe")
def farewell(app, openid, message):
    with app.store.write() as db:
        db.execute("UPDATE users SET subscribed = 0 WHERE openid = ?", [openid])
        audit(db, openid, "unsubscribe", openid)
    return ""
