"""The lottery commands: `84` creates (admins), `85` lists, shows, draws and cancels (admins), `6` lists, joins,
leaves and shows results (members). Each runs in its message's transaction (ctx.db): what it writes, its pushes
and its reply are committed together, and WeChat's retries get the saved reply."""

import json

from bot.db import audit
from bot.pages import rest_line
from bot.plugin import ADMIN, MEMBER, ArgError, Refusal
from bot.text import is_number
from bot.timeutil import local_text, to_utc_text, utc_now

from . import plugin
from .draw import commitment, new_seed, result_text
from .jobs import draw, schedule_draw, unschedule
from .lotteries import (CANCELED, INIT, OPENED, OPENING, STATE_LABEL, entry, existing, lottery, participants,
                        prizes_text)
from .parse import parse_create_args

OPEN_DETAILED = 3                # open lotteries `6` shows in full; the next ones one line each
OPEN_LISTED = 15                 # at most this many listed at all; the rest counted
RECENT_LISTED = 10               # lotteries `85` lists
_LEAVE_WORDS = ("退出", "离开")


# --- changing ---------------------------------------------------------------------------------------------------

def create_lottery(tx, title, draw_at, prizes, early_n, created_by):
    """Record a new lottery with a fresh secret seed in `tx`, its draw job added once tx commits; returns its id.
    draw_at: an aware datetime."""
    seed = new_seed()
    draw_at_text = to_utc_text(draw_at)
    lottery_id = tx.execute(
        """INSERT INTO lotteries (title, draw_at, prizes, early_n, seed, commitment, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [title, draw_at_text, json.dumps([{"name": n, "count": c} for n, c in prizes], ensure_ascii=False),
         early_n, seed, commitment(seed), created_by, to_utc_text(utc_now())]).lastrowid
    audit(tx, created_by, "lottery.create", lottery_id, f"{title} {prizes_text(prizes)}")
    schedule_draw(tx, lottery_id, draw_at_text)
    return lottery_id


def join_lottery(tx, lottery_id, openid):
    """('joined' | 'already', join number, participant count, early_n) or raise Refusal when not open.

    With 满N人, at most N join: the Nth join moves the lottery to OPENING (drawn_by 'full'), so nothing joins
    after it; the caller then draws in the same transaction.
    """
    row = tx.one("SELECT state, early_n, title FROM lotteries WHERE id = ?", [lottery_id])
    if row is None:
        raise Refusal(f"没有编号为 {lottery_id} 的抽奖。发送 6 查看进行中的抽奖。")
    early_n, title = row["early_n"], row["title"]
    if row["state"] != INIT:
        raise Refusal(f"抽奖 #{lottery_id} {title}{STATE_LABEL[row['state']]}，不能再参加。")
    mine = tx.one("SELECT join_no, left_at FROM lottery_entries WHERE lottery_id = ? AND openid = ?",
                  [lottery_id, openid])
    outcome = "already"
    if mine is None or mine["left_at"] is not None:
        if early_n and _count_in(tx, lottery_id) >= early_n:
            raise Refusal(f"抽奖 #{lottery_id} {title} 已满 {early_n} 人，不能再参加。")
        join_no = tx.value("SELECT COALESCE(MAX(join_no), 0) + 1 FROM lottery_entries WHERE lottery_id = ?",
                           [lottery_id])
        tx.execute("""INSERT INTO lottery_entries (lottery_id, openid, join_no, joined_at) VALUES (?, ?, ?, ?)
                      ON CONFLICT (lottery_id, openid)
                      DO UPDATE SET join_no = excluded.join_no, joined_at = excluded.joined_at, left_at = NULL""",
                   [lottery_id, openid, join_no, to_utc_text(utc_now())])
        audit(tx, openid, "lottery.join", lottery_id, f"join_no={join_no}")
        outcome = "joined"
    else:
        join_no = mine["join_no"]
    count = _count_in(tx, lottery_id)
    if outcome == "joined" and early_n and count >= early_n:
        tx.execute("UPDATE lotteries SET state = 'OPENING', drawn_by = 'full' WHERE id = ? AND state = 'INIT'",
                   [lottery_id])
        audit(tx, "full", "lottery.lock", lottery_id, f"participants={count}")
    return outcome, join_no, count, early_n


def _count_in(tx, lottery_id):
    return tx.value("SELECT COUNT(*) FROM lottery_entries WHERE lottery_id = ? AND left_at IS NULL", [lottery_id])


def leave_lottery(tx, lottery_id, openid):
    """True if the member left, False if they had not joined; Refusal once the lottery is no longer open."""
    row = existing(tx, lottery_id)
    if row["state"] != INIT:
        raise Refusal(f"抽奖 #{lottery_id} {row['title']}{STATE_LABEL[row['state']]}，不能退出。")
    left = tx.execute("UPDATE lottery_entries SET left_at = ? WHERE lottery_id = ? AND openid = ? AND left_at IS NULL",
                      [to_utc_text(utc_now()), lottery_id, openid]).rowcount
    if left:
        audit(tx, openid, "lottery.leave", lottery_id)
    return bool(left)


def cancel_lottery(tx, lottery_id, actor):
    """INIT -> CANCELED and tell the participants (pushed once tx commits); returns their number. Refusal if the
    lottery is not open."""
    changed = tx.execute("UPDATE lotteries SET state = 'CANCELED', canceled_at = ?, canceled_by = ? "
                         "WHERE id = ? AND state = 'INIT'", [to_utc_text(utc_now()), actor, lottery_id]).rowcount
    row = existing(tx, lottery_id)
    if not changed:
        raise Refusal(f"抽奖 #{lottery_id} {row['title']}{STATE_LABEL[row['state']]}，不能取消。")
    audit(tx, actor, "lottery.cancel", lottery_id)
    people = participants(tx, lottery_id)
    for openid in people:
        tx.push(openid, f"抽奖 #{lottery_id} {row['title']} 已被管理员取消，不会开奖。", kind="lottery")
    unschedule(tx, lottery_id)
    return len(people)


# --- replies ----------------------------------------------------------------------------------------------------

def _open_line(ctx, row, detail=False):
    """A lottery before its draw; `detail` (its own page: 6 编号, 85 编号) adds the 64-character commitment,
    which a list of lotteries leaves out."""
    count = len(participants(ctx.db, row["id"]))
    mine = entry(ctx.db, row["id"], ctx.openid)
    joined = bool(mine and not mine["left_at"])
    when = local_text(row["draw_at"], ctx.tz) + (f"（或满 {row['early_n']} 人）" if row["early_n"] else "")
    me = f"你已参加（第 {mine['join_no']} 号）" if joined else f"你未参加，发送 6 {row['id']} 参加"
    return (f"#{row['id']} {row['title']}\n  开奖：{when}\n  奖品：{prizes_text(row['prize_list'])}\n"
            f"  已参加 {count} 人；{me}" + (f"\n  承诺 sha256：{row['commitment']}" if detail else ""))


def _result(ctx, row, openid=None):
    return result_text(ctx.app, ctx.db, row, openid)


def _show(ctx, row):
    """85 编号: one lottery as the admin sees it, with what can be done next."""
    if row["state"] == OPENED:
        return _result(ctx, row)
    if row["state"] == CANCELED:
        return f"抽奖 #{row['id']} {row['title']} 已取消（{local_text(row['canceled_at'], ctx.tz)}）。"
    return (f"{_open_line(ctx, row, detail=True)}\n  状态：{STATE_LABEL[row['state']]}\n"
            f"立即开奖发送 85 {row['id']} 开奖，取消发送 85 {row['id']} 取消")


def _list_open(ctx):
    """6: the open lotteries, soonest first: the first few in full, more one line each, and how many beyond."""
    db = ctx.db
    waiting = db.value("SELECT COUNT(*) FROM lotteries WHERE state IN ('INIT', 'OPENING')")
    rows = [lottery(db, r["id"]) for r in
            db.query("SELECT id FROM lotteries WHERE state IN ('INIT', 'OPENING') ORDER BY draw_at, id "
                     "LIMIT :n", {"n": OPEN_LISTED})]
    recent = db.query("SELECT id, title, drawn_at FROM lotteries WHERE state = 'OPENED' "
                      "ORDER BY drawn_at DESC LIMIT 3")
    if rows:
        lines = [f"进行中的抽奖（{waiting} 个）："] + [_open_line(ctx, r) for r in rows[:OPEN_DETAILED]]
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
    by_state = {r["state"]: r["n"] for r in ctx.db.query("SELECT state, COUNT(*) AS n FROM lotteries GROUP BY state")}
    total = sum(by_state.values())
    if not total:
        return "还没有抽奖。发送 84 标题 开奖时间 奖品x数量 发起。"
    rows = ctx.db.query("SELECT * FROM lotteries ORDER BY id DESC LIMIT :n", {"n": RECENT_LISTED})
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
    if not is_number(number):
        raise ArgError(f"抽奖编号必须是数字，收到“{token}”")
    return int(number)


# --- the commands -----------------------------------------------------------------------------------------------

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
    lottery_id = create_lottery(ctx.db, title, draw_at, prizes, early_n, ctx.openid)
    row = lottery(ctx.db, lottery_id)
    early = f"，满 {row['early_n']} 人提前开奖" if row["early_n"] else ""
    return (f"已发起抽奖 #{lottery_id}：{row['title']}\n开奖时间：{local_text(row['draw_at'], ctx.tz)}{early}\n"
            f"奖品：{prizes_text(row['prize_list'])}\n公平性承诺 sha256：{row['commitment']}\n"
            f"组员发送 6 {lottery_id} 参加；取消发送 85 {lottery_id} 取消，立即开奖发送 85 {lottery_id} 开奖")


@plugin.command(85, "管理抽奖", roles=(ADMIN,), usage="85 | 85 编号 | 85 编号 开奖 | 85 编号 取消",
                example=("85", "85 1", "85 1 开奖", "85 1 取消"), aliases=("管理抽奖",), full_list="/console/lotteries")
def manage(ctx):
    """管理抽奖：85 列出抽奖，85 编号 查看，85 编号 开奖 立即开奖，85 编号 取消

    取消只能在开奖前，需回复“确认”，参加者会收到通知。立即开奖与到点开奖不会重复：每个抽奖只开一次。
    """
    if not ctx.args:
        return _list_recent(ctx)
    lottery_id = _lottery_number(ctx.args[0])
    row = existing(ctx.db, lottery_id)
    if len(ctx.args) == 1:
        return _show(ctx, row)
    if ctx.args[1] not in ("开奖", "取消"):
        raise ArgError(f"看不懂“{ctx.args[1]}”，立即开奖请写 85 {lottery_id} 开奖，取消请写 85 {lottery_id} 取消")
    if ctx.args[1] == "开奖":
        if row["state"] == CANCELED:
            raise Refusal(f"抽奖 #{lottery_id} {row['title']} 已取消，不能开奖。")
        if draw(ctx.db, lottery_id, ctx.openid):
            return _result(ctx, lottery(ctx.db, lottery_id))
        if row["state"] == OPENED:
            return "这个抽奖已经开过奖了：\n" + _result(ctx, row)
        raise Refusal(f"抽奖 #{lottery_id} {row['title']}{STATE_LABEL[row['state']]}，不能开奖。")
    if row["state"] == OPENED:
        raise Refusal(f"抽奖 #{lottery_id} {row['title']} 已开奖，不能取消。发送 6 {lottery_id} 查看结果。")
    if row["state"] == OPENING:
        raise Refusal(f"抽奖 #{lottery_id} {row['title']} 正在开奖，不能取消。")
    if row["state"] == CANCELED:
        return f"抽奖 #{lottery_id} {row['title']} 已经取消过了。"
    count = len(participants(ctx.db, lottery_id))
    ctx.confirm(f"将取消抽奖 #{lottery_id} {row['title']}（开奖时间 {local_text(row['draw_at'], ctx.tz)}，"
                f"已有 {count} 人参加），取消后不会开奖，并通知参加者。")
    told = cancel_lottery(ctx.db, lottery_id, ctx.openid)
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
    row = existing(ctx.db, lottery_id)
    if len(ctx.args) > 1:
        if ctx.args[1] not in _LEAVE_WORDS:
            raise ArgError(f"看不懂“{ctx.args[1]}”，退出请写：6 {lottery_id} 退出")
        if leave_lottery(ctx.db, lottery_id, ctx.openid):
            return f"已退出抽奖 #{lottery_id} {row['title']}。想再参加可发送 6 {lottery_id}。"
        return f"你没有参加抽奖 #{lottery_id} {row['title']}，无需退出。"
    if row["state"] == OPENED:
        return _result(ctx, row, ctx.openid)
    if row["state"] == CANCELED:
        return f"抽奖 #{lottery_id} {row['title']} 已取消。"
    if row["state"] == OPENING:
        return f"抽奖 #{lottery_id} {row['title']} 正在开奖，请稍后再发送 6 {lottery_id} 查看结果。"
    if MEMBER not in ctx.roles:
        return _open_line(ctx, row, detail=True).replace(
            f"你未参加，发送 6 {lottery_id} 参加", "参加抽奖需要先注册为组员（9 组名 姓名）")
    outcome, join_no, count, early_n = join_lottery(ctx.db, lottery_id, ctx.openid)
    if outcome == "already":
        head = f"你已经参加了抽奖 #{lottery_id} {row['title']}（第 {join_no} 号），无需重复。当前 {count} 人。"
    else:
        head = f"已参加抽奖 #{lottery_id} {row['title']}（第 {join_no} 号），当前 {count} 人。"
    if early_n and count >= early_n:
        draw(ctx.db, lottery_id, "full")         # in this message's transaction: no join slips in before it
        row = lottery(ctx.db, lottery_id)
        if row["state"] == OPENED:
            return f"{head}\n人数已满 {early_n} 人，已开奖：\n" + _result(ctx, row, ctx.openid)
    when = local_text(row["draw_at"], ctx.tz)
    early = f"，或满 {early_n} 人时开奖" if early_n else ""
    return (f"{head}\n开奖时间 {when}{early}，结果会通知你，也可发送 6 {lottery_id} 查看。退出请发送 6 {lottery_id} 退出。"
            f"\n公平性承诺 sha256：{row['commitment']}")


