"""概览: the centre's open total, each team's open and this quarter's totals (with quotas: allowance, used and
left, as `3` and `4` give them), pending registrations, the last report and backup, the last 7 days' notices by
outcome (as /healthz counts them), and a chart of open totals per team (pygal, served as its own SVG so the page's CSP stays strict)."""

from xml.etree import ElementTree

import bottle
import pygal
from pygal.style import Style

from bot.money import format_fen
from bot.push import recent_counts
from bot.timeutil import local_text
from plugins.expense.ledger import open_totals_by_group, quarter_totals
from plugins.quota import quotas_for_all

from . import plugin
from .web import STAFF, console_page, current_visitor, render, refuse_page

EXPORT_STATE = {"running": "生成中", "done": "已完成", "failed": "失败"}
UPLOAD_STATE = {"pending": "待上传", "uploaded": "已上传 COS", "disabled": "未启用 COS", "failed": "上传失败"}


def quarter_label(now):
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def team_figures(app):
    """Every team's open total and count, this quarter's total (open + settled, voided excluded) and, with quotas,
    its Quota for this quarter (allowance, used, left: the figures `3` and `4` give) under "quota" (None for a
    team without one)."""
    now = app.now()
    label = quarter_label(now)
    this_quarter = {r["group_id"]: r["open_fen"] + r["settled_fen"]
                    for r in quarter_totals(app.store, now.year) if r["quarter"] == label}
    quotas = quotas_for_all(app.store, app, now.date())
    teams = [{**row, "quarter_fen": this_quarter.get(row["group_id"], 0), "quota": quotas.get(row["group_id"])}
             for row in open_totals_by_group(app.store)]
    return label, teams


def _last(app, kind):
    row = app.store.one("SELECT * FROM exports WHERE kind = :k ORDER BY id DESC LIMIT 1", {"k": kind})
    if row is None:
        return None
    state = EXPORT_STATE.get(row["state"], row["state"])
    if row["state"] == "done":
        state += "，" + UPLOAD_STATE.get(row["upload_state"], row["upload_state"])
    when = local_text(row["finished_at"] or row["created_at"], app.tz)
    return {"name": f"{row['date']}（{'每日' if row['trigger'] == 'daily' else '手动'}）", "state": state, "when": when}


@console_page("/console", roles=STAFF)
def dashboard(app, visitor):
    label, teams = team_figures(app)
    pending = app.store.one("SELECT COUNT(*) AS n FROM registration_requests WHERE status = 'pending'")["n"]
    quotas = [t["quota"] for t in teams if t["quota"]]
    return render("dashboard.tpl", visitor, money=format_fen, teams=teams, quarter=label,
                  centre_fen=sum(t["total_fen"] for t in teams), centre_count=sum(t["count"] for t in teams),
                  quarter_fen=sum(t["quarter_fen"] for t in teams), pending=pending, with_quota=bool(quotas),
                  allowance_fen=sum(q.allowance_fen for q in quotas), used_fen=sum(q.used_fen for q in quotas),
                  over_teams=sum(1 for q in quotas if q.over_fen),
                  last_report=_last(app, "report"), last_backup=_last(app, "backup"), pushes=recent_counts(app.store))


CHART_STYLE = Style(background="#ffffff", plot_background="#ffffff", colors=("#1f6f43",),
                    font_family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif")


@plugin.route("GET", "/console/chart/open.svg")
def open_chart(app):
    """The open total of each team as a horizontal bar chart, in 元 (the figures the table shows, to the fen)."""
    visitor = current_visitor(app)
    if visitor is None or not visitor.staff:
        return refuse_page(visitor, 403 if visitor else 401, "没有权限", "这个图表你没有权限查看。")
    _, teams = team_figures(app)
    chart = pygal.HorizontalBar(style=CHART_STYLE, js=[], show_legend=False, width=720,
                                height=max(160, 34 * len(teams) + 80), print_values=True,
                                value_formatter=lambda yuan: f"{yuan:,.2f}", disable_xml_declaration=False)
    chart.x_labels = [t["group_name"] for t in teams]
    chart.add("未报销（元）", [t["total_fen"] / 100 for t in teams])
    bottle.response.content_type = "image/svg+xml; charset=utf-8"
    bottle.response.set_header("Cache-Control", "no-store")
    bottle.response.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
    return static_svg(chart)


def static_svg(chart):
    """The chart's SVG without pygal's <script> (its tooltips): a picture, nothing to run, nothing fetched."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in [c for c in parent if str(c.tag).rsplit("}", 1)[-1] == "script"]:
            parent.remove(child)
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + ElementTree.tostring(tree, encoding="utf-8",
                                                                              xml_declaration=False)
