import threading
from datetime import date, timedelta

import pytest

from bot.plugin import ArgError
from conftest import ADMIN
from plugins.expense.commands import parse_expense_args, parse_spent_on

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


# --- issue 11: dates, large amounts, likely duplicates --------------------------------------------------------------

@pytest.mark.parametrize("token, today, expected", [
    ("12-02", date(2026, 12, 1), date(2026, 12, 2)),       # tomorrow, not last year
    ("12-30", date(2027, 1, 5), date(2026, 12, 30)),       # clearly past: last year
    ("01-03", date(2026, 12, 30), date(2026, 1, 3)),       # nearer in the past than next year's is in the future
    ("02-29", date(2029, 3, 1), date(2028, 2, 29)),        # only last year had a 29 February
])
def test_a_month_day_means_the_nearer_date(token, today, expected):
    assert parse_spent_on(token, today) == expected


@pytest.mark.parametrize("args", [["10", "奶茶", "明天"], ["10", "奶茶", "后天"], ["10", "12-02", "奶茶"],
                                  ["10", "2026-12-02"], ["10", "大后天"]])
def test_future_dates_are_refused_not_kept_as_notes(args):
    with pytest.raises(ArgError, match="不能记未来的账"):
        parse_expense_args(args, date(2026, 12, 1))


def test_the_date_may_stand_anywhere_after_the_amount():
    assert parse_expense_args(["38", "11-20", "奶茶"], TODAY) == (3800, "奶茶", date(2026, 11, 20))
    assert parse_expense_args(["38", "奶茶", "昨天", "10杯"], TODAY) == (3800, "奶茶 10杯", date(2026, 11, 21))
    with pytest.raises(ArgError, match="只能写一个日期"):
        parse_expense_args(["38", "11-20", "奶茶", "昨天"], TODAY)


def test_a_chinese_comma_in_an_amount_is_refused_and_nothing_is_recorded(app, say, member):
    openid = member("张三")
    reply = say(openid, "1 86，5 奶茶")
    assert "金额请用小数点，例如 86.5" in reply
    assert "例如 1.5" in say(openid, "1 1,5")
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses")["n"] == 0
    assert "将记录：1,234.50 元 奶茶" in say(openid, "1 1,234.5 奶茶")          # a thousands separator is fine
    assert "已记录 #1：86.50 元 奶茶" in say(openid, "1 86.5，奶茶")              # a comma after the amount separates


@pytest.mark.parametrize("text", ["1²", "①", "𝟗", "١٢", "१२"])
def test_digits_that_are_not_0_to_9_are_refused(say, member, app, text):
    reply = say(member("张三"), f"1 {text} 奶茶")
    assert "0-9" in reply and app.store.one("SELECT COUNT(*) AS n FROM expenses")["n"] == 0


def test_a_record_above_the_threshold_waits_for_confirmation(app, say, member):
    openid = member("张三")
    asked = say(openid, "1 1200 年会下午茶")
    assert "将记录：1,200.00 元 年会下午茶" in asked and "超过 1,000.00 元" in asked and "回复“确认”执行" in asked
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses")["n"] == 0
    assert "已记录 #1：1,200.00 元 年会下午茶" in say(openid, "确认")
    assert "已记录" in say(openid, "1 1000 整一千")          # at the threshold: no question


def test_the_threshold_is_configurable(config, sent):
    from bot.app import App
    config["plugins"]["expense"] = {"confirm_above": 50}
    app = App(config, sender=lambda openid, text: sent.append((openid, text))).setup()
    app.handle_text("o-z", "9 研发一组 张三")
    app.handle_text(ADMIN, "81 1")
    assert "超过 50.00 元" in app.handle_text("o-z", "1 60 奶茶")


def test_a_likely_duplicate_waits_for_confirmation_and_other_messages_cancel_it(app, say, member):
    openid = member("张三")
    assert "已记录 #1" in say(openid, "1 86.5 奶茶")
    asked = say(openid, "1 86.5 奶茶")
    assert "10 分钟内你已记过一笔相同的（#1）" in asked
    assert "（已取消刚才待确认的操作）" in say(openid, "2")
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses")["n"] == 1
    say(openid, "1 86.5 奶茶")
    assert "已记录 #2" in say(openid, "确认")
    assert "已记录 #3" in say(openid, "1 86.5 咖啡")       # another note is not a duplicate
    say(openid, "7 3")
    assert "已记录 #4" in say(openid, "1 86.5 咖啡")       # a voided record is not one either


def test_a_retry_of_a_recorded_message_is_acknowledged_not_questioned(app, say, member):
    openid = member("张三")
    first = say(openid, "1 20 咖啡", msg_id="9001")
    assert say(openid, "1 20 咖啡", msg_id="9001") == first       # the dedupe is gone after a restart; same row
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses")["n"] == 1


def test_notes_lose_bidi_controls_and_zero_width_characters(app, say, member):
    openid = member("张三")
    say(openid, "1 10 \u202e茶奶\u202c\u200b好")
    assert app.store.one("SELECT note FROM expenses")["note"] == "茶奶好"
