"""A centre database built by the code deployed as commit 94c30b5, for the migration-forward test (issue 13).

Run against commit 94c30b5, never against newer code (see README.md here):

    git worktree add /tmp/legacy 94c30b5
    cd /tmp/legacy && /work/main/.venv/bin/python /work/main/tests/vectors/legacy/build_legacy_db.py

`bot` and `plugins` are imported from the current directory (the 94c30b5 checkout); the script refuses to run if
that checkout is not at 94c30b5 with bot/ and plugins/ unmodified. It drives bot.app.App only through
app.handle_text(openid, text, msg_id=...), as chat does (the ids of requests, records and orders are read back
the way tests/conftest.py does), then writes teabot-94c30b5.sql (an iterdump of the file after a checkpoint) and
expected.json (fingerprint() of the database loaded back from that SQL) next to this file.

Importing this module has no side effects: the later test uses `fingerprint(conn, tables)` only.
"""

import base64
import hashlib
import json
import sqlite3

COMMIT = "94c30b5"
SQL_NAME = f"teabot-{COMMIT}.sql"
EXPECTED_NAME = "expected.json"


# --- the fingerprint the later test compares ---------------------------------------------------------------------

def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def user_tables(conn):
    """Every table of the database except SQLite's own (sqlite_sequence, sqlite_stat1, ...), by name."""
    return [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY name")]


def table_fingerprint(conn, table, columns=None):
    """{"columns", "rows", "sha256"} of one table, over `columns` (default: all of them, in sorted order).

    Each row is a dict {column: value}, serialised with json.dumps(sort_keys=True, ensure_ascii=False,
    default=str); the rows are sorted by all their columns (as those JSON texts, columns in name order, so the
    result depends on neither the SQL collation nor the order of the columns in the table), and the sha256 is
    over the sorted texts joined with "\\n", in UTF-8.
    """
    if columns is None:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({_quote(table)})")]
    columns = sorted(columns)
    select = ", ".join(_quote(c) for c in columns)
    lines = sorted(json.dumps(dict(zip(columns, row)), sort_keys=True, ensure_ascii=False, default=str)
                   for row in conn.execute(f"SELECT {select} FROM {_quote(table)}"))
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return {"columns": columns, "rows": len(lines), "sha256": digest}


def ledger_totals(conn):
    """The money, as the app reads it: expense totals by status, each team's open total, each settlement's own
    total_fen/record_count and the sum of its settlement_items. JSON-shaped: keys are strings."""
    by_status = {status: total for status, total in conn.execute(
        "SELECT status, SUM(amount_fen) FROM expenses GROUP BY status ORDER BY status")}
    open_by_team = {name: total for name, total in conn.execute(
        "SELECT g.name, COALESCE(SUM(e.amount_fen), 0) FROM groups g "
        "LEFT JOIN expenses e ON e.group_id = g.id AND e.status = 'open' GROUP BY g.id ORDER BY g.name")}
    settlements = {str(sid): {"total_fen": total, "record_count": count} for sid, total, count in conn.execute(
        "SELECT id, total_fen, record_count FROM settlements ORDER BY id")}
    items = {str(sid): total for sid, total in conn.execute(
        "SELECT settlement_id, SUM(amount_fen) FROM settlement_items GROUP BY settlement_id ORDER BY settlement_id")}
    return {"expenses_fen_by_status": by_status, "open_fen_by_team": open_by_team,
            "settlements": settlements, "settlement_items_fen": items}


def fingerprint(conn, tables=None):
    """{"tables": {name: {"columns", "rows", "sha256"}}, "ledger": ledger_totals(conn)} of a sqlite3 connection.

    `tables`: None for every table but SQLite's own; a list of names; or {name: [columns]} to fingerprint only
    those columns (a database migrated forward may have added some: pass the columns expected.json lists, e.g.
    `{t: v["columns"] for t, v in expected["tables"].items()}`).
    """
    if tables is None:
        tables = user_tables(conn)
    if not isinstance(tables, dict):
        tables = {name: None for name in tables}
    return {"tables": {name: table_fingerprint(conn, name, columns) for name, columns in sorted(tables.items())},
            "ledger": ledger_totals(conn)}


def load_sql(sql_text, path=":memory:"):
    """A connection to a database made from the dump (`path` should not exist yet)."""
    conn = sqlite3.connect(path)
    conn.executescript(sql_text)
    return conn


# --- building it through chat -----------------------------------------------------------------------------------

def _openid(label):
    """A stable, WeChat-shaped openid (28 characters starting with o) for a person in this script."""
    raw = base64.urlsafe_b64encode(hashlib.sha256(f"teabot-legacy:{label}".encode()).digest()).decode()
    return "o" + raw.replace("=", "")[:27]


ADMIN = _openid("admin")
ADMIN2 = _openid("admin2")
FINANCE = _openid("finance")
STATIC_URL = "https://pay.example.com/teabot-qr.png"


class Chat:
    """say() as a WeChat user would: every message gets a new MsgId (64-bit-looking numbers, like WeChat's)."""

    def __init__(self, app):
        self.app = app
        self.next_msg = 24_570_000_000_000_001
        self.messages = 0

    def msg_id(self):
        self.next_msg += 1
        return str(self.next_msg)

    def say(self, openid, text, expect=None):
        reply = self.app.handle_text(openid, text, msg_id=self.msg_id())
        self.messages += 1
        if expect is not None and expect not in reply:
            raise AssertionError(f"{text!r} from {openid}: expected {expect!r} in the reply, got:\n{reply}")
        return reply

    def confirm(self, openid, text, expect=None):
        """Send text, which must ask for confirmation, and answer 确认."""
        from bot.confirm import FOOTER
        asked = self.say(openid, text)
        if not asked.endswith(FOOTER):
            raise AssertionError(f"{text!r} from {openid}: expected a confirmation question, got:\n{asked}")
        return self.say(openid, "确认", expect)


def _config(database, exports_dir):
    import copy
    from bot.config import DEFAULTS
    cfg = copy.deepcopy(DEFAULTS)
    cfg["database"] = str(database)
    cfg["exports_dir"] = str(exports_dir)
    cfg["timezone"] = "Asia/Shanghai"
    cfg["wechat"]["token"] = "legacytoken"
    cfg["admins"] = [ADMIN, ADMIN2]
    cfg["finance"] = [FINANCE]
    cfg["groups"] = ["研发一组", "研发二组"]
    cfg["plugins"]["pay"] = {"provider": "static", "static_url": STATIC_URL}
    cfg["_path"] = "tests/vectors/legacy/build_legacy_db.py"
    return cfg


# (label, name as sent, team): approved members. 王五 later asks to move to 设计组 and is approved there.
MEMBERS = [
    ("zhangsan", "张三", "研发一组"), ("lisi", "李四", "研发一组"), ("wangwu", "王五", "研发一组"),
    ("zhaoliu", "赵六", "研发二组"), ("qianqi", "钱七", "研发二组"), ("sunba", "孙八", "研发二组"),
    ("zhoujiu", "周九", "市场部"), ("wushi", "吴十", "市场部"),
    ("zhengyi", "郑一", "设计组"), ("chener", "陈二", "设计组"),
    ("alice", "Alice  Wang", "运维组"), ("linxiaoyu", "林小雨", "运维组"),
]

NOTES = ["奶茶10杯", "水果 拼盘", "=1+1", "蛋糕（生日会）", "咖啡 & 甜点", "星巴克 Latte x3", "", "周五 下午茶",
         "零食", "喜茶 多肉葡萄", "'引号' \"双引号\"", "烤串 🍢", "面包", "酸奶 10 盒", "坚果礼盒", "=SUM(A1:A3)",
         "绿豆汤", "披萨 2 个", "寿司", "冰淇淋"]
AMOUNTS = ["86.5", "¥120", "35元", "12.50", "200", "58", "9.9", "¥66.60", "150", "43.2", "18", "299", "76.5",
           "24", "110", "8.8", "¥45", "320", "27.3", "64"]


def _date_token(today, days_back, style):
    from datetime import timedelta
    day = today - timedelta(days=days_back)
    if style == 0:
        return day.isoformat()                          # 2026-11-20
    if style == 1:
        return f"{day:%m-%d}"                           # 11-20
    if style == 2:
        return f"{day.month}月{day.day}日"               # 11月20日
    return {0: "今天", 1: "昨天", 2: "前天"}.get(days_back, day.isoformat())


def _expense(chat, openid, amount, note, date_token):
    text = " ".join(part for part in ("1", amount, note, date_token) if part)
    reply = chat.say(openid, text, expect="已记录 #")
    return int(reply.split("已记录 #", 1)[1].split("：", 1)[0])


def _expense_batch(chat, today, who, count, start, days):
    """`count` records by the members in `who`, amounts/notes/dates rotating, dates up to `days` back."""
    ids = []
    for k in range(count):
        n = start + k
        label = who[n % len(who)]
        days_back = (n * 7) % (days + 1)
        token = _date_token(today, days_back, n % 4) if n % 5 else ""      # every fifth: no date (today)
        ids.append(_expense(chat, _openid(label), AMOUNTS[n % len(AMOUNTS)], NOTES[(n * 3) % len(NOTES)], token))
    return ids


def _request_id(app, openid):
    return app.store.one("SELECT id FROM registration_requests WHERE openid = :o AND status = 'pending'",
                         {"o": openid})["id"]


def build(path, exports_dir):
    """Build the database at `path` (must not exist) through chat; returns a short summary of what was sent."""
    import re
    from datetime import timedelta

    from bot.app import App

    sent = []
    app = App(_config(path, exports_dir), sender=lambda openid, text: sent.append((openid, text))).setup()
    chat = Chat(app)
    say, confirm = chat.say, chat.confirm
    today = app.now().date()

    # A stranger writes first: a users row with status unknown, and the menu.
    say(_openid("stranger"), "你好", expect="没看懂")
    say(_openid("stranger"), "0")

    # Teams: the two from the config, three more with 87, one refused name, the list.
    for team in ("市场部", "设计组", "运维组"):
        say(ADMIN, f"87 {team}", expect="已创建小组")
    say(ADMIN, "87 全部", expect="命令用词")
    say(ADMIN, "87 市场部", expect="已存在")
    say(ADMIN, "87", expect="小组列表")

    # Registration: 12 members approved one by one with 81 N (孙八 first asks for the wrong team: superseded).
    say(_openid("sunba"), "9 研发一组 孙八", expect="已提交注册")
    for label, name, team in MEMBERS:
        say(_openid(label), f"9 {team} {name}", expect="已提交注册")
    say(ADMIN, "81", expect="待审核注册")
    say(ADMIN, "81 研发二组", expect="待审核注册")
    for label, _, _ in MEMBERS:
        say(ADMIN if label != "alice" else ADMIN2, f"81 {_request_id(app, _openid(label))}", expect="已通过")
    # one rejected, one still pending
    say(_openid("lurenjia"), "9 市场部 路人甲", expect="已提交注册")
    say(ADMIN, f"81 {_request_id(app, _openid('lurenjia'))} 拒绝 不是本中心员工", expect="已拒绝")
    say(_openid("hexin"), "9，设计组，何新", expect="已提交注册")
    say(_openid("hexin"), "2")
    # 王五 asks to move to 设计组 (approved later, after his first records)
    say(_openid("wangwu"), "9 设计组 王五", expect="已提交换组申请")

    # Expenses, first round (34), over the last ~80 days (two quarters) in every date style.
    first = _expense_batch(chat, today, [m[0] for m in MEMBERS], 34, 0, 80)
    reply = confirm(_openid("zhangsan"), "1 1200 年会 零食 采购", expect="已记录 #")
    large = int(re.search(r"已记录 #(\d+)", reply).group(1))
    # a likely duplicate, confirmed (李四 really bought two rounds)
    _expense(chat, _openid("lisi"), "45", "下午茶 第一轮", "")
    confirm(_openid("lisi"), "1 45 下午茶 第一轮", expect="已记录 #")
    say(_openid("lisi"), "2")
    say(_openid("lisi"), "7", expect="你最近的记录")

    # Voids: by the owner, and by an admin (the owner is told).
    for expense_id in first[3:6]:
        owner = app.store.one("SELECT openid FROM expenses WHERE id = :i", {"i": expense_id})["openid"]
        say(owner, f"7 {expense_id}", expect="已作废")
    say(ADMIN, f"7 {first[10]}", expect="已作废")
    say(ADMIN, f"7 {first[10]}", expect="已经作废过了")

    # 王五's move is approved: his earlier records stay with 研发一组.
    say(ADMIN, f"81 {_request_id(app, _openid('wangwu'))}", expect="已通过")

    # Finance looks; the admin settles 研发一组 and 研发二组, then reverses 研发二组's batch.
    say(FINANCE, "82", expect="待报销预览")
    say(FINANCE, "82 研发一组", expect="待报销")
    confirm(ADMIN, "82 研发一组", expect="已结算 研发一组")
    reply = confirm(ADMIN, "82 研发二组", expect="已结算 研发二组")
    reversed_batch = int(re.search(r"结算 #(\d+)", reply).group(1))
    confirm(ADMIN, f"83 {reversed_batch} 撤销", expect="已撤销结算")
    say(ADMIN, f"7 {first[0]}", expect="已报销")          # a settled record cannot be voided

    # Second round (16), then 82 全部 settles every team with open records (研发二组's reopened ones too).
    second = _expense_batch(chat, today, [m[0] for m in MEMBERS], 16, 34, 30)
    confirm(ADMIN, "82 全部", expect="个小组")
    say(FINANCE, "83", expect="结算记录")
    say(FINANCE, f"83 {reversed_batch}", expect="已撤销")
    say(ADMIN, "83 研发二组", expect="结算记录")

    # Third round (12) stays open, but for 市场部, settled on its own; two voided.
    third = _expense_batch(chat, today, [m[0] for m in MEMBERS], 12, 50, 10)
    for expense_id in third[1:3]:
        owner = app.store.one("SELECT openid FROM expenses WHERE id = :i", {"i": expense_id})["openid"]
        say(owner, f"7 {expense_id}", expect="已作废")
    confirm(ADMIN, "82 市场部", expect="已结算 市场部")
    say(FINANCE, "82", expect="待报销预览")

    # Payments through the static provider: one confirmed by an admin, one left pending.
    reply = say(_openid("zhaoliu"), "5 12.5 奶茶", expect="付款订单")
    paid_order = re.search(r"付款订单 (\S+)：", reply).group(1)
    say(_openid("chener"), "5 30 水果 拼盘", expect="付款订单")
    say(ADMIN, f"88 {paid_order} 已收", expect="已确认订单")
    say(FINANCE, "88", expect="付款共 2 笔")
    say(_openid("zhaoliu"), "5", expect="你最近的付款")

    # Lotteries: one drawn by the admin (one entrant left), one drawn when full, one canceled, one still open.
    reply = say(ADMIN, "84 周五下午茶 明天 16:00 一等奖x1,奶茶券x3", expect="已发起抽奖")
    drawn = int(re.search(r"已发起抽奖 #(\d+)", reply).group(1))
    for label, _, _ in MEMBERS[:9]:
        say(_openid(label), f"6 {drawn}", expect="已参加")
    say(_openid("zhangsan"), f"6 {drawn}", expect="无需重复")
    say(_openid("wushi"), f"6 {drawn} 退出", expect="已退出")
    say(ADMIN, f"85 {drawn} 开奖", expect="已开奖")
    say(_openid("lisi"), f"6 {drawn}")
    reply = say(ADMIN, "84 奶茶 抽奖 后天 15:30 奶茶券×2 满3人", expect="已发起抽奖")
    full = int(re.search(r"已发起抽奖 #(\d+)", reply).group(1))
    for label in ("zhoujiu", "zhengyi", "alice"):
        reply = say(_openid(label), f"6 {full}", expect="已参加")
    assert "已开奖" in reply, reply
    reply = say(ADMIN, f"84 月末 抽奖 {today + timedelta(days=20):%m-%d} 17:00 红包x5", expect="已发起抽奖")
    canceled = int(re.search(r"已发起抽奖 #(\d+)", reply).group(1))
    say(_openid("qianqi"), f"6 {canceled}", expect="已参加")
    confirm(ADMIN, f"85 {canceled} 取消", expect="已取消抽奖")
    reply = say(ADMIN, f"84 下周 下午茶 {today + timedelta(days=8)} 16:00 蛋糕x2", expect="已发起抽奖")
    still_open = int(re.search(r"已发起抽奖 #(\d+)", reply).group(1))
    for label in ("linxiaoyu", "sunba"):
        say(_openid(label), f"6 {still_open}", expect="已参加")
    say(ADMIN, "85", expect="#")

    # A question left unanswered (a pending confirmation row), and the help of one command.
    say(ADMIN, "82 运维组", expect="回复“确认”执行")
    say(_openid("linxiaoyu"), "0 1", expect="记账")

    app.pusher.flush(30)
    if not app.pusher.idle():
        raise RuntimeError("pushes still queued")
    app.store.close()
    return {"messages": chat.messages, "pushes_sent": len(sent),
            "expenses": len(first) + len(second) + len(third) + 3, "large": large}


# --- the files --------------------------------------------------------------------------------------------------

def _check_code_is_legacy(root):
    """Refuse to build with anything but 94c30b5's bot/ and plugins/ (newer code would defeat the test)."""
    import subprocess
    import bot
    import plugins
    from pathlib import Path
    for module in (bot, plugins):
        if Path(module.__file__).resolve().parent.parent != root:
            raise SystemExit(f"{module.__name__} is imported from {module.__file__}, not from {root}")
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    if not head.startswith(COMMIT):
        raise SystemExit(f"{root} is at {head[:12]}, not {COMMIT}: run this against commit {COMMIT} only")
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "bot", "plugins"],
                           capture_output=True, text=True, check=True).stdout.strip()
    if dirty:
        raise SystemExit(f"bot/ or plugins/ in {root} differ from {COMMIT}:\n{dirty}")


def main():
    import os
    import sys
    import tempfile
    from pathlib import Path

    root = Path.cwd().resolve()
    sys.path.insert(0, str(root))
    _check_code_is_legacy(root)
    out = Path(__file__).resolve().parent

    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "teabot.db"
        summary = build(built, Path(tmp) / "exports")
        conn = sqlite3.connect(built)
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError("checkpoint did not complete")
        sql = "\n".join(conn.iterdump()) + "\n"
        original = fingerprint(conn)
        original_schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        conn.close()

        reloaded = load_sql(sql, str(Path(tmp) / "reloaded.db"))
        again = fingerprint(reloaded)
        schema = reloaded.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        reloaded.close()
    if again != original or schema != original_schema:
        raise RuntimeError("the dump does not recreate the database")
    if os.path.exists(out / SQL_NAME):
        raise SystemExit(f"{out / SQL_NAME} exists: these vectors are never regenerated (see README.md)")
    (out / SQL_NAME).write_text(sql, encoding="utf-8")
    (out / EXPECTED_NAME).write_text(json.dumps(again, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                     encoding="utf-8")
    counts = ", ".join(f"{t} {v['rows']}" for t, v in again["tables"].items())
    print(f"{summary['messages']} messages, {summary['pushes_sent']} pushes; {counts}; "
          f"{SQL_NAME}: {len(sql.encode())} bytes")


if __name__ == "__main__":
    main()
