#!/usr/bin/env python3
"""Every chat command at a centre's size: 50 teams, 2,000 members, three years of expenses, over real HTTP.

    .venv/bin/python bench/bench_scale.py [ROWS ...]      # default 10000 100000 1000000; about 4 minutes

For each size it builds a database (executemany in one transaction, not through the chat): 50 teams of 40
members, ROWS expenses over the last three years of which ~5 % are open (each team settled 10 times, the last
about 55 days ago: 500 settlements with their items), 1 % void, 10,000 payments (provider static), 32
lotteries, 2,000 decided and 60 pending registrations, with quotas on (250 元 a head, one team its own figure),
and a stored receipt for every third record.
Then it starts the real server (`run_bot.py --config TMP serve`) on loopback and sends every command a member,
the admin and finance use as signed plaintext WeChat XML, 2 warm-ups and 20 timed requests each (unique MsgIds), checking every reply (HTTP 200, the expected text, no
error, at most 2,048 bytes of UTF-8). It prints, per size, the command, median and worst ms, and the reply's
bytes. Exit status: 0 every target met (median <= 50 ms, worst of 20 <= 200 ms, reply <= 2,048 bytes), 1 a
target missed, 2 setup failed. `--keep` keeps the temporary folders.
"""

import argparse
import bisect
import copy
import http.client
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import bench_wechat as harness          # signatures, the server's environment, free ports, daily jobs marked done

ROOT = harness.ROOT
TOKEN = harness.TOKEN
ADMIN, FINANCE = "o-bench-admin", "o-bench-finance"
TZ = "Asia/Shanghai"
TEAMS, MEMBERS, PENDING, PAYMENTS = 50, 2000, 60, 10_000
SETTLEMENTS_PER_TEAM, YEARS = 10, 3
OPEN_DAYS = 55                 # the last settlement of each team is about this long ago: ~5 % of three years open
REPEAT, WARMUP = 20, 2
MEDIAN_MS, WORST_MS, REPLY_BYTES = 50, 200, 2048

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏飞宇浩然子轩梓涵欣怡"
NOTES = ["奶茶", "水果", "蛋糕", "咖啡 12杯", "下午茶 奶茶与水果", "零食", "面包", "茶点 周五", "奶茶10杯", "水果拼盘"]
DEPARTMENTS = ["研发", "测试", "产品", "运维", "数据"]


def team_names(teams=TEAMS):
    return [f"{DEPARTMENTS[i % len(DEPARTMENTS)]}{i // len(DEPARTMENTS) + 1:02d}组" for i in range(teams)]


def member_openid(i):
    return f"oBenchScaleMember{i:011d}"          # 28 characters, like a WeChat openid


def utc_text(moment):
    return moment.astimezone(ZoneInfo("UTC")).isoformat(timespec="microseconds")


# --- the database -----------------------------------------------------------------------------------------------

def seed(conn, rows, now=None, teams=TEAMS, members=MEMBERS):
    """Fill a migrated teabot database whose `groups` hold the teams: members, `rows` expenses over three years
    (settled in 10 batches per team, the last ~55 days ago, so ~5 % stay open; 1 % void), settlements with their
    items, payments, lotteries and registrations, in one transaction. Returns facts the bench needs."""
    from plugins.lottery.draw import commitment, new_seed
    rng = random.Random(12)
    tz = ZoneInfo(TZ)
    now = now or datetime.now(tz)
    start = now - timedelta(days=365 * YEARS)
    group_ids = [g for (g,) in conn.execute("SELECT id FROM groups ORDER BY id").fetchall()][:teams]
    conn.execute("BEGIN")
    people = []
    for i in range(members):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        people.append((member_openid(i), name, group_ids[i % len(group_ids)]))
    joined = utc_text(start - timedelta(days=30))
    conn.executemany("INSERT INTO users (openid, name, group_id, status, approved_at, approved_by, created_at) "
                     "VALUES (?, ?, ?, 'member', ?, ?, ?)", [(o, n, g, joined, ADMIN, joined) for o, n, g in people])
    conn.executemany("INSERT INTO registration_requests (openid, group_id, name, created_at, status, decided_by, "
                     "decided_at) VALUES (?, ?, ?, ?, 'approved', ?, ?)",
                     [(o, g, n, joined, ADMIN, joined) for o, n, g in people])
    conn.executemany("INSERT INTO memberships (openid, group_id, joined_at) VALUES (?, ?, ?)",   # quotas' head count
                     [(o, g, joined) for o, _, g in people])
    asked = utc_text(now - timedelta(hours=5))
    newcomers = [(f"oBenchScalePending{i:010d}", f"新人{i:02d}", group_ids[rng.randrange(len(group_ids))])
                 for i in range(PENDING)]
    conn.executemany("INSERT INTO users (openid, status, requested_group_id, requested_name, requested_at, created_at) "
                     "VALUES (?, 'pending', ?, ?, ?, ?)", [(o, g, n, asked, asked) for o, n, g in newcomers])
    conn.executemany("INSERT INTO registration_requests (openid, group_id, name, created_at) VALUES (?, ?, ?, ?)",
                     [(o, g, n, asked) for o, n, g in newcomers])

    # each team's settlement times, the last about OPEN_DAYS ago; a batch takes what its team recorded before it
    span = (now - start) - timedelta(days=OPEN_DAYS)
    batches = sorted((start + span * (k + 1) / SETTLEMENTS_PER_TEAM + timedelta(hours=rng.uniform(-96, 0)), g)
                     for g in group_ids for k in range(SETTLEMENTS_PER_TEAM))
    batch_id = {(g, t): n + 1 for n, (t, g) in enumerate(batches)}
    times_of = {g: sorted(t for t, team in batches if team == g) for g in group_ids}
    totals = {}
    expenses, items = [], []
    step = (now - timedelta(minutes=30) - start) / max(rows, 1)
    for i in range(rows):
        openid, _, group_id = people[rng.randrange(members)]
        at = start + step * i
        amount = rng.randint(500, 50000)
        settled_by = bisect.bisect_left(times_of[group_id], at)
        status, batch, voided = "open", None, None
        if rng.random() < 0.01:
            status, voided = "void", utc_text(at + timedelta(minutes=5))
        elif settled_by < len(times_of[group_id]):
            status, batch = "settled", batch_id[(group_id, times_of[group_id][settled_by])]
            count, total = totals.get(batch, (0, 0))
            totals[batch] = (count + 1, total + amount)
            items.append((batch, i + 1, openid, amount))
        expenses.append((i + 1, openid, group_id, amount, rng.choice(NOTES), at.astimezone(tz).date().isoformat(),
                         utc_text(at), status, batch, voided, openid if voided else None))
    conn.executemany("INSERT INTO expenses (id, openid, group_id, amount_fen, note, spent_on, recorded_at, status, "
                     "settlement_id, voided_at, voided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", expenses)
    conn.executemany("INSERT INTO settlements (id, group_id, created_by, created_at, record_count, total_fen) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     [(batch_id[(g, t)], g, ADMIN, utc_text(t), *totals.get(batch_id[(g, t)], (0, 0)))
                      for t, g in batches])
    conn.executemany("INSERT INTO settlement_items (settlement_id, expense_id, openid, amount_fen) VALUES (?, ?, ?, ?)",
                     items)
    # receipts (issue 15): one stored image for every third record, so 2, 7 and 83 N read a centre's receipts
    # (stored with COS off: owed to COS from their stored time, as receipt_jobs marks them)
    conn.executemany("INSERT INTO receipts (expense_id, openid, status, sha256, content_type, size_bytes, path, "
                     "created_at, stored_at, cos_next_attempt_at) VALUES (?, ?, 'stored', ?, 'image/jpeg', 180000, ?, ?, ?, ?)",
                     [(e[0], e[1], f"{e[0]:064x}", f"{e[0] % 256:02x}/{e[0]:064x}.jpg", e[6], e[6], e[6])
                      for e in expenses if e[0] % 3 == 0])

    payments = []
    for i in range(PAYMENTS):
        openid, _, group_id = people[rng.randrange(members)]
        at = start + (now - start) * (i / PAYMENTS)
        status = "pending" if i >= PAYMENTS - 40 else rng.choice(["paid"] * 30 + ["closed"])
        amount, paid = rng.randint(500, 20000), status == "paid"
        payments.append((f"TB{at.astimezone(tz):%Y%m%d%H%M%S}{i:08X}", secrets.token_urlsafe(24), openid, group_id,
                         amount, rng.choice(NOTES), status, utc_text(at),
                         utc_text(at + timedelta(hours=2)) if paid else None, amount if paid else None))
    conn.executemany("INSERT INTO payments (out_trade_no, token, openid, group_id, amount_fen, note, status, provider, "
                     "created_at, paid_at, paid_fen) VALUES (?, ?, ?, ?, ?, ?, ?, 'static', ?, ?, ?)", payments)

    for n in range(32):
        drawn = n < 30
        at = start + (now - start) * (n / 30) if drawn else now + timedelta(days=3 + n)
        seed_text = new_seed()
        joined_by = rng.sample(people, 200 if drawn else 300)
        lottery_id = conn.execute(
            "INSERT INTO lotteries (title, draw_at, prizes, state, seed, commitment, created_by, created_at, "
            "drawn_by, drawn_at, participant_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [f"周五下午茶{n + 1}", utc_text(at), '[{"name": "一等奖", "count": 1}, {"name": "奶茶券", "count": 4}]',
             "OPENED" if drawn else "INIT", seed_text, commitment(seed_text), ADMIN,
             utc_text(at - timedelta(days=3)), "scheduler" if drawn else None, utc_text(at) if drawn else None,
             len(joined_by) if drawn else None]).lastrowid
        conn.executemany("INSERT INTO lottery_entries (lottery_id, openid, join_no, joined_at) VALUES (?, ?, ?, ?)",
                         [(lottery_id, p[0], k + 1, utc_text(at - timedelta(days=1))) for k, p in enumerate(joined_by)])
        if drawn:
            conn.executemany("INSERT INTO lottery_winners (lottery_id, prize_index, prize_name, openid) "
                             "VALUES (?, ?, ?, ?)", [(lottery_id, k, "一等奖" if k == 0 else "奶茶券", p[0])
                                                     for k, p in enumerate(joined_by[:5])])
    conn.execute("COMMIT")
    sizes = {g: sum(1 for p in people if p[2] == g) for g in group_ids}
    return {"people": people, "group_ids": group_ids, "last_batch": len(batches),
            "open": sum(1 for e in expenses if e[7] == "open"), "team_size": sizes}


def centre_config(folder):
    """The centre's settings (merged over the defaults): 50 teams, one admin, one finance, static pay links."""
    return {"database": os.path.join(folder, "teabot.db"), "exports_dir": os.path.join(folder, "exports"),
            "timezone": TZ, "admins": [ADMIN], "finance": [FINANCE], "groups": team_names(),
            "plugins": {"pay": {"provider": "static", "static_url": "https://pay.example.com/qr.png"}}}


# --- the server and the messages ----------------------------------------------------------------------------------

# (label, who, text, what the reply must contain, untimed message sent before each); {n} is a counter
COMMANDS = [
    ("0", "member", "0", "可用命令", None),
    ("2", "member", "2", "已报销", None),
    ("3", "member", "3", "未报销合计", None),
    ("4", "member", "4", "全中心合计", None),
    ("7", "member", "7", "你最近的记录", None),
    ("6", "member", "6", "进行中的抽奖", None),
    ("5", "member", "5", "你最近的付款", None),
    ("81", "admin", "81", "待审核注册", None),
    ("82", "admin", "82", "待报销预览", None),
    ("82 组名 (admin: asks)", "admin", "82 {team}", "将结算", None),
    ("82 组名 (finance)", "finance", "82 {team}", "待报销", None),
    ("82 组名 额度内 (admin)", "admin", "82 {team} 额度内", "额度", None),
    ("83", "finance", "83", "结算记录", None),
    ("83 N", "finance", "83 {batch}", "结算 #", None),
    ("更多 (after 83 N)", "finance", "更多", "页", "83 {batch}"),
    ("88", "finance", "88", "付款共", None),
    ("85", "admin", "85", "抽奖共", None),
    ("1 (record)", "member", "1 {amount} 奶茶 bench{n}", "已记录", None),
    ("5 金额 (static)", "member", "5 12.5 奶茶{n}", "付款订单", None),
    ("84", "admin", "84 周五下午茶{n} 后天 16:00 奶茶券x3", "已发起抽奖", None),
    ("86 (starts the report)", "finance", "86", "报表", None),
]


class Server(harness.Server):
    """bench_wechat's server, started in its own process group: stopping it also ends the report `86` started."""

    def __init__(self, config_path, port, log_path):
        self.name, self.port, self.log_path = "teabot", port, log_path
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen([sys.executable, os.path.join(ROOT, "run_bot.py"), "--config", config_path,
                                         "serve"], cwd=ROOT, env=harness.child_env(), stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def stop(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(10)
                break
            except subprocess.TimeoutExpired:
                continue
        self.log.close()


def build(folder, rows, port):
    """The config file and a seeded database for `rows` expenses; returns (config path, facts, seconds)."""
    import yaml

    from bot.app import App
    from bot.config import load_config
    settings = {**centre_config(folder), "server": {"host": "127.0.0.1", "port": port, "threads": 32},
                "wechat": {"token": TOKEN}}
    # quotas on (docs/quota.md): every `1`, `3`, `4` and `82` also reads the quarter's allowance, used and left
    settings["plugins"] = {**settings["plugins"],
                           "quota": {"per_head_per_quarter": 250, "teams": {team_names()[0]: 20000}}}
    path = os.path.join(folder, "config.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(settings, handle, allow_unicode=True)
    app = App(load_config(path, environ={}), sender=lambda openid, text: None).setup()
    started = time.perf_counter()
    facts = seed(app.store.db.conn, rows)
    seconds = time.perf_counter() - started
    harness.mark_daily_jobs_done(app)
    app.store.close()
    facts["team"] = settings["groups"][facts["group_ids"].index(facts["people"][7][2])]
    return path, facts, seconds


class Chat:
    """Signed plaintext WeChat messages over one keep-alive connection; each reply's text and milliseconds."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.msg_id = int(time.time() * 1000) * 1000

    def send(self, openid, text):
        import xml.etree.ElementTree as ET
        self.msg_id += 1
        body = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{text}]]></Content><MsgId>{self.msg_id}</MsgId></xml>").encode("utf-8")
        started = time.perf_counter()
        self.conn.request("POST", "/wechat?" + harness.signed_query(nonce=str(self.msg_id)), body=body,
                          headers={"Content-Type": "text/xml"})
        response = self.conn.getresponse()
        raw = response.read()
        ms = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise harness.SetupError(f"{text!r}: HTTP {response.status} {raw[:200]!r}")
        return ET.fromstring(raw).findtext("Content") or "", ms


def measure(port, facts):
    """Per command: (label, median ms, worst ms, largest reply bytes, problems)."""
    chat = Chat(port)
    who = {"member": facts["people"][7][0], "admin": ADMIN, "finance": FINANCE}
    counter = iter(range(1, 10**6))
    results = []
    for label, role, template, expect, before in COMMANDS:
        times, sizes, problems = [], [], []
        for attempt in range(WARMUP + REPEAT):
            fill = {"team": facts["team"], "batch": facts["last_batch"], "n": next(counter)}
            fill["amount"] = f"{10 + fill['n'] % 90}.{fill['n'] % 100:02d}"
            if before:
                chat.send(who[role], before.format(**fill))
            reply, ms = chat.send(who[role], template.format(**fill))
            if attempt < WARMUP:
                continue
            times.append(ms)
            sizes.append(len(reply.encode("utf-8")))
            if expect not in reply or "出错了" in reply:
                problems.append(f"unexpected reply: {reply[:120]!r}")
        results.append((label, statistics.median(times), max(times), max(sizes), sorted(set(problems))))
    return results


def missed(results):
    out = []
    for label, median, worst, size, problems in results:
        out += [f"{label}: {p}" for p in problems]
        if median > MEDIAN_MS:
            out.append(f"{label}: median {median:.1f} ms > {MEDIAN_MS} ms")
        if worst > WORST_MS:
            out.append(f"{label}: worst {worst:.1f} ms > {WORST_MS} ms")
        if size > REPLY_BYTES:
            out.append(f"{label}: reply {size} bytes > {REPLY_BYTES}")
    return out


def print_table(rows, facts, seconds, results):
    print(f"\n{rows:,} expense rows ({facts['open']:,} open), 50 teams, 2,000 members; built in {seconds:.1f} s")
    print(f"| command | median ms | worst of {REPEAT} ms | reply bytes |")
    print("|---|---|---|---|")
    for label, median, worst, size, _ in results:
        print(f"| `{label}` | {median:.1f} | {worst:.1f} | {size} |")
    sys.stdout.flush()


def run(rows, keep):
    folder = tempfile.mkdtemp(prefix=f"teabot-scale-{rows}-")
    server = None
    try:
        port = harness.free_port()
        config_path, facts, seconds = build(folder, rows, port)
        server = Server(config_path, port, os.path.join(folder, "server.log"))
        results = measure(port, facts)
        print_table(rows, facts, seconds, results)
        return missed(results)
    finally:
        if server is not None:
            server.stop()
        if keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (database, log)")
    args = parser.parse_args(argv)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"SQLite {__import__('sqlite3').sqlite_version}; targets: median <= {MEDIAN_MS} ms, worst of {REPEAT} "
          f"<= {WORST_MS} ms, reply <= {REPLY_BYTES} bytes")
    problems = []
    try:
        for rows in args.rows:
            problems += [f"{rows:,} rows: {p}" for p in run(rows, args.keep)]
    except harness.SetupError as exc:
        print(f"setup failed: {exc}")
        return 2
    print("\nPASS: every target met" if not problems else "\nFAIL:\n" + "\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
