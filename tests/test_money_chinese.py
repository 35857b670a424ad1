"""Issue 16: amounts in Chinese numerals through the one amount grammar (bot/money.py, docs/amounts.md): the same
fen, the same limit and the same refusals as digits, wherever an amount is read; over the real /wechat endpoint
as typed and as WeChat's speech recognition writes it."""

import random

import pytest

from bot.money import (AmountError, looks_like_amount, parse_amount, space_glued_amount, split_glued_amount,
                       yuan_setting_to_fen)
from test_voice_and_click import expenses, register, voice_xml
from test_wechat_endpoint import message_xml, reply_content, serve, wconfig  # noqa: F401


@pytest.mark.parametrize("text, fen", [
    # the four
    ("一百块", 10000), ("八十六块五", 8650), ("一百二十元", 12000), ("两百五", 25000),
    # colloquial: a trailing digit is the next unit down
    ("一千二", 120000), ("三万五", 3500000), ("一百五", 15000), ("九万九", 9900000), ("一千二百三", 123000),
    # …but after 零 it is what it says
    ("一百零五", 10500), ("一千零五", 100500), ("两千零二", 200200), ("一万零五百", 1050000),
    # 元 / 角(毛) / 分
    ("八十六块五毛", 8650), ("八十六元五角", 8650), ("五块二毛三", 523), ("五块二毛三分", 523), ("五块零三", 503), ("两百五十块零三毛", 25030), ("十块零三毛五", 1035),
    ("五块零三分", 503), ("五毛", 50), ("三毛五", 35), ("两毛钱", 20), ("五分钱", 5), ("八十六块五毛钱", 8650),
    ("十块", 1000), ("十", 1000), ("两块钱", 200), ("一百块钱", 10000), ("二十", 2000), ("一十一", 1100),
    # 点
    ("八十六点五", 8650), ("零点五元", 50), ("五点二三", 523), ("八十六点五零块", 8650),
    # 大写, traditional, currency sign
    ("壹佰贰拾元", 12000), ("壹佰贰拾元整", 12000), ("贰拾伍圆伍角", 2550), ("兩百", 20000), ("¥一百", 10000),
    ("〇点五", 50),
    # each of 元/角/分 in digits (as speech recognition often writes it), full-width folded
    ("86块5", 8650), ("5块2毛3", 523), ("８６块５", 8650), ("86元整", 8600),
    # the limit is the digits' limit: ¥100,000 exactly is fine
    ("十万", 10_000_000), ("九万九千九百九十九块九毛九", 9_999_999),
])
def test_chinese_amounts_become_the_same_fen_as_digits(text, fen):
    assert parse_amount(text) == fen
    assert looks_like_amount(text)


@pytest.mark.parametrize("text, why", [
    ("零", "大于 0"), ("零块", "大于 0"), ("零点零零", "大于 0"),
    ("负五", "负数"), ("负八十六块五", "负数"), ("-五", "负数"),
    ("一块二毛三分五", "两位小数"), ("五点二三五", "两位小数"), ("三毛五分五", "两位小数"),
    ("十万零一块", "过大"), ("一亿", "过大"), ("十一万三", "过大"),
    # digits read out one by one: 三五 is 'three to five', never 35 or 8
    ("三五", "三到五"), ("一二三", "三到五"), ("两两", "三到五"),
    # one number in two scripts
    ("1百", "全用数字或全用汉字"), ("3万", "全用数字或全用汉字"), ("一百5", "全用数字或全用汉字"),
    # not amounts at all
    # malformed numbers (cn2an's lenient 'normal' mode would read 三三百三 as 630)
    ("三三百三", "看不懂"), ("一千十百三", "看不懂"), ("二一百两", "看不懂"), ("一百百", "看不懂"), ("十十", "看不懂"),
    ("一杯奶茶", "看不懂"), ("三杯", "看不懂"), ("百", "看不懂"), ("万五", "看不懂"), ("点五", "看不懂"),
    ("一亿亿", "看不懂"), ("〇.五", "看不懂"), ("十块十", "看不懂"), ("八十六块五十", "看不懂"), ("12美元", "看不懂"),
    ("一" * 40, "太长"),
    # foreign digits next to numerals are still foreign digits
    ("①块", "0-9"),
])
def test_refused_chinese_amounts_say_why(text, why):
    with pytest.raises(AmountError) as error:
        parse_amount(text)
    assert why in str(error.value)


def test_settings_read_large_chinese_figures_like_digits():
    assert yuan_setting_to_fen("十万零一千", 0) == yuan_setting_to_fen("101000", 0) == 10_100_000
    assert yuan_setting_to_fen("一亿四", 0) == 14_000_000_000             # cn2an 0.5.24 raises KeyError on its own


def test_random_tokens_are_an_amount_or_a_reason_never_an_error():
    rng = random.Random(16)
    alphabet = "零〇一二两三四五六七八九十百千万亿壹贰拾佰萬億块元圆毛角分钱整点负0123456789.,¥杯"
    for _ in range(5000):
        token = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        try:
            assert 0 < parse_amount(token, max_fen=10 ** 14) <= 10 ** 14
        except AmountError:
            pass
        split_glued_amount(token + "奶茶")


def test_the_same_limit_as_digits_applies():
    assert parse_amount("五十块", max_fen=5000) == parse_amount("50", max_fen=5000) == 5000
    with pytest.raises(AmountError, match="过大"):
        parse_amount("五十块零一分", max_fen=5000)


def test_words_that_are_not_amounts_do_not_look_like_one():
    for text in ("奶茶", "块", "毛毛", "分享"):
        assert not looks_like_amount(text)


@pytest.mark.parametrize("text, split", [
    ("八十六块五奶茶", ("八十六块五", "奶茶")), ("一百块奶茶", ("一百块", "奶茶")), ("86块5奶茶", ("86块5", "奶茶")),
    ("五块二毛三分咖啡", ("五块二毛三分", "咖啡")), ("两块钱水", ("两块钱", "水")), ("八十六块五", ("八十六块五", "")),
    ("一百块五杯奶茶", ("一百块", "五杯奶茶")), ("十块十杯", ("十块", "十杯")),
    # no unit word: a number glued to a word may be a count
    ("三杯奶茶", None), ("86.5奶茶", None), ("奶茶", None), ("", None),
])
def test_an_amount_glued_to_its_note_is_split_off_only_with_a_unit(text, split):
    assert split_glued_amount(text) == split


def test_space_glued_amount_spaces_a_recognised_command():
    words = ("1", "记账")
    assert space_glued_amount("记账八十六块五奶茶", words) == "记账 八十六块五 奶茶"
    assert space_glued_amount("记账 八十六块五 奶茶", words) == "记账 八十六块五 奶茶"
    assert space_glued_amount("1 86.5 奶茶", words) == "1 86.5 奶茶"
    assert space_glued_amount("15块奶茶", words) == "15块奶茶"           # not the command 1
    assert space_glued_amount("记账三杯奶茶", words) == "记账三杯奶茶"


# --- where amounts are read ---------------------------------------------------------------------------------------

def test_record_with_a_chinese_amount_and_a_note_that_counts_in_chinese(app, say, member):
    openid = member("张三")
    assert "已记录 #1：100.00 元 奶茶" in say(openid, "1 一百块 奶茶")
    assert "已记录 #2：30.00 元 一杯奶茶" in say(openid, "1 30 一杯奶茶")
    assert "已记录 #3：86.50 元 两杯奶茶" in say(openid, "记账 八十六块五 两杯奶茶")
    assert "已记录 #4：250.00 元" in say(openid, "1 两百五")
    refused = say(openid, "1 一杯奶茶 30")
    assert "看不懂金额“一杯奶茶”" in refused and "用法" in refused
    assert "两位小数" in say(openid, "1 一块二毛三分五 奶茶")
    rows = app.store.query("SELECT amount_fen, note FROM expenses ORDER BY id")
    assert rows == [{"amount_fen": 10000, "note": "奶茶"}, {"amount_fen": 3000, "note": "一杯奶茶"},
                    {"amount_fen": 8650, "note": "两杯奶茶"}, {"amount_fen": 25000, "note": ""}]


def test_confirm_above_in_yuan_compares_a_chinese_amount(app, config, say, member):
    config["plugins"]["expense"] = {"confirm_above": 50}
    openid = member("张三")
    assert "金额超过 50.00 元" in say(openid, "1 五十块零一分 奶茶")
    assert "已记录" in say(openid, "1 五十块 咖啡")


def test_settings_in_yuan_keep_their_grammar_and_take_numerals_too():
    assert yuan_setting_to_fen(1000, 0) == yuan_setting_to_fen("1,000", 0) == yuan_setting_to_fen("一千", 0) == 100000
    assert yuan_setting_to_fen(250.5, 0) == 25050 and yuan_setting_to_fen(None, 7) == 7


def test_pay_takes_a_chinese_amount_under_its_own_limit(app, config, say, member):
    config["plugins"]["pay"] = {"provider": "static", "static_url": "https://pay.example.com", "max_amount": 100}
    openid = member("张三")
    assert "12.50" in say(openid, "5 十二块五 奶茶")
    assert "金额过大" in say(openid, "5 一百零一块")
    assert [r["amount_fen"] for r in app.store.query("SELECT amount_fen FROM payments")] == [1250]


def test_a_team_cannot_be_named_like_an_amount_but_numbered_words_still_can(app, say):
    from plugins.register.domain import team_name_problem
    assert team_name_problem("一百") == "组名不能是数字或金额"
    assert team_name_problem("研发一组") is None and team_name_problem("三五") is None


# --- over the real endpoint ---------------------------------------------------------------------------------------

def test_chinese_amount_over_the_wechat_endpoint(serve):
    client = serve()
    register(client, "o-cn", "张三")
    reply = reply_content(client.post(message_xml("o-cn", "1 一百块 奶茶", msg_id="16001")))["Content"]
    assert reply.startswith("已记录 #") and "100.00 元 奶茶" in reply
    assert expenses(client, "o-cn") == [{"amount_fen": 10000, "note": "奶茶"}]


def test_recognised_voice_with_a_spoken_amount_records_it(serve):
    client = serve()
    register(client, "o-vc", "李四")
    reply = reply_content(client.post(voice_xml("o-vc", "16002", "记账 八十六块五 奶茶。")))["Content"]
    assert "86.50 元 奶茶" in reply
    reply = reply_content(client.post(voice_xml("o-vc", "16003", "记账 86块5 咖啡。")))["Content"]
    assert "86.50 元 咖啡" in reply
    assert sorted(r["note"] for r in expenses(client, "o-vc") if r["amount_fen"] == 8650) == ["咖啡", "奶茶"]


# --- the digits' path is not slower ---------------------------------------------------------------------------------

def test_digits_never_reach_the_chinese_path(monkeypatch):
    import bot.money as money
    monkeypatch.setattr(money, "_parse_chinese", lambda *a: pytest.fail("digits took the Chinese path"))
    for text in ("86.5", "¥86.50", "86.5元", "８６．５", "1,234.5", "86块钱", "120"):
        money.parse_amount(text)
