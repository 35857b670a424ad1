"""Money as integer fen (分): the one amount grammar of the bot (what people may type), and how people read it.

Accepted: ASCII or full-width digits; one decimal point ('.' or '．') with at most two decimals; a comma (',' or
'，') only as a well-formed thousands separator ('1,234.5'); '¥'/'￥' before, '元'/'块'/'块钱' after. Everything
else is refused with a reason that says what to write: '86，5' is the comma a Chinese IME types where a decimal
point was meant, and silently reading it as 865 or 86 would record the wrong money.

Chinese numerals (issue 16, docs/amounts.md) go through the same checks to the same fen: '一百块', '八十六块五'
(86.50), '两百五' (250: a trailing digit is the next unit down, read by cn2an), '五块二毛三分', '八十六点五元',
'壹佰贰拾元整', and '86块5' (each of 元/角/分 in digits or in numerals, never both inside one: '1百' is refused).
The Chinese path runs only for a token the digit grammar does not take and that holds a numeral or a unit.
"""

import functools
import re
import unicodedata

from .text import clean

MAX_FEN = 10_000_000  # ¥100,000: far above any afternoon tea, catches slips like an extra 00 or a phone number


class AmountError(ValueError):
    """The text is not an acceptable amount; the message says why, in Chinese."""


_AMOUNT = re.compile(r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<dec>[0-9]*))?")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")

# --- Chinese numerals ----------------------------------------------------------------------------------------
_CN_DIGIT_VALUE = {c: v for v, chars in enumerate(("零〇", "一壹", "二两兩贰貳", "三叁", "四肆", "五伍", "六陆陸",
                                                    "七柒", "八捌", "九玖")) for c in chars}
_CN_DIGITS = "".join(_CN_DIGIT_VALUE)
_CN_UNITS = "十拾百佰千仟万萬亿億"
_CN_NUMERALS = frozenset(_CN_DIGITS + _CN_UNITS)
_MAX_CN_LEN = 32                    # '玖万玖仟玖佰玖拾玖元玖角玖分' is 15: nothing longer reaches the library
_YUAN, _JIAO, _FEN = "块塊元圆圓", "毛角", "分"
_DIGIT1 = f"[{_CN_DIGITS}0-9]"
_YUAN_NUMBER = f"(?P<y>[{_CN_DIGITS}{_CN_UNITS}]+|[0-9]+)"
_MORE = f"(?P<x>[{_CN_DIGITS}0-9]+)?"        # digits past 分: refused as more than two decimals
_CHINESE_FORMS = [re.compile(p) for p in (
    # 一百, 一百块, 两块钱, 八十六点五元, 壹佰贰拾元整
    f"(?P<y>[{_CN_DIGITS}{_CN_UNITS}]+)(?:点(?P<d>[{_CN_DIGITS}]+))?(?:[{_YUAN}](?:钱|整)?)?",
    f"{_YUAN_NUMBER}[{_YUAN}](?:钱|整)?",                                           # 86元整 (86块 is digits)
    f"{_YUAN_NUMBER}[{_YUAN}][零〇](?P<j>{_DIGIT1})[{_JIAO}](?:(?P<f>{_DIGIT1})分?)?{_MORE}钱?",  # 十块零三毛(五)
    f"{_YUAN_NUMBER}[{_YUAN}][零〇](?P<f>{_DIGIT1})分?{_MORE}钱?",                    # 五块零三(分)
    # 八十六块五, 八十六块五毛, 五块二毛三, 五块二毛三分, 86块5, 一块二毛三分五 (refused: past 分)
    f"{_YUAN_NUMBER}[{_YUAN}](?P<j>{_DIGIT1})(?:[{_JIAO}](?:(?P<f>{_DIGIT1})分?)?)?{_MORE}钱?",
    f"(?P<j>{_DIGIT1})[{_JIAO}](?:(?P<f>{_DIGIT1})分?)?{_MORE}钱?",                  # 五毛, 三毛五, 两毛钱
    f"(?P<f>{_DIGIT1})分{_MORE}钱?",                                                # 五分钱
)]
_CHINESE_TRIGGER = re.compile(f"[{_CN_DIGITS}{_CN_UNITS}{_YUAN}{_JIAO}{_FEN}点]")
_MIXED = re.compile(f"[0-9][{_CN_DIGITS}{_CN_UNITS}点]|[{_CN_DIGITS}{_CN_UNITS}点][0-9]")


def preload_chinese_numerals():
    """Import cn2an now (the server calls this at start): the first Chinese amount then answers at once."""
    _cn2an()


@functools.cache
def _cn2an():
    """cn2an's converter, imported on the first Chinese amount (its import takes ~0.3 s; digits never need it)."""
    import cn2an
    return cn2an.cn2an


def _digit(char):
    return int(char) if "0" <= char <= "9" else _CN_DIGIT_VALUE[char]


_STRICT = str.maketrans({"两": "二", "兩": "二", "〇": "零"})
_ZERO_BEFORE_THOUSANDS = re.compile(f"([万萬])零(?=[{_CN_DIGITS}][千仟])")
_NEXT_UNIT_DOWN = {"百": "十", "佰": "拾", "千": "百", "仟": "佰", "万": "千", "萬": "千", "亿": "千万", "億": "千万"}


def _chinese_yuan(number, raw):
    """'八十六' -> 86, '两百五' -> 250, '一千二' -> 1200, '壹佰贰拾' -> 120, '86' -> 86. The colloquial trailing digit
    (两百五, 三万五) gets its unit here, then cn2an's strict mode checks the form and reads it: its 'normal' mode
    also reads 两百五 but takes malformed numbers too ('三三百三' as 630), and digits read out ('一二三' as 123)."""
    if number.isascii():
        return int(number)
    if len(number) > 1 and not any(c in _CN_UNITS for c in number):
        raise AmountError(f"看不懂金额“{raw}”：几个数字连写说不清是多少（“三五”可能是三到五），请写成 35 或 三十五")
    strict = _ZERO_BEFORE_THOUSANDS.sub(r"\1", number.translate(_STRICT))          # 十万零一千 -> 十万一千
    if len(strict) >= 3 and strict[-2] in _NEXT_UNIT_DOWN and strict[-1] in _CN_DIGIT_VALUE and strict[-1] != "零":
        strict += _NEXT_UNIT_DOWN[strict[-2]]            # 两百五 -> 二百五十, 一千二 -> 一千二百, 三万五 -> 三万五千
    try:
        yuan = _cn2an()(strict, "strict")
    except (ValueError, LookupError, TypeError, ArithmeticError):   # any failure of the library: not a number
        raise AmountError(f"看不懂金额“{raw}”，请写成 86.5 或 八十六块五 这样") from None
    if not isinstance(yuan, int):       # without 点 cn2an answers an int; anything else is not ours to guess
        raise AmountError(f"看不懂金额“{raw}”，请写成 86.5 或 八十六块五 这样")
    return yuan


def _parse_chinese(cleaned, raw):
    """Fen for an amount in Chinese numerals (or 元/角/分 parts in digits), before the range checks."""
    if len(cleaned) > _MAX_CN_LEN:
        raise AmountError(f"金额太长了：{raw[:_MAX_CN_LEN]}…")
    if cleaned[0] == "负":
        raise AmountError(f"金额不能为负数：{raw}")
    if any(_is_foreign_digit(c) and c not in _CN_NUMERALS for c in cleaned):
        raise AmountError(f"金额请用数字 0-9 书写，例如 86.5（收到“{raw}”）")
    match = next((m for m in (form.fullmatch(cleaned) for form in _CHINESE_FORMS) if m), None)
    if match is None:
        if _MIXED.search(cleaned):
            raise AmountError(f"金额请全用数字或全用汉字，例如 100 或 一百（收到“{raw}”）")
        raise AmountError(f"看不懂金额“{raw}”，请写成 86.5 或 八十六块五 这样")
    parts = match.groupdict()
    decimals = parts.get("d") or ""
    if parts.get("x") or len(decimals) > 2:
        raise AmountError(f"金额最多两位小数（到分）：{raw}")
    yuan = _chinese_yuan(parts["y"], raw) if parts.get("y") else 0
    if decimals:                        # 八十六点五: the digits after 点
        cents = int("".join(str(_digit(c)) for c in decimals).ljust(2, "0"))
    else:                               # 八十六块五毛三分: a digit for 角, one for 分
        cents = (10 * _digit(parts["j"]) if parts.get("j") else 0) + (_digit(parts["f"]) if parts.get("f") else 0)
    return yuan * 100 + cents


def _strip_currency(text):
    """'¥86.5元' -> '86.5': the sign before, the unit after, and the spaces around them."""
    text = text.strip()
    if text[:1] in ("¥", "￥"):
        text = text[1:].strip()
    for suffix in ("块钱", "元", "块"):
        if text.endswith(suffix):
            return text[: -len(suffix)].strip()
    return text


def _is_foreign_digit(char):
    """A character that is some kind of digit but not 0-9: '²', '①', '𝟗', Arabic-Indic, Devanagari ..."""
    return not ("0" <= char <= "9") and (char.isdigit() or unicodedata.numeric(char, None) is not None)


def _digits_fen(match, raw):
    whole, decimals = match.group("int").replace(",", ""), match.group("dec") or ""
    if len(decimals) > 2:
        raise AmountError(f"金额最多两位小数（到分）：{raw}")
    if len(whole) > 12:
        raise AmountError(f"金额过大：{raw}")
    return int(whole) * 100 + int(decimals.ljust(2, "0"))


def parse_amount(text, max_fen=MAX_FEN):
    """Parse '86.5', '¥86.50', '86.5元', '８６．５', '1,234.5', '八十六块五', '两百五' into fen; raise AmountError
    (with what to write)."""
    raw = text or ""
    cleaned = _strip_currency(clean(raw))
    if not cleaned:
        raise AmountError("请填写金额，例如 86.5")
    match = _AMOUNT.fullmatch(cleaned)      # the common case first: ASCII digits only, so nothing below applies
    if match:
        fen = _digits_fen(match, raw)
    elif cleaned[0] in "-−":
        raise AmountError(f"金额不能为负数：{raw}")
    elif _CHINESE_TRIGGER.search(cleaned):
        fen = _parse_chinese(cleaned, raw)
    elif any(_is_foreign_digit(c) for c in cleaned):
        raise AmountError(f"金额请用数字 0-9 书写，例如 86.5（收到“{raw}”）")
    elif _DECIMAL_COMMA.fullmatch(cleaned):
        raise AmountError(f"金额请用小数点，例如 {cleaned.replace(',', '.')}（收到“{raw}”）")
    elif "," in cleaned:
        raise AmountError(f"金额请用小数点，千位分隔只能写成 1,234.5 这样（收到“{raw}”）")
    else:
        raise AmountError(f"看不懂金额“{raw}”，请写成 86.5 这样的数字")
    if fen <= 0:
        raise AmountError("金额必须大于 0")
    if fen > max_fen:
        raise AmountError(f"金额过大：{raw}（单笔上限 {format_fen(max_fen)} 元）")
    return fen


def looks_like_amount(text):
    """True when the token is meant as an amount: it starts (after a currency sign) with a digit of any script,
    a Chinese numeral, a sign or a decimal point, so that parse_amount can say what is wrong with it."""
    cleaned = clean(text or "").strip().lstrip("¥￥").strip()
    if cleaned[:1] == "负":
        cleaned = cleaned[1:]
    return bool(cleaned) and (cleaned[0] in "+-−." or cleaned[0].isdigit() or cleaned[0] in _CN_NUMERALS
                              or unicodedata.numeric(cleaned[0], None) is not None)


def yuan_setting_to_fen(value, default_fen):
    """A config value in 元 (1000, '1000', '1,000.5') as fen through the same grammar; None/'' -> default."""
    if value is None or value == "":
        return default_fen
    if isinstance(value, bool):
        raise AmountError(f"不是金额：{value!r}")
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, float):
        value = f"{value:.2f}" if round(value, 2) == value else repr(value)
    return parse_amount(str(value), max_fen=10 ** 14)


def format_fen(fen):
    """1234567 -> '12,345.67' for people; negative amounts keep their sign."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


# --- glued amounts (speech recognition writes no spaces) -------------------------------------------------------
_UNIT_WORDS = frozenset(_YUAN + _JIAO + _FEN + "钱")
_NUMBER_CHARS = _CN_NUMERALS | frozenset("0123456789.点")
_MEASURE_WORDS = frozenset("杯个份盒袋瓶斤箱包只件串桶碗")      # '一百块五杯奶茶' is 100 元 for five cups


def split_glued_amount(text):
    """('八十六块五', '奶茶') for '八十六块五奶茶', or None: the longest leading amount that has a unit word (块, 元, 毛,
    角, 分, 钱) and is not cut out of a longer number. Without a unit nothing is split off ('3杯奶茶' stays whole):
    a number glued to a word is as likely a count as a price."""
    text = clean(text or "").strip()
    for end in range(min(len(text), _MAX_CN_LEN), 0, -1):
        head, rest = text[:end], text[end:]
        if head[-1].isspace() or not (_UNIT_WORDS & set(head)) or rest[:1] in _UNIT_WORDS:
            continue
        counted = rest[1:2] in _MEASURE_WORDS
        if rest[:1] in _NUMBER_CHARS and not (counted and head[-1] in _UNIT_WORDS):
            continue                        # '八十六块|五奶茶' is cut out of 八十六块五; '十块|十杯' is not
        if rest[:1] in _MEASURE_WORDS and head[-1] not in _UNIT_WORDS:
            continue
        try:
            parse_amount(head, max_fen=10 ** 14)
        except AmountError:
            continue
        return head, rest.strip()
    return None


def space_glued_amount(text, words):
    """'记账八十六块五奶茶' -> '记账 八十六块五 奶茶' when the text starts with one of `words` (a command's words) and
    an amount with a unit follows, glued or not; any other text is returned as it is."""
    for word in sorted(words, key=len, reverse=True):
        if word and text.startswith(word):
            if word[-1] in _NUMBER_CHARS and text[len(word):][:1] in _NUMBER_CHARS:
                continue                    # '15块' does not start with the command 1
            split = split_glued_amount(text[len(word):])
            if split is None:
                return text
            return " ".join(part for part in (word, *split) if part)
    return text
