import hashlib
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest
import yaml

from bot.app import App
from bot.plugin import ArgError, Refusal
from bot.scheduler import make_scheduler
from bot.timeutil import from_utc_text, to_utc_text, utc_now
from conftest import ADMIN
from plugins.lottery.commands import create_lottery, join_lottery
from plugins.lottery.draw import commitment, draw_winners, due_lotteries, pick_index, result_text
from plugins.lottery.jobs import draw_now, start_jobs, sweep
from plugins.lottery.lotteries import lottery, participants, winners
from plugins.lottery.parse import parse_draw_time
from plugins.lottery.verify import verify

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
SOON = (datetime.now(TZ) + timedelta(days=10)).date()     # tests must not depend on today's date
WHEN = f"{SOON.isoformat()} 16:00"
MD_WHEN = f"{SOON:%m-%d} 16:00"
LATER = f"{SOON + timedelta(days=1)} 16:00"
TOO_FAR = f"{(datetime.now(TZ) + timedelta(days=400)).date()} 10:00"


def lottery_id_of(reply):
    match = re.search(r"已发起抽奖 #(\d+)", reply)
    assert match, reply
    return int(match.group(1))


def add_members(app, count, prefix="m"):
    """Approved members written straight to the database (the register flow is tested elsewhere)."""
    now = to_utc_text(utc_now())
    openids = [f"o-{prefix}{i:03d}" for i in range(count)]
    with app.transaction() as tx:
        group_id = tx.value("SELECT id FROM groups ORDER BY id")
        for i, openid in enumerate(openids):
            tx.execute("INSERT INTO users (openid, name, group_id, status, created_at) VALUES (?, ?, ?, 'member', ?)",
                       [openid, f"{prefix}{i:03d}", group_id, now])
    return openids


def in_transaction(app, function, *args):
    """function(tx, *args) in a unit of work of its own, as a job or CLI command runs it."""
    with app.transaction() as tx:
        return function(tx, *args)


def create_soon(app, seconds, prizes=(("一等奖", 1), ("奶茶券", 2)), early_n=None):
    return in_transaction(app, create_lottery, "下午茶", utc_now() + timedelta(seconds=seconds), list(prizes), early_n,
                          ADMIN)


def join_directly(app, lottery_id, openid):
    return in_transaction(app, join_lottery, lottery_id, openid)


def state(app, lottery_id):
    return app.store.one("SELECT state FROM lotteries WHERE id = :i", {"i": lottery_id})["state"]


def draw_count(app, lottery_id):
    return app.store.one("SELECT COUNT(*) AS n FROM audit WHERE action = 'lottery.draw' AND target = :t",
                         {"t": str(lottery_id)})["n"]


def result_pushes(app, lottery_id):
    """openid -> number of result pushes recorded for this lottery."""
    rows = app.store.query("SELECT openid FROM pushes WHERE kind = 'lottery' AND text LIKE :t",
                           {"t": f"抽奖 #{lottery_id} %已开奖%"})
    return Counter(r["openid"] for r in rows)


def wait_for(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def join_all(say, lottery_id, openids):
    for openid in openids:
        assert "已参加" in say(openid, f"6 {lottery_id}")


# --- creating ---------------------------------------------------------------------------------------------------

def test_create_replies_with_number_and_commitment_but_keeps_the_seed_secret(app, say):
    reply = say(ADMIN, f"84 周五下午茶 {WHEN} 一等奖x1,奶茶券x5")
    lottery_id = lottery_id_of(reply)
    row = lottery(app.store, lottery_id)
    assert row["commitment"] == hashlib.sha256(row["seed"].encode()).hexdigest()
    assert row["commitment"] in reply and row["seed"] not in reply
    assert "一等奖×1、奶茶券×5" in reply and f"{WHEN}" in reply
    assert row["draw_at"] == f"{SOON.isoformat()}T08:00:00.000000+00:00"       # stored in UTC
    assert row["state"] == "INIT" and len(row["seed"]) == 64


@pytest.mark.parametrize("text, prizes, early_n", [
    (f"84 茶 {MD_WHEN} 一等奖x1,奶茶券X5", [("一等奖", 1), ("奶茶券", 5)], None),
    (f"84 茶 {WHEN} 一等奖×1，奶茶券*5 满20人", [("一等奖", 1), ("奶茶券", 5)], 20),
    ("84 周五 下午茶 明天 9:30 xbox x2、 键盘 ＊3 满 3 人", [("xbox", 2), ("键盘", 3)], 3),
])
def test_create_accepts_every_separator_and_early_draw(app, say, text, prizes, early_n):
    row = lottery(app.store, lottery_id_of(say(ADMIN, text)))
    assert row["prize_list"] == prizes and row["early_n"] == early_n


@pytest.mark.parametrize("text, why", [
    ("84", "请写标题"),
    ("84 下午茶 一等奖x1", "没找到开奖时间"),
    ("84 下午茶 2020-01-01 10:00 一等奖x1", "已经过了"),
    ("84 下午茶 02-30 10:00 一等奖x1", "不存在"),
    ("84 下午茶 12-04 25:00 一等奖x1", "不存在"),
    (f"84 下午茶 {TOO_FAR} 一等奖x1", "太远"),
    (f"84 下午茶 {MD_WHEN} 一等奖x0", "至少 1"),
    (f"84 下午茶 {MD_WHEN} 一等奖x1,奶茶券x1000", "太多"),
    (f"84 下午茶 {MD_WHEN} 一等奖", "看不懂奖品"),
    (f"84 下午茶 {MD_WHEN}", "请写奖品"),
    (f"84 下午茶 {MD_WHEN} 奶茶x1 满0人", "满N人"),
    ("84 " + "长" * 31 + f" {MD_WHEN} 奶茶x1", "标题太长"),
])
def test_create_rejects_bad_input_with_usage(app, say, text, why):
    reply = say(ADMIN, text)
    assert why in reply and "用法：84 标题 开奖时间" in reply, reply
    assert app.store.one("SELECT COUNT(*) AS n FROM lotteries")["n"] == 0


@pytest.mark.parametrize("now, day, expected", [
    ("2026-11-22 07:30", "11-22", "2026-11-22 16:00"),      # later today
    ("2026-12-20 10:00", "01-05", "2027-01-05 16:00"),      # January, sent in December: next year
    ("2026-11-22 07:30", "明天", "2026-11-23 16:00"),
    ("2026-12-31 20:00", "后天", "2027-01-02 16:00"),
])
def test_draw_time_is_read_in_the_configured_timezone(now, day, expected):
    moment = parse_draw_time(day, "16:00", datetime.strptime(now, "%Y-%m-%d %H:%M").replace(tzinfo=TZ))
    assert moment.tzinfo == TZ and f"{moment:%Y-%m-%d %H:%M}" == expected


@pytest.mark.parametrize("now, day, time_text", [
    ("2026-11-22 17:30", "11-22", "16:00"),                  # a few hours ago is a mistake, not next year
    ("2026-11-22 07:30", "11-01", "16:00"),
    ("2026-11-22 07:30", "2026-11-22", "07:30"),            # not in the future
])
def test_recent_past_draw_time_is_refused(now, day, time_text):
    with pytest.raises(ArgError, match="已经过了"):
        parse_draw_time(day, time_text, datetime.strptime(now, "%Y-%m-%d %H:%M").replace(tzinfo=TZ))


def test_member_cannot_create_or_manage(say, member):
    zhang = member("张三")
    assert "管理员" in say(zhang, f"84 茶 {MD_WHEN} 奶茶x1")
    assert "管理员" in say(zhang, "85 1 开奖")


def test_same_wechat_message_creates_one_lottery(app, say):
    first = say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1", msg_id="m-1")
    again = say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1", msg_id="m-1")
    assert lottery_id_of(first) == lottery_id_of(again)
    assert app.store.one("SELECT COUNT(*) AS n FROM lotteries")["n"] == 1


# --- joining and leaving ----------------------------------------------------------------------------------------

def test_member_list_shows_open_lotteries_with_my_status(app, say, member):
    zhang, li = member("张三"), member("李四")
    lottery_id = lottery_id_of(say(ADMIN, f"84 周五下午茶 {MD_WHEN} 一等奖x1,奶茶券x5 满30人"))
    say(zhang, f"6 {lottery_id}")
    listing = say(zhang, "6")
    row = lottery(app.store, lottery_id)
    assert f"#{lottery_id} 周五下午茶" in listing and f"{WHEN}（或满 30 人）" in listing
    assert "一等奖×1、奶茶券×5" in listing and "已参加 1 人" in listing and "你已参加（第 1 号）" in listing
    assert row["commitment"] not in listing and row["seed"] not in listing     # the hash is in its own detail
    detail = say(zhang, f"6 {lottery_id}")
    assert row["commitment"] in detail and row["seed"] not in detail
    assert f"你未参加，发送 6 {lottery_id} 参加" in say(li, "6")


def test_joining_twice_is_harmless(app, say, member):
    zhang = member("张三")
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1"))
    assert "已参加" in say(zhang, f"6 {lottery_id}")
    assert "无需重复" in say(zhang, f"6 {lottery_id}")
    assert participants(app.store, lottery_id) == [zhang]


def test_only_approved_members_can_join(app, say):
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1"))
    say("o-wait", "9 研发一组 王五")
    assert "等待管理员审核" in say("o-wait", f"6 {lottery_id}")
    assert "需要先注册为组员" in say(ADMIN, f"6 {lottery_id}")      # the admin may look, not join
    assert participants(app.store, lottery_id) == []


def test_leaving_removes_me_from_the_draw_and_rejoining_takes_a_new_number(app, say, member):
    zhang, li = member("张三"), member("李四")
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1"))
    join_all(say, lottery_id, [zhang, li])
    assert "已退出" in say(zhang, f"6 {lottery_id} 退出")
    assert "无需退出" in say(zhang, f"6 {lottery_id} 退出")
    assert participants(app.store, lottery_id) == [li]
    assert "第 3 号" in say(zhang, f"6 {lottery_id}")
    assert participants(app.store, lottery_id) == [li, zhang]


def test_unknown_lottery_and_bad_number_are_explained(say, member):
    zhang = member("张三")
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1"))
    assert "没有编号为 9 的抽奖" in say(zhang, "6 9")
    assert "编号必须是数字" in say(zhang, "6 abc")
    assert "退出请写" in say(zhang, f"6 {lottery_id} 参加")
    assert "立即开奖请写" in say(ADMIN, f"85 {lottery_id} 现在")


def test_concurrent_joins_are_all_recorded_with_distinct_numbers(app, say):
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x3"))
    people = add_members(app, 40)
    barrier = threading.Barrier(len(people))
    replies = {}

    def join(openid):
        barrier.wait()
        replies[openid] = say(openid, f"6 {lottery_id}")
        replies[openid + "#again"] = say(openid, f"6 {lottery_id}")

    threads = [threading.Thread(target=join, args=[o]) for o in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all("已参加" in replies[o] for o in people), [r for r in replies.values() if "已参加" not in r][:3]
    rows = app.store.query("SELECT join_no FROM lottery_entries WHERE lottery_id = :i", {"i": lottery_id})
    assert sorted(r["join_no"] for r in rows) == list(range(1, 41))
    assert "已参加 40 人" in say(people[0], "6")


# --- drawing ----------------------------------------------------------------------------------------------------

def test_draw_now_awards_in_order_one_prize_each_and_pushes_everyone(app, say, member, sent):
    people = [member(n) for n in ("张三", "李四", "王五", "赵六")]
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 一等奖x1,奶茶券x2"))
    join_all(say, lottery_id, people)
    reply = say(ADMIN, f"85 {lottery_id} 开奖")
    row = lottery(app.store, lottery_id)
    won = winners(app.store, lottery_id)
    assert row["state"] == "OPENED" and row["participant_count"] == 4
    assert [(w["prize_index"], w["prize_name"]) for w in won] == [(0, "一等奖"), (1, "奶茶券"), (2, "奶茶券")]
    assert [(s, n, o) for s, n, o in draw_winners(row["seed"], people, row["prize_list"])] == \
        [(w["prize_index"], w["prize_name"], w["openid"]) for w in won]
    assert len({w["openid"] for w in won}) == 3
    assert row["seed"] in reply and "一等奖：" in reply
    app.pusher.flush(5)
    results = [(o, t) for o, t in sent if "已开奖" in t]
    assert sorted(o for o, _ in results) == sorted(people + [ADMIN])
    winner_of = {w["openid"]: w["prize_name"] for w in won}
    for openid, text in results:
        if openid in winner_of:
            assert f"你中了：{winner_of[openid]}" in text
        elif openid != ADMIN:
            assert "没有中奖" in text
    loser = next(o for o in people if o not in winner_of)
    assert "没有中奖" in say(loser, f"6 {lottery_id}")
    assert f"你中了：{winner_of[won[0]['openid']]}" in say(won[0]["openid"], f"6 {lottery_id}")


def test_fewer_participants_than_prizes_leaves_the_rest_unawarded(app, say, member):
    zhang = member("张三")
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 一等奖x1,奶茶券x2"))
    say(zhang, f"6 {lottery_id}")
    reply = say(ADMIN, f"85 {lottery_id} 开奖")
    assert [(w["prize_name"], w["openid"]) for w in winners(app.store, lottery_id)] == [("一等奖", zhang)]
    assert "2 份奖品未抽出" in reply


def test_draw_with_nobody_joined_is_recorded_and_verifiable(app, say):
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x2"))
    assert "没有人参加" in say(ADMIN, f"85 {lottery_id} 开奖")
    assert verify(app.store, lottery_id, out=lambda _: None)


def test_join_and_leave_after_the_draw_are_refused(app, say, member):
    zhang, li = member("张三"), member("李四")
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1"))
    say(zhang, f"6 {lottery_id}")
    say(ADMIN, f"85 {lottery_id} 开奖")
    assert "已开奖" in say(li, f"6 {lottery_id}") and "你没有参加这次抽奖" in say(li, f"6 {lottery_id}")
    assert "已开奖，不能退出" in say(zhang, f"6 {lottery_id} 退出")
    with pytest.raises(Refusal, match="已开奖"):
        join_directly(app, lottery_id, li)
    assert participants(app.store, lottery_id) == [zhang]
    assert "已经开过奖了" in say(ADMIN, f"85 {lottery_id} 开奖")
    assert "已开奖，不能取消" in say(ADMIN, f"85 {lottery_id} 取消")
    assert draw_count(app, lottery_id) == 1


def test_concurrent_double_draw_happens_once(app, say):
    people = add_members(app, 30)
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 一等奖x1,奶茶券x10"))
    join_all(say, lottery_id, people)
    barrier = threading.Barrier(12)
    outcomes = []

    def by_scheduler():
        barrier.wait()
        outcomes.append(draw_now(app, lottery_id, "scheduler"))

    def by_admin():
        barrier.wait()
        outcomes.append(say(ADMIN, f"85 {lottery_id} 开奖"))

    threads = [threading.Thread(target=f) for f in [by_scheduler, by_admin] * 6]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert draw_count(app, lottery_id) == 1
    assert sum(1 for o in outcomes if o is True) + sum(1 for o in outcomes if isinstance(o, str)
                                                       and o.startswith("抽奖 #")) == 1, outcomes
    assert all(not isinstance(o, str) or "已开奖" in o for o in outcomes), outcomes
    won = winners(app.store, lottery_id)
    assert len(won) == 11 and len({w["openid"] for w in won}) == 11
    app.pusher.flush(5)
    assert set(result_pushes(app, lottery_id).values()) == {1}
    assert verify(app.store, lottery_id, out=lambda _: None)


def test_nth_member_joining_draws_early(app, say, member, sent):
    zhang, li, wang = member("张三"), member("李四"), member("王五")
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1 满2人"))
    assert "当前 1 人" in say(zhang, f"6 {lottery_id}")
    reply = say(li, f"6 {lottery_id}")
    assert "人数已满 2 人，已开奖" in reply and lottery(app.store, lottery_id)["drawn_by"] == "full"
    assert "不能再参加" in say(wang, f"6 {lottery_id}")
    assert draw_count(app, lottery_id) == 1


def test_a_failed_nth_join_draw_leaves_neither_the_join_nor_the_lock(app, say, member, monkeypatch):
    """The Nth join, its lock and its draw are one transaction, the message's: if the draw fails, the member gets
    the error reply and the lottery is as before, open for that join again."""
    zhang, li = member("张三"), member("李四")
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1 满2人"))
    say(zhang, f"6 {lottery_id}")

    def broken(*_):
        raise RuntimeError("draw failed")
    monkeypatch.setattr("plugins.lottery.draw.draw_winners", broken)
    assert "出错了" in say(li, f"6 {lottery_id}")
    assert state(app, lottery_id) == "INIT" and participants(app.store, lottery_id) == [zhang]
    assert draw_count(app, lottery_id) == 0 and not result_pushes(app, lottery_id)
    monkeypatch.undo()
    assert "人数已满 2 人，已开奖" in say(li, f"6 {lottery_id}")
    assert draw_count(app, lottery_id) == 1


def test_draw_left_half_done_is_finished_with_the_same_winners(app, say):
    people = add_members(app, 6)
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x3"))
    join_all(say, lottery_id, people)
    with app.transaction() as tx:     # as if an older version died between locking and recording
        tx.execute("UPDATE lotteries SET state = 'OPENING' WHERE id = ?", [lottery_id])
    assert "正在开奖" in say(people[0], f"6 {lottery_id}")
    assert due_lotteries(app.store) == [lottery_id]
    assert sweep(app) == [lottery_id]
    row = lottery(app.store, lottery_id)
    assert row["state"] == "OPENED"
    assert [w["openid"] for w in winners(app.store, lottery_id)] == \
        [o for _, _, o in draw_winners(row["seed"], people, row["prize_list"])]


# --- cancelling -------------------------------------------------------------------------------------------------

def test_cancel_tells_participants_and_closes_the_lottery(app, say, member, sent):
    zhang, li = member("张三"), member("李四")
    lottery_id = lottery_id_of(say(ADMIN, f"84 周五下午茶 {MD_WHEN} 奶茶x1"))
    join_all(say, lottery_id, [zhang, li])
    say(li, f"6 {lottery_id} 退出")
    asked = say(ADMIN, f"85 {lottery_id} 取消")
    assert "将取消抽奖" in asked and "已有 1 人参加" in asked and "确认" in asked
    assert state(app, lottery_id) == "INIT"
    assert "已通知 1 位参加者" in say(ADMIN, "确认")
    app.pusher.flush(5)
    assert [(o, t) for o, t in sent if "已被管理员取消" in t] == \
        [(zhang, f"抽奖 #{lottery_id} 周五下午茶 已被管理员取消，不会开奖。")]
    assert "已取消" in say(zhang, f"6 {lottery_id}")
    with pytest.raises(Refusal, match="已取消"):
        join_directly(app, lottery_id, li)
    assert "已取消，不能开奖" in say(ADMIN, f"85 {lottery_id} 开奖")
    assert "已经取消过了" in say(ADMIN, f"85 {lottery_id} 取消")
    assert draw_now(app, lottery_id, "scheduler") is False
    assert state(app, lottery_id) == "CANCELED"


def test_admin_overview_lists_lotteries_with_state(say):
    say(ADMIN, f"84 甲 {MD_WHEN} 奶茶x1")
    say(ADMIN, f"84 乙 {LATER} 奶茶x1")
    say(ADMIN, "85 2 取消")
    say(ADMIN, "确认")
    listing = say(ADMIN, "85")
    assert "#1 甲 [进行中]" in listing and "#2 乙 [已取消]" in listing


# --- the fair draw ----------------------------------------------------------------------------------------------

def test_same_seed_and_participants_give_the_same_winners():
    seed = "ab" * 32
    people = [f"o-{i}" for i in range(20)]
    prizes = [("一等奖", 1), ("二等奖", 3), ("三等奖", 5)]
    first = draw_winners(seed, people, prizes)
    assert first == draw_winners(seed, list(people), prizes)
    assert [name for _, name, _ in first] == ["一等奖"] + ["二等奖"] * 3 + ["三等奖"] * 5
    assert len({o for _, _, o in first}) == 9
    assert draw_winners("cd" * 32, people, prizes) != first
    assert draw_winners(seed, people[1:] + people[:1], prizes) != first     # order matters: join order is part of it


def test_the_first_pick_is_hmac_of_the_slot_number_modulo_the_count():
    import hmac
    seed = "0123456789abcdef" * 4
    for slot, n in [(0, 5), (7, 13), (12, 1000)]:
        value = int.from_bytes(hmac.new(seed.encode(), str(slot).encode(), hashlib.sha256).digest(), "big")
        assert pick_index(seed, slot, n) == value % n


def test_draws_are_uniform_over_participants():
    # 2000 fixed seeds (so the test is deterministic), 1 prize among 5: each should win about 400 times.
    counts = Counter()
    for k in range(2000):
        seed = hashlib.sha256(f"seed-{k}".encode()).hexdigest()
        counts[draw_winners(seed, list("ABCDE"), [("奖", 1)])[0][2]] += 1
    chi_square = sum((counts[p] - 400) ** 2 / 400 for p in "ABCDE")
    assert chi_square < 30, counts          # 4 degrees of freedom: 30 is beyond p = 1e-5


def test_docs_recipe_recomputes_the_same_winners():
    text = (ROOT / "docs" / "lottery.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?def recompute.*?)```", text, re.S).group(1)
    namespace = {}
    exec(code, namespace)
    seed = hashlib.sha256(b"docs").hexdigest()
    people = [f"o-{i}" for i in range(9)]
    prizes = [("一等奖", 1), ("奶茶券", 4)]
    assert namespace["recompute"](seed, people, prizes) == \
        [(name, openid) for _, name, openid in draw_winners(seed, people, prizes)]
    assert namespace["commitment"](seed) == commitment(seed)


# --- scheduling and restarts ------------------------------------------------------------------------------------

@pytest.fixture
def restart(config):
    """restart() -> a new App on the same database with a started scheduler and the lottery jobs added."""
    config["plugins"]["lottery"] = {"sweep_seconds": 0.2}
    apps = []

    def start():
        app = App(config, sender=lambda openid, text: None).setup()
        app.scheduler = make_scheduler(app)
        app.scheduler.start()
        start_jobs(app)
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.scheduler.shutdown(wait=True)
        app.pusher.flush(5)


def test_restart_before_the_draw_time_schedules_it_and_draws_once(app, restart):
    people = add_members(app, 5)
    lottery_id = create_soon(app, 3)
    for openid in people:
        join_directly(app, lottery_id, openid)
    running = restart()
    assert running.scheduler.get_job(f"lottery-draw-{lottery_id}") is not None
    assert state(running, lottery_id) == "INIT"
    assert wait_for(lambda: state(running, lottery_id) == "OPENED")
    drawn_at = from_utc_text(lottery(running.store, lottery_id)["drawn_at"])
    assert drawn_at >= from_utc_text(lottery(running.store, lottery_id)["draw_at"])
    assert running.scheduler.get_job(f"lottery-draw-{lottery_id}") is None
    time.sleep(0.5)                    # a few more sweeps
    again = restart()
    assert again.scheduler.get_job(f"lottery-draw-{lottery_id}") is None
    assert sweep(again) == []
    running.pusher.flush(5)
    assert draw_count(again, lottery_id) == 1
    assert len(winners(again.store, lottery_id)) == 3
    assert result_pushes(again, lottery_id) == Counter({o: 1 for o in people + [ADMIN]})


def test_draw_missed_while_down_happens_at_start(app, restart):
    people = add_members(app, 4)
    lottery_id = create_soon(app, 0.3)
    for openid in people:
        join_directly(app, lottery_id, openid)
    assert wait_for(lambda: due_lotteries(app.store) == [lottery_id])
    assert state(app, lottery_id) == "INIT"          # nothing runs while the server is down
    running = restart()
    assert wait_for(lambda: state(running, lottery_id) == "OPENED")
    assert lottery(running.store, lottery_id)["drawn_by"] == "scheduler"
    assert draw_count(running, lottery_id) == 1


def test_two_processes_starting_together_draw_once(app, restart):
    people = add_members(app, 12)
    lottery_ids = [create_soon(app, 0.2) for _ in range(3)]
    for lottery_id in lottery_ids:
        for openid in people:
            join_directly(app, lottery_id, openid)
    wait_for(lambda: len(due_lotteries(app.store)) == 3)
    first, second = restart(), restart()
    assert wait_for(lambda: all(state(first, i) == "OPENED" for i in lottery_ids))
    time.sleep(0.5)
    for lottery_id in lottery_ids:
        assert draw_count(first, lottery_id) == 1
        won = winners(first.store, lottery_id)
        assert len(won) == 3 and len({w["openid"] for w in won}) == 3
    first.pusher.flush(5)
    second.pusher.flush(5)
    assert all(set(result_pushes(first, i).values()) == {1} for i in lottery_ids)


def test_lottery_created_while_running_gets_its_job(app, say):
    app.scheduler = make_scheduler(app)
    app.scheduler.start()
    try:
        lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1"))
        job = app.scheduler.get_job(f"lottery-draw-{lottery_id}")
        assert job is not None and job.next_run_time == from_utc_text(f"{SOON.isoformat()}T08:00:00+00:00")
        say(ADMIN, f"85 {lottery_id} 取消")
        say(ADMIN, "确认")
        assert app.scheduler.get_job(f"lottery-draw-{lottery_id}") is None
    finally:
        app.scheduler.shutdown(wait=True)


# --- exports and verification -----------------------------------------------------------------------------------

def test_report_sheet_lists_every_winner(app, say, member):
    zhang, li = member("张三"), member("李四", "研发二组")
    lottery_id = lottery_id_of(say(ADMIN, f"84 周五下午茶 {MD_WHEN} 一等奖x1,奶茶券x1"))
    join_all(say, lottery_id, [zhang, li])
    say(ADMIN, f"85 {lottery_id} 开奖")
    say(ADMIN, f"84 没开的 {LATER} 奶茶x1")
    [sheet] = [s for s in app.report_sheets() if s.title == "抽奖记录"]
    assert sheet.order == 20 and sheet.header == ("抽奖编号", "标题", "奖品", "中奖人", "小组", "开奖时间", "承诺(sha256)",
                                                  "种子", "创建人", "开奖人")
    with app.read_transaction() as reader:       # a reader as the report's snapshot is: .query, .one, .app
        spec = sheet.function(reader, SOON)
        assert "title" not in spec and "header" not in spec
        assert spec["money_columns"] == [] and spec["datetime_columns"] == [5]
        rows = list(spec["rows"])
    row = lottery(app.store, lottery_id)
    assert [r[:3] for r in rows] == [[lottery_id, "周五下午茶", "一等奖"], [lottery_id, "周五下午茶", "奶茶券"]]
    assert {(r[3], r[4]) for r in rows} == {("张三", "研发一组"), ("李四", "研发二组")}
    assert all(r[6] == row["commitment"] and r[7] == row["seed"] for r in rows)
    assert rows[0][5] == from_utc_text(row["drawn_at"]).astimezone(app.tz).replace(tzinfo=None)
    assert all(r[8:] == ["管理员", "管理员"] for r in rows)      # created and drawn by the admin, shown by role


def run_verify(config_file, number):
    return subprocess.run([sys.executable, "run_bot.py", "--config", str(config_file), "lottery-verify", str(number)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_verify_cli_confirms_a_draw_and_detects_a_changed_winner(app, say, config, tmp_path):
    people = add_members(app, 6)
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 一等奖x1,奶茶券x2"))
    join_all(say, lottery_id, people)
    say(ADMIN, f"85 {lottery_id} 开奖")
    app.pusher.flush(5)
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump({
        "database": config["database"], "timezone": "Asia/Shanghai", "admins": [ADMIN],
        "groups": ["研发一组", "研发二组"], "exports_dir": str(tmp_path / "exports"),
    }, allow_unicode=True), encoding="utf-8")

    ok = run_verify(config_file, lottery_id)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "承诺一致" in ok.stdout and "核对通过" in ok.stdout and "参加者 6 人" in ok.stdout

    loser = next(o for o in people if o not in {w["openid"] for w in winners(app.store, lottery_id)})
    with app.transaction() as tx:
        tx.execute("UPDATE lottery_winners SET openid = ? WHERE lottery_id = ? AND prize_index = 0", [loser, lottery_id])
    tampered = run_verify(config_file, lottery_id)
    assert tampered.returncode == 1 and "第 0 份不一致" in tampered.stdout and "核对失败" in tampered.stdout

    with app.transaction() as tx:
        tx.execute("UPDATE lotteries SET seed = ? WHERE id = ?", ["00" * 32, lottery_id])
    assert "承诺不一致" in run_verify(config_file, lottery_id).stdout
    assert run_verify(config_file, 999).returncode == 1


def test_verify_refuses_an_undrawn_lottery(app, say):
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {MD_WHEN} 奶茶x1"))
    lines = []
    assert verify(app.store, lottery_id, out=lines.append) is False
    assert "还没有可核对的开奖结果" in lines[0]


def test_when_30_join_at_once_a_lottery_full_at_10_takes_exactly_10_and_draws_once(app, say):
    """满N人: the Nth join locks the lottery in its own transaction, so no join slips in before the draw."""
    people = add_members(app, 30)
    lottery_id = lottery_id_of(say(ADMIN, f"84 抢奶茶 {WHEN} 奶茶券x3 满10人"))
    replies, start = {}, threading.Barrier(len(people))

    def join(openid):
        start.wait()
        replies[openid] = say(openid, f"6 {lottery_id}")
    threads = [threading.Thread(target=join, args=(openid,)) for openid in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = app.store.one("SELECT COUNT(*) AS n FROM lottery_entries WHERE lottery_id = :i", {"i": lottery_id})["n"]
    assert entries == 10
    assert sum("已参加抽奖" in r for r in replies.values()) == 10
    assert all("已满 10 人" in r or "开奖" in r for r in replies.values() if "已参加抽奖" not in r)
    assert wait_for(lambda: state(app, lottery_id) == "OPENED")
    assert draw_count(app, lottery_id) == 1
    assert app.store.one("SELECT participant_count FROM lotteries WHERE id = :i", {"i": lottery_id})["participant_count"] == 10


def test_85_n_shows_the_lottery_and_only_85_n_cancel_cancels_after_confirmation(app, say):
    lottery_id = lottery_id_of(say(ADMIN, f"84 周五下午茶 {WHEN} 奶茶x1"))
    shown = say(ADMIN, f"85 {lottery_id}")
    assert "周五下午茶" in shown and f"85 {lottery_id} 取消" in shown and state(app, lottery_id) == "INIT"
    assert "将取消抽奖" in say(ADMIN, f"85 {lottery_id} 取消")
    assert "已取消刚才待确认的操作" in say(ADMIN, "85")
    assert state(app, lottery_id) == "INIT"
    say(ADMIN, f"85 {lottery_id} 取消")
    assert "已取消抽奖" in say(ADMIN, "确认")
    assert state(app, lottery_id) == "CANCELED"


def test_lottery_titles_lose_bidi_controls(app, say):
    lottery_id = lottery_id_of(say(ADMIN, f"84 \u202e茶午下\u202c {WHEN} 奶茶x1"))
    assert lottery(app.store, lottery_id)["title"] == "茶午下"


def test_an_unregistered_winner_is_named_by_role_not_by_openid(app, say):
    lottery_id = lottery_id_of(say(ADMIN, f"84 茶 {WHEN} 奶茶x1"))
    join_directly(app, lottery_id, ADMIN)          # an admin with no users row (the CLI or a test could)
    draw_now(app, lottery_id, ADMIN)
    result = result_text(app, app.store, lottery(app.store, lottery_id))
    assert "奶茶：管理员" in result and ADMIN not in result
