"""People and teams, as functions of a transaction: the one copy of these rules, used by the chat commands
(`9`, `81`, `87`) and by the web console's 人员 and 小组 pages (plugins/settle/domain.py is the model).

Each function takes the unit of work `tx` (a message's `ctx.db` or `app.transaction()`) and the actor's openid,
writes its audit row and queues its push in `tx`, and raises bot.plugin.Refusal (BadName for a name that breaks
the naming rules) with a text saying what to do when it cannot act; nothing is then changed."""

import re

from bot import ledger
from bot.db import audit
from bot.money import AmountError, looks_like_amount, parse_amount
from bot.plugin import Refusal
from bot.text import clean_name, split_args
from bot.timeutil import local_text, to_utc_text, utc_now

MAX_NAME = 20
MAX_REASON = 100

RESERVED_TEAM_NAMES = ("全部", "所有", "拒绝", "撤销", "开奖", "退出", "已收", "确认", "取消", "更多")
_NUMBER_LIKE = re.compile(r"[#＃]?[0-9.,]+")

STATUS = {"pending": "待审核", "approved": "通过", "rejected": "拒绝", "superseded": "已修改"}


class BadName(Refusal):
    """A member's or team's name that breaks the naming rules (the text says which); chat replies to it as to
    wrong arguments, with the usage."""


# --- names ------------------------------------------------------------------------------------------------------

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


def _parses_as_amount(text):
    try:
        parse_amount(text, max_fen=10 ** 14)
        return True
    except AmountError:
        return False


def member_name_problem(name):
    """Why `name` (already cleaned) cannot be a member's name, or None."""
    if not name:
        return "姓名不能为空"
    if len(name) > MAX_NAME:
        return f"姓名最多 {MAX_NAME} 个字"
    return None


def group_names_text(db):
    """Every team's name for a reply that names an unknown team ('研发一组、研发二组'), or how to get one (`87`)."""
    return "、".join(g["name"] for g in ledger.all_groups(db)) or "还没有小组，请联系管理员创建（87 组名）"


# --- registration requests ------------------------------------------------------------------------------------

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


def find_request(tx, request_id):
    """The request `request_id` (any status), or Refusal."""
    row = request_by_id(tx, request_id)
    if row is None:
        raise Refusal(f"没有编号 #{request_id} 的注册申请，发送 81 查看列表。")
    return row


def _pending(tx, request_id):
    """The pending request `request_id`; Refusal saying what became of it when it is no longer pending."""
    row = find_request(tx, request_id)
    if row["status"] != "pending":
        raise Refusal(decided_text(tx, row))
    return row


def decided_text(tx, row):
    """What became of a request that is no longer pending."""
    if row["status"] == "superseded":
        latest = row
        while latest["status"] == "superseded" and latest["superseded_by"]:
            latest = request_by_id(tx, latest["superseded_by"])
        now = (f"现在是 #{latest['id']}：{latest['name']} → {latest['requested_group']}（{STATUS[latest['status']]}）"
               if latest is not row else "")
        return f"申请 #{row['id']} 已被申请人修改，没有处理。{now}。请发送 81 查看最新列表后再审核。"
    who = ledger.display_name(tx, tx.app.config, row["decided_by"])
    reason = f"，原因：{row['reason']}" if row["reason"] else ""
    return (f"申请 #{row['id']}（{row['name']} → {row['requested_group']}）已由 {who} 于 "
            f"{local_text(row['decided_at'], tx.app.tz)} {STATUS[row['status']]}{reason}，无需再处理。")


def approve_request(tx, request_id, actor):
    """Approve the pending request `request_id`: its sender becomes a member of the requested team under the
    requested name (a member asking to move moves; their open records stay with the team they were spent for).
    Audit "approve"; the sender is told. Returns the request row; Refusal if it is unknown or no longer pending."""
    row = _pending(tx, request_id)
    approve_pending(tx, row, actor)
    return {**row, "status": "approved"}


def approve_pending(tx, row, actor):
    """Approve one request row read in `tx` (`81 全部` approves a list of them); False when it is no longer
    pending."""
    now = to_utc_text(utc_now())
    changed = tx.execute(
        "UPDATE registration_requests SET status = 'approved', decided_by = ?, decided_at = ? "
        "WHERE id = ? AND status = 'pending'", [actor, now, row["id"]]).rowcount
    if not changed:
        return False
    tx.execute(
        """UPDATE users SET status = 'member', group_id = ?, name = ?, approved_at = ?, approved_by = ?,
               requested_group_id = NULL, requested_name = '', requested_at = NULL
           WHERE openid = ?""", [row["group_id"], row["name"], now, actor, row["openid"]])
    record_stay(tx, row["openid"], row["group_id"], now)
    audit(tx, actor, "approve", row["openid"], f"#{row['id']} {row['requested_group']} {row['name']}")
    tx.push(row["openid"], f"你的注册已通过：{row['name']}，小组“{row['requested_group']}”。"
                           "发送 1 金额 说明 即可记账，发送 0 查看菜单。", kind="approve", notice="approval",
            fields={"name": row["name"], "group": row["requested_group"], "status": "已通过",
                    "note": "发送 1 金额 说明 即可记账"})
    return True


def reject_request(tx, request_id, actor, reason=""):
    """Reject the pending request `request_id` with `reason` (cleaned, at most MAX_REASON characters): a member
    asking to move stays where they are, anyone else becomes 'rejected'. Audit "reject" with the reason; the sender
    is told, with the reason. Returns the request row (its "reason" the one kept); Refusal as approve_request."""
    row = _pending(tx, request_id)
    reason = clean_name(reason)[:MAX_REASON]
    tx.execute(
        "UPDATE registration_requests SET status = 'rejected', decided_by = ?, decided_at = ?, reason = ? "
        "WHERE id = ? AND status = 'pending'", [actor, to_utc_text(utc_now()), reason, row["id"]])
    tx.execute(
        """UPDATE users SET requested_group_id = NULL, requested_name = '', requested_at = NULL,
               status = CASE WHEN status = 'member' THEN 'member' ELSE 'rejected' END
           WHERE openid = ?""", [row["openid"]])
    audit(tx, actor, "reject", row["openid"], f"#{row['id']} {row['requested_group']} {row['name']} {reason}")
    why = f"原因：{reason}。" if reason else ""
    tx.push(row["openid"], f"你加入“{row['requested_group']}”的申请未通过。{why}如有疑问请联系管理员，"
                           "也可重新发送 9 组名 姓名 申请。", kind="reject", notice="approval",
            fields={"name": row["name"], "group": row["requested_group"], "status": "未通过", "note": reason})
    return {**row, "status": "rejected", "reason": reason}


# --- members ----------------------------------------------------------------------------------------------------

def _person(tx, openid, doing, statuses=("member",)):
    """The user `openid` with their team's name, if their status is one of `statuses`; else Refusal."""
    user = tx.one("SELECT u.*, g.name AS group_name FROM users u LEFT JOIN groups g ON g.id = u.group_id "
                  "WHERE u.openid = ?", [openid])
    if user is None:
        raise Refusal("找不到这个用户。请从人员列表中选择。")
    who = user["name"] or user["requested_name"] or openid
    if user["status"] not in statuses:
        if user["status"] == "left":
            raise Refusal(f"{who} 已离开，不能{doing}。如需重新加入，请让其发送 9 组名 姓名 申请，再审核通过。")
        raise Refusal(f"{who} 还不是组员，不能{doing}。请先审核其注册申请。")
    return user


def _team(tx, group_id):
    group = tx.one("SELECT * FROM groups WHERE id = ?", [group_id])
    if group is None:
        raise Refusal(f"没有编号 {group_id} 的小组。现有小组：{group_names_text(tx)}")
    return group


def rename_member(tx, openid, new_name, actor):
    """Rename a member (or one who has left: history shows the new name too). The name is cleaned and checked as
    `9` checks it (BadName). Audit "member.rename" ("旧名 → 新名"); the member is told unless they are the actor.
    Returns {"openid", "old_name", "name"}."""
    name = clean_name(new_name)
    problem = member_name_problem(name)
    if problem:
        raise BadName(problem)
    user = _person(tx, openid, "改名", ("member", "left"))
    if name == user["name"]:
        raise Refusal(f"姓名已经是“{name}”了，没有修改。")
    tx.execute("UPDATE users SET name = ? WHERE openid = ?", [name, openid])
    audit(tx, actor, "member.rename", openid, f"{user['name']} → {name}")
    if actor != openid:
        tx.push(openid, f"管理员把你的姓名从“{user['name']}”改为“{name}”。", kind="member", notice="approval",
                fields={"name": name, "group": user["group_name"] or "", "status": "姓名已修改",
                        "note": f"{user['name']} → {name}"})
    return {"openid": openid, "old_name": user["name"], "name": name}


def move_member(tx, openid, group_id, actor):
    """Move a member to the team `group_id`: what they record from now on goes to it; their open records stay with
    the team they were spent for (each record keeps its own group_id) and are settled with it. Refused for someone
    who is not a member and for the team they are in. Audit "member.move" ("旧组 → 新组"); the member is told.
    Returns {"openid", "name", "from_group_id", "from_group", "group_id", "group"}."""
    user = _person(tx, openid, "换组")
    group = _team(tx, group_id)
    if group["id"] == user["group_id"]:
        raise Refusal(f"{user['name']} 已经在“{group['name']}”，不用换组。")
    tx.execute("UPDATE users SET group_id = ? WHERE openid = ?", [group["id"], openid])
    record_stay(tx, openid, group["id"], to_utc_text(utc_now()))
    audit(tx, actor, "member.move", openid, f"{user['group_name']} → {group['name']}")
    if actor != openid:
        tx.push(openid, f"管理员把你调到了“{group['name']}”。之后的记录记在“{group['name']}”；"
                        f"已有的未报销记录仍由“{user['group_name']}”结算。", kind="member", notice="approval",
                fields={"name": user["name"], "group": group["name"], "status": "已换组",
                        "note": f"{user['group_name']} → {group['name']}"})
    return {"openid": openid, "name": user["name"], "from_group_id": user["group_id"],
            "from_group": user["group_name"], "group_id": group["id"], "group": group["name"]}


def mark_left(tx, openid, actor):
    """Mark a member as having left: they can no longer record (status 'left' gives no member role), their
    history stays, and their open records stay open and are settled with their team as usual. A registration
    request of theirs still pending is rejected (approving it would make them a member again); they can ask again
    with `9`. Audit "member.leave"; the member is told. Returns {"openid", "name", "group_id", "group"}."""
    user = _person(tx, openid, "标记离开", ("member", "left"))
    if user["status"] == "left":
        raise Refusal(f"{user['name']} 已经标记为离开了。")
    now = to_utc_text(utc_now())
    withdrawn = [r for (r,) in tx.execute(
        "SELECT id FROM registration_requests WHERE openid = ? AND status = 'pending' ORDER BY id", [openid])]
    tx.execute("UPDATE registration_requests SET status = 'rejected', decided_by = ?, decided_at = ?, reason = ? "
               "WHERE openid = ? AND status = 'pending'", [actor, now, "已离开", openid])
    tx.execute("UPDATE users SET status = 'left', requested_group_id = NULL, requested_name = '', "
               "requested_at = NULL WHERE openid = ?", [openid])
    record_stay(tx, openid, None, now)
    audit(tx, actor, "member.leave", openid, f"{user['group_name']} {user['name']}"
          + (" 撤回申请 " + "、".join(f"#{r}" for r in withdrawn) if withdrawn else ""))
    if actor != openid:
        tx.push(openid, f"管理员已将你标记为离开“{user['group_name']}”，你不能再记账；已有的未报销记录仍会正常结算。"
                        "如需重新加入，请发送 9 组名 姓名 申请。", kind="member", notice="approval",
                fields={"name": user["name"], "group": user["group_name"] or "", "status": "已离开",
                        "note": "已有的未报销记录仍会正常结算"})
    return {"openid": openid, "name": user["name"], "group_id": user["group_id"], "group": user["group_name"]}


def record_stay(tx, openid, group_id, at):
    """The membership history (table memberships, UTC): from `at` the person is in team `group_id`, or in none
    (None: they left). Their open stay in another team ends at `at`; one in the same team goes on (a member
    approved again under a new name stays where they were)."""
    tx.execute("UPDATE memberships SET left_at = ? WHERE openid = ? AND left_at IS NULL AND group_id IS NOT ?",
               [at, openid, group_id])
    if group_id is not None and not tx.value(
            "SELECT 1 FROM memberships WHERE openid = ? AND left_at IS NULL AND group_id = ?", [openid, group_id]):
        tx.execute("INSERT INTO memberships (openid, group_id, joined_at) VALUES (?, ?, ?)", [openid, group_id, at])


# --- teams ------------------------------------------------------------------------------------------------------

def _team_name(name):
    cleaned = clean_name(name)
    problem = team_name_problem(cleaned)
    if problem:
        raise BadName(problem)
    return cleaned


def create_team(tx, name, actor):
    """Create the team `name` (the naming rules: BadName; one that exists: Refusal). Audit "group.create".
    Returns the new groups row."""
    name = _team_name(name)
    if not tx.app.ensure_group(tx, name, actor=actor):
        raise Refusal(f"小组“{name}”已存在。")
    return ledger.group_by_name(tx, name)


def rename_team(tx, group_id, new_name, actor):
    """Rename the team `group_id` (the naming rules: BadName; a name another team has: Refusal). Its records,
    members and settlements follow (they name the team by id). A team listed under `groups:` in the config is
    refused: the next start would create it again, empty. Audit "group.rename" ("旧名 → 新名").
    Returns {"id", "old_name", "name"}."""
    group = _team(tx, group_id)
    name = _team_name(new_name)
    if name == group["name"]:
        raise Refusal(f"小组已经叫“{name}”了，没有修改。")
    if ledger.group_by_name(tx, name) is not None:
        raise Refusal(f"已有名为“{name}”的小组，请换一个组名。")
    if group["name"] in [str(g) for g in tx.app.config.get("groups") or []]:
        raise Refusal(f"小组“{group['name']}”写在配置文件 config.yaml 的 groups 中，改名后重启会重新建一个空的"
                      f"“{group['name']}”。请先从 groups 中去掉它并重启，改名后再把“{name}”写进 groups。")
    tx.execute("UPDATE groups SET name = ? WHERE id = ?", [name, group["id"]])
    audit(tx, actor, "group.rename", group["id"], f"{group['name']} → {name}")
    return {"id": group["id"], "old_name": group["name"], "name": name}
