"""小组 (admin): every team with its members, pending requests and open total (plugins/expense/ledger's
open_totals_by_group, the figures `4` and `82` show); creating a team and renaming one, through
plugins/register/domain.py's create_team and rename_team (the naming rules and audit rows of `87`), with the admin
as the actor. A Refusal is shown as the page's problem line. Row id (`data-id`): the team's id (groups.id), which
the records, people and settlements pages filter by (`?team=`)."""

import bottle

from bot.money import format_fen
from bot.plugin import ADMIN, Refusal
from plugins.expense.ledger import open_totals_by_group
from plugins.register import create_team, rename_team

from .web import console_page, form_value, is_number, render


def _teams(app):
    """Every team (a centre has tens, not thousands) with member, left and pending counts and its open total."""
    members = {r["group_id"]: r for r in app.store.query(
        "SELECT group_id, COUNT(CASE WHEN status = 'member' THEN 1 END) AS members, "
        "COUNT(CASE WHEN status = 'left' THEN 1 END) AS gone FROM users "
        "WHERE status IN ('member', 'left') AND group_id IS NOT NULL GROUP BY group_id")}
    pending = {r["group_id"]: r["n"] for r in app.store.query(
        "SELECT group_id, COUNT(*) AS n FROM registration_requests WHERE status = 'pending' GROUP BY group_id")}
    teams = open_totals_by_group(app.store)
    for team in teams:
        counts = members.get(team["group_id"], {})
        team["members"] = counts.get("members", 0)
        team["gone"] = counts.get("gone", 0)
        team["pending"] = pending.get(team["group_id"], 0)
    return teams


def _page(app, visitor, notice="", problem="", name=""):
    teams = _teams(app)
    return render("teams.tpl", visitor, money=format_fen, teams=teams, new_name=name,
                  open_fen=sum(t["total_fen"] for t in teams), open_count=sum(t["count"] for t in teams),
                  notice=notice, problem=problem)


@console_page("/console/teams", roles=(ADMIN,), methods=("GET", "POST"))
def teams_page(app, visitor):
    if bottle.request.method != "POST":
        return _page(app, visitor)
    action, name = form_value("action"), form_value("name")
    try:
        if action == "create":
            with app.transaction() as tx:
                team = create_team(tx, name, visitor.openid)
            return _page(app, visitor, notice=f"已创建小组“{team['name']}”。组员可发送 9 {team['name']} 姓名 注册。")
        if action == "rename":
            number = form_value("id")
            if not is_number(number) or len(number) > 18:
                raise Refusal("请从列表里选择要改名的小组，没有执行任何操作。")
            with app.transaction() as tx:
                renamed = rename_team(tx, int(number), name, visitor.openid)
            return _page(app, visitor, notice=f"已把小组“{renamed['old_name']}”改名为“{renamed['name']}”，"
                                              "它的组员、记录和结算都随之改名。")
        raise Refusal("看不懂这个操作，没有做任何改动。")
    except Refusal as refusal:
        return _page(app, visitor, problem=str(refusal), name=name if action == "create" else "")
