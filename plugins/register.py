"""Registration: members ask to join a team, admins approve or reject, admins manage teams; welcome on follow."""

import re

from bot import ledger
from bot.db import audit
from bot.money import AmountError, looks_like_amount, parse_amount
from bot.pages import rest_line
from bot.plugin import ADMIN, ANYONE, ArgError, Plugin, Refusal
from bot.text import clean_name, split_args
from bot.timeutil import local_text, to_utc_text, utc_now

plugin = Plugin("register", "注册", "注册、审核与小组管理",
                onboarding="新用户请先注册：9 组名 姓名（例如 9 研发一组 张三）")

MAX_NAME = 20
MAX_REASON = 100
LIST_LIMIT = 15          # requests `81` lists (oldest first); the rest by team (`81 组名`) or once these are decided
TEAM_LIST_LIMIT = 25     # requests `81 组名` lists
ALL_NAMED = 20           # `81 全部` names each request up to this many; more are counted per team


RESERVED_TEAM_NAMES = ("全部", "所有", "拒绝", "撤销", "开奖", "退出", "已收", "确认", "取消", "更多")
_NUMBER_LIKE = re.compile(r"[#＃]?[0-9.,]+")


def team_name_problem(name):
    """Why `name` cannot be a team name, or None: a command word (`82 全部` must mean every team), a number
    (`82 3` must not be a team called 3), a separator inside (arguments are split on it) or too long."""
    cleaned = clean_name(name)
    if not cleaned:
        return "组名不能为空"
    if cleaned in RESERVED_TEAM_NAMES:
        return f"“{cleaned}”是命令用词，不能作组名（不能用：{'、'.join(RESERVED_TEAM_NAMES)}）"
    if _NUMBER_LIKE.fullmatch(cleaned) or (looks_like_amount(cleaned) and _parses_as_amount(cleaned)):
        return "组名不能是数字或金额"
    if split_args(cleaned) != [cleaned]:
        return "组名不能有空格、逗号或顿号"
    if len(cleaned) > MAX_NAME:
        return f"组名最多 {MAX_NAME} 个字"
    return None


def group_names_text(db):
    """Every team's name for a reply that names an unknown team ('研发一组、研发二组'), or how to get one (`87`)."""
    return "、".join(g["name"] for g in ledger.all_groups(db)) or "还没有小组，请联系管理员创建（87 组名）"


def _parses_as_amount(text):
    try:
        parse_amount(text, max_fen=10 ** 14)
        return True
    except AmountError:
        return False


@plugin.migration
def m001_requests(db):
    """Registration requests with their own stable number: `81 N` names one request, not a position in a list
    that moves when someone re-sends `9`. A request changed by its sender is superseded by a new one (a new
    number); deciding one records who, when, why, and the MsgId that did it (a WeChat retry decides nothing
    else)."""
    db.execute("""CREATE TABLE registration_requests (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL REFERENCES users(openid),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
        superseded_by INTEGER,
        decided_by TEXT,
        decided_at TEXT,
        decided_msg_id TEXT,
        reason TEXT NOT NULL DEFAULT '')""")
    db.execute("CREATE INDEX registration_requests_status ON registration_requests (status, id)")
    db.execute("CREATE INDEX registration_requests_openid ON registration_requests (openid, status)")
    db.execute("""INSERT INTO registration_requests (openid, group_id, name, created_at)
                  SELECT openid, requested_group_id, requested_name, requested_at FROM users
                  WHERE requested_group_id IS NOT NULL ORDER BY requested_at, openid""")


@plugin.migration
def m002_decided_by_message(db):
    """`81 全部` (and its retry) finds the requests a message decided through an index, not the centre's history."""
    db.execute("CREATE INDEX registration_requests_decided_msg_id ON registration_requests (decided_msg_id)")


@plugin.migration
def m003_no_lookup_by_message(db):
    """The framework answers WeChat's retries with the saved reply (issue 13): nothing looks requests up by the
    deciding MsgId any more, and new decisions leave decided_msg_id empty; the column keeps the old ones."""
    db.execute("DROP INDEX IF EXISTS registration_requests_decided_msg_id")


_REQUEST_SQL = """SELECT r.*, g.name AS requested_group, u.status AS user_status, cur.name AS current_group
                  FROM registration_requests r JOIN groups g ON g.id = r.group_id
                  JOIN users u ON u.openid = r.openid LEFT JOIN groups cur ON cur.id = u.group_id"""


def pending_requests(db, group_id=None, limit=-1):
    """Pending requests, oldest first; only those for `group_id` if given, at most `limit`."""
    where = "r.status = 'pending'" + (" AND r.group_id = :g" if group_id is not None else "")
    return db.query(_REQUEST_SQL + f" WHERE {where} ORDER BY r.id LIMIT :n", {"g": group_id, "n": limit})


def pending_by_team(db):
    """How many requests wait per team, in team order."""
    return db.query("SELECT r.group_id, g.name, COUNT(*) AS n FROM registration_requests r "
                       "JOIN groups g ON g.id = r.group_id WHERE r.status = 'pending' GROUP BY r.group_id")


def request_by_id(db, request_id):
    return db.one(_REQUEST_SQL + " WHERE r.id = :i", {"i": request_id})


@plugin.command(9, "注册", roles=(ANYONE,), usage="9 组名 姓名", example="9 研发一组 张三", aliases=("注册",))
def register(ctx):
    """注册或申请换组：9 组名 姓名，等待管理员审核

    已是组员时发送 9 新组名 姓名 即申请换组，审核通过前仍留在原组。重新发送会替换你之前未审核的申请。
    """
    if len(ctx.args) < 2:
        raise ArgError("请写清组名和姓名")
    group_name, name = ctx.args[0], clean_name(" ".join(ctx.args[1:]))
    if len(name) > MAX_NAME:
        raise ArgError(f"姓名最多 {MAX_NAME} 个字")
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
                 kind="register")
    if user.get("status") == "member":
        return f"已提交换组申请：{name} → “{group_name}”。审核通过前你仍在原组记账。"
    return f"已提交注册：{name}，小组“{group_name}”。请等待管理员审核，审核结果会通知你，也可发送 2 查看状态。"


def _approve(ctx, row):
    """Approve one pending request in the message's transaction; False when it is no longer pending."""
    db = ctx.db
    now = to_utc_text(utc_now())
    changed = db.execute(
        "UPDATE registration_requests SET status = 'approved', decided_by = ?, decided_at = ? "
        "WHERE id = ? AND status = 'pending'", [ctx.openid, now, row["id"]]).rowcount
    if not changed:
        return False
    db.execute(
        """UPDATE users SET status = 'member', group_id = ?, name = ?, approved_at = ?, approved_by = ?,
               requested_group_id = NULL, requested_name = '', requested_at = NULL
           WHERE openid = ?""", [row["group_id"], row["name"], now, ctx.openid, row["openid"]])
    audit(db, ctx.openid, "approve", row["openid"], f"#{row['id']} {row['requested_group']} {row['name']}")
    ctx.push(row["openid"], f"你的注册已通过：{row['name']}，小组“{row['requested_group']}”。"
                            "发送 1 金额 说明 即可记账，发送 0 查看菜单。", kind="approve")
    return True


def _reject(ctx, row, reason):
    now = to_utc_text(utc_now())
    db = ctx.db
    changed = db.execute(
        "UPDATE registration_requests SET status = 'rejected', decided_by = ?, decided_at = ?, reason = ? "
        "WHERE id = ? AND status = 'pending'", [ctx.openid, now, reason, row["id"]]).rowcount
    if not changed:
        return False
    db.execute(
        """UPDATE users SET requested_group_id = NULL, requested_name = '', requested_at = NULL,
               status = CASE WHEN status = 'member' THEN 'member' ELSE 'rejected' END
           WHERE openid = ?""", [row["openid"]])
    audit(db, ctx.openid, "reject", row["openid"], f"#{row['id']} {row['requested_group']} {row['name']} {reason}")
    why = f"原因：{reason}。" if reason else ""
    ctx.push(row["openid"], f"你加入“{row['requested_group']}”的申请未通过。{why}如有疑问请联系管理员，"
                            "也可重新发送 9 组名 姓名 申请。", kind="reject")
    return True


def _line(row, tz):
    moving = f"（现属 {row['current_group']}）" if row["user_status"] == "member" and row["current_group"] else ""
    return f"#{row['id']} {row['name']} → {row['requested_group']}{moving}  {local_text(row['created_at'], tz)}"


def _decided_text(ctx, row):
    """What became of a request that is no longer pending."""
    if row["status"] == "superseded":
        latest = row
        while latest["status"] == "superseded" and latest["superseded_by"]:
            latest = request_by_id(ctx.db, latest["superseded_by"])
        now = (f"现在是 #{latest['id']}：{latest['name']} → {latest['requested_group']}（{STATUS[latest['status']]}）"
               if latest is not row else "")
        return f"申请 #{row['id']} 已被申请人修改，没有处理。{now}。请发送 81 查看最新列表后再审核。"
    who = ledger.display_name(ctx.db, ctx.config, row["decided_by"])
    reason = f"，原因：{row['reason']}" if row["reason"] else ""
    return (f"申请 #{row['id']}（{row['name']} → {row['requested_group']}）已由 {who} 于 "
            f"{local_text(row['decided_at'], ctx.tz)} {STATUS[row['status']]}{reason}，无需再处理。")


STATUS = {"pending": "待审核", "approved": "通过", "rejected": "拒绝", "superseded": "已修改"}


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
    approved = [r for r in rows if _approve(ctx, r)]
    if len(approved) > ALL_NAMED:
        return f"已通过 {len(approved)} 个注册，按小组：{_per_team(approved)}。每人都收到了通知。"
    return f"已通过 {len(approved)} 个注册：" + "、".join(f"#{r['id']} {r['name']}（{r['requested_group']}）"
                                                     for r in approved)


@plugin.command(81, "审核注册", roles=(ADMIN,), usage="81 | 81 组名 | 81 编号 | 81 编号 拒绝 [原因] | 81 全部",
                example=("81", "81 全部"), aliases=("审核",))
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
    row = request_by_id(ctx.db, number)
    if row is None:
        raise Refusal(f"没有编号 #{number} 的注册申请，发送 81 查看列表。")
    rejecting = len(ctx.args) > 1
    if rejecting and ctx.args[1] not in ("拒绝", "驳回"):
        raise ArgError(f"看不懂“{ctx.args[1]}”，拒绝请写：81 {number} 拒绝 原因")
    reason = clean_name(" ".join(ctx.args[2:]))[:MAX_REASON] if rejecting else ""
    if row["status"] != "pending":
        return _decided_text(ctx, row)
    if rejecting:
        _reject(ctx, row, reason)
    else:
        _approve(ctx, row)
    return _done_reply(row, rejecting, reason)


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
        name = ctx.args[0]
        problem = "组名不能有空格、逗号或顿号" if len(ctx.args) > 1 else team_name_problem(name)
        if problem:
            raise ArgError(problem)
        if ctx.app.ensure_group(ctx.db, name, actor=ctx.openid):
            return f"已创建小组“{name}”。组员可发送 9 {name} 姓名 注册。"
        return f"小组“{name}”已存在。"
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
def how_to_join(roles):
    """A member-only command asked by someone not (yet) a member."""
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
