"""Daily Excel report and database backups: written locally, uploaded to Tencent COS, delivered to finance."""

import argparse
import hashlib
import json
import logging
import os
import re
import smtplib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import weakref
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from bot.config import ClockTime, PluginSettings, Section, setting
from bot.cos import Cos, CosError, check_cos_config
from bot.db import audit
from bot.money import format_fen
from bot.plugin import ADMIN, FINANCE, Plugin, Refusal
from bot.timeutil import from_utc_text, to_utc_text, utc_now

from ._backup import RestoreError, restore, snapshot
from ._report import remove_leftovers, write_workbook

log = logging.getLogger("teabot.export")


class SmtpSettings(Section):
    host: str = setting("", "SMTP 服务器")
    port: int = setting(25, "端口（SSL 一般 465，STARTTLS 一般 587）", ge=1, le=65535)
    ssl: bool = setting(False, "直接 SSL（465）；与 starttls 二选一")
    starttls: bool = setting(False, "先明文再 STARTTLS（587）")
    user: str = setting("", "登录名，空为不登录")
    password_env: str = setting("SMTP_PASSWORD", "存放 SMTP 密码的环境变量名")
    sender: str = setting("teabot@localhost", "发件人", alias="from")
    timeout: float = setting(30, "连接超时（秒）", gt=0)


class ExportSettings(PluginSettings):
    report_time: ClockTime = setting("02:00", "每日报表时间（本地时区 HH:MM）")
    backup_time: ClockTime = setting("02:30", "每日备份时间（本地时区 HH:MM）")
    keep_days: int = setting(30, "本地保留最近多少天的报表文件", ge=1)
    backup_keep: int = setting(14, "本地和 COS 上各保留最近多少份备份", ge=1)
    backups_dir: str = setting("", "备份目录，空为数据库所在目录下的 backups/")
    link_expiry_hours: float = setting(72, "推送给财务的下载链接有效期（小时）", gt=0)
    max_upload_attempts: int = setting(10, "累计失败多少次后不再重试上传（文件仍在本地）", ge=1)
    write_in_child: bool = setting(
        True, "服务内生成报表时在 nice 过的子进程里写工作簿，不拖慢消息处理；false 为在后台线程里写")
    mail_to: list[str] = setting([], "报表邮件收件人，例如 [finance@example.com]；空为不发邮件")
    smtp: SmtpSettings = setting(SmtpSettings(), "发报表邮件用的 SMTP 服务器")


plugin = Plugin("export", "报表", "每日 Excel 报表（上传 COS、推送财务）与数据库备份", settings_model=ExportSettings)

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
OWNER = f"{socket.gethostname()}:{os.getpid()}"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD_NICE = 10                    # the child yields the core to the server's request threads

_locks = weakref.WeakKeyDictionary()     # app -> {kind: Lock}: one export and one backup at a time per process
_threads = weakref.WeakKeyDictionary()   # app -> [Thread]: background runs, joinable by tests and shutdown


def settings(app):
    return plugin.settings(app.config)


def report_name(day):
    return f"teabot-{day:%Y%m%d}.xlsx"


def report_path(app, day):
    return os.path.join(app.config["exports_dir"], report_name(day))


def backups_dir(app):
    configured = settings(app)["backups_dir"]
    return configured or os.path.join(os.path.dirname(os.path.abspath(app.config["database"])), "backups")


_locks_guard = threading.Lock()


def _lock(app, kind):
    with _locks_guard:
        return _locks.setdefault(app, {}).setdefault(kind, threading.Lock())


def _parse_time(text):
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2))


# --- the exports table ------------------------------------------------------------------------------------------


@plugin.migration
def m001_exports(db):
    db.execute("""CREATE TABLE exports (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('report', 'backup')),
        date TEXT NOT NULL,                           -- local date the file is named after
        trigger TEXT NOT NULL CHECK (trigger IN ('daily', 'manual')),
        state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
        owner TEXT NOT NULL DEFAULT '',               -- host:pid of the process running it
        requested_by TEXT NOT NULL DEFAULT '',
        path TEXT NOT NULL DEFAULT '',
        rows INTEGER,
        total_fen INTEGER,                            -- reports: open + settled (void excluded)
        bytes INTEGER,
        sha256 TEXT NOT NULL DEFAULT '',
        cos_key TEXT NOT NULL DEFAULT '',
        upload_state TEXT NOT NULL DEFAULT 'pending'
            CHECK (upload_state IN ('pending', 'uploaded', 'disabled', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        finished_at TEXT,
        uploaded_at TEXT)""")
    # the daily run happens once per day whatever fires it (cron, catch-up at start, a second process)
    db.execute("CREATE UNIQUE INDEX exports_daily_once ON exports (kind, date) WHERE trigger = 'daily'")
    db.execute("CREATE INDEX exports_upload_state ON exports (upload_state, state)")


def claim(app, kind, day, trigger, requested_by=""):
    """Insert the run's row in state 'running' and return its id; a daily run already done or running -> None."""
    now = to_utc_text(utc_now())
    with app.store.write() as db:
        try:
            return db.execute(
                "INSERT INTO exports (kind, date, trigger, owner, requested_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [kind, day.isoformat(), trigger, OWNER, requested_by or "", now]).lastrowid
        except sqlite3.IntegrityError:
            pass
        # only a failed daily run may be claimed again
        row = db.execute("SELECT id FROM exports WHERE kind = ? AND date = ? AND trigger = 'daily' AND state = 'failed'",
                         [kind, day.isoformat()]).fetchone()
        if row is None:
            return None
        db.execute("UPDATE exports SET state = 'running', owner = ?, error = '', created_at = ?, finished_at = NULL "
                   "WHERE id = ?", [OWNER, now, row[0]])
        return row[0]


def _update(app, export_id, **fields):
    names = ", ".join(f"{k} = ?" for k in fields)
    with app.store.write() as db:
        db.execute(f"UPDATE exports SET {names} WHERE id = ?", [*fields.values(), export_id])


def export_row(app, export_id):
    return app.store.one("SELECT * FROM exports WHERE id = :i", {"i": export_id})


def release_dead_runs(app):
    """Mark 'running' rows of processes on this host that no longer exist as failed (a crash mid-export)."""
    host = socket.gethostname()
    for row in app.store.query("SELECT id, owner FROM exports WHERE state = 'running'"):
        owner_host, _, pid = row["owner"].rpartition(":")
        if owner_host != host or not pid.isdigit() or row["owner"] == OWNER:
            continue
        try:
            os.kill(int(pid), 0)
            continue
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        _update(app, row["id"], state="failed", error="进程中断（服务在导出时停止）", finished_at=to_utc_text(utc_now()))


# --- COS ---------------------------------------------------------------------------------------------------------


def upload(app, export_id, cos=None):
    """Upload one finished file; record the outcome. Returns the upload state."""
    cos = cos or Cos(app.config)
    row = export_row(app, export_id)
    if not cos.enabled:
        _update(app, export_id, upload_state="disabled")
        return "disabled"
    if not os.path.exists(row["path"]):
        _update(app, export_id, upload_state="failed", error=f"本地文件已不存在：{row['path']}")
        return "failed"
    try:
        cos.upload(row["path"], row["cos_key"])
    except CosError as exc:
        attempts = row["attempts"] + 1
        state = "failed" if attempts >= int(settings(app)["max_upload_attempts"]) else "pending"
        _update(app, export_id, upload_state=state, attempts=attempts, error=str(exc))
        log.warning("export %s: %s (%s)", export_id, exc, state)
        return state
    _update(app, export_id, upload_state="uploaded", attempts=row["attempts"] + 1, error="",
            uploaded_at=to_utc_text(utc_now()))
    return "uploaded"


def retry_pending_uploads(app, cos=None, skip=None):
    """Upload every finished file still pending (COS was down on an earlier run); returns {id: state}."""
    cos = cos or Cos(app.config)
    if not cos.enabled:
        return {}
    rows = app.store.query("SELECT id FROM exports WHERE state = 'done' AND upload_state = 'pending' AND id != :s "
                           "ORDER BY id", {"s": skip or 0})
    return {r["id"]: upload(app, r["id"], cos) for r in rows}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the report --------------------------------------------------------------------------------------------------


def _child_config_path(app):
    """The config file a child process can load, when the settings ask for one; else None (write in-process)."""
    path = app.config.get("_path") or ""
    return path if settings(app)["write_in_child"] and os.path.isfile(path) else None


def write_in_child(config_path, path, day):
    """Run `run_bot.py report-file` on the same config: openpyxl's pure-Python work (about 20 s of CPU per 100k
    rows) then runs in another process (niced), so it neither holds this server's GIL nor outranks its request
    threads for the core. Returns the workbook figures the child prints as JSON."""
    command = [sys.executable, os.path.join(ROOT, "run_bot.py"), "--config", config_path, "report-file",
               "--date", day.isoformat(), "--out", path]
    result = subprocess.run(command, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        last = (result.stderr.strip().splitlines() or ["（无输出）"])[-1]
        raise RuntimeError(f"报表子进程退出码 {result.returncode}：{last}")
    return json.loads(lines[-1])


def run_report(app, day=None, trigger="manual", requested_by="", progress=None, progress_every=5000,
               in_child=None):
    """Write, record, upload and deliver the report named after `day` (default: today, local).

    The file holds the ledger as of the moment of the run. Returns the exports row, or None when the daily run
    for that day was already claimed. The workbook is written in a child process when the write_in_child setting
    is on and there is a config file to hand it, unless `in_child` is False; claim, record, upload and delivery
    stay in this process either way.
    """
    day = day or app.now().date()
    with _lock(app, "report"):
        export_id = claim(app, "report", day, trigger, requested_by)
        if export_id is None:
            log.info("daily report for %s already done or running; skipped", day)
            return None
        cos = Cos(app.config)
        path = report_path(app, day)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        remove_leftovers(app.config["database"], app.config["exports_dir"])
        try:
            config_path = _child_config_path(app) if in_child is not False else None
            if config_path:
                figures = write_in_child(config_path, path, day)
            else:
                figures = write_workbook(app, path, day, progress=progress, progress_every=progress_every)
        except Exception as exc:
            log.exception("report %s failed", day)
            _update(app, export_id, state="failed", error=f"{type(exc).__name__}: {exc}"[:500],
                    finished_at=to_utc_text(utc_now()))
            if requested_by:
                app.pusher.push(requested_by, f"报表 {report_name(day)} 生成失败（{type(exc).__name__}），请联系管理员。",
                                kind="export")
            return export_row(app, export_id)
        _update(app, export_id, state="done", path=path, rows=figures["rows"], total_fen=figures["total_fen"],
                bytes=os.path.getsize(path), sha256=_sha256(path), cos_key=cos.key("reports", report_name(day)),
                upload_state="pending", finished_at=to_utc_text(utc_now()),
                error="；".join(figures["notes"]))
        with app.store.write() as db:
            audit(db, requested_by or "scheduler", "export.report", export_id,
                  f"date={day} rows={figures['rows']} total_fen={figures['total_fen']}")
        upload(app, export_id, cos)
        retry_pending_uploads(app, cos, skip=export_id)
        prune_reports(app, day)
        row = export_row(app, export_id)
        deliver(app, row, cos)
        return export_row(app, export_id)


def _describe(app, row, cos):
    name = os.path.basename(row["path"])
    head = f"报表 {name} 已生成：{row['rows']} 笔，未作废合计 {format_fen(row['total_fen'])} 元。"
    if row["upload_state"] == "uploaded":
        hours = settings(app)["link_expiry_hours"]
        link = cos.presigned_url(row["cos_key"], float(hours) * 3600)
        return head + f"\n下载（{hours} 小时内有效）：{link}", link
    if row["upload_state"] == "disabled":
        return head + f"\n未启用 COS，文件在服务器：{row['path']}", None
    return head + f"\n上传 COS 暂未成功（下次运行时重试），文件在服务器：{row['path']}", None


def deliver(app, row, cos):
    """Push the link (or where the file is) to finance and the requester; mail the file if configured."""
    try:
        text, link = _describe(app, row, cos)
    except Exception as exc:
        log.exception("export %s: could not build the download link", row["id"])
        text, link = f"报表 {os.path.basename(row['path'])} 已生成，文件在服务器：{row['path']}", None
        _update(app, row["id"], error=f"下载链接生成失败：{type(exc).__name__}")
    recipients = list(dict.fromkeys(app.users_with_role(FINANCE) + ([row["requested_by"]] if row["requested_by"] else [])))
    for openid in recipients:
        app.pusher.push(openid, text, kind="export")
    mail_to = settings(app)["mail_to"]
    if mail_to:
        try:
            send_mail(app, row, text, mail_to)
        except Exception as exc:
            log.warning("export %s: mail to %s failed: %s", row["id"], ", ".join(mail_to), type(exc).__name__)
            previous = export_row(app, row["id"])["error"]
            _update(app, row["id"], error="；".join(filter(None, [previous, f"邮件发送失败：{type(exc).__name__}"])))
    return text, link


def send_mail(app, row, text, mail_to):
    smtp = settings(app)["smtp"]
    if not smtp["host"]:
        raise ValueError("plugins.export.smtp.host 未设置")
    message = EmailMessage()
    message["Subject"] = f"teabot 报表 {row['date']}"
    message["From"] = smtp["from"]
    message["To"] = ", ".join(mail_to)
    message.set_content(text + f"\nSHA-256：{row['sha256']}")
    with open(row["path"], "rb") as handle:
        message.add_attachment(handle.read(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                               filename=os.path.basename(row["path"]))
    connect = smtplib.SMTP_SSL if smtp["ssl"] else smtplib.SMTP
    with connect(smtp["host"], int(smtp["port"]), timeout=smtp["timeout"]) as server:
        if smtp["starttls"]:
            server.starttls()
        if smtp["user"]:
            server.login(smtp["user"], os.environ.get(smtp["password_env"] or "", ""))
        server.send_message(message)


def prune_reports(app, today):
    """Delete local report files older than keep_days (named teabot-YYYYMMDD.xlsx)."""
    keep_days = int(settings(app)["keep_days"])
    oldest = today - timedelta(days=keep_days - 1)
    folder = app.config["exports_dir"]
    removed = []
    for name in os.listdir(folder):
        match = re.fullmatch(r"teabot-(\d{8})\.xlsx", name)
        if match and datetime.strptime(match.group(1), "%Y%m%d").date() < oldest:
            os.remove(os.path.join(folder, name))
            removed.append(name)
    return removed


# --- backups -----------------------------------------------------------------------------------------------------


def run_backup(app, trigger="manual", requested_by=""):
    """Snapshot, gzip, record, upload, and keep the last N locally and on COS. Returns the row (None if claimed)."""
    now_local = app.now()
    with _lock(app, "backup"):
        export_id = claim(app, "backup", now_local.date(), trigger, requested_by)
        if export_id is None:
            return None
        cos = Cos(app.config)
        folder = backups_dir(app)
        os.makedirs(folder, exist_ok=True)
        name = f"teabot-{now_local:%Y%m%d-%H%M%S}-{now_local.microsecond // 1000:03d}.db.gz"
        path = os.path.join(folder, name)
        try:
            size = snapshot(app.config["database"], path)
        except Exception as exc:
            log.exception("backup failed")
            _update(app, export_id, state="failed", error=f"{type(exc).__name__}: {exc}"[:500],
                    finished_at=to_utc_text(utc_now()))
            return export_row(app, export_id)
        _update(app, export_id, state="done", path=path, bytes=size, sha256=_sha256(path),
                cos_key=cos.key("backups", name), finished_at=to_utc_text(utc_now()))
        upload(app, export_id, cos)
        retry_pending_uploads(app, cos, skip=export_id)
        prune_backups(app, cos)
        return export_row(app, export_id)


def prune_backups(app, cos=None):
    """Keep the newest backup_keep backups in the folder and under the COS prefix (names sort by time)."""
    keep = int(settings(app)["backup_keep"])
    folder = backups_dir(app)
    local_names = sorted(n for n in os.listdir(folder) if re.fullmatch(r"teabot-\d{8}-\d{6}-\d{3}\.db\.gz", n))
    for name in local_names[:-keep] if keep > 0 else []:
        os.remove(os.path.join(folder, name))
    cos = cos or Cos(app.config)
    if cos.enabled and keep > 0:
        try:
            keys = sorted(k for k in cos.list_keys(cos.key("backups", "")) if k.endswith(".db.gz"))
            for key in keys[:-keep]:
                cos.delete(key)
        except CosError as exc:
            log.warning("pruning remote backups: %s", exc)


# --- scheduling --------------------------------------------------------------------------------------------------


def in_background(app, target, *args, **kwargs):
    def run():
        try:
            target(app, *args, **kwargs)
        except Exception:
            log.exception("background %s failed", target.__name__)
        finally:
            app.store.close_thread()   # only this thread's connection: the server goes on with the shared one
    thread = threading.Thread(target=run, name=f"teabot-{target.__name__}", daemon=True)
    _threads.setdefault(app, []).append(thread)
    thread.start()
    return thread


def join_background(app, timeout=60):
    """Wait for background runs of this app (tests, shutdown)."""
    for thread in list(_threads.get(app, [])):
        thread.join(timeout)


def catch_up(app, now=None):
    """At start: settle crashed runs and remove what they left, retry pending uploads, and run today's daily jobs if
    their time has passed."""
    now = now or app.now()
    release_dead_runs(app)
    remove_leftovers(app.config["database"], app.config["exports_dir"])
    retry_pending_uploads(app)
    conf = settings(app)
    ran = []
    for kind, key, job in (("report", "report_time", run_report), ("backup", "backup_time", run_backup)):
        hour, minute = _parse_time(conf[key])
        if now < now.replace(hour=hour, minute=minute, second=0, microsecond=0):
            continue
        done = app.store.one("SELECT state FROM exports WHERE kind = :k AND date = :d AND trigger = 'daily'",
                             {"k": kind, "d": now.date().isoformat()})
        if done and done["state"] != "failed":
            continue
        log.info("daily %s for %s was missed (server down at %s); running it now", kind, now.date(), conf[key])
        if kind == "report":
            job(app, now.date(), trigger="daily")
        else:
            job(app, trigger="daily")
        ran.append(kind)
    return ran


def daily_report(app):
    run_report(app, app.now().date(), trigger="daily")


def daily_backup(app):
    run_backup(app, trigger="daily")


@plugin.on_start
def schedule(app):
    from apscheduler.triggers.cron import CronTrigger
    conf = settings(app)
    for job_id, key, function in (("export.report", "report_time", daily_report),
                                  ("export.backup", "backup_time", daily_backup)):
        hour, minute = _parse_time(conf[key])
        app.scheduler.add_job(function, CronTrigger(hour=hour, minute=minute, timezone=app.tz), args=[app],
                              id=job_id, replace_existing=True)
    in_background(app, catch_up)


@plugin.check_config
def check(config):
    problems = check_cos_config(config)
    conf = plugin.settings(config)
    smtp = conf["smtp"]
    if conf["mail_to"] and not smtp["host"]:
        problems.append("设置了 plugins.export.mail_to，但没有 plugins.export.smtp.host")
    password_env = smtp["password_env"]
    if conf["mail_to"] and smtp["user"] and password_env and password_env not in os.environ:
        problems.append(f"plugins.export.smtp.password_env 指向的环境变量 {password_env} 未设置")
    return problems


@plugin.health
def health(app):
    """The last report's and backup's state and age, and the uploads waiting or failed, for /healthz."""
    return _runs(app, detailed=False)


@plugin.status
def status(app):
    """The same with each last run's date, file and error text, for `run_bot.py status`."""
    return _runs(app, detailed=True)


def _runs(app, detailed):
    def last(kind):
        row = app.store.one("SELECT * FROM exports WHERE kind = :k ORDER BY id DESC LIMIT 1", {"k": kind})
        if not row:
            return None
        since = from_utc_text(row["finished_at"] or row["created_at"])
        state = {"state": row["state"], "upload": row["upload_state"],
                 "age_seconds": max(0, int((utc_now() - since).total_seconds()))}
        if detailed:
            state.update(date=row["date"], finished_at=row["finished_at"], path=row["path"], error=row["error"] or None)
        return state
    pending = app.store.one("SELECT COUNT(*) AS n FROM exports WHERE state = 'done' AND upload_state = 'pending'")
    failed = app.store.one("SELECT COUNT(*) AS n FROM exports WHERE state = 'done' AND upload_state = 'failed'")
    return {"export": {"cos_enabled": Cos(app.config).enabled, "last_report": last("report"),
                       "last_backup": last("backup"), "pending_uploads": pending["n"], "failed_uploads": failed["n"]}}


# --- chat and command line ---------------------------------------------------------------------------------------


@plugin.command(86, "导出报表", roles=(ADMIN, FINANCE), usage="86", example="86", aliases=("报表", "导出"))
def export_now(ctx):
    """导出报表：86 立即生成今天的 Excel 报表，完成后推送下载链接

    报表在后台生成（数据截至此刻），文件名 teabot-年月日.xlsx；启用 COS 时上传并推送下载链接，
    否则推送服务器上的文件位置。每天定时生成的报表会自动推送给财务。
    """
    app, day = ctx.app, ctx.now.date()
    cos = Cos(ctx.config)
    where = (f"完成后上传 COS（{cos.key('reports', report_name(day))}）并把下载链接推送给你"
             if cos.enabled else f"完成后文件在服务器 {report_path(app, day)}，并推送通知给你")
    if _lock(app, "report").locked():
        raise Refusal(f"报表正在生成中，{where}。")
    in_background(app, run_report, day, trigger="manual", requested_by=ctx.openid)
    # records are never deleted (a voided one is kept): the highest id counts them without reading a whole index
    started = app.store.one("SELECT COALESCE(MAX(id), 0) AS n FROM expenses")["n"]
    return (f"已开始生成报表 {report_name(day)}（{started} 笔明细，数据截至 {ctx.now:%H:%M}），"
            f"通常一分钟内完成；{where}。")


def _progress_printer(stream):
    state = {"last": 0.0}

    def show(title, done, total):
        now = time.monotonic()
        if done == 0 or done >= total or now - state["last"] >= 1.0:
            state["last"] = now
            percent = 100 * done // total if total else 100
            stream.write(f"{title}：{done}/{total} 行（{percent}%）\n")
            stream.flush()
    return show


@plugin.cli("export", "生成报表：export [--date YYYY-MM-DD]（同步运行，显示进度）")
def cli_export(app, argv):
    parser = argparse.ArgumentParser(prog="run_bot.py export")
    parser.add_argument("--date", help="报表文件的日期（默认今天）；内容总是截至运行时刻的数据")
    parser.add_argument("--progress-rows", type=int, default=5000, help="每多少行报告一次进度")
    args = parser.parse_args(argv)
    today = app.now().date()
    try:
        day = date.fromisoformat(args.date) if args.date else today
    except ValueError:
        print(f"日期格式应为 YYYY-MM-DD：{args.date}", file=sys.stderr)
        return 2
    if day > today:
        print(f"{day} 还没到，不能生成它的报表", file=sys.stderr)
        return 2
    print(f"生成报表 {report_path(app, day)} …", flush=True)
    row = run_report(app, day, trigger="manual", requested_by="", in_child=False,
                     progress=_progress_printer(sys.stdout), progress_every=args.progress_rows)
    if row["state"] != "done":
        print(f"失败：{row['error']}", file=sys.stderr)
        return 1
    print(f"完成：{row['rows']} 笔，未作废合计 {format_fen(row['total_fen'])} 元，{row['bytes']} 字节，"
          f"sha256 {row['sha256'][:12]}…，COS：{_upload_text(row)}")
    return 0


def _upload_text(row):
    return {"uploaded": f"已上传 {row['cos_key']}", "disabled": "未启用（文件只在本地）",
            "pending": f"上传失败，下次运行时重试（{row['error']}）", "failed": f"上传放弃（{row['error']}）"}[row["upload_state"]]


@plugin.cli("report-file", "（服务内部用）只写报表文件：report-file --date YYYY-MM-DD --out PATH，输出 JSON 数字")
def cli_report_file(app, argv):
    parser = argparse.ArgumentParser(prog="run_bot.py report-file")
    parser.add_argument("--date", required=True, help="报表日期")
    parser.add_argument("--out", required=True, help="写到哪个文件（先写临时名再改名）")
    args = parser.parse_args(argv)
    os.nice(CHILD_NICE)
    # Read from a private copy taken in one short step: a read transaction held on the live database for the
    # minutes the workbook takes would stop WAL checkpoints, and the server's writes would slow as the WAL grew.
    figures = write_workbook(app, args.out, date.fromisoformat(args.date), private_copy=True)
    print(json.dumps(figures, ensure_ascii=False))
    return 0


@plugin.cli("backup", "立即备份数据库（在线快照 + gzip，启用 COS 时上传）")
def cli_backup(app, argv):
    argparse.ArgumentParser(prog="run_bot.py backup").parse_args(argv)
    row = run_backup(app, trigger="manual")
    if row["state"] != "done":
        print(f"备份失败：{row['error']}", file=sys.stderr)
        return 1
    print(f"备份完成：{row['path']}（数据库 {row['bytes']} 字节），COS：{_upload_text(row)}")
    return 0


@plugin.cli("restore", "从备份恢复数据库：restore FILE [--force]（先停止服务）")
def cli_restore(app, argv):
    parser = argparse.ArgumentParser(prog="run_bot.py restore")
    parser.add_argument("file", help="备份文件（.db.gz 或 .db）")
    parser.add_argument("--force", action="store_true", help="覆盖已有数据的数据库（旧库另存为 .before-restore-时间）")
    args = parser.parse_args(argv)
    app.store.close()   # a caller may have opened the database; let go of it before replacing the file
    try:
        kept = restore(args.file, app.config["database"], force=args.force, now=app.now())
    except RestoreError as exc:
        print(f"恢复失败：{exc}", file=sys.stderr)
        return 1
    print(f"已从 {args.file} 恢复到 {app.config['database']}" + (f"；原数据库另存为 {kept}" if kept else ""))
    return 0


cli_restore.skip_setup = True   # run_bot.py: do not create or migrate the database a restore is about to replace
