"""kill -9 in the middle of recording, then WeChat's retries of every message to the restarted server: each
MsgId is recorded exactly once, and every message that had been answered gets the very same reply again. The
plugin has no retry code: this is the framework's saved reply (bot/inbound.py), committed with the record."""

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from test_wechat_endpoint import TOKEN, message_xml, reply_content, sign

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "o-admin"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(config_path, port):
    server = subprocess.Popen([sys.executable, "run_bot.py", "--config", str(config_path), "serve"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("the server did not start")


def post(port, openid, text, msg_id):
    timestamp, nonce = str(int(time.time())), f"n{msg_id}-{time.monotonic_ns()}"
    params = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    response = requests.post(f"http://127.0.0.1:{port}/wechat", params=params,
                             data=message_xml(openid, text, msg_id), timeout=10)
    return reply_content(response)["Content"]


def test_retries_after_kill_9_record_each_message_once_and_repeat_the_reply(tmp_path):
    port = free_port()
    database = tmp_path / "teabot.db"
    config = tmp_path / "c.yaml"
    config.write_text(f"database: {database}\nexports_dir: {tmp_path / 'exports'}\nserver: {{port: {port}}}\n"
                      f"wechat: {{token: {TOKEN}}}\nadmins: [{ADMIN}]\ngroups: [测试组]\n", encoding="utf-8")
    server = start(config, port)
    members = [f"o-m{i}" for i in range(4)]
    try:
        for n, openid in enumerate(members):
            post(port, openid, f"9 测试组 组员{n}", f"reg-{n}")
        assert "将通过以下 4 个注册申请" in post(port, ADMIN, "81 全部", "all")
        assert "已通过 4 个注册" in post(port, ADMIN, "确认", "all-ok")
        answered, lock = {}, threading.Lock()

        def record(openid, n):
            for k in range(1000):
                msg_id = f"9{n}{k:05d}"
                try:
                    reply = post(port, openid, f"1 12.5 crash-{msg_id}", msg_id)
                except (requests.RequestException, AssertionError):
                    return                     # the server is gone
                with lock:
                    answered[msg_id] = reply
        threads = [threading.Thread(target=record, args=(openid, n)) for n, openid in enumerate(members)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        for thread in threads:
            thread.join(15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert len(answered) > 20, "the load ran before the crash"
    sent_before = {f"9{n}{k:05d}": openid for n, openid in enumerate(members)
                   for k in range(max(int(m[2:]) for m in answered if m[1] == str(n)) + 2)}

    server = start(config, port)
    try:
        again = {msg_id: post(port, openid, f"1 12.5 crash-{msg_id}", msg_id) for msg_id, openid in sent_before.items()}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
    for msg_id, reply in answered.items():
        assert again[msg_id] == reply, (msg_id, reply, again[msg_id])
    import sqlite3
    conn = sqlite3.connect(database)
    try:
        counts = dict(conn.execute("SELECT note, COUNT(*) FROM expenses GROUP BY note").fetchall())
    finally:
        conn.close()
    assert {f"crash-{m}" for m in sent_before} == set(counts), "every message is recorded"
    assert set(counts.values()) == {1}, "and none twice"
