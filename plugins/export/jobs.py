"""A report or backup run from claim to delivery, the daily schedule of both, and the catch-up at start.

A run claims its row (runs.py), writes its file (report.py, backup.py) outside any transaction, records the
outcome in a short transaction of its own, uploads (upload.py) and, for a report, tells finance (delivery.py).
One report and one backup at a time per process; the daily run of each once per day across processes."""

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import threading
import weakref
from datetime import datetime, timedelta

from bot.cos import Cos, CosError
from bot.db import audit

from . import plugin, settings
from .backup import snapshot
from .delivery import deliver
from .report import remove_leftovers, write_workbook
from .runs import claim, export_row, finish, release_dead_runs
from .upload import retry_pending_uploads, upload

log = logging.getLogger("teabot.export")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_locks = weakref.WeakKeyDictionary()     # app -> {kind: Lock}: one export and one backup at a time per process
_threads = weakref.WeakKeyDictionary()   # app -> [Thread]: background runs, joinable by tests and shutdown
_locks_guard = threading.Lock()


def report_name(day):
    return f"teabot-{day:%Y%m%d}.xlsx"


def report_path(app, day):
    return os.path.join(app.config["exports_dir"], report_name(day))


def backups_dir(app):
    configured = settings(app)["backups_dir"]
    return configured or os.path.join(os.path.dirname(os.path.abspath(app.config["database"])), "backups")


def running(app, kind):
    """The lock a run of `kind` holds while it runs in this process."""
    with _locks_guard:
        return _locks.setdefault(app, {}).setdefault(kind, threading.Lock())


def _parse_time(text):
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2))


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
               in_child=None, export_id=None):
    """Write, record, upload and deliver the report named after `day` (default: today, local).

    The file holds the ledger as of the moment of the run. Returns the exports row, or None when the daily run
    for that day was already claimed. `export_id`: a row already claimed (command 86 claims it in the message's
    transaction). The workbook is written in a child process when the write_in_child setting is on and there is
    a config file to hand it, unless `in_child` is False; claim, record, upload and delivery stay in this
    process either way.
    """
    day = day or app.now().date()
    with running(app, "report"):
        if export_id is None:
            with app.transaction() as tx:
                export_id = claim(tx, "report", day, trigger, requested_by)
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
            with app.transaction() as tx:
                finish(tx, export_id, state="failed", error=f"{type(exc).__name__}: {exc}"[:500])
                if requested_by:
                    tx.push(requested_by, f"报表 {report_name(day)} 生成失败（{type(exc).__name__}），请联系管理员。",
                            kind="export", notice="report", fields={"name": report_name(day), "status": "生成失败"})
            return export_row(app.store, export_id)
        size, digest = os.path.getsize(path), _sha256(path)
        with app.transaction() as tx:
            finish(tx, export_id, state="done", path=path, rows=figures["rows"], total_fen=figures["total_fen"],
                   bytes=size, sha256=digest, cos_key=cos.key("reports", report_name(day)),
                   upload_state="pending", error="；".join(figures["notes"]))
            audit(tx, requested_by or "scheduler", "export.report", export_id,
                  f"date={day} rows={figures['rows']} total_fen={figures['total_fen']}")
        upload(app, export_id, cos)
        retry_pending_uploads(app, cos, skip=export_id)
        prune_reports(app, day)
        deliver(app, export_row(app.store, export_id), cos)
        return export_row(app.store, export_id)


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
    with running(app, "backup"):
        with app.transaction() as tx:
            export_id = claim(tx, "backup", now_local.date(), trigger, requested_by)
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
            with app.transaction() as tx:
                finish(tx, export_id, state="failed", error=f"{type(exc).__name__}: {exc}"[:500])
            return export_row(app.store, export_id)
        digest = _sha256(path)
        with app.transaction() as tx:
            finish(tx, export_id, state="done", path=path, bytes=size, sha256=digest, cos_key=cos.key("backups", name))
        upload(app, export_id, cos)
        retry_pending_uploads(app, cos, skip=export_id)
        prune_backups(app, cos)
        return export_row(app.store, export_id)


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
    for kind, key in (("report", "report_time"), ("backup", "backup_time")):
        hour, minute = _parse_time(conf[key])
        if now < now.replace(hour=hour, minute=minute, second=0, microsecond=0):
            continue
        done = app.store.one("SELECT state FROM exports WHERE kind = :k AND date = :d AND trigger = 'daily'",
                             {"k": kind, "d": now.date().isoformat()})
        if done and done["state"] != "failed":
            continue
        log.info("daily %s for %s was missed (server down at %s); running it now", kind, now.date(), conf[key])
        if kind == "report":
            run_report(app, now.date(), trigger="daily")
        else:
            run_backup(app, trigger="daily")
        ran.append(kind)
    return ran


def daily_report(app):
    run_report(app, app.now().date(), trigger="daily")


def daily_backup(app):
    run_backup(app, trigger="daily")


@plugin.on_start
def schedule(app):
    """The daily jobs at the configured local times (settings, so added here rather than by @plugin.job), and
    the catch-up in the background."""
    from apscheduler.triggers.cron import CronTrigger
    conf = settings(app)
    for job_id, key, function in (("export.report", "report_time", daily_report),
                                  ("export.backup", "backup_time", daily_backup)):
        hour, minute = _parse_time(conf[key])
        app.scheduler.add_job(function, CronTrigger(hour=hour, minute=minute, timezone=app.tz), args=[app],
                              id=job_id, replace_existing=True)
    in_background(app, catch_up)
