import pytest

from bot.money import AmountError, format_fen, parse_amount


@pytest.mark.parametrize("text, fen", [
    ("86.5", 8650), ("86.50", 8650), ("¥86.5", 8650), ("￥86.5", 8650), ("86.5元", 8650), ("86块", 8600),
    ("８６．５", 8650), ("0.01", 1), ("120", 12000), ("1,200.00", 120000), ("86.", 8600),
    ("1,234.5", 123450), ("1，234.5", 123450), ("12,345.6", 1234560), ("86块钱", 8600), ("￥ 86.5 元", 8650),
    ("８６．５０元", 8650),
])
def test_accepted_amounts_become_exact_fen(text, fen):
    assert parse_amount(text) == fen


@pytest.mark.parametrize("text, why", [
    ("0", "大于 0"), ("0.00", "大于 0"), ("-5", "负数"), ("nan", "数字"), ("NaN", "数字"), ("inf", "数字"),
    ("86.555", "两位小数"), ("abc", "看不懂"), ("", "填写金额"), ("1e3", "看不懂"), ("100001", "过大"),
    ("99999999999999", "过大"), ("8 6", "看不懂"),
    # the comma a Chinese IME types where a decimal point was meant: never 865 or 86
    ("86，5", "金额请用小数点，例如 86.5"), ("86,5", "例如 86.5"), ("1,5", "例如 1.5"), ("86,50", "例如 86.50"),
    ("1,23.5", "千位分隔"), ("12,3456", "千位分隔"), ("1,234,5", "千位分隔"), (",5", "千位分隔"),
    # digits that are not 0-9 (NFKC would read them as digits)
    ("1²", "0-9"), ("①", "0-9"), ("𝟗", "0-9"), ("٣٤", "0-9"), ("३४", "0-9"),   # 一百 is an amount since issue 16
    ("86..5", "看不懂"), ("86.5.1", "看不懂"), ("RMB 12", "看不懂"), ("12美元", "看不懂"), ("$12", "看不懂"),
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


@pytest.mark.parametrize("text", ["①", "𝟗", "٣", "1²", "86，5", "¥5", "-3", ".5"])
def test_anything_meant_as_an_amount_goes_to_the_grammar(text):
    from bot.money import looks_like_amount
    assert looks_like_amount(text)


def test_the_expense_and_the_pay_command_share_the_grammar():
    import plugins.expense.commands
    import plugins.pay.commands
    assert plugins.expense.commands.parse_amount is parse_amount and plugins.pay.commands.parse_amount is parse_amount
