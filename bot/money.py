"""Money as integer fen (分): parse what people type, format what they read."""

import re
import unicodedata

MAX_FEN = 10_000_000  # ¥100,000: far above any afternoon tea, catches slips like an extra 00 or a phone number


class AmountError(ValueError):
    """The text is not an acceptable amount; the message says why, in Chinese."""


_AMOUNT = re.compile(r"^(\d+)(?:\.(\d*))?$")


def _normalise(text):
    text = unicodedata.normalize("NFKC", text).strip()  # full-width digits, ＄, ．
    for prefix in ("¥", "￥", "RMB", "rmb", "CNY"):
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
    for suffix in ("元", "块", "圆"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    return text.replace(",", "")


def parse_amount(text, max_fen=MAX_FEN):
    """Parse '86.5', '¥86.50', '86.5元', '８６．５' into fen; raise AmountError otherwise."""
    cleaned = _normalise(text or "")
    if not cleaned:
        raise AmountError("请填写金额，例如 86.5")
    if cleaned.startswith("-"):
        raise AmountError(f"金额不能为负数：{text}")
    if cleaned.lower() in ("nan", "inf", "infinity"):
        raise AmountError(f"金额必须是数字：{text}")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise AmountError(f"看不懂金额“{text}”，请写成 86.5 这样的数字")
    yuan, decimals = match.group(1), match.group(2) or ""
    if len(decimals) > 2:
        raise AmountError(f"金额最多两位小数（到分）：{text}")
    if len(yuan) > 12:
        raise AmountError(f"金额过大：{text}")
    fen = int(yuan) * 100 + int(decimals.ljust(2, "0") or 0)
    if fen <= 0:
        raise AmountError("金额必须大于 0")
    if fen > max_fen:
        raise AmountError(f"金额过大：{text}（单笔上限 {format_fen(max_fen)} 元）")
    return fen


def looks_like_amount(text):
    """True when the token is meant as an amount (starts with a digit or a currency sign)."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    return bool(re.match(r"^[¥￥\-+.]?\d|^(RMB|rmb|CNY)", cleaned))


def format_fen(fen):
    """1234567 -> '12,345.67' for people; negative amounts keep their sign."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d}"
