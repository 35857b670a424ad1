"""Restore as an operator runs it: real `run_bot.py` processes, real files, kill -9 at the dangerous point."""

import gzip
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from conftest import eventually
from plugins.export.backup import PAUSE_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("groups", "users", "expenses", "settlements", "settlement_items")
REGISTER_AND_RECORD = "/as 张三\n9 研发一组 张三\n/as admin\n81 1\n/as 张三\n1 86.5 奶茶\n1 20 水果\n"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def site(tmp_path):
    """A config whose database lives in its own folder, as `data/teabot.db` does on a server."""
    folder = tmp_path / "data"
    folder.mkdir()
    config, port = tmp_path / "config.yaml", free_port()
    config.write_text(f"database: {folder / 'teabot.db'}\nexports_dir: {tmp_path / 'exports'}\n"
                      f"admins: [o-admin]\ngroups: [研发一组]\nserver: {{port: {port}}}\n"
                      f"plugins: {{export: {{backups_dir: {tmp_path / 'backups'}}}}}\n", encoding="utf-8")
    return {"config": str(config), "database": folder / "teabot.db", "folder": folder, "tmp": tmp_path, "port": port}


def run_bot(site, *args, stdin="", timeout=60):
    return subprocess.run([sys.executable, "run_bot.py", "--config", site["config"], *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def chat(site, script):
    result = run_bot(site, "chat", stdin=script + "/quit\n")
    assert result.returncode == 0, result.stderr
    return result.stdout


def backup(site):
    result = run_bot(site, "backup")
    assert result.returncode == 0, result.stderr
    return str(next((site["tmp"] / "backups").glob("teabot-*.db.gz")))


def chat_killed(site, script, last_reply):
    """Talk to `chat`, and kill -9 it once `last_reply` is printed: its records stay in the WAL, as a crash
    leaves them (acknowledged, so already fsync'd)."""
    process = subprocess.Popen([sys.executable, "run_bot.py", "--config", site["config"], "chat"], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    process.stdin.write(script)
    process.stdin.flush()
    for line in process.stdout:
        if last_reply in line:
            break
    kill_9(process)


def dump(path, suffixes=("", "-wal")):
    """The tables of the database at path, read from a copy (with its WAL) so that reading changes nothing."""
    folder = Path(tempfile.mkdtemp())
    try:
        for suffix in suffixes:
            if os.path.exists(f"{path}{suffix}"):
                shutil.copyfile(f"{path}{suffix}", folder / f"copy.db{suffix}")
        conn = sqlite3.connect(folder / "copy.db")
        try:
            return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
        finally:
            conn.close()
    finally:
        shutil.rmtree(folder)


def snapshot_dump(backup_file, tmp_path):
    plain = tmp_path / "snapshot.db"
    with gzip.open(backup_file) as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    try:
        return dump(plain)
    finally:
        plain.unlink()


def listing(folder):
    """The files in folder but the lock file, which restore holds as `serve` does (and leaves as `serve` does)."""
    return sorted(p.name for p in Path(folder).iterdir() if not p.name.endswith(".lock"))


def restore_paused(site, backup_file, point):
    """Start `restore FILE --force` and return it once it is sleeping at `point` (killed by the caller)."""
    process = subprocess.Popen([sys.executable, "run_bot.py", "--config", site["config"], "restore", backup_file,
                                "--force"], cwd=ROOT, env={**os.environ, PAUSE_VARIABLE: point},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr:
        lines.append(line)
        if f"{PAUSE_VARIABLE}={point}: paused" in line:
            return process
    process.wait(10)
    pytest.fail(f"restore never reached {point} (exit {process.returncode}):\n{''.join(lines)}")


def kill_9(process):
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL


def healthy(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def serve_until_healthy(site):
    """Run `serve` until /healthz answers, then stop it with SIGTERM; its output."""
    with subprocess.Popen([sys.executable, "run_bot.py", "--config", site["config"], "serve"], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as server:
        try:
            assert eventually(lambda: healthy(site["port"]), True, 30), "serve did not start"
            server.send_signal(signal.SIGTERM)
            output = server.communicate(timeout=15)[0]
        finally:
            server.kill()                   # does nothing once it has stopped
    assert server.returncode == 0, output
    return output


def serve_refused(site):
    """Run `serve`, which must refuse to start (a serve that starts runs into the timeout); its stderr."""
    result = run_bot(site, "serve", timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


@pytest.fixture
def with_data(site):
    """A database built by the app itself, a backup of it, and one record written after the backup by a process
    then killed, so that record is only in the WAL; returns the backup file."""
    chat(site, REGISTER_AND_RECORD)
    backup_file = backup(site)
    chat_killed(site, "/as 张三\n1 5 备份之后记的\n", "已记录 #3")
    assert os.path.getsize(f"{site['database']}-wal") > 0
    return backup_file


def test_kill_9_just_before_the_switch_leaves_the_old_database_and_serve_starts_on_it(site, with_data):
    before = dump(site["database"])
    assert [e[3] for e in before["expenses"]] == [8650, 2000, 500]
    kill_9(restore_paused(site, with_data, "restore.before_replace"))
    assert site["database"].exists(), listing(site["folder"])
    assert dump(site["database"]) == before
    output = serve_until_healthy(site)
    assert "恢复中断时留下的文件" in output and ".restore-tmp-" in output
    assert dump(site["database"]) == before


def test_restore_gives_exactly_the_snapshot_although_the_old_records_were_still_in_the_wal(site, with_data):
    before, snapshot = dump(site["database"]), snapshot_dump(with_data, site["tmp"])
    result = run_bot(site, "restore", with_data, "--force")
    assert result.returncode == 0, result.stderr
    names = listing(site["folder"])
    kept = [n for n in names if ".before-restore-" in n]
    assert names == ["teabot.db"] + kept and len(kept) == 1, names     # no -wal/-shm, no restore temp files
    assert dump(site["database"]) == snapshot != before
    assert dump(site["folder"] / kept[0]) == before
    serve_until_healthy(site)
    assert dump(site["database"]) == snapshot


def truncated_backup(site, backup_file):
    data = Path(backup_file).read_bytes()
    cut = site["tmp"] / "truncated.db.gz"
    cut.write_bytes(data[: len(data) // 2])
    return str(cut)


def junk_file(site, backup_file):
    junk = site["tmp"] / "junk"
    junk.write_text("junk\n")
    return str(junk)


@pytest.mark.parametrize("make_bad_file", [junk_file, truncated_backup])
@pytest.mark.parametrize("target_existed", [True, False])
def test_a_failed_restore_leaves_nothing_new_at_the_target(site, with_data, make_bad_file, target_existed):
    bad = make_bad_file(site, with_data)
    if not target_existed:
        for path in site["folder"].iterdir():
            path.unlink()
    names, before = listing(site["folder"]), target_existed and dump(site["database"])
    result = run_bot(site, "restore", bad, "--force")
    assert result.returncode == 1 and "恢复失败" in result.stderr and "Traceback" not in result.stderr
    assert set(listing(site["folder"])) <= set(names)     # the old WAL may have been folded in, nothing added
    if target_existed:
        assert dump(site["database"]) == before


def test_serve_refuses_to_start_empty_when_a_restore_into_a_new_place_was_killed(site, with_data):
    backup_file = shutil.copy(with_data, site["tmp"] / "keep.db.gz")
    for path in site["folder"].iterdir():
        path.unlink()
    kill_9(restore_paused(site, str(backup_file), "restore.before_replace"))
    leftovers = listing(site["folder"])
    assert "teabot.db" not in leftovers and leftovers
    output = serve_refused(site)
    assert "数据库" in output and "restore" in output
    assert all(name in output for name in leftovers), output
    assert listing(site["folder"]) == leftovers                  # nothing created, nothing removed
    result = run_bot(site, "restore", str(backup_file), "--force")   # what the message says to do
    assert result.returncode == 0, result.stderr
    assert listing(site["folder"]) == ["teabot.db"]               # the killed run's temp file is gone too
    assert dump(site["database"]) == snapshot_dump(backup_file, site["tmp"])


def test_serve_refuses_to_start_empty_when_only_the_kept_aside_database_is_there(site, with_data):
    for suffix in ("", "-wal", "-shm"):          # what the restore of before issue #11 left when killed midway
        if os.path.exists(f"{site['database']}{suffix}"):
            os.rename(f"{site['database']}{suffix}", f"{site['database']}.before-restore-20261201-020000{suffix}")
    output = serve_refused(site)
    assert "把最新的" in output and "teabot.db.before-restore-20261201-020000（" in output
    assert not site["database"].exists()


def test_serve_is_refused_while_a_restore_is_running(site, with_data):
    restoring = restore_paused(site, with_data, "restore.before_replace")
    try:
        assert "同一个数据库只能运行一个服务" in serve_refused(site)
    finally:
        kill_9(restoring)
