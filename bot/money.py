"""Money as integer fen (分): the one amount grammar of the bot (what people may type), and how people read it.

Accepted: ASCII or full-width digits; one decimal point ('.' or '．') with at most two decimals; a comma (',' or
'，') only as a well-formed thousands separator ('1,234.5'); '¥'/'￥' before, '元'/'块'/'块钱' after. Everything
else is refused with a reason that says what to write: '86，5' is the comma a Chinese IME types where a decimal
point was meant, and silently reading it as 865 or 86 would record the wrong money.
"""

import re
import unicodedata

from .text import clean

MAX_FEN = 10_000_000  # ¥100,000: far above any afternoon tea, catches slips like an extra 00 or a phone number


class AmountError(ValueError):
    """The text is not an acceptable amount; the message says why, in Chinese."""


_AMOUNT = re.compile(r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<dec>[0-9]*))?")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")


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


def parse_amount(text, max_fen=MAX_FEN):
    """Parse '86.5', '¥86.50', '86.5元', '８６．５', '1,234.5' into fen; raise AmountError (with what to write)."""
    raw = text or ""
    cleaned = _strip_currency(clean(raw))
    if not cleaned:
        raise AmountError("请填写金额，例如 86.5")
    if cleaned[0] in "-−":
        raise AmountError(f"金额不能为负数：{raw}")
    if any(_is_foreign_digit(c) for c in cleaned):
        raise AmountError(f"金额请用数字 0-9 书写，例如 86.5（收到“{raw}”）")
    if _DECIMAL_COMMA.fullmatch(cleaned):
        raise AmountError(f"金额请用小数点，例如 {cleaned.replace(',', '.')}（收到“{raw}”）")
    match = _AMOUNT.fullmatch(cleaned)
    if not match:
        if "," in cleaned:
            raise AmountError(f"金额请用小数点，千位分隔只能写成 1,234.5 这样（收到“{raw}”）")
        raise AmountError(f"看不懂金额“{raw}”，请写成 86.5 这样的数字")
    whole, decimals = match.group("int").replace(",", ""), match.group("dec") or ""
    if len(decimals) > 2:
        raise AmountError(f"金额最多两位小数（到分）：{raw}")
    if len(whole) > 12:
        raise AmountError(f"金额过大：{raw}")
    fen = int(whole) * 100 + int(decimals.ljust(2, "0"))
    if fen <= 0:
        raise AmountError("金额必须大于 0")
    if fen > max_fen:
        raise AmountError(f"金额过大：{raw}（单笔上限 {format_fen(max_fen)} 元）")
    return fen


def looks_like_amount(text):
    """True when the token is meant as an amount: it starts (after a currency sign) with a digit of any script,
    a sign or a decimal point, so that parse_amount can say what is wrong with it."""
    cleaned = clean(text or "").strip().lstrip("¥￥").strip()
    return bool(cleaned) and (cleaned[0] in "+-−." or cleaned[0].isdigit()
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
