"""The draw: the provably fair pick, a pure function of the secret seed, the participant list and the prize
slots; and the one transition that fixes a lottery's result (draw_lottery) with the result it publishes.

Anyone holding the published seed and the participant list (in join-number order) can recompute the winners
with the standard library only (new_seed .. draw_winners use nothing else); docs/lottery.md prints the same
few lines.
"""

import hashlib
import hmac
import logging
import secrets

from bot.db import audit
from bot.plugin import ADMIN
from bot.timeutil import local_text, to_utc_text, utc_now

from .lotteries import OPENING, lottery, names_with_team, participants, winners

log = logging.getLogger("teabot.lottery")

_SPACE = 1 << 256                # HMAC-SHA256 outputs are 256-bit integers
RESULT_NAMES_SHOWN = 30          # a WeChat text message holds about 2 KB; the full list is in the export


# --- the fair pick ----------------------------------------------------------------------------------------------

def new_seed():
    """A fresh secret seed: 32 random bytes as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def commitment(seed):
    """What is published before the draw: sha256 of the seed's ASCII text, as hex."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def prize_slots(prizes):
    """[('一等奖', 1), ('奶茶券', 2)] -> ['一等奖', '奶茶券', '奶茶券']: slot i is awarded i-th."""
    return [name for name, count in prizes for _ in range(count)]


def pick_index(seed, slot, n):
    """A uniform index in range(n) for prize slot `slot`, by rejection sampling over HMAC-SHA256 outputs.

    The first try hashes the message f"{slot}", a retry k hashes f"{slot}:{k}". A value is rejected only when
    it falls in the top (2**256 % n) values, which keeps `value % n` exactly uniform; the chance of a retry is
    below n / 2**256, so in practice the answer is HMAC(seed, str(slot)) % n.
    """
    if n <= 0:
        raise ValueError("no one to pick from")
    limit = _SPACE - (_SPACE % n)
    key = seed.encode("ascii")
    attempt = 0
    while True:
        message = f"{slot}" if attempt == 0 else f"{slot}:{attempt}"
        value = int.from_bytes(hmac.new(key, message.encode("ascii"), hashlib.sha256).digest(), "big")
        if value < limit:
            return value % n
        attempt += 1


def draw_winners(seed, participants, prizes):
    """[(slot, prize_name, participant)] for each awarded slot.

    participants: identifiers sorted by join number; prizes: [(name, count)] in the order listed. Each slot
    takes one participant out of the remaining list, so nobody wins twice; when participants run out, the
    remaining slots stay unawarded.
    """
    remaining = list(participants)
    picked = []
    for slot, name in enumerate(prize_slots(prizes)):
        if not remaining:
            break
        picked.append((slot, name, remaining.pop(pick_index(seed, slot, len(remaining)))))
    return picked


# --- fixing the result ------------------------------------------------------------------------------------------

def draw_lottery(tx, lottery_id, actor):
    """Draw in `tx` if still INIT (or finish a draw left in OPENING); True only for the call that fixed the result.

    INIT -> OPENING locks joining (a 满N人 lottery's Nth join has done it already); the winners are then computed
    from the seed and the frozen entries and OPENING -> OPENED, with the result pushes, all in this one
    transaction. Both updates are conditional, so of any number of triggers exactly one draws; the second step
    is a pure function of stored data, so a draw an older version left in OPENING is finished with the same
    winners. Callers also drop the lottery's draw job (jobs.draw does both).
    """
    locked = tx.execute("UPDATE lotteries SET state = 'OPENING', drawn_by = ? WHERE id = ? AND state = 'INIT'",
                        [actor, lottery_id]).rowcount
    if locked:
        audit(tx, actor, "lottery.lock", lottery_id)
    elif tx.value("SELECT state FROM lotteries WHERE id = ?", [lottery_id]) != OPENING:
        return False
    row = lottery(tx, lottery_id)
    people = participants(tx, lottery_id)
    picked = draw_winners(row["seed"], people, row["prize_list"])
    tx.executemany("INSERT INTO lottery_winners (lottery_id, prize_index, prize_name, openid) VALUES (?, ?, ?, ?)",
                   [(lottery_id, slot, name, openid) for slot, name, openid in picked])
    tx.execute("UPDATE lotteries SET state = 'OPENED', drawn_at = ?, participant_count = ? "
               "WHERE id = ? AND state = 'OPENING'", [to_utc_text(utc_now()), len(people), lottery_id])
    audit(tx, actor, "lottery.draw", lottery_id, f"participants={len(people)} winners={len(picked)}")
    _push_results(tx, lottery_id, people)
    tx.after_commit(lambda: log.info("lottery %s drawn by %s: %s participants, %s winners",
                                     lottery_id, actor, len(people), len(picked)))
    return True


def _push_results(tx, lottery_id, people):
    """The result to every participant, the creator and the admins, queued in the draw's transaction: one draw,
    one set of pushes, sent once it has committed."""
    app = tx.app
    row = lottery(tx, lottery_id)
    recipients = list(dict.fromkeys([*people, row["created_by"], *app.users_with_role(ADMIN)]))
    facts = _result_facts(app, tx, row)
    for openid in recipients:
        prize = facts["prize_of"].get(openid)
        tx.push(openid, result_text(app, tx, row, openid, facts), kind="lottery", notice="lottery",
                fields={"number": row["id"], "title": row["title"], "count": row["participant_count"],
                        "result": f"中奖：{prize}" if prize else
                        "未中奖" if openid in facts["participants"] else "已开奖"})


def due_lotteries(reader, now_utc=None):
    """Ids to draw now: INIT past their time, INIT with enough participants, and draws left in OPENING."""
    now_text = to_utc_text(now_utc or utc_now())
    rows = reader.query(
        """SELECT l.id FROM lotteries l
           WHERE l.state = 'OPENING'
              OR (l.state = 'INIT' AND (l.draw_at <= :now OR (l.early_n IS NOT NULL AND l.early_n <=
                   (SELECT COUNT(*) FROM lottery_entries e WHERE e.lottery_id = l.id AND e.left_at IS NULL))))
           ORDER BY l.id""", {"now": now_text})
    return [r["id"] for r in rows]


# --- the published result ---------------------------------------------------------------------------------------

def _result_facts(app, reader, row):
    """What every copy of a result shares: the public lines, who won what, who took part."""
    won = winners(reader, row["id"])
    shown = won[:RESULT_NAMES_SHOWN]
    names = names_with_team(reader, [w["openid"] for w in shown], app.config)
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
            "participants": set(participants(reader, row["id"])), "admins": set(app.users_with_role(ADMIN))}


def result_text(app, reader, row, openid=None, facts=None):
    """The published result: winners by prize, unawarded slots, the seed; plus this user's own outcome."""
    facts = facts or _result_facts(app, reader, row)
    personal = []
    if openid is not None:
        if openid in facts["prize_of"]:
            personal.append(f"恭喜，你中了：{facts['prize_of'][openid]}！")
        elif openid in facts["participants"]:
            personal.append("很遗憾，你这次没有中奖。")
        elif openid not in facts["admins"]:
            personal.append("你没有参加这次抽奖（已开奖，不能再参加）。")
    return "\n".join(facts["lines"] + personal + facts["tail"])
