import threading
from datetime import date, timedelta

import pytest

from bot.plugin import ArgError
from conftest import ADMIN
from plugins.expense import parse_expense_args, parse_spent_on

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("token, expected", [
    ("11-20", date(2026, 11, 20)), ("2026-11-20", date(2026, 11, 20)), ("11/20", date(2026, 11, 20)),
    ("11月20日", date(2026, 11, 20)), ("昨天", date(2026, 11, 21)), ("前天", date(2026, 11, 20)),
    ("12-30", date(2026, 12, 30)), ("奶茶", None), ("10杯", None), ("明天", date(2026, 11, 23)),
])
def test_spent_on_parsing(token, expected):
    assert parse_spent_on(token, TODAY) == expected


def test_expense_args_split_amount_note_and_date():
    assert parse_expense_args(["¥120", "水果", "11-20"], TODAY) == (12000, "水果", date(2026, 11, 20))
    assert parse_expense_args(["86.5", "奶茶", "10杯"], TODAY) == (8650, "奶茶 10杯", TODAY)


@pytest.mark.parametrize("args, why", [
    (["10", "x" * 101], "说明太长"), (["10", "奶茶", "2026-12-01"], "不能记未来的账"),
    (["10", "奶茶", "2026-01-01"], "超过 180 天"), (["10", "2026-02-30"], "不存在"),
])
def test_expense_args_refused(args, why):
    with pytest.raises(ArgError, match=why):
        parse_expense_args(args, TODAY)


def test_record_is_acknowledged_after_commit(app, say, member):
    openid = member("张三")
    reply = say(openid, "1 86.5 奶茶10杯")
    assert "已记录 #1：86.50 元 奶茶10杯" in reply and "你的未报销合计：86.50 元" in reply
    row = app.store.one("SELECT * FROM expenses WHERE id = 1")
    assert (row["amount_fen"], row["note"], row["status"], row["openid"]) == (8650, "奶茶10杯", "open", openid)
    assert row["spent_on"] == app.now().date().isoformat()
    assert row["recorded_at"].endswith("+00:00")


def test_amount_errors_are_explained(say, member):
    openid = member("张三")
    assert "大于 0" in say(openid, "1 0 奶茶")
    assert "两位小数" in say(openid, "1 1.234 奶茶")
    assert "负数" in say(openid, "1 -5 奶茶")
    assert "过大" in say(openid, "1 9999999 奶茶")


def test_same_msg_id_records_once_even_concurrently(app, say, member):
    openid = member("张三")
    replies = []

    def send():
        replies.append(say(openid, "1 20 咖啡", msg_id="6600001"))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses")["n"] == 1
    assert len(set(replies)) == 1 and "已记录 #1" in replies[0]


def test_void_own_record_keeps_it_marked(app, say, member):
    openid = member("张三")
    say(openid, "1 30 水果")
    assert "已作废记录 #1" in say(openid, "7 1")
    row = app.store.one("SELECT * FROM expenses WHERE id = 1")
    assert row["status"] == "void" and row["voided_by"] == openid and row["voided_at"]
    assert "已经作废过了" in say(openid, "7 1")
    assert "[已作废]" in say(openid, "7")


def test_member_cannot_void_someone_elses_record(say, member):
    first, second = member("张三"), member("李四")
    say(first, "1 30 水果")
    assert "找不到你的记录 #1" in say(second, "7 1")


def test_admin_voids_any_record_and_owner_is_told(app, say, member, sent):
    openid = member("张三")
    say(openid, "1 30 水果")
    assert "已作废记录 #1" in say(ADMIN, "7 1")
    app.pusher.flush(5)
    assert any(o == openid and "管理员作废了你的记录 #1" in t for o, t in sent)


def test_settled_record_cannot_be_voided(say, member):
    openid = member("张三")
    say(openid, "1 30 水果")
    say(ADMIN, "82 研发一组")
    say(ADMIN, "确认")
    assert "已报销（结算 #1），不能作废" in say(openid, "7 1")


def test_dates_use_configured_timezone(app, say, member):
    openid = member("张三")
    say(openid, "1 10 奶茶 昨天")
    expected = (app.now().date() - timedelta(days=1)).isoformat()
    assert app.store.one("SELECT spent_on FROM expenses")["spent_on"] == expected
