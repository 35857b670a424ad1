"""Database backups: a consistent online snapshot (SQLite backup API) gzipped, and a checked restore."""

import gzip
import os
import shutil
import sqlite3
from datetime import datetime


class RestoreError(Exception):
    """The restore was refused or the file is unusable; the message says why, in Chinese."""


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
        for leftover in (raw, gz_tmp):
            if os.path.exists(leftover):
                os.remove(leftover)
    return size


def _decompress(source, target):
    with open(source, "rb") as probe:
        magic = probe.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(source, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except (OSError, EOFError) as exc:
        raise RestoreError(f"无法解压 {source}：{exc}") from None


def _check(path):
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
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
    """True when the database holds anything a person entered (users, expenses or settlements)."""
    if not os.path.exists(database_path):
        return False
    conn = sqlite3.connect(database_path, timeout=30)
    try:
        for table in ("users", "expenses", "settlements"):
            try:
                if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                    return True
            except sqlite3.OperationalError:
                continue
        return False
    finally:
        conn.close()


def restore(backup_file, database_path, force=False, now=None):
    """Replace the database with a checked copy of backup_file; the old file is kept aside.

    Returns the path the old database was moved to (None if there was none). The server must be stopped.
    """
    if not os.path.exists(backup_file):
        raise RestoreError(f"找不到备份文件 {backup_file}")
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    staged = f"{database_path}.restore-tmp-{os.getpid()}"
    try:
        _decompress(backup_file, staged)
        _check(staged)
        if has_data(database_path) and not force:
            raise RestoreError(f"{database_path} 已有数据，拒绝覆盖；确认要覆盖请加 --force（旧库会另存）")
        kept = None
        if os.path.exists(database_path):
            # fold the WAL into the main file first, so the copy kept aside is complete on its own
            conn = sqlite3.connect(database_path, timeout=30)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            kept = f"{database_path}.before-restore-{stamp}"
            os.replace(database_path, kept)
            for suffix in ("-wal", "-shm"):
                if os.path.exists(database_path + suffix):
                    os.replace(database_path + suffix, kept + suffix)
        os.replace(staged, database_path)
        return kept
    finally:
        if os.path.exists(staged):
            os.remove(staged)
