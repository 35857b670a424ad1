"""结算: the preview per team (what `82` shows), the history with each batch's detail (what `83` shows), and for the
admin settling one team or all and reversing, each through a confirmation step that states exactly what will
happen. The confirmation form carries the figures the admin saw (count, total, highest record id per team); the
domain functions settle nothing when the open records differ from them by then (PlanChanged), as `82`'s 确认.
Finance sees every page and no form; a POST from anyone but the admin is 403."""

import math

import bottle

from bot import ledger
from bot.money import format_fen
from bot.plugin import ADMIN, Refusal
from bot.timeutil import local_text
from plugins.expense import ledger as expenses
from plugins.settle.domain import (PlanChanged, batch, batch_organisers, notify_reversed, notify_settled,
                                   reverse_settlement, settle_all, settle_group, settled_lines)

from .web import console_page, form_value, is_number, query_value, render, STAFF

PER_PAGE = 50
CHANGED = "确认期间待报销记录有变化（有新记录或作废），没有结算任何记录。"
ASK_AGAIN = "请核对下面最新的数字后重新确认。"


def _page(name, pages):
    text = query_value(name, "1")
    number = int(text) if is_number(text) else 1
    return min(max(number, 1), max(pages, 1))


def _team_filter(app):
    """The history's team filter (a team id from `?team=`), or None."""
    text = query_value("team")
    if not is_number(text):
        return None
    return app.store.one("SELECT id, name FROM groups WHERE id = :g", {"g": int(text)})


# --- reads --------------------------------------------------------------------------------------------------------

def preview(reader):
    """Every team with its open total, count and highest open id (as `82`), and for those with open records the
    per-organiser breakdown and, when they span more than one quarter, the per-quarter totals (as `82 组名`)."""
    teams = expenses.open_totals_by_group(reader)
    for team in teams:
        team["members"] = expenses.open_totals_by_member(reader, team["group_id"]) if team["count"] else []
        quarters = expenses.open_quarter_totals(reader, team["group_id"]) if team["count"] else []
        team["quarters"] = quarters if len(quarters) > 1 else []
    return teams


def _history(app, group, status, page_param):
    """One page of the team's (or every team's) batches in `status`, newest first, with who settled/reversed."""
    where, params = "WHERE s.status = :st", {"st": status}
    if group:
        where += " AND s.group_id = :g"
        params["g"] = group["id"]
    count = app.store.one(f"SELECT COUNT(*) AS n FROM settlements s {where}", params)["n"]
    pages = max(1, math.ceil(count / PER_PAGE))
    page = _page(page_param, pages)
    rows = app.store.query(
        f"""SELECT s.*, g.name AS group_name FROM settlements s JOIN groups g ON g.id = s.group_id {where}
            ORDER BY s.id DESC LIMIT :n OFFSET :off""", {**params, "n": PER_PAGE, "off": (page - 1) * PER_PAGE})
    names = ledger.display_names(app.store, app.config, [r["created_by"] for r in rows] +
                                 [r["reversed_by"] for r in rows])
    for row in rows:
        row["admin_name"] = names.get(row["created_by"], "")
        row["reversed_name"] = names.get(row["reversed_by"], "")
        row["when"] = local_text(row["created_at"], app.tz)
        row["reversed_when"] = local_text(row["reversed_at"], app.tz)
    return {"rows": rows, "count": count, "page": page, "pages": pages}


def _summary(app, group):
    where, params = ("WHERE group_id = :g", {"g": group["id"]}) if group else ("", {})
    return app.store.one(
        f"""SELECT COUNT(*) AS n, COUNT(CASE WHEN status = 'reversed' THEN 1 END) AS reversed,
                   COALESCE(SUM(CASE WHEN status = 'active' THEN total_fen END), 0) AS total_fen
            FROM settlements {where}""", params)


def _url(path, **query):
    shown = {k: v for k, v in query.items() if v not in (None, "", 1)}
    return path + ("?" + "&".join(f"{k}={v}" for k, v in shown.items()) if shown else "")


def _list_page(app, visitor, status=200, notice="", problem="", confirm=None):
    if confirm is not None:
        return render("settlements.tpl", visitor, status=status, money=format_fen, confirm=confirm,
                      problem=problem, notice=notice)
    teams = preview(app.store)
    group = _team_filter(app)
    team_id = group["id"] if group else None
    active = _history(app, group, "active", "page")
    reversed_ = _history(app, group, "reversed", "rpage")
    active["url"] = lambda n: _url("/console/settlements", team=team_id, page=n, rpage=reversed_["page"])
    reversed_["url"] = lambda n: _url("/console/settlements", team=team_id, page=active["page"], rpage=n)
    open_teams = [t for t in teams if t["count"]]
    return render("settlements.tpl", visitor, status=status, money=format_fen, confirm=None, teams=teams,
                  open_fen=sum(t["total_fen"] for t in open_teams), open_count=sum(t["count"] for t in open_teams),
                  open_teams=len(open_teams), summary=_summary(app, group), group=group, active=active,
                  reversed=reversed_, can_act=visitor.is_(ADMIN), notice=notice, problem=problem)


@console_page("/console/settlements", roles=STAFF)
def settlements_page(app, visitor):
    return _list_page(app, visitor)


# --- settling (admin) -----------------------------------------------------------------------------------------

def _plan(app, target):
    """What settling `target` (a team id or 'all') would do now: the teams with open records and their figures;
    raises Refusal when there is nothing to settle."""
    if target == "all":
        plan = [t for t in expenses.open_totals_by_group(app.store) if t["count"]]
        if not plan:
            raise Refusal("所有小组都没有待报销的记录，没有生成结算。")
        return plan
    if not is_number(target):
        raise Refusal("请选择要结算的小组。")
    found = expenses.open_totals_by_group(app.store, int(target))
    if not found:
        raise Refusal("没有这个小组，没有生成结算。")
    if not found[0]["count"]:
        raise Refusal(f"“{found[0]['group_name']}”没有待报销的记录，没有生成结算。")
    team = found[0]
    team["members"] = expenses.open_totals_by_member(app.store, team["group_id"])
    quarters = expenses.open_quarter_totals(app.store, team["group_id"])
    team["quarters"] = quarters if len(quarters) > 1 else []
    return [team]


def _confirmation(app, target):
    plan = _plan(app, target)
    return {"target": target, "plan": plan, "every_team": target == "all",
            "total_fen": sum(t["total_fen"] for t in plan), "count": sum(t["count"] for t in plan)}


def _expected():
    """The figures the admin confirmed, from the confirmation form: {group_id: (count, total_fen, highest id)};
    None when the form was not one this page made."""
    expected = {}
    for value in bottle.request.forms.getall("expect"):
        parts = str(value).split(":")
        if len(parts) != 4 or not all(is_number(p) for p in parts):
            return None
        group_id, count, total_fen, max_id = map(int, parts)
        expected[group_id] = (count, total_fen, max_id)
    return expected or None


def _settled_notice(app, batches):
    return "；".join(settled_lines(app.store, app.config, batches)) + "。已通知相关垫付人。"


def _settle(app, visitor, target):
    """The confirm POST: settle exactly what the admin saw, notify the organisers, in one transaction."""
    expected = _expected()
    if expected is None or (target != "all" and (not is_number(target) or set(expected) != {int(target)})):
        return _list_page(app, visitor, status=400, problem="这个确认表单不完整，没有结算任何记录。请重新操作。")
    try:
        with app.transaction() as tx:
            if target == "all":
                batches = settle_all(tx, visitor.openid, expected=expected)
            else:
                created = settle_group(tx, int(target), visitor.openid, expected=expected[int(target)])
                batches = [created] if created else []
            if not batches:
                raise PlanChanged(CHANGED)
            notify_settled(tx, app.config, batches)
    except PlanChanged:
        try:
            return _list_page(app, visitor, problem=CHANGED + ASK_AGAIN, confirm=_confirmation(app, target))
        except Refusal as exc:             # nothing is open any more
            return _list_page(app, visitor, problem=f"{CHANGED}{exc}")
    return _list_page(app, visitor, notice=_settled_notice(app, batches))


@console_page("/console/settlements", roles=(ADMIN,), methods=("POST",))
def settlements_action(app, visitor):
    action, target = form_value("action"), form_value("team")
    if action == "settle":
        try:
            return _list_page(app, visitor, confirm=_confirmation(app, target))
        except Refusal as exc:
            return _list_page(app, visitor, problem=str(exc))
    if action == "confirm":
        return _settle(app, visitor, target)
    return _list_page(app, visitor, status=400, problem="看不懂这个操作，没有做任何改动。")


# --- one batch ----------------------------------------------------------------------------------------------------

def _detail(app, visitor, batch_id, status=200, notice="", problem="", confirm=False):
    info = batch(app.store, app.config, batch_id) if 0 < batch_id < 2 ** 63 else None   # SQLite's integers
    if info is None:
        return render("message.tpl", visitor, status=404, title="没有这个结算",
                      message=f"没有结算 #{batch_id}。")
    pages = max(1, math.ceil(info["record_count"] / PER_PAGE))
    page = _page("page", pages)
    records = app.store.query(
        """SELECT e.id, e.spent_on, e.note, e.status, e.settlement_id, i.openid, i.amount_fen
           FROM settlement_items i JOIN expenses e ON e.id = i.expense_id
           WHERE i.settlement_id = :b ORDER BY i.expense_id LIMIT :n OFFSET :off""",
        {"b": batch_id, "n": PER_PAGE, "off": (page - 1) * PER_PAGE})
    names = ledger.display_names(app.store, app.config, [r["openid"] for r in records])
    for row in records:
        row["name"] = names[row["openid"]]
    info["when"] = local_text(info["created_at"], app.tz)
    info["reversed_when"] = local_text(info["reversed_at"], app.tz)
    return render("settlement.tpl", visitor, status=status, money=format_fen, info=info,
                  organisers=batch_organisers(app.store, app.config, batch_id), records=records, page=page,
                  pages=pages, page_url=lambda n: f"/console/settlements/{batch_id}?page={n}",
                  can_act=visitor.is_(ADMIN) and info["status"] == "active", confirm=confirm,
                  notice=notice, problem=problem)


@console_page("/console/settlements/<batch_id:int>", roles=STAFF)
def settlement_page(app, visitor, batch_id):
    return _detail(app, visitor, batch_id)


@console_page("/console/settlements/<batch_id:int>", roles=(ADMIN,), methods=("POST",))
def settlement_action(app, visitor, batch_id):
    action = form_value("action")
    if not 0 < batch_id < 2 ** 63:
        return _detail(app, visitor, batch_id)
    if action == "reverse":
        info = batch(app.store, app.config, batch_id)
        if info is not None and info["status"] == "reversed":
            return _detail(app, visitor, batch_id, problem=f"结算 #{batch_id} 已经撤销过了。")
        return _detail(app, visitor, batch_id, confirm=True)
    if action != "confirm":
        return _detail(app, visitor, batch_id, status=400, problem="看不懂这个操作，没有做任何改动。")
    with app.transaction() as tx:
        reopened = reverse_settlement(tx, batch_id, visitor.openid)
        if reopened is not None:
            notify_reversed(tx, app.config, batch_id)
    if reopened is None:
        return _detail(app, visitor, batch_id, problem=f"结算 #{batch_id} 已经撤销过了（或不存在），没有改动。")
    return _detail(app, visitor, batch_id, notice=f"已撤销结算 #{batch_id}：{reopened} 笔记录恢复为未报销，"
                                                  "已通知相关垫付人。")
