import pytest

from bot.money import AmountError, format_fen, parse_amount


@pytest.mark.parametrize("text, fen", [
    ("86.5", 8650), ("86.50", 8650), ("¥86.5", 8650), ("￥86.5", 8650), ("86.5元", 8650), ("86块", 8600),
    ("８６．５", 8650), ("0.01", 1), ("120", 12000), ("1,200.00", 120000), ("86.", 8600), ("RMB 12", 1200),
])
def test_accepted_amounts_become_exact_fen(text, fen):
    assert parse_amount(text) == fen


@pytest.mark.parametrize("text, why", [
    ("0", "大于 0"), ("0.00", "大于 0"), ("-5", "负数"), ("nan", "数字"), ("NaN", "数字"), ("inf", "数字"),
    ("86.555", "两位小数"), ("abc", "看不懂"), ("", "填写金额"), ("1e3", "看不懂"), ("100001", "过大"),
    ("99999999999999", "过大"), ("8 6", "看不懂"),
])
def test_rejected_amounts_say_why(text, why):
    with pytest.raises(AmountError) as error:
        parse_amount(text)
    assert why in str(error.value)


def test_float_artifacts_cannot_appear():
    # 0.1 + 0.2 style errors: 0.29 yuan must be exactly 29 fen, not 28.999...
    assert parse_amount("0.29") == 29
    assert parse_amount("1.15") == 115


@pytest.mark.parametrize("fen, text", [(8650, "86.50"), (1, "0.01"), (123456789, "1,234,567.89"), (-250, "-2.50"), (0, "0.00")])
def test_format_fen(fen, text):
    assert format_fen(fen) == text
