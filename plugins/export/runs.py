"""The `exports` table: one row per report or backup run, from 'running' to 'done' or 'failed', with its file,
its upload state and its error; the daily run of a kind is claimed once per day whoever fires it. What /healthz
and `run_bot.py status` say of the runs is read from here too."""

import os
import socket

from bot.cos import Cos
from bot.timeutil import from_utc_text, to_utc_text, utc_now

from . import plugin

OWNER = f"{socket.gethostname()}:{os.getpid()}"


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


def claim(tx, kind, day, trigger, requested_by=""):
    """Insert the run's row in state 'running' in `tx` and return its id; a daily run already done or running
    -> None (only a failed daily run may be claimed again). The transaction holds the write lock, so two
    triggers of the same daily run cannot both claim it."""
    now = to_utc_text(utc_now())
    if trigger == "daily":
        row = tx.one("SELECT id, state FROM exports WHERE kind = ? AND date = ? AND trigger = 'daily'",
                     [kind, day.isoformat()])
        if row is not None:
            if row["state"] != "failed":
                return None
            tx.execute("UPDATE exports SET state = 'running', owner = ?, error = '', created_at = ?, "
                       "finished_at = NULL WHERE id = ?", [OWNER, now, row["id"]])
            return row["id"]
    return tx.execute(
        "INSERT INTO exports (kind, date, trigger, owner, requested_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [kind, day.isoformat(), trigger, OWNER, requested_by or "", now]).lastrowid


def update(tx, export_id, **fields):
    names = ", ".join(f"{k} = ?" for k in fields)
    tx.execute(f"UPDATE exports SET {names} WHERE id = ?", [*fields.values(), export_id])


def finish(tx, export_id, **fields):
    """The run is over: record its outcome (state=..., error=...) and when it finished."""
    update(tx, export_id, finished_at=to_utc_text(utc_now()), **fields)


def export_row(reader, export_id):
    return reader.one("SELECT * FROM exports WHERE id = ?", [export_id])


def release_dead_runs(app):
    """Mark 'running' rows of processes on this host that no longer exist as failed (a crash mid-export)."""
    host = socket.gethostname()
    dead = []
    for row in app.store.query("SELECT id, owner FROM exports WHERE state = 'running'"):
        owner_host, _, pid = row["owner"].rpartition(":")
        if owner_host != host or not pid.isdigit() or row["owner"] == OWNER:
            continue
        try:
            os.kill(int(pid), 0)
            continue
        except ProcessLookupError:
            dead.append(row["id"])
        except PermissionError:
            continue
    if dead:
        with app.transaction() as tx:
            for export_id in dead:
                finish(tx, export_id, state="failed", error="进程中断（服务在导出时停止）")
    return dead


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
