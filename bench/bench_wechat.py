#!/usr/bin/env python3
"""Load benchmark of the record-expense path (POST /wechat "1 金额 说明") against a bare WeRoBot echo server.

    .venv/bin/python bench/bench_wechat.py            # about 2 minutes; needs wrk (apt-get install -y wrk)

Starts the real server (`run_bot.py --config TMP serve`, pinned to core 0) on a temporary database with many
approved members, drives it with wrk (pinned to core 1, bench/record_expense.lua: unique MsgId, each request
signed with its own nonce, rotating openids, every reply checked), then does the same to bench/echo_server.py,
and prints req/s, p50/p99/max, the ratios and PASS/FAIL per target. After each run the database must hold every acknowledged
expense; one more run SIGKILLs the server mid-load and checks the same after the crash. Traffic goes only to
127.0.0.1; every run is bounded by wrk's -d. Exit status: 0 all targets met, 1 a target missed, 2 setup failed.
"""

import argparse
import hashlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

LUA_SCRIPT = os.path.join(ROOT, "bench", "record_expense.lua")
ECHO_SERVER = os.path.join(ROOT, "bench", "echo_server.py")
TOKEN = "benchtoken"
ADMIN = "o-bench-admin"
GROUP = "研发一组"
SERVER_CORE, LOAD_CORE = "0", "1"

# targets from the issue
MIN_THROUGHPUT_RATIO = 0.6
MAX_P99_RATIO = 2.0
MAX_LATENCY_MS = 1000


class SetupError(Exception):
    pass


# --- helpers ----------------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signature(timestamp, nonce):
    return hashlib.sha1("".join(sorted([TOKEN, str(timestamp), str(nonce)])).encode()).hexdigest()


def signed_query(timestamp=None, nonce=None, **extra):
    """A signed query string; a fresh nonce unless given (a signature is good for one body only)."""
    timestamp, nonce = str(timestamp or int(time.time())), nonce or secrets.token_hex(5)
    return urllib.parse.urlencode({"signature": signature(timestamp, nonce), "timestamp": timestamp,
                                   "nonce": nonce, **extra})


def child_env():
    env = dict(os.environ)
    for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_ENCODING_AES_KEY", "TEABOT_CONFIG"):
        env.pop(name, None)          # the environment would win over the bench config
    env["PYTHONUNBUFFERED"] = "1"
    return env


# --- the servers ------------------------------------------------------------------------------------------------

def write_config(workdir, port, threads):
    import yaml
    config = {
        "server": {"host": "127.0.0.1", "port": port, "threads": threads},
        "wechat": {"token": TOKEN},
        "database": os.path.join(workdir, "teabot.db"),
        "exports_dir": os.path.join(workdir, "exports"),
        "timezone": "Asia/Shanghai",
        "admins": [ADMIN],
        "groups": [GROUP],
    }
    path = os.path.join(workdir, "config.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, allow_unicode=True)
    return path, config["database"]


def seed_members(config_path, users):
    """Register and approve `users` members through the app itself (commands 9 and 81 全部)."""
    from bot.app import App
    from bot.config import load_config
    config = load_config(config_path, environ={})
    app = App(config, sender=lambda openid, text: None).setup()
    for i in range(users):
        reply = app.handle_text(f"o-bench-{i:04d}", f"9 {GROUP} 用户{i:04d}")
        if "已提交注册" not in reply:
            raise SetupError(f"registration of o-bench-{i:04d} failed: {reply}")
    reply = app.handle_text(ADMIN, "81 全部")
    if "回复“确认”执行" in reply:        # approving everyone asks first
        reply = app.handle_text(ADMIN, "确认")
    if f"已通过 {users} 个" not in reply:
        raise SetupError(f"approval failed: {reply[:200]}")
    app.pusher.flush(30)
    with app.store.write() as db:
        # as if they last wrote long ago: the first message of each user in the run pays for its touch() write
        db.execute("UPDATE users SET last_message_at = NULL")
    mark_daily_jobs_done(app)
    app.store.close()


def mark_daily_jobs_done(app):
    """Record today's daily report and backup as done: a fresh database would otherwise have the server's
    start-up catch-up (the 02:00 run counts as missed) write a workbook and a gzipped backup during the load,
    which measures the export, not message handling (bench_export_inserver.py measures the two together)."""
    from bot.timeutil import to_utc_text, utc_now
    today, created = app.now().date().isoformat(), to_utc_text(utc_now())
    with app.store.write() as db:
        for kind in ("report", "backup"):
            db.execute("INSERT INTO exports (kind, date, trigger, state, upload_state, created_at) "
                       "VALUES (?, ?, 'daily', 'done', 'disabled', ?)", [kind, today, created])


class Server:
    def __init__(self, name, command, port, log_path):
        self.name, self.port, self.log_path = name, port, log_path
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=child_env(), stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/wechat?" + signed_query(echostr="ready"))
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200 and body == b"ready":
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SetupError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines=20):
        self.log.flush()
        with open(self.log_path, "rb") as handle:
            return b"\n".join(handle.read().splitlines()[-lines:]).decode("utf-8", "replace")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


def start_teabot(workdir, config_path, port):
    command = ["taskset", "-c", SERVER_CORE, sys.executable, os.path.join(ROOT, "run_bot.py"),
               "--config", config_path, "serve"]
    log_path = os.path.join(workdir, f"teabot-{time.strftime('%H%M%S')}-{port}.log")
    return Server("teabot", command, port, log_path)


def start_echo(workdir, port, threads, connection_limit):
    command = ["taskset", "-c", SERVER_CORE, sys.executable, ECHO_SERVER, "--port", str(port),
               "--token", TOKEN, "--threads", str(threads), "--connection-limit", str(connection_limit)]
    return Server("echo", command, port, os.path.join(workdir, "echo.log"))


def smoke_check(port, expect):
    """One hand-made request before the load: a clear message if the reply format is not what we check for."""
    body = ("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[o-bench-0000]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[1 12.5 bench-1]]></Content><MsgId>1</MsgId></xml>").encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/wechat?" + signed_query(), body, {"Content-Type": "text/xml"})
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    conn.close()
    if response.status != 200 or expect not in text:
        raise SetupError(f"unexpected reply ({response.status}): {text[:300]}")


def accept_queue(port):
    """Connections the kernel completed but the server has not accept()ed yet (rx_queue of the LISTEN socket)."""
    with open("/proc/net/tcp") as handle:
        for line in handle.readlines()[1:]:
            fields = line.split()
            if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
                return int(fields[4].split(":")[1], 16)
    return 0


class AcceptQueueWatch:
    """Samples the listen socket's accept queue every 0.2 s during a run (after the first second of connects)."""

    def __init__(self, port):
        self.port, self.samples, self.waiting = port, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self):
        started = time.monotonic()
        while not self._stop.wait(0.2):
            if time.monotonic() - started > 1.0:
                self.samples += 1
                self.waiting.append(accept_queue(self.port))

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.samples, sum(1 for w in self.waiting if w), max(self.waiting, default=0)


# --- the load ---------------------------------------------------------------------------------------------------

def run_wrk(workdir, label, mode, port, connections, duration, run_id, users, kill_after=None, server=None):
    """One bounded wrk run; returns its figures and the set of acknowledged MsgIds."""
    ack_dir = os.path.join(workdir, f"acks-{label}")
    os.makedirs(ack_dir)
    command = ["taskset", "-c", LOAD_CORE, "wrk", "-t", str(min(2, connections)), "-c", str(connections),
               "-d", f"{duration}s", "--timeout", "5s", "-s", LUA_SCRIPT, f"http://127.0.0.1:{port}",
               "--", mode, run_id, str(users), TOKEN, ack_dir]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watch = AcceptQueueWatch(port)
    killed_at = None
    if kill_after is not None:
        time.sleep(kill_after)
        server.kill()
        killed_at = time.monotonic() - started
    output, _ = process.communicate(timeout=duration + 60)
    samples, samples_waiting, max_waiting = watch.stop()
    if process.returncode != 0 or "BENCH requests" not in output:
        raise SetupError(f"wrk failed ({process.returncode}):\n{output}")
    figures = {}
    for line in output.splitlines():
        if line.startswith("BENCH "):
            _, key, value = line.split()
            figures[key] = float(value)
    acked = set()
    for name in os.listdir(ack_dir):
        with open(os.path.join(ack_dir, name)) as handle:
            acked.update(line.strip() for line in handle if line.strip())
    seconds = figures["duration_us"] / 1e6
    figures.update(label=label, mode=mode, connections=connections, seconds=seconds, acked=len(acked),
                   queue_samples=samples, queue_samples_waiting=samples_waiting, queue_max=max_waiting,
                   rps=figures["ok"] / seconds, killed_at=killed_at,
                   errors=sum(figures[k] for k in ("errors_connect", "errors_read", "errors_write",
                                                   "errors_timeout")),
                   bad=figures["bad_status"] + figures["bad_body"] + figures["unmatched"])
    if len(acked) != figures["ok"]:
        raise SetupError(f"{label}: {figures['ok']:.0f} good replies but {len(acked)} distinct MsgIds recorded")
    return figures, acked


def durability(db_path, run_id, acked):
    """(rows of this run, acknowledged MsgIds missing from the database, integrity_check) — read after the run.
    Each expense's note carries its MsgId ("bench-<MsgId>"), and so does the reply saved with it (inbound)."""
    conn = sqlite3.connect(db_path)
    try:
        rows = {r[0] for r in conn.execute("SELECT substr(note, 7) FROM expenses WHERE note LIKE ?",
                                            [f"bench-{run_id}%"])}
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return len(rows), len(acked - rows), integrity


# --- report -----------------------------------------------------------------------------------------------------

def print_table(runs):
    header = (f"{'run':<22}{'conns':>6}{'ok req/s':>10}{'ok':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
              f"{'>1s':>5}{'bad':>5}{'sock err':>9}{'unaccepted':>11}{'db rows':>9}{'missing':>8}")
    print(header)
    print("-" * len(header))
    for f in runs:
        rows = f"{f['db_rows']:.0f}" if "db_rows" in f else "-"
        missing = f"{f['missing']:.0f}" if "missing" in f else "-"
        print(f"{f['label']:<22}{f['connections']:>6}{f['rps']:>10.0f}{f['ok']:>8.0f}{f['p50_us'] / 1000:>8.1f}"
              f"{f['p99_us'] / 1000:>8.1f}{f['max_us'] / 1000:>8.1f}{f['late']:>5.0f}{f['bad']:>5.0f}"
              f"{f['errors']:>9.0f}{f['queue_max']:>11.0f}{rows:>9}{missing:>8}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run (default 15)")
    parser.add_argument("--users", type=int, default=500, help="approved members the load rotates over")
    parser.add_argument("--threads", type=int, default=32, help="waitress threads, both servers (default 32, as server.threads)")
    parser.add_argument("--kill-duration", type=int, default=8, help="seconds of the kill -9 run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database)")
    args = parser.parse_args(argv)
    return run_pinned(args, _bench, "teabot-bench-")


def run_pinned(args, bench, prefix):
    """Check the tools, pin this driver to the load core, run bench(args, workdir, servers) in a temporary
    folder, and always stop the servers it started; exit status 2 when setup fails."""
    for tool in ("wrk", "taskset"):
        if not shutil.which(tool):
            print(f"{tool} not found (apt-get install -y {'wrk' if tool == 'wrk' else 'util-linux'})",
                  file=sys.stderr)
            return 2
    if (os.cpu_count() or 1) < 2:
        print("needs 2 cores: the server on core 0, wrk on core 1", file=sys.stderr)
        return 2
    os.sched_setaffinity(0, {int(LOAD_CORE)})     # this driver stays off the server's core too
    workdir = tempfile.mkdtemp(prefix=prefix)
    servers = []
    try:
        return bench(args, workdir, servers)
    except SetupError as exc:
        print(f"benchmark setup failed: {exc}", file=sys.stderr)
        return 2
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _bench(args, workdir, servers):
    began = time.monotonic()
    duration, users = args.duration, args.users
    teabot_port, echo_port = free_port(), free_port()
    config_path, db_path = write_config(workdir, teabot_port, args.threads)
    print(f"seeding {users} approved members ...", flush=True)
    seed_members(config_path, users)

    echo = start_echo(workdir, echo_port, args.threads, connection_limit=100)
    servers.append(echo)
    smoke_check(echo_port, "bench-1")
    runs = []

    def measure(label, mode, port, connections, seconds, run_id, **kill):
        print(f"running {label}: {connections} connections, {seconds}s ...", flush=True)
        figures, acked = run_wrk(workdir, label, mode, port, connections, seconds, run_id, users, **kill)
        if mode == "teabot":
            figures["db_rows"], figures["missing"], figures["integrity"] = durability(db_path, run_id, acked)
        runs.append(figures)
        return figures

    measure("warm-up echo", "echo", echo_port, 32, 2, "11")
    echo32 = measure("echo c32", "echo", echo_port, 32, duration, "12")
    echo128 = measure("echo c128", "echo", echo_port, 128, max(5, duration // 2), "13")
    echo.stop()
    servers.remove(echo)

    teabot = start_teabot(workdir, config_path, teabot_port)
    servers.append(teabot)
    smoke_check(teabot_port, "已记录")
    measure("warm-up teabot", "teabot", teabot_port, 32, 2, "21")
    tea32 = measure("teabot c32", "teabot", teabot_port, 32, duration, "22")
    tea128 = measure("teabot c128", "teabot", teabot_port, 128, duration, "23")
    teabot.stop()
    servers.remove(teabot)

    teabot = start_teabot(workdir, config_path, teabot_port)
    servers.append(teabot)
    kill_after = args.kill_duration / 2
    killed = measure("teabot kill -9", "teabot", teabot_port, 32, args.kill_duration, "24",
                     kill_after=kill_after, server=teabot)
    servers.remove(teabot)
    teabot.log.close()

    print()
    print_table(runs)
    print(f"\nserver: waitress, {args.threads} threads, pinned to core {SERVER_CORE}; "
          f"wrk pinned to core {LOAD_CORE}; {users} members; whole bench {time.monotonic() - began:.0f}s")
    print(f"kill -9 run: server SIGKILLed {killed['killed_at']:.1f}s into the load; "
          f"{killed['acked']} replies acknowledged before it, "
          f"{killed['missing']:.0f} of them missing from the database reopened after the crash "
          f"(integrity_check: {killed['integrity']})")

    throughput_ratio = tea32["rps"] / echo32["rps"]
    p99_ratio = tea32["p99_us"] / echo32["p99_us"]
    teabot_runs = [r for r in runs if r["mode"] == "teabot"]
    checks = [
        (f"throughput c32 >= {MIN_THROUGHPUT_RATIO}x echo",
         f"{tea32['rps']:.0f} / {echo32['rps']:.0f} req/s = {throughput_ratio:.2f}x",
         throughput_ratio >= MIN_THROUGHPUT_RATIO),
        ("every acknowledged expense durable",
         f"{sum(r['missing'] for r in teabot_runs):.0f} missing of {sum(r['acked'] for r in teabot_runs)} acked "
         f"(incl. kill -9 run); WAL fsync'd before each reply", all(r["missing"] == 0 and r["integrity"] == "ok"
                                                        for r in teabot_runs)),
        (f"p99 c32 <= {MAX_P99_RATIO}x echo p99",
         f"{tea32['p99_us'] / 1000:.1f} / {echo32['p99_us'] / 1000:.1f} ms = {p99_ratio:.2f}x",
         p99_ratio <= MAX_P99_RATIO),
        ("no request over 1 s at c32",
         f"max {tea32['max_us'] / 1000:.0f} ms, {tea32['late']:.0f} over 1 s",
         tea32["late"] == 0 and tea32["max_us"] <= MAX_LATENCY_MS * 1000),
        ("no connection left unaccepted at c128",
         f"accept queue non-empty in {tea128['queue_samples_waiting']}/{tea128['queue_samples']} samples "
         f"(max {tea128['queue_max']}), {tea128['errors']:.0f} socket errors/timeouts",
         tea128["errors"] == 0 and tea128["queue_samples_waiting"] == 0),
        ("every reply correct (all teabot runs before the kill)",
         f"{sum(r['bad'] for r in teabot_runs if r['killed_at'] is None):.0f} bad",
         all(r["bad"] == 0 for r in teabot_runs if r["killed_at"] is None)),
    ]
    print(f"echo c128 (waitress default connection_limit=100): accept queue non-empty in "
          f"{echo128['queue_samples_waiting']}/{echo128['queue_samples']} samples (max {echo128['queue_max']})")
    print("\ntargets:")
    for name, measured, passed in checks:
        print(f"  {'PASS' if passed else 'FAIL'}  {name:<52} {measured}")
    return 0 if all(p for _, _, p in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
