"""Backups: consistent snapshot, gzip, COS upload with retention, and a checked restore that keeps the old file."""

import gzip
import os
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

import pytest

from bot.db import hold_server_lock, server_running
from conftest import ADMIN
from cos_server import S3Server, cos_config, create_bucket
from bot.cos import Cos
from plugins.export import cli, jobs
from plugins.export.backup import RestoreError, restore

TABLES = ("groups", "users", "expenses", "settlements", "settlement_items")


def dump(path):
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}
    finally:
        conn.close()


def restore_temp_files(database):
    return sorted(p.name for p in Path(database).parent.glob("*.restore-tmp-*"))


@pytest.fixture
def data(app, say, member):
    zhang, wang = member("张三"), member("王五", "研发二组")
    say(zhang, "1 86.5 奶茶")
    say(wang, "1 20 水果")
    say(ADMIN, "82 研发二组")
    say(ADMIN, "确认")
    return app


def test_backup_then_restore_gives_back_identical_data_and_keeps_the_old_file(data, say):
    app = data
    database = app.config["database"]
    before = dump(database)
    row = jobs.run_backup(app)
    assert row["state"] == "done" and row["upload_state"] == "disabled" and row["path"].endswith(".db.gz")
    with gzip.open(row["path"]) as handle:
        assert handle.read(16) == b"SQLite format 3\x00"
    say("o-张三", "1 5 后来记的")          # written after the backup
    app.store.close()
    with pytest.raises(RestoreError, match="--force"):
        restore(row["path"], database)
    assert dump(database) != before and not restore_temp_files(database)
    kept = restore(row["path"], database, force=True)
    assert dump(database) == before and not restore_temp_files(database)
    assert ".before-restore-" in kept and any(r[3] == 500 for r in dump(kept)["expenses"])


def test_two_restores_in_the_same_second_keep_both_old_files(data, say):
    app = data
    database = app.config["database"]
    row = jobs.run_backup(app)
    say("o-张三", "1 5 后来记的")
    app.store.close()
    at = datetime(2026, 12, 1, 2, 30)
    first = restore(row["path"], database, force=True, now=at)
    second = restore(row["path"], database, force=True, now=at)
    assert first != second
    assert any(r[3] == 500 for r in dump(first)["expenses"])
    assert dump(second) == dump(database)


def test_restore_is_refused_while_another_program_has_the_database_open(data, say):
    app = data
    database = app.config["database"]
    row = jobs.run_backup(app)
    say("o-张三", "1 5 后来记的")
    before = dump(database)
    app.store.close()
    other = sqlite3.connect(database)           # say, the sqlite3 shell left open on the live file
    try:
        other.execute("SELECT COUNT(*) FROM expenses").fetchone()
        with pytest.raises(RestoreError, match="其他程序"):
            restore(row["path"], database, force=True)
    finally:
        other.close()
    assert dump(database) == before
    assert not list(Path(database).parent.glob("*.before-restore-*")) and not restore_temp_files(database)


def test_restore_refuses_a_damaged_file_and_leaves_the_database_alone(data, tmp_path):
    app = data
    database = app.config["database"]
    before = dump(database)
    bad = tmp_path / "bad.db.gz"
    with gzip.open(bad, "wb") as handle:
        handle.write(b"SQLite format 3\x00" + b"\x07" * 5000)
    app.store.close()
    with pytest.raises(RestoreError):
        restore(str(bad), database, force=True)
    assert dump(database) == before
    assert not list(Path(database).parent.glob("*.before-restore-*"))


def test_backup_is_consistent_while_writers_keep_writing(data, say):
    app = data
    stop = threading.Event()

    def write():
        n = 0
        while not stop.is_set() and n < 300:
            n += 1
            say("o-张三", f"1 {n} 并发")
    writer = threading.Thread(target=write)
    writer.start()
    try:
        row = jobs.run_backup(app)
    finally:
        stop.set()
        writer.join(30)
    restored = Path(app.config["database"]).parent / "restored.db"
    assert restore(row["path"], str(restored)) is None
    conn = sqlite3.connect(restored)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM expenses").fetchone()[0] >= 2
    conn.close()


def test_backups_go_to_cos_and_only_the_last_n_are_kept_there_and_locally(data, config, monkeypatch):
    monkeypatch.setenv("COS_SECRET_ID", "AKIDtest")
    monkeypatch.setenv("COS_SECRET_KEY", "testkey")
    server = S3Server()
    try:
        create_bucket(server.domain)
        config["cos"] = cos_config(server.domain)
        config["plugins"]["export"] = {"backup_keep": 2}
        rows = [jobs.run_backup(data) for _ in range(3)]
        assert all(r["upload_state"] == "uploaded" and r["cos_key"].startswith("teabot/backups/") for r in rows)
        cos = Cos(config)
        assert sorted(cos.list_keys("teabot/backups/")) == sorted(r["cos_key"] for r in rows[1:])
        local = sorted(p.name for p in Path(jobs.backups_dir(data)).iterdir())
        assert local == sorted(Path(r["path"]).name for r in rows[1:])
    finally:
        server.stop()


def test_cli_restore_refuses_without_force_and_restores_with_it(data, capsys):
    app = data
    row = jobs.run_backup(app)
    assert cli.cli_restore(app, [row["path"]]) == 1
    assert "--force" in capsys.readouterr().err
    assert cli.cli_restore(app, [row["path"], "--force"]) == 0
    assert "原数据库另存为" in capsys.readouterr().out


def test_cli_restore_refuses_while_a_server_holds_the_database(data, capsys):
    app = data
    row = jobs.run_backup(app)
    lock = hold_server_lock(app.config["database"])     # what `run_bot.py serve` takes at start
    try:
        assert cli.cli_restore(app, [row["path"], "--force"]) == 1
        assert "服务正在运行" in capsys.readouterr().err
        assert server_running(app.config["database"]) == os.getpid()
    finally:
        lock.close()
    assert server_running(app.config["database"]) is None
    assert cli.cli_restore(app, [row["path"], "--force"]) == 0


def test_cli_backup_prints_where_the_file_is(app, capsys):
    assert cli.cli_backup(app, []) == 0
    out = capsys.readouterr().out
    assert "备份完成" in out and ".db.gz" in out and "未启用" in out


def test_cli_backup_says_the_receipts_are_kept_apart_and_where(app, capsys):
    assert cli.cli_backup(app, []) == 0
    out = capsys.readouterr().out
    assert "小票图片不在数据库备份里" in out and str(app.config["database"]).rsplit("/", 1)[0] + "/receipts" in out
