"""报表: the kept reports and backups (the export plugin's `exports` rows), newest first; a kept report's file to
download; and "build one now", which runs the very handler of `86` (claim in this request's transaction, the
background run once it has committed), with the visitor as the requester and 86's reply as the notice.

A download serves only the file an `exports` row of a finished report names, and only when it is a report file
directly inside the exports folder whose content still has the sha256 recorded for that row (two manual reports
of one day share a file name: the later one replaces the earlier one's file). Nothing of the request names a
path. Backups are listed, never served: they hold the whole database, every openid included."""

import hashlib
import math
import os
import re

import bottle

from bot.ledger import display_names
from bot.money import format_fen
from bot.plugin import Refusal
from bot.timeutil import local_text
from plugins.export.backup import receipts_note

from .dashboard import EXPORT_STATE, UPLOAD_STATE
from .web import console_page, form_value, is_number, query_value, refuse_page, render, SECURITY_HEADERS, STAFF

PER_PAGE = 50
REPORT_NAME = re.compile(r"teabot-\d{8}\.xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BACKUP_NOTE = "备份含全部数据（包括每个人的 openid），不提供网页下载；需要时请在服务器上取。"


def _export_command(app):
    """The Command of `86` (plugins/export/commands.py export_now), or None when the export plugin is off."""
    from plugins.export.commands import export_now
    for command in app.registry.commands:
        if command.handler is export_now and command.plugin.enabled(app.config):
            return command
    return None


def build_now(app, visitor):
    """(notice, problem): run 86's handler for the visitor in one unit of work; its background run starts after
    the commit (the handler registers it with after_commit), exactly as when 86 is sent in chat."""
    command = _export_command(app)
    if command is None:
        return None, "报表功能已关闭（plugins.export.enabled: false）。"
    try:
        with app.transaction() as tx:
            reply = command.handler(app.router.context(tx, visitor.openid, command=command))
    except Refusal as refusal:
        return None, str(refusal)
    return reply, None


def _exports_dir(app):
    return os.path.realpath(app.config["exports_dir"])


def servable_path(app, row):
    """The real path of the report file `row` names when it may be served (a finished report, a report file name,
    directly inside the exports folder, present), else None."""
    if row is None or row["kind"] != "report" or row["state"] != "done" or not row["path"]:
        return None
    real = os.path.realpath(row["path"])
    if os.path.dirname(real) != _exports_dir(app) or not REPORT_NAME.fullmatch(os.path.basename(real)):
        return None
    return real if os.path.isfile(real) else None


def _size_text(size):
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _rows(app, page):
    rows = app.store.query(
        """SELECT e.*, EXISTS (SELECT 1 FROM exports later WHERE later.path = e.path AND later.id > e.id
                                 AND later.state = 'done' AND e.path != '') AS replaced
           FROM exports e ORDER BY e.id DESC LIMIT :n OFFSET :off""",
        {"n": PER_PAGE, "off": (page - 1) * PER_PAGE})
    names = display_names(app.store, app.config, [r["requested_by"] for r in rows if r["requested_by"]])
    for row in rows:
        row["kind_text"] = "报表" if row["kind"] == "report" else "备份"
        row["trigger_text"] = "每日" if row["trigger"] == "daily" else "手动"
        if row["requested_by"]:
            row["trigger_text"] += f"（{names.get(row['requested_by'], '')}）"
        row["state_text"] = EXPORT_STATE.get(row["state"], row["state"])
        upload = row["upload_state"]
        row["upload_text"] = UPLOAD_STATE.get(upload, upload) if row["state"] == "done" else ""
        row["when"] = local_text(row["finished_at"] or row["created_at"], app.tz)
        row["size_text"] = _size_text(row["bytes"])
        row["sha_short"] = row["sha256"][:12]
        row["download"] = False
        if row["kind"] == "backup":
            row["why_not"] = "备份不提供下载" if row["state"] == "done" else ""
        elif row["state"] != "done":
            row["why_not"] = ""
        elif row["replaced"]:
            row["why_not"] = "已被同日较新的报表覆盖"
        elif servable_path(app, row) is None:
            row["why_not"] = "文件已不在服务器上（超过保留天数已清理）"
        else:
            row["download"], row["why_not"] = True, ""
    return rows


@console_page("/console/reports", roles=STAFF, methods=("GET", "POST"))
def reports_page(app, visitor):
    notice = problem = None
    if bottle.request.method == "POST":
        if form_value("action") == "build":
            notice, problem = build_now(app, visitor)
        else:
            problem = "没有这个操作。"
    count = app.store.one("SELECT COUNT(*) AS n FROM exports")["n"]
    pages = max(1, math.ceil(count / PER_PAGE))
    text = query_value("page", "1")
    page = min(max(int(text) if text.isascii() and is_number(text) and len(text) < 9 else 1, 1), pages)
    return render("reports.tpl", visitor, notice=notice, problem=problem, rows=_rows(app, page), money=format_fen,
                  page=page, pages=pages, page_url=lambda n: f"/console/reports?page={n}",
                  backup_note=f"{BACKUP_NOTE}{receipts_note(app)}",
                  running=bool(app.store.one("SELECT 1 AS x FROM exports WHERE kind = 'report' AND state = 'running'")))


def _not_found(visitor, message):
    return refuse_page(visitor, 404, "没有这个报表文件", message + "请回到报表页选择一份保留着的报表。")


@console_page("/console/reports/<export_id>/download", roles=STAFF)
def download(app, visitor, export_id):
    """The file of a kept report, as an attachment; 404 with the reason for anything else."""
    row = app.store.one("SELECT * FROM exports WHERE id = ?", [int(export_id)]) \
        if re.fullmatch(r"[0-9]{1,18}", export_id) else None
    if row is None:
        return _not_found(visitor, "没有这个编号的报表。")
    if row["kind"] != "report":
        return _not_found(visitor, BACKUP_NOTE)
    if row["state"] != "done":
        return _not_found(visitor, "这份报表还没有生成完成。" if row["state"] == "running" else "这份报表生成失败，没有文件。")
    path = servable_path(app, row)
    if path is None:
        return _not_found(visitor, "这份报表的文件已不在服务器上（超过保留天数已清理）。")
    handle = open(path, "rb")
    try:
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        if digest.hexdigest() != row["sha256"]:        # the file was replaced by a later report of the same day
            handle.close()
            return _not_found(visitor, "这份报表的文件已被同日较新的报表覆盖。")
        size = handle.tell()
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    for name, value in SECURITY_HEADERS.items():
        bottle.response.set_header(name, value)
    bottle.response.content_type = XLSX
    bottle.response.set_header("Content-Disposition", f'attachment; filename="{os.path.basename(path)}"')
    bottle.response.set_header("Content-Length", str(size))
    return handle                      # the open file: what was checked is what is sent (bottle closes it)
