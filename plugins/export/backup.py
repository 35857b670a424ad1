"""Database backups: a consistent online snapshot (SQLite backup API) gzipped, and a checked restore.

Receipts' images are not in a backup: the database backup stays one fast file (the images of 2,000 people
over years are GBs, and a daily copy of them, kept backup_keep times, would be GBs a day), while the images are
content-addressed files that never change once written, so an incremental copy of the folder (rsync) and
the COS copy under `receipts/` keep them. receipts_note() says so wherever a backup is reported."""

import gzip
import os
import shutil
import sqlite3
import sys
import time
from datetime import datetime
from urllib.request import pathname2url

from bot.cos import Cos
from bot.db import ServerRunning, hold_server_lock, server_running
from plugins.expense.receipts import receipts_dir

from . import plugin

KEPT_MARK = ".before-restore-"             # <database>.before-restore-YYYYMMDD-HHMMSS: the database a restore replaced
STAGED_MARK = ".restore-tmp-"              # <database>.restore-tmp-PID: a restore's copy before it is switched in
PAUSE_VARIABLE = "TEABOT_TEST_PAUSE_AT"   # tests only: stop at a named point so a test can kill -9 the process there


class RestoreError(Exception):
    """The restore was refused or the file is unusable; the message says why, in Chinese."""


def _pause_at(point):
    """When $TEABOT_TEST_PAUSE_AT names this point, say so on stderr and sleep (the crash tests kill -9 here)."""
    if os.environ.get(PAUSE_VARIABLE) == point:
        print(f"{PAUSE_VARIABLE}={point}: paused", file=sys.stderr, flush=True)
        time.sleep(600)


def snapshot(database_path, target_gz):
    """Copy the live database page by page while others keep writing, check it, gzip it to target_gz.

    Returns the uncompressed size. The copy is checked with PRAGMA integrity_check before it is kept.
    """
    raw = f"{target_gz}.db-tmp-{os.getpid()}"
    source = sqlite3.connect(database_path, timeout=30)
    try:
        dest = sqlite3.connect(raw)
        try:
            source.backup(dest, pages=1024)
            result = dest.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise RuntimeError(f"备份副本完整性检查失败：{result}")
        finally:
            dest.close()
    finally:
        source.close()
    size = os.path.getsize(raw)
    gz_tmp = f"{target_gz}.tmp-{os.getpid()}"
    try:
        with open(raw, "rb") as src, gzip.open(gz_tmp, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(gz_tmp, target_gz)
    finally:
        _remove(raw)
        _remove(gz_tmp)
    return size


def receipts_note(app):
    """One sentence for a backup's report, notice and status: the receipts' images are kept apart from it, where,
    how many, and whether COS holds a copy."""
    row = app.store.one("SELECT COUNT(*) AS n, COALESCE(SUM(size_bytes), 0) AS b, "
                        "COUNT(CASE WHEN cos_status = 'uploaded' THEN 1 END) AS up FROM receipts WHERE status = 'stored'")
    cos = Cos(app.config)
    where = f"{receipts_dir(app.config)}/（{row['n']} 张，{row['b'] / 1e6:.1f} MB）"
    remote = (f"，其中 {row['up']} 张在 COS 的 {cos.key('receipts', '')} 下另有一份" if cos.enabled
              else "，未启用 COS：只有这一份")
    return f"小票图片不在数据库备份里，单独保存在 {where}{remote}；请另行备份该目录（文件只增不改，rsync 即可）。"


@plugin.status
def receipts_status(app):
    """`run_bot.py status`: where the receipts' images are, since a backup does not hold them."""
    return {"export": {"receipts": receipts_note(app)}}


def _fsync_folder(folder):
    """Make a rename or link in folder durable (a file's own fsync does not cover its name)."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path):
    """Remove a database file and whatever SQLite may have put next to it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.lexists(path + suffix):
            os.remove(path + suffix)


def _decompress(source, target):
    with open(source, "rb") as probe:
        magic = probe.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(source, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
    except (OSError, EOFError) as exc:
        raise RestoreError(f"无法解压 {source}：{exc}") from None


def _check(path):
    # immutable: read the file as it is, creating no -wal or -shm beside it (a snapshot is a WAL-mode file)
    try:
        conn = sqlite3.connect(f"file:{pathname2url(path)}?mode=ro&immutable=1", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"不是有效的 SQLite 数据库：{exc}") from None
    if result != "ok":
        raise RestoreError(f"完整性检查失败：{result}")
    if not {"migrations", "expenses", "groups"} <= tables:
        raise RestoreError("这不是 teabot 的数据库（缺少 migrations/expenses/groups 表）")


def has_data(database_path):
    """True when the database holds anything a person entered (users, expenses or settlements), or cannot be
    read at all (an unreadable file is not overwritten without --force either)."""
    if not os.path.exists(database_path):
        return False
    try:
        conn = sqlite3.connect(database_path, timeout=30)
        try:
            for table in ("users", "expenses", "settlements"):
                try:
                    if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                        return True
                except sqlite3.OperationalError as exc:
                    if "no such table" not in str(exc):
                        raise
            return False
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return True


def _fold_wal(database_path):
    """Checkpoint the old WAL into the main file and close: the last connection's close deletes the WAL, so the
    file alone is the whole old database and no old WAL is left to be read against the restored file. A WAL
    still there means another program has the database open. An unreadable file is kept aside as it is."""
    try:
        conn = sqlite3.connect(database_path, timeout=30)
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return
    if busy or os.path.exists(database_path + "-wal"):
        raise RestoreError(f"{database_path} 还被其他程序打开着（WAL 无法并入主文件），请关闭后再恢复")


def _keep_aside(database_path, stamp):
    """A second name for the old file (a hard link: its bytes are never touched again), with whatever -wal or
    -shm is left; a copy where the file system has no hard links. Returns the name."""
    kept, n = f"{database_path}{KEPT_MARK}{stamp}", 1
    while os.path.lexists(kept):
        n += 1
        kept = f"{database_path}{KEPT_MARK}{stamp}-{n}"
    try:
        os.link(database_path, kept)
    except OSError:
        copying = f"{database_path}{STAGED_MARK}{os.getpid()}-kept"
        try:
            with open(database_path, "rb") as src, open(copying, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(copying, kept)
        finally:
            _remove(copying)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(database_path + suffix):
            os.replace(database_path + suffix, kept + suffix)
    return kept


def restore(backup_file, database_path, force=False, now=None):
    """Replace the database with a checked copy of backup_file in one os.replace; the old file is kept aside.

    Returns the kept-aside name (None if there was no database). Refused while a server holds the database, and
    holds its lock meanwhile, so no server starts on a file about to be replaced. Whenever it stops, kill -9
    included, the old database or the restored one is in place, complete; only a restore to where there was no
    database can leave none, and then its temp file is there for `serve` to see (restore_leftovers). A refused
    or failed restore leaves nothing new (beyond the lock file `serve` creates too).
    """
    if not os.path.exists(backup_file):
        raise RestoreError(f"找不到备份文件 {backup_file}")
    try:
        lock = hold_server_lock(database_path)
    except ServerRunning:
        pid = server_running(database_path)
        raise RestoreError(f"teabot 服务正在运行（进程 {pid or '未知'}），请先停止服务再恢复。") from None
    folder = os.path.dirname(os.path.abspath(database_path))
    staged = f"{database_path}{STAGED_MARK}{os.getpid()}"
    kept = None
    try:
        for leftover in restore_leftovers(database_path):
            if STAGED_MARK in leftover:      # from a restore killed midway: with the lock held none is running
                os.remove(leftover)
        _decompress(backup_file, staged)
        _check(staged)
        if os.path.exists(database_path):
            if has_data(database_path) and not force:
                raise RestoreError(f"{database_path} 已有数据，拒绝覆盖；确认要覆盖请加 --force（旧库会另存）")
            _fold_wal(database_path)
            kept = _keep_aside(database_path, (now or datetime.now()).strftime("%Y%m%d-%H%M%S"))
            _fsync_folder(folder)
        _pause_at("restore.before_replace")
        os.replace(staged, database_path)
        _fsync_folder(folder)
        return kept
    except BaseException:
        if kept is not None and os.path.exists(database_path) and os.path.samefile(kept, database_path):
            os.remove(kept)        # the old file was never replaced: its second name is not needed
        raise
    finally:
        _remove(staged)
        lock.close()


def restore_leftovers(database_path):
    """Files a restore of database_path left behind (kept-aside copies, temp files), sorted."""
    folder = os.path.dirname(os.path.abspath(database_path))
    marks = tuple(os.path.basename(database_path) + mark for mark in (KEPT_MARK, STAGED_MARK))
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if name.startswith(marks)) if os.path.isdir(folder) else []
