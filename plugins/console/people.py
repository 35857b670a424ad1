"""人员 (admin): the pending registration requests, oldest first, each approved or rejected with a reason; the members,
50 a page, filtered by name (`q`) and team (`team`), each renamed, moved to another team or marked as left; and
the members who have left, listed apart (their history is kept; they can still be renamed).

Every change is one `app.transaction()` through plugins/register/domain.py, the functions `81` uses, with the
admin as the actor: the same rules, audit rows and pushes as chat. A Refusal is shown as the page's problem line.

Row ids (`data-id`): a request's own number (`registration_requests.id`, the `#N` of `81 N`); a member's openid,
the users table's key (the admin's page only; it is never shown as text). The forms send that id as `id`."""

import math
import re
from urllib.parse import urlencode

import bottle

from bot.ledger import all_groups
from bot.money import format_fen
from bot.plugin import ADMIN, Refusal
from bot.timeutil import local_text
from plugins.register import (approve_request, mark_left, move_member, pending_requests, reject_request,
                              rename_member)

from .web import console_page, form_value, is_number, query_value, render

PER_PAGE = 50
MAX_TEXT = 100
ACTIONS = ("approve", "reject", "rename", "move", "leave")


def _like(text):
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _number(name, pages):
    text = query_value(name, "1")
    number = int(text) if is_number(text) and len(text) < 10 else 1
    return min(max(number, 1), max(pages, 1))


class Filters:
    """`q` (text in the registered name) and `team` (a team id) from the query string: `values` for the form and
    the links, `where`/`params` for SQL on `users u`, `problem` when they cannot be applied."""

    def __init__(self, app):
        self.values = {name: query_value(name)[:MAX_TEXT] for name in ("q", "team")}
        where, self.params, self.problem = [], {}, ""
        if self.values["q"]:
            where.append("u.name LIKE :q ESCAPE '\\'")
            self.params["q"] = _like(self.values["q"])
        team = self.values["team"]
        if team:
            if not is_number(team) or len(team) > 18 or \
                    app.store.one("SELECT id FROM groups WHERE id = :g", {"g": int(team)}) is None:
                self.problem = f"没有编号为“{team}”的小组，请在列表里选。"
            else:
                where.append("u.group_id = :team")
                self.params["team"] = int(team)
        self.where = " AND ".join(where) or "1"

    def url(self, **extra):
        """/console/people with the filters that are set and `extra` (pages; 1 and blanks left out)."""
        values = {**self.values, **extra}
        pairs = [(k, v) for k, v in values.items() if v not in (None, "", 1)]
        return "/console/people" + ("?" + urlencode(pairs) if pairs else "")


def _people(app, filters, status, page_param):
    """One page of the users in `status` ('member' or 'left') matching the filters, by team then name, with each
    one's open records (count and total, from the member index) and a team change they asked for."""
    if filters.problem:
        return {"rows": [], "count": 0, "page": 1, "pages": 1}
    params = {**filters.params, "st": status}
    count = app.store.one(f"SELECT COUNT(*) AS n FROM users u WHERE u.status = :st AND {filters.where}", params)["n"]
    pages = max(1, math.ceil(count / PER_PAGE))
    page = _number(page_param, pages)
    rows = app.store.query(
        f"""SELECT u.openid, u.name, u.group_id, g.name AS group_name, u.approved_at, rg.name AS requested_group
            FROM users u LEFT JOIN groups g ON g.id = u.group_id LEFT JOIN groups rg ON rg.id = u.requested_group_id
            WHERE u.status = :st AND {filters.where}
            ORDER BY u.group_id, u.name, u.openid LIMIT :n OFFSET :off""",
        {**params, "n": PER_PAGE, "off": (page - 1) * PER_PAGE})
    if rows:
        marks = ",".join("?" * len(rows))
        open_ = {r["openid"]: r for r in app.store.query(
            f"SELECT openid, COUNT(*) AS n, SUM(amount_fen) AS fen FROM expenses "
            f"WHERE openid IN ({marks}) AND status = 'open' GROUP BY openid", [r["openid"] for r in rows])}
        for row in rows:
            row["open_count"] = open_[row["openid"]]["n"] if row["openid"] in open_ else 0
            row["open_fen"] = open_[row["openid"]]["fen"] if row["openid"] in open_ else 0
            row["since"] = local_text(row["approved_at"], app.tz, "%Y-%m-%d")
    return {"rows": rows, "count": count, "page": page, "pages": pages}


def _page(app, visitor, notice="", problem=""):
    filters = Filters(app)
    waiting = app.store.one("SELECT COUNT(*) AS n FROM registration_requests WHERE status = 'pending'")["n"]
    requests = pending_requests(app.store, limit=PER_PAGE)
    for row in requests:
        row["moving"] = row["user_status"] == "member" and bool(row["current_group"])
        row["when"] = local_text(row["created_at"], app.tz)
    members = _people(app, filters, "member", "page")
    left = _people(app, filters, "left", "lpage")
    members["url"] = lambda n: filters.url(page=n, lpage=left["page"])
    left["url"] = lambda n: filters.url(page=members["page"], lpage=n)
    problems = [p for p in (problem, filters.problem) if p]
    return render("people.tpl", visitor, money=format_fen, requests=requests, waiting=waiting, members=members,
                  left=left, teams=all_groups(app.store), filters=filters.values,
                  here_url=filters.url(page=members["page"], lpage=left["page"]),
                  notice=notice, problem=" ".join(problems))


@console_page("/console/people", roles=(ADMIN,), methods=("GET", "POST"))
def people_page(app, visitor):
    notice = problem = ""
    if bottle.request.method == "POST":
        try:
            notice = _act(app, visitor, form_value("action"), form_value("id"))
        except Refusal as refusal:
            problem = str(refusal)
    return _page(app, visitor, notice=notice, problem=problem)


def _request_id(text):
    number = text.lstrip("#")
    if not re.fullmatch(r"\d{1,18}", number):
        raise Refusal("请从列表里选择要审核的申请，没有执行任何操作。")
    return int(number)


def _act(app, visitor, action, target):
    """Do one form's action in one transaction through the register plugin's domain functions; the notice."""
    if action not in ACTIONS:
        raise Refusal("看不懂这个操作，没有做任何改动。")
    if not target or len(target) > 200:
        raise Refusal("请从列表里选择，没有执行任何操作。")
    if action in ("approve", "reject"):
        request_id = _request_id(target)
        with app.transaction() as tx:
            if action == "approve":
                row = approve_request(tx, request_id, visitor.openid)
            else:
                row = reject_request(tx, request_id, visitor.openid, form_value("reason"))
        done = f"#{row['id']}：{row['name']} → {row['requested_group']}"
        if action == "approve":
            return f"已通过 {done}，已通知申请人。"
        why = f"（原因：{row['reason']}）" if row["reason"] else ""
        return f"已拒绝 {done}{why}，已通知申请人。"
    told = "" if target == visitor.openid else "已通知本人。"
    if action == "rename":
        with app.transaction() as tx:
            renamed = rename_member(tx, target, form_value("name"), visitor.openid)
        return f"已把“{renamed['old_name']}”改名为“{renamed['name']}”。{told}"
    if action == "move":
        group = form_value("group")
        if not is_number(group) or len(group) > 18:
            raise Refusal("请选择要调到的小组，没有执行任何操作。")
        with app.transaction() as tx:
            moved = move_member(tx, target, int(group), visitor.openid)
        return (f"已把 {moved['name']} 从“{moved['from_group']}”调到“{moved['group']}”：之后的记录记在"
                f"“{moved['group']}”，已有的未报销记录仍由“{moved['from_group']}”结算。{told}")
    with app.transaction() as tx:
        gone = mark_left(tx, target, visitor.openid)
    return (f"已将 {gone['name']}（{gone['group']}）标记为离开：不能再记账，记录都保留，未报销的仍随"
            f"“{gone['group']}”正常结算。{told}")
