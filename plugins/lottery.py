"""Lotteries: admins create and draw them, members join; the draw is committed to in advance and checkable.

States: INIT (open for joining) -> OPENING (locked, drawing) -> OPENED (results fixed); INIT -> CANCELED.
Every transition is a conditional UPDATE ... WHERE state = ... inside one write transaction, so however many
triggers race (the scheduled job, the sweep, `85 编号 开奖`, a second process), exactly one draw happens.
"""

import json
import logging
import re
from datetime import datetime, timedelta

from bot.config import PluginSettings, setting
from bot.db import audit
from bot.ledger import display_names
from bot.pages import rest_line
from bot.plugin import ADMIN, MEMBER, ArgError, Plugin, Refusal
from bot.timeutil import from_utc_text, local_naive, local_text, to_utc_text, utc_now

from ._lottery_draw import commitment, draw_winners, new_seed

log = logging.getLogger("teabot.lottery")


class LotterySettings(PluginSettings):
    enabled: bool = setting(True, "false 关闭抽奖命令 6/84/85（已有数据保留，定时开奖也不再运行）")
    sweep_seconds: float = setting(
        60, "补漏扫描间隔（秒）：开掉已到时间、已满员或中断在 OPENING 的抽奖；启动时也会立即扫描一次", gt=0)


plugin = Plugin("lottery", "抽奖", "可验证公平的抽奖：管理员发起，组员参加，到点或满员自动开奖",
                settings_model=LotterySettings)

INIT, OPENING, OPENED, CANCELED = "INIT", "OPENING", "OPENED", "CANCELED"
STATE_LABEL = {INIT: "进行中", OPENING: "开奖中", OPENED: "已开奖", CANCELED: "已取消"}

MAX_TITLE = 30
MAX_PRIZE_NAME = 20
MAX_PRIZE_KINDS = 20
MAX_TOTAL_PRIZES = 1000
MAX_EARLY_N = 100_000
MAX_DAYS_AHEAD = 366
RESULT_NAMES_SHOWN = 30          # a WeChat text message holds about 2 KB; the full list is in the export
OPEN_DETAILED = 3                # open lotteries `6` shows in full; the next ones one line each
OPEN_LISTED = 15                 # at most this many listed at all; the rest counted
RECENT_LISTED = 10               # lotteries `85` lists

_DATE = re.compile(r"(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_RELATIVE = {"今天": 0, "明天": 1, "后天": 2}
_PRIZE_ITEM = re.compile(r"[\s,;、]*([^,;、]+?)\s*[xX×*]\s*(\d+)(?:[\s,;、]+|$)")
_EARLY = re.compile(r"满\s*(\d+)\s*人")
_LEAVE_WORDS = ("退出", "离开")


# --- schema ---------------------------------------------------------------------------------------------------

@plugin.migration
def m001_lotteries(db):
    db.execute("""CREATE TABLE lotteries (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        draw_at TEXT NOT NULL,                        -- UTC
        prizes TEXT NOT NULL,                         -- JSON [{"name": ..., "count": ...}] in award order
        early_n INTEGER,                              -- draw as soon as this many have joined (NULL: only at draw_at)
        state TEXT NOT NULL DEFAULT 'INIT' CHECK (state IN ('INIT', 'OPENING', 'OPENED', 'CANCELED')),
        seed TEXT NOT NULL,                           -- secret until OPENED
        commitment TEXT NOT NULL,                     -- sha256(seed) hex, published at creation
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        source_msg_id TEXT UNIQUE,                    -- WeChat MsgId: a retry never creates twice
        drawn_by TEXT,                                -- admin openid, 'scheduler' or 'full'
        drawn_at TEXT,
        participant_count INTEGER,                    -- frozen when the draw locked joining
        canceled_at TEXT,
        canceled_by TEXT)""")
    db.execute("CREATE INDEX lotteries_state_draw_at ON lotteries (state, draw_at)")
    # One row per member and lottery. Leaving sets left_at; joining again clears it and takes a new join_no,
    # so join numbers are never reused and the draw order (by join_no) is stable.
    db.execute("""CREATE TABLE lottery_entries (
        lottery_id INTEGER NOT NULL REFERENCES lotteries(id),
        openid TEXT NOT NULL,
        join_no INTEGER NOT NULL,
        joined_at TEXT NOT NULL,
        left_at TEXT,
        PRIMARY KEY (lottery_id, openid),
        UNIQUE (lottery_id, join_no))""")
    db.execute("""CREATE TABLE lottery_winners (
        lottery_id INTEGER NOT NULL REFERENCES lotteries(id),
        prize_index INTEGER NOT NULL,                 -- slot number: prizes expanded in the order listed
        prize_name TEXT NOT NULL,
        openid TEXT NOT NULL,
        PRIMARY KEY (lottery_id, prize_index),
        UNIQUE (lottery_id, openid))""")


# --- parsing ----------------------------------------------------------------------------------------------------

def parse_draw_time(day_token, time_token, now):
    """('2026-12-04' | '12-04' | '明天', '16:00', aware local now) -> aware local datetime in the future."""
    time_match = _TIME.fullmatch(time_token)
    if not time_match:
        raise ArgError(f"看不懂时间“{time_token}”，请写成 16:00 这样的 时:分")
    hour, minute = int(time_match.group(1)), int(time_match.group(2))
    if hour > 23 or minute > 59:
        raise ArgError(f"时间“{time_token}”不存在")
    if day_token in _RELATIVE:
        day = now.date() + timedelta(days=_RELATIVE[day_token])
        year, month, dom, explicit_year = day.year, day.month, day.day, True
    else:
        day_match = _DATE.fullmatch(day_token)
        if not day_match:
            raise ArgError(f"看不懂日期“{day_token}”，请写成 2026-12-04 或 12-04")
        explicit_year = bool(day_match.group(1))
        year = int(day_match.group(1)) if explicit_year else now.year
        month, dom = int(day_match.group(2)), int(day_match.group(3))
    try:
        moment = datetime(year, month, dom, hour, minute, tzinfo=now.tzinfo)
    except ValueError:
        raise ArgError(f"日期“{day_token}”不存在") from None
    if moment <= now and not explicit_year and now - moment > timedelta(days=31):
        moment = moment.replace(year=year + 1)   # '01-05 10:00' sent in December means next January
    if moment <= now:
        raise ArgError(f"开奖时间 {moment:%Y-%m-%d %H:%M} 已经过了，请写将来的时间")
    if moment - now > timedelta(days=MAX_DAYS_AHEAD):
        raise ArgError(f"开奖时间 {moment:%Y-%m-%d %H:%M} 太远了，最多一年以内")
    return moment


def parse_prizes(text):
    """'一等奖x1,奶茶券×5' -> [('一等奖', 1), ('奶茶券', 5)]; x, X, ×, * all separate name and count; commas,
    、 and spaces separate prizes (the router splits arguments on them alike), so 'xbox x2 键盘*3' is two."""
    text = text.strip()
    if not text:
        raise ArgError("请写奖品，例如 一等奖x1,奶茶券x5")
    prizes, position = [], 0
    while position < len(text):
        match = _PRIZE_ITEM.match(text, position)
        if not match:
            raise ArgError(f"看不懂奖品“{text[position:].strip()}”，请写成 奖品x数量，例如 奶茶券x5")
        position = match.end()
        name, count = match.group(1).strip(), int(match.group(2))
        if not name:
            raise ArgError(f"奖品“{match.group(0).strip()}”缺少名称")
        if len(name) > MAX_PRIZE_NAME:
            raise ArgError(f"奖品名“{name}”太长，最多 {MAX_PRIZE_NAME} 个字")
        if count < 1:
            raise ArgError(f"奖品“{name}”的数量必须至少 1")
        prizes.append((name, count))
    if len(prizes) > MAX_PRIZE_KINDS:
        raise ArgError(f"奖品最多 {MAX_PRIZE_KINDS} 种")
    total = sum(count for _, count in prizes)
    if total > MAX_TOTAL_PRIZES:
        raise ArgError(f"奖品总数 {total} 太多，最多 {MAX_TOTAL_PRIZES} 份")
    return prizes


def parse_create_args(args, now):
    """['周五下午茶', '2026-12-04', '16:00', '一等奖x1,奶茶券x5', '满20人'] -> (title, local draw time, prizes, N)."""
    if not args:
        raise ArgError("请写标题、开奖时间和奖品")
    day_index = next((i for i in range(1, len(args) - 1)
                      if (args[i] in _RELATIVE or _DATE.fullmatch(args[i])) and _TIME.fullmatch(args[i + 1])), None)
    if day_index is None:
        raise ArgError("没找到开奖时间，请写成 2026-12-04 16:00 或 12-04 16:00（日期和时间之间有空格）")
    title = " ".join(args[:day_index])
    if len(title) > MAX_TITLE:
        raise ArgError(f"标题太长了（{len(title)} 字），最多 {MAX_TITLE} 字")
    draw_at = parse_draw_time(args[day_index], args[day_index + 1], now)
    rest = " ".join(args[day_index + 2:])
    early_n = None
    early = re.search(r"\s*" + _EARLY.pattern + r"$", rest)
    if early:
        early_n = int(early.group(1))
        rest = rest[:early.start()]
        if not 1 <= early_n <= MAX_EARLY_N:
            raise ArgError(f"满N人的 N 必须在 1 到 {MAX_EARLY_N} 之间")
    return title, draw_at, parse_prizes(rest), early_n


# --- reading ----------------------------------------------------------------------------------------------------

def lottery(store, lottery_id):
    row = store.one("SELECT * FROM lotteries WHERE id = :i", {"i": lottery_id})
    if row:
        row["prize_list"] = [(p["name"], p["count"]) for p in json.loads(row["prizes"])]
    return row


def participants(store, lottery_id):
    """Openids of current participants, sorted by join number: the order the draw uses (inside a write(), what
    that transaction sees)."""
    rows = store.query("SELECT openid FROM lottery_entries WHERE lottery_id = :i AND left_at IS NULL "
                       "ORDER BY join_no", {"i": lottery_id})
    return [row["openid"] for row in rows]


def winners(store, lottery_id):
    return store.query("SELECT * FROM lottery_winners WHERE lottery_id = :i ORDER BY prize_index", {"i": lottery_id})


def _entry(store, lottery_id, openid):
    return store.one("SELECT * FROM lottery_entries WHERE lottery_id = :i AND openid = :o",
                     {"i": lottery_id, "o": openid})


def _display_names(store, openids, config=None):
    """openid -> '张三（研发一组）'; people who never registered by their role or '未登记用户' (bot.ledger), never
    by the openid."""
    names = {}
    for openid in set(openids):
        row = store.one("""SELECT u.name, g.name AS group_name FROM users u LEFT JOIN groups g ON g.id = u.group_id
                           WHERE u.openid = :o""", {"o": openid})
        if row and row["name"]:
            names[openid] = f"{row['name']}（{row['group_name']}）" if row["group_name"] else row["name"]
        else:
            names[openid] = display_names(store, config or {}, [openid])[openid]
    return names


def prizes_text(prize_list):
    return "、".join(f"{name}×{count}" for name, count in prize_list)


# --- changing ---------------------------------------------------------------------------------------------------

def create_lottery(store, title, draw_at, prizes, early_n, created_by, msg_id=None):
    """Record a new lottery with a fresh secret seed; returns its id. draw_at: an aware datetime."""
    seed = new_seed()
    with store.write() as db:
        if msg_id:
            existing = db.execute("SELECT id FROM lotteries WHERE source_msg_id = ?", [msg_id]).fetchone()
            if existing:
                return existing[0]
        lottery_id = db.execute(
            """INSERT INTO lotteries (title, draw_at, prizes, early_n, seed, commitment, created_by, created_at,
                                      source_msg_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [title, to_utc_text(draw_at), json.dumps([{"name": n, "count": c} for n, c in prizes], ensure_ascii=False),
             early_n, seed, commitment(seed), created_by, to_utc_text(utc_now()), msg_id]).lastrowid
        audit(db, created_by, "lottery.create", lottery_id, f"{title} {prizes_text(prizes)}")
    return lottery_id


def join_lottery(store, lottery_id, openid):
    """('joined' | 'already', join number, participant count, early_n) or raise Refusal when not open.

    With 满N人, at most N join: the Nth join moves the lottery to OPENING in its own transaction, so no join can
    slip in between it and the draw (the caller then finishes the draw).
    """
    with store.write() as db:
        row = db.execute("SELECT state, early_n, title FROM lotteries WHERE id = ?", [lottery_id]).fetchone()
        if row is None:
            raise Refusal(f"没有编号为 {lottery_id} 的抽奖。发送 6 查看进行中的抽奖。")
        state, early_n, title = row
        if state != INIT:
            raise Refusal(f"抽奖 #{lottery_id} {title}{STATE_LABEL[state]}，不能再参加。")
        entry = db.execute("SELECT join_no, left_at FROM lottery_entries WHERE lottery_id = ? AND openid = ?",
                           [lottery_id, openid]).fetchone()
        outcome = "already"
        if entry is None or entry[1] is not None:
            if early_n and _count_in(db, lottery_id) >= early_n:
                raise Refusal(f"抽奖 #{lottery_id} {title} 已满 {early_n} 人，不能再参加。")
            join_no = db.execute("SELECT COALESCE(MAX(join_no), 0) + 1 FROM lottery_entries WHERE lottery_id = ?",
                                 [lottery_id]).fetchone()[0]
            db.execute("""INSERT INTO lottery_entries (lottery_id, openid, join_no, joined_at) VALUES (?, ?, ?, ?)
                          ON CONFLICT (lottery_id, openid)
                          DO UPDATE SET join_no = excluded.join_no, joined_at = excluded.joined_at, left_at = NULL""",
                       [lottery_id, openid, join_no, to_utc_text(utc_now())])
            audit(db, openid, "lottery.join", lottery_id, f"join_no={join_no}")
            outcome = "joined"
        else:
            join_no = entry[0]
        count = _count_in(db, lottery_id)
        if outcome == "joined" and early_n and count >= early_n:
            db.execute("UPDATE lotteries SET state = 'OPENING', drawn_by = 'full' WHERE id = ? AND state = 'INIT'",
                       [lottery_id])
            audit(db, "full", "lottery.lock", lottery_id, f"participants={count}")
    return outcome, join_no, count, early_n


def _count_in(db, lottery_id):
    return db.execute("SELECT COUNT(*) FROM lottery_entries WHERE lottery_id = ? AND left_at IS NULL",
                      [lottery_id]).fetchone()[0]


def leave_lottery(store, lottery_id, openid):
    """True if the member left, False if they had not joined; Refusal once the lottery is no longer open."""
    with store.write() as db:
        row = db.execute("SELECT state, title FROM lotteries WHERE id = ?", [lottery_id]).fetchone()
        if row is None:
            raise Refusal(f"没有编号为 {lottery_id} 的抽奖。发送 6 查看进行中的抽奖。")
        if row[0] != INIT:
            raise Refusal(f"抽奖 #{lottery_id} {row[1]}{STATE_LABEL[row[0]]}，不能退出。")
        left = db.execute("UPDATE lottery_entries SET left_at = ? WHERE lottery_id = ? AND openid = ? AND left_at IS NULL",
                          [to_utc_text(utc_now()), lottery_id, openid]).rowcount
        if left:
            audit(db, openid, "lottery.leave", lottery_id)
    return bool(left)


def cancel_lottery(app, lottery_id, actor):
    """INIT -> CANCELED and tell the participants; returns their number, or None if it was not open."""
    with app.store.write() as db:
        changed = db.execute("UPDATE lotteries SET state = 'CANCELED', canceled_at = ?, canceled_by = ? "
                             "WHERE id = ? AND state = 'INIT'", [to_utc_text(utc_now()), actor, lottery_id]).rowcount
        if not changed:
            return None
        audit(db, actor, "lottery.cancel", lottery_id)
        title = db.execute("SELECT title FROM lotteries WHERE id = ?", [lottery_id]).fetchone()[0]
        people = participants(app.store, lottery_id)
        for openid in people:   # recorded in this transaction: canceled and told, or neither
            app.pusher.push(openid, f"抽奖 #{lottery_id} {title} 已被管理员取消，不会开奖。", kind="lottery")
    _unschedule(app, lottery_id)
    return len(people)


def draw_lottery(app, lottery_id, actor):
    """Draw if still INIT (or finish a draw left in OPENING); True only for the call that fixed the result.

    Step 1 (INIT -> OPENING) locks joining; step 2 computes the winners from the seed and the frozen entries
    and moves OPENING -> OPENED. Step 2 is a pure function of stored data, so finishing a draw a crashed
    process left in OPENING gives the same winners; its conditional UPDATE lets only one caller record them.
    """
    with app.store.write() as db:
        locked = db.execute("UPDATE lotteries SET state = 'OPENING', drawn_by = ? WHERE id = ? AND state = 'INIT'",
                            [actor, lottery_id]).rowcount
        if locked:
            audit(db, actor, "lottery.lock", lottery_id)
        else:
            row = db.execute("SELECT state FROM lotteries WHERE id = ?", [lottery_id]).fetchone()
            if row is None or row[0] != OPENING:
                return False
    return _finish_draw(app, lottery_id, actor)


def _finish_draw(app, lottery_id, actor):
    with app.store.write() as db:
        row = db.execute("SELECT seed, prizes FROM lotteries WHERE id = ? AND state = 'OPENING'",
                         [lottery_id]).fetchone()
        if row is None:
            return False
        seed, prizes_json = row
        people = participants(app.store, lottery_id)
        prizes = [(p["name"], p["count"]) for p in json.loads(prizes_json)]
        picked = draw_winners(seed, people, prizes)
        db.conn.executemany(
            "INSERT INTO lottery_winners (lottery_id, prize_index, prize_name, openid) VALUES (?, ?, ?, ?)",
            [(lottery_id, slot, name, openid) for slot, name, openid in picked])
        db.execute("UPDATE lotteries SET state = 'OPENED', drawn_at = ?, participant_count = ? "
                   "WHERE id = ? AND state = 'OPENING'", [to_utc_text(utc_now()), len(people), lottery_id])
        audit(db, actor, "lottery.draw", lottery_id, f"participants={len(people)} winners={len(picked)}")
        _push_results(app, lottery_id, people)
    log.info("lottery %s drawn by %s: %s participants, %s winners", lottery_id, actor, len(people), len(picked))
    _unschedule(app, lottery_id)
    return True


def _push_results(app, lottery_id, people):
    """Called inside the draw's transaction (this thread's connection sees the new result), so the pushes are
    recorded with the result in one commit: one draw, one set of pushes, even if the process dies right after."""
    row = lottery(app.store, lottery_id)
    recipients = list(dict.fromkeys([*people, row["created_by"], *app.users_with_role(ADMIN)]))
    facts = _result_facts(app, row)
    for openid in recipients:
        app.pusher.push(openid, result_text(app, row, openid, facts), kind="lottery")


def due_lotteries(store, now_utc=None):
    """Ids to draw now: INIT past their time, INIT with enough participants, and draws left in OPENING."""
    now_text = to_utc_text(now_utc or utc_now())
    rows = store.query(
        """SELECT l.id FROM lotteries l
           WHERE l.state = 'OPENING'
              OR (l.state = 'INIT' AND (l.draw_at <= :now OR (l.early_n IS NOT NULL AND l.early_n <=
                   (SELECT COUNT(*) FROM lottery_entries e WHERE e.lottery_id = l.id AND e.left_at IS NULL))))
           ORDER BY l.id""", {"now": now_text})
    return [r["id"] for r in rows]


def sweep(app):
    """Draw every lottery that is due; one failure does not stop the others (the next sweep retries it)."""
    drawn = []
    for lottery_id in due_lotteries(app.store):
        try:
            if draw_lottery(app, lottery_id, "scheduler"):
                drawn.append(lottery_id)
        except Exception:
            log.exception("lottery %s: scheduled draw failed, the next sweep retries", lottery_id)
    return drawn


# --- scheduling -------------------------------------------------------------------------------------------------

def _job_id(lottery_id):
    return f"lottery-draw-{lottery_id}"


def _scheduled_draw(app, lottery_id):
    try:
        draw_lottery(app, lottery_id, "scheduler")
    except Exception:
        log.exception("lottery %s: scheduled draw failed, the sweep retries", lottery_id)


def schedule_draw(app, lottery_id, draw_at_text):
    if app.scheduler is None:
        return
    app.scheduler.add_job(_scheduled_draw, "date", run_date=from_utc_text(draw_at_text), args=[app, lottery_id],
                          id=_job_id(lottery_id), replace_existing=True)


def _unschedule(app, lottery_id):
    if app.scheduler is None:
        return
    try:
        app.scheduler.remove_job(_job_id(lottery_id))
    except Exception:       # JobLookupError: already ran or never scheduled
        pass


@plugin.on_start
def start_jobs(app):
    """A draw job per open lottery, plus a sweep that also runs now: draws missed while down happen at start."""
    rows = app.store.query("SELECT id, draw_at FROM lotteries WHERE state = 'INIT' AND draw_at > :now",
                           {"now": to_utc_text(utc_now())})
    for row in rows:            # overdue ones are left to the sweep below, which runs at once
        schedule_draw(app, row["id"], row["draw_at"])
    seconds = plugin.settings(app.config)["sweep_seconds"]
    app.scheduler.add_job(sweep, "interval", seconds=seconds, args=[app], id="lottery-sweep",
                          replace_existing=True, next_run_time=datetime.now(app.tz))


# --- replies ----------------------------------------------------------------------------------------------------

def _result_facts(app, row):
    """What every copy of a result shares: the public lines, who won what, who took part."""
    won = winners(app.store, row["id"])
    shown = won[:RESULT_NAMES_SHOWN]
    names = _display_names(app.store, [w["openid"] for w in shown], app.config)
    lines = [f"抽奖 #{row['id']} {row['title']} 已开奖（{local_text(row['drawn_at'], app.tz)}，"
             f"{row['participant_count']} 人参加）"]
    by_prize = {}
    for w in shown:
        by_prize.setdefault(w["prize_name"], []).append(names[w["openid"]])
    lines += [f"{prize}：{'、'.join(people)}" for prize, people in by_prize.items()]
    if len(won) > RESULT_NAMES_SHOWN:
        lines.append(f"……共 {len(won)} 人中奖，完整名单见导出的“抽奖记录”表")
    if not won:
        lines.append("没有人参加，奖品都未抽出。")
    total = sum(count for _, count in row["prize_list"])
    if won and len(won) < total:
        lines.append(f"参加人数少于奖品数，{total - len(won)} 份奖品未抽出。")
    tail = [f"承诺 sha256：{row['commitment']}", f"种子：{row['seed']}",
            "任何人都可用种子和参加名单复算中奖结果（方法见抽奖说明）。"]
    return {"lines": lines, "tail": tail, "prize_of": {w["openid"]: w["prize_name"] for w in won},
            "participants": set(participants(app.store, row["id"])), "admins": set(app.users_with_role(ADMIN))}


def result_text(app, row, openid=None, facts=None):
    """The published result: winners by prize, unawarded slots, the seed; plus this user's own outcome."""
    facts = facts or _result_facts(app, row)
    personal = []
    if openid is not None:
        if openid in facts["prize_of"]:
            personal.append(f"恭喜，你中了：{facts['prize_of'][openid]}！")
        elif openid in facts["participants"]:
            personal.append("很遗憾，你这次没有中奖。")
        elif openid not in facts["admins"]:
            personal.append("你没有参加这次抽奖（已开奖，不能再参加）。")
    return "\n".join(facts["lines"] + personal + facts["tail"])


def _open_line(app, row, openid, detail=False):
    """A lottery before its draw; `detail` (its own page: 6 编号, 85 编号) adds the 64-character commitment,
    which a list of lotteries leaves out."""
    count = len(participants(app.store, row["id"]))
    entry = _entry(app.store, row["id"], openid)
    joined = bool(entry and not entry["left_at"])
    when = local_text(row["draw_at"], app.tz) + (f"（或满 {row['early_n']} 人）" if row["early_n"] else "")
    me = f"你已参加（第 {entry['join_no']} 号）" if joined else f"你未参加，发送 6 {row['id']} 参加"
    return (f"#{row['id']} {row['title']}\n  开奖：{when}\n  奖品：{prizes_text(row['prize_list'])}\n"
            f"  已参加 {count} 人；{me}" + (f"\n  承诺 sha256：{row['commitment']}" if detail else ""))


def _show(ctx, row):
    """85 编号: one lottery as the admin sees it, with what can be done next."""
    if row["state"] == OPENED:
        return result_text(ctx.app, row)
    if row["state"] == CANCELED:
        return f"抽奖 #{row['id']} {row['title']} 已取消（{local_text(row['canceled_at'], ctx.tz)}）。"
    return (f"{_open_line(ctx.app, row, ctx.openid, detail=True)}\n  状态：{STATE_LABEL[row['state']]}\n"
            f"立即开奖发送 85 {row['id']} 开奖，取消发送 85 {row['id']} 取消")


def _list_open(ctx):
    """6: the open lotteries, soonest first: the first few in full, more one line each, and how many beyond."""
    waiting = ctx.store.one("SELECT COUNT(*) AS n FROM lotteries WHERE state IN ('INIT', 'OPENING')")["n"]
    rows = [lottery(ctx.store, r["id"]) for r in
            ctx.store.query("SELECT id FROM lotteries WHERE state IN ('INIT', 'OPENING') ORDER BY draw_at, id "
                            "LIMIT :n", {"n": OPEN_LISTED})]
    recent = ctx.store.query("SELECT id, title, drawn_at FROM lotteries WHERE state = 'OPENED' "
                             "ORDER BY drawn_at DESC LIMIT 3")
    if rows:
        lines = [f"进行中的抽奖（{waiting} 个）："] + [_open_line(ctx.app, r, ctx.openid) for r in rows[:OPEN_DETAILED]]
        lines += [f"#{r['id']} {r['title']}  开奖 {local_text(r['draw_at'], ctx.tz)}" for r in rows[OPEN_DETAILED:]]
        if waiting > len(rows):
            lines.append(rest_line(waiting - len(rows), "个开奖更晚的", "发送 6 编号 查看或参加"))
        elif len(rows) > OPEN_DETAILED:
            lines.append("发送 6 编号 查看或参加")
    else:
        lines = ["目前没有进行中的抽奖。"]
    if recent:
        lines.append("最近开奖：" + "；".join(f"#{r['id']} {r['title']}" for r in recent) + "（发送 6 编号 查看结果）")
    return "\n".join(lines)


def _list_recent(ctx):
    """85: how many lotteries there are in each state, then the latest RECENT_LISTED."""
    by_state = {r["state"]: r["n"] for r in ctx.store.query("SELECT state, COUNT(*) AS n FROM lotteries GROUP BY state")}
    total = sum(by_state.values())
    if not total:
        return "还没有抽奖。发送 84 标题 开奖时间 奖品x数量 发起。"
    rows = ctx.store.query("SELECT * FROM lotteries ORDER BY id DESC LIMIT :n", {"n": RECENT_LISTED})
    lines = [f"抽奖共 {total} 个（" + "，".join(f"{label} {by_state[s]}" for s, label in STATE_LABEL.items()
                                            if by_state.get(s)) + f"），最近的 {len(rows)} 个："]
    lines += [f"#{r['id']} {r['title']} [{STATE_LABEL[r['state']]}] 开奖 {local_text(r['draw_at'], ctx.tz)}"
              for r in rows]
    if total > len(rows):
        lines.append(rest_line(total - len(rows), "个更早的", "发送 85 编号 查看"))
    lines.append("发送 85 编号 查看，85 编号 开奖 立即开奖，85 编号 取消，6 编号 查看结果")
    return "\n".join(lines)


def _lottery_number(token):
    number = token.lstrip("#")
    if not number.isdigit():
        raise ArgError(f"抽奖编号必须是数字，收到“{token}”")
    return int(number)


def _existing(store, lottery_id):
    row = lottery(store, lottery_id)
    if row is None:
        raise Refusal(f"没有编号为 {lottery_id} 的抽奖。发送 6 查看进行中的抽奖。")
    return row


@plugin.command(84, "发起抽奖", roles=(ADMIN,), usage="84 标题 开奖时间 奖品x数量[,奖品x数量…] [满N人]",
                example=("84 周五下午茶 明天 16:00 一等奖x1,奶茶券x5", "84 奶茶抽奖 后天 15:30 奶茶券×3 满10人"),
                aliases=("发起抽奖",))
def create(ctx):
    """发起抽奖：84 标题 开奖时间 奖品x数量，到点自动开奖

    开奖时间写 2026-12-04 16:00、12-04 16:00 或 明天 16:00（按本地时区，必须是将来）。奖品用逗号分隔，
    数量用 x、X、× 或 * 连接，例如 一等奖x1,奶茶券x5，按所写顺序抽出，总数最多 1000 份。
    末尾可加“满N人”：第 N 位组员参加时立即开奖。每人最多中一份奖。
    回复中的“承诺”是秘密种子的 sha256；开奖时公布种子，任何人都能复算结果。
    """
    title, draw_at, prizes, early_n = parse_create_args(ctx.args, ctx.now)
    lottery_id = create_lottery(ctx.store, title, draw_at, prizes, early_n, ctx.openid, ctx.msg_id)
    row = lottery(ctx.store, lottery_id)
    if row["state"] == INIT:
        schedule_draw(ctx.app, lottery_id, row["draw_at"])
    early = f"，满 {row['early_n']} 人提前开奖" if row["early_n"] else ""
    return (f"已发起抽奖 #{lottery_id}：{row['title']}\n开奖时间：{local_text(row['draw_at'], ctx.tz)}{early}\n"
            f"奖品：{prizes_text(row['prize_list'])}\n公平性承诺 sha256：{row['commitment']}\n"
            f"组员发送 6 {lottery_id} 参加；取消发送 85 {lottery_id} 取消，立即开奖发送 85 {lottery_id} 开奖")


@plugin.command(85, "管理抽奖", roles=(ADMIN,), usage="85 | 85 编号 | 85 编号 开奖 | 85 编号 取消",
                example=("85", "85 1", "85 1 开奖", "85 1 取消"), aliases=("管理抽奖",))
def manage(ctx):
    """管理抽奖：85 列出抽奖，85 编号 查看，85 编号 开奖 立即开奖，85 编号 取消

    取消只能在开奖前，需回复“确认”，参加者会收到通知。立即开奖与到点开奖不会重复：每个抽奖只开一次。
    """
    if not ctx.args:
        return _list_recent(ctx)
    lottery_id = _lottery_number(ctx.args[0])
    row = _existing(ctx.store, lottery_id)
    if len(ctx.args) == 1:
        return _show(ctx, row)
    if ctx.args[1] not in ("开奖", "取消"):
        raise ArgError(f"看不懂“{ctx.args[1]}”，立即开奖请写 85 {lottery_id} 开奖，取消请写 85 {lottery_id} 取消")
    if ctx.args[1] == "开奖":
        if row["state"] == CANCELED:
            raise Refusal(f"抽奖 #{lottery_id} {row['title']} 已取消，不能开奖。")
        if draw_lottery(ctx.app, lottery_id, ctx.openid):
            return result_text(ctx.app, lottery(ctx.store, lottery_id))
        row = lottery(ctx.store, lottery_id)
        if row["state"] == OPENED:
            return "这个抽奖已经开过奖了：\n" + result_text(ctx.app, row)
        raise Refusal(f"抽奖 #{lottery_id} {row['title']}{STATE_LABEL[row['state']]}，不能开奖。")
    if row["state"] == OPENED:
        raise Refusal(f"抽奖 #{lottery_id} {row['title']} 已开奖，不能取消。发送 6 {lottery_id} 查看结果。")
    if row["state"] == OPENING:
        raise Refusal(f"抽奖 #{lottery_id} {row['title']} 正在开奖，不能取消。")
    if row["state"] == CANCELED:
        return f"抽奖 #{lottery_id} {row['title']} 已经取消过了。"
    count = len(participants(ctx.store, lottery_id))
    ctx.confirm(f"将取消抽奖 #{lottery_id} {row['title']}（开奖时间 {local_text(row['draw_at'], ctx.tz)}，"
                f"已有 {count} 人参加），取消后不会开奖，并通知参加者。")
    told = cancel_lottery(ctx.app, lottery_id, ctx.openid)
    if told is None:   # drawn or canceled between the read above and the update
        row = lottery(ctx.store, lottery_id)
        raise Refusal(f"抽奖 #{lottery_id} {row['title']}{STATE_LABEL[row['state']]}，不能取消。")
    return f"已取消抽奖 #{lottery_id} {row['title']}，已通知 {told} 位参加者。"


@plugin.command(6, "抽奖", roles=(MEMBER, ADMIN), usage="6 | 6 编号 | 6 编号 退出",
                example=("6", "6 1", "6 1 退出"), aliases=("抽奖",))
def member_lottery(ctx):
    """抽奖：6 查看进行中的抽奖，6 编号 参加或查看结果，6 编号 退出

    重复参加不会多算。开奖后发送 6 编号 查看中奖名单、你是否中奖和公开的种子。开奖前可以退出。
    管理员可用 6 查看；参加抽奖需要是审核通过的组员。
    """
    if not ctx.args:
        return _list_open(ctx)
    lottery_id = _lottery_number(ctx.args[0])
    row = _existing(ctx.store, lottery_id)
    if len(ctx.args) > 1:
        if ctx.args[1] not in _LEAVE_WORDS:
            raise ArgError(f"看不懂“{ctx.args[1]}”，退出请写：6 {lottery_id} 退出")
        if leave_lottery(ctx.store, lottery_id, ctx.openid):
            return f"已退出抽奖 #{lottery_id} {row['title']}。想再参加可发送 6 {lottery_id}。"
        return f"你没有参加抽奖 #{lottery_id} {row['title']}，无需退出。"
    if row["state"] == OPENED:
        return result_text(ctx.app, row, ctx.openid)
    if row["state"] == CANCELED:
        return f"抽奖 #{lottery_id} {row['title']} 已取消。"
    if row["state"] == OPENING:
        return f"抽奖 #{lottery_id} {row['title']} 正在开奖，请稍后再发送 6 {lottery_id} 查看结果。"
    if MEMBER not in ctx.roles:
        return _open_line(ctx.app, row, ctx.openid, detail=True).replace(
            f"你未参加，发送 6 {lottery_id} 参加", "参加抽奖需要先注册为组员（9 组名 姓名）")
    outcome, join_no, count, early_n = join_lottery(ctx.store, lottery_id, ctx.openid)
    if outcome == "already":
        head = f"你已经参加了抽奖 #{lottery_id} {row['title']}（第 {join_no} 号），无需重复。当前 {count} 人。"
    else:
        head = f"已参加抽奖 #{lottery_id} {row['title']}（第 {join_no} 号），当前 {count} 人。"
    if early_n and count >= early_n:
        draw_lottery(ctx.app, lottery_id, "full")
        row = lottery(ctx.store, lottery_id)
        if row["state"] == OPENED:
            return f"{head}\n人数已满 {early_n} 人，已开奖：\n" + result_text(ctx.app, row, ctx.openid)
    when = local_text(row["draw_at"], ctx.tz)
    early = f"，或满 {early_n} 人时开奖" if early_n else ""
    return (f"{head}\n开奖时间 {when}{early}，结果会通知你，也可发送 6 {lottery_id} 查看。退出请发送 6 {lottery_id} 退出。"
            f"\n公平性承诺 sha256：{row['commitment']}")


# --- exports and verification -----------------------------------------------------------------------------------

@plugin.provide("report_sheet")
def lottery_sheet(app, *_, **__):
    """Every drawn lottery, one row per winner (one row with no winner when nobody joined).

    Extra arguments the export may pass (such as a period) are ignored: the sheet is the complete record.
    """
    def rows():
        for row in app.store.query("SELECT * FROM lotteries WHERE state = 'OPENED' ORDER BY id"):
            drawn_at = local_naive(row["drawn_at"], app.tz)
            won = winners(app.store, row["id"])
            groups = {p["openid"]: p["group_name"] for p in app.store.query(
                """SELECT w.openid, g.name AS group_name FROM lottery_winners w
                   JOIN users u ON u.openid = w.openid JOIN groups g ON g.id = u.group_id
                   WHERE w.lottery_id = :i""", {"i": row["id"]})}
            names = display_names(app.store, app.config,
                                  [w["openid"] for w in won] + [row["created_by"], row["drawn_by"]])
            by = [names.get(row["created_by"]), names.get(row["drawn_by"])]
            if not won:
                yield [row["id"], row["title"], "", "（无人参加）", "", drawn_at, row["commitment"], row["seed"], *by]
            for w in won:
                yield [row["id"], row["title"], w["prize_name"], names[w["openid"]], groups.get(w["openid"], ""),
                       drawn_at, row["commitment"], row["seed"], *by]
    return {"title": "抽奖记录",
            "header": ["抽奖编号", "标题", "奖品", "中奖人", "小组", "开奖时间", "承诺(sha256)", "种子", "创建人", "开奖人"],
            "rows": rows(), "money_columns": [], "datetime_columns": [5], "widths": {1: 20, 6: 40, 7: 40}}


def verify(store, lottery_id, out=print):
    """Recompute a finished draw from the stored seed and entries; True if everything matches."""
    row = lottery(store, lottery_id)
    if row is None:
        out(f"没有编号为 {lottery_id} 的抽奖")
        return False
    if row["state"] != OPENED:
        out(f"抽奖 #{lottery_id} 状态为 {row['state']}（{STATE_LABEL[row['state']]}），还没有可核对的开奖结果")
        return False
    ok = True
    out(f"抽奖 #{lottery_id} {row['title']}，种子 {row['seed']}")
    computed_commitment = commitment(row["seed"])
    if computed_commitment == row["commitment"]:
        out(f"承诺一致：sha256(种子) = {computed_commitment}")
    else:
        out(f"承诺不一致：sha256(种子) = {computed_commitment}，公布的承诺 = {row['commitment']}")
        ok = False
    entries = store.query("SELECT join_no, openid FROM lottery_entries WHERE lottery_id = :i AND left_at IS NULL "
                          "ORDER BY join_no", {"i": lottery_id})
    people = [e["openid"] for e in entries]
    names = _display_names(store, people)
    out(f"参加者 {len(people)} 人（按加入序号排序，复算用的就是这个顺序）；开奖时记录 {row['participant_count']} 人")
    for e in entries:
        out(f"  {e['join_no']}. {e['openid']} {names[e['openid']] if names[e['openid']] != e['openid'] else ''}".rstrip())
    if len(people) != row["participant_count"]:
        out("参加人数与开奖时记录的不一致")
        ok = False
    expected = [(slot, name, openid) for slot, name, openid in draw_winners(row["seed"], people, row["prize_list"])]
    stored = [(w["prize_index"], w["prize_name"], w["openid"]) for w in winners(store, lottery_id)]
    out(f"奖品：{prizes_text(row['prize_list'])}；复算得到 {len(expected)} 个中奖，库中记录 {len(stored)} 个")
    for slot in sorted({s for s, _, _ in expected} | {s for s, _, _ in stored}):
        want = next((e for e in expected if e[0] == slot), None)
        have = next((s for s in stored if s[0] == slot), None)
        if want != have:
            out(f"  第 {slot} 份不一致：复算 {want[1:] if want else '无'}，库中 {have[1:] if have else '无'}")
            ok = False
        else:
            out(f"  第 {slot} 份 {want[1]}：{want[2]} 一致")
    out("核对通过：中奖结果与种子、参加名单一致" if ok else "核对失败")
    return ok


@plugin.cli("lottery-verify", help="lottery-verify 编号：用公布的种子复算一次开奖，核对承诺和中奖名单")
def verify_cli(app, argv):
    """lottery-verify 编号：用公布的种子复算一次开奖，核对承诺和中奖名单"""
    if len(argv) != 1 or not argv[0].lstrip("#").isdigit():
        print("用法：python run_bot.py lottery-verify 编号")
        return 2
    return 0 if verify(app.store, int(argv[0].lstrip("#"))) else 1
