import io
import socket
import subprocess
import sys
from pathlib import Path

from bot import console
from bot.db import hold_server_lock

ROOT = Path(__file__).resolve().parents[1]


def test_console_plays_a_whole_conversation(app):
    script = "\n".join([
        "/as 张三", "9 研发一组 张三", "/as admin", "81", "81 1", "/as 张三", "1 86.5 奶茶", "2", "/as admin",
        "82 研发一组", "确认", "/quit",
    ]) + "\n"
    out = io.StringIO()
    assert console.run(app, stdin=io.StringIO(script), stdout=out) == 0
    text = out.getvalue()
    assert "已提交注册：张三" in text
    assert "#1 张三 → 研发一组" in text
    assert "[推送 → console-张三] 你的注册已通过" in text
    assert "已记录 #1：86.50 元 奶茶" in text
    assert "已结算 研发一组：结算 #1，1 笔，合计 86.50 元" in text


def test_chat_command_runs_from_the_cli(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"database: {tmp_path / 't.db'}\ngroups: [测试组]\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "run_bot.py", "--config", str(config), "chat"], cwd=ROOT, capture_output=True, text=True,
        input="87\n/as 李四\n9 测试组 李四\n2\n", timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "测试组（0 人）" in result.stdout and "注册待审核：李四" in result.stdout


def test_a_second_server_on_the_same_database_is_refused(tmp_path):
    database = tmp_path / "t.db"
    config = tmp_path / "c.yaml"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config.write_text(f"database: {database}\nserver: {{port: {port}}}\n", encoding="utf-8")
    lock = hold_server_lock(str(database))       # as a running `serve` holds it
    try:
        result = subprocess.run([sys.executable, "run_bot.py", "--config", str(config), "serve"], cwd=ROOT,
                                capture_output=True, text=True, timeout=30)
    finally:
        lock.close()
    assert result.returncode == 2
    assert "同一个数据库只能运行一个服务" in result.stderr


def test_serving_freezes_start_up_objects_and_collects_the_young_generation_less_often():
    import gc
    import importlib.util
    spec = importlib.util.spec_from_file_location("run_bot_module", Path(ROOT) / "run_bot.py")
    run_bot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_bot)
    thresholds = gc.get_threshold()
    try:
        run_bot._tune_gc_for_serving()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (run_bot.GC_YOUNG_THRESHOLD,) + thresholds[1:]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_sigterm_stops_the_server_cleanly(tmp_path):
    import signal
    import time
    import urllib.request
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "c.yaml"
    config.write_text(f"database: {tmp_path / 't.db'}\nexports_dir: {tmp_path / 'exports'}\nserver: {{port: {port}}}\n",
                      encoding="utf-8")
    server = subprocess.Popen([sys.executable, "run_bot.py", "--config", str(config), "serve"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, output
    assert "Traceback" not in output
