"""The arguments of `84`: title, draw time (in the configured timezone), prizes and the optional 满N人."""

import re
from datetime import datetime, timedelta

from bot.plugin import ArgError

MAX_TITLE = 30
MAX_PRIZE_NAME = 20
MAX_PRIZE_KINDS = 20
MAX_TOTAL_PRIZES = 1000
MAX_EARLY_N = 100_000
MAX_DAYS_AHEAD = 366

_DATE = re.compile(r"(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_RELATIVE = {"今天": 0, "明天": 1, "后天": 2}
_PRIZE_ITEM = re.compile(r"[\s,;、]*([^,;、]+?)\s*[xX×*]\s*(\d+)(?:[\s,;、]+|$)")
_EARLY = re.compile(r"满\s*(\d+)\s*人")


def parse_draw_time(day_token, time_token, now):
    """('2026-12-04' | '12-04' | '明天', '16:00', aware local now) -> aware local datetime in the future."""
    time_match = _TIME.fullmatch(time_token)
    if not time_match:
        raise ArgError(f"看不懂时间“{time_token}”，请写成 16:00 这样的 时:分")
    hour, minute = int(time_match.group(1)), int(time_match.group(2))
    if hour > 23 or minute > 59:
        raise ArgError(f"时间“{time_token}”不存在")
    if day_token in _RELATIVE:
        day = now.date() + timedelta(days=_RELATIVE[day_token])
        year, month, dom, explicit_year = day.year, day.month, day.day, True
    else:
        day_match = _DATE.fullmatch(day_token)
        if not day_match:
            raise ArgError(f"看不懂日期“{day_token}”，请写成 2026-12-04 或 12-04")
        explicit_year = bool(day_match.group(1))
        year = int(day_match.group(1)) if explicit_year else now.year
        month, dom = int(day_match.group(2)), int(day_match.group(3))
    try:
        moment = datetime(year, month, dom, hour, minute, tzinfo=now.tzinfo)
    except ValueError:
        raise ArgError(f"日期“{day_token}”不存在") from None
    if moment <= now and not explicit_year and now - moment > timedelta(days=31):
        moment = moment.replace(year=year + 1)   # '01-05 10:00' sent in December means next January
    if moment <= now:
        raise ArgError(f"开奖时间 {moment:%Y-%m-%d %H:%M} 已经过了，请写将来的时间")
    if moment - now > timedelta(days=MAX_DAYS_AHEAD):
        raise ArgError(f"开奖时间 {moment:%Y-%m-%d %H:%M} 太远了，最多一年以内")
    return moment


def parse_prizes(text):
    """'一等奖x1,奶茶券×5' -> [('一等奖', 1), ('奶茶券', 5)]; x, X, ×, * all separate name and count; commas,
    、 and spaces separate prizes (the router splits arguments on them alike), so 'xbox x2 键盘*3' is two."""
    text = text.strip()
    if not text:
        raise ArgError("请写奖品，例如 一等奖x1,奶茶券x5")
    prizes, position = [], 0
    while position < len(text):
        match = _PRIZE_ITEM.match(text, position)
        if not match:
            raise ArgError(f"看不懂奖品“{text[position:].strip()}”，请写成 奖品x数量，例如 奶茶券x5")
        position = match.end()
        name, count = match.group(1).strip(), int(match.group(2))
        if not name:
            raise ArgError(f"奖品“{match.group(0).strip()}”缺少名称")
        if len(name) > MAX_PRIZE_NAME:
            raise ArgError(f"奖品名“{name}”太长，最多 {MAX_PRIZE_NAME} 个字")
        if count < 1:
            raise ArgError(f"奖品“{name}”的数量必须至少 1")
        prizes.append((name, count))
    if len(prizes) > MAX_PRIZE_KINDS:
        raise ArgError(f"奖品最多 {MAX_PRIZE_KINDS} 种")
    total = sum(count for _, count in prizes)
    if total > MAX_TOTAL_PRIZES:
        raise ArgError(f"奖品总数 {total} 太多，最多 {MAX_TOTAL_PRIZES} 份")
    return prizes


def parse_create_args(args, now):
    """['周五下午茶', '2026-12-04', '16:00', '一等奖x1,奶茶券x5', '满20人'] -> (title, local draw time, prizes, N)."""
    if not args:
        raise ArgError("请写标题、开奖时间和奖品")
    day_index = next((i for i in range(1, len(args) - 1)
                      if (args[i] in _RELATIVE or _DATE.fullmatch(args[i])) and _TIME.fullmatch(args[i + 1])), None)
    if day_index is None:
        raise ArgError("没找到开奖时间，请写成 2026-12-04 16:00 或 12-04 16:00（日期和时间之间有空格）")
    title = " ".join(args[:day_index])
    if len(title) > MAX_TITLE:
        raise ArgError(f"标题太长了（{len(title)} 字），最多 {MAX_TITLE} 字")
    draw_at = parse_draw_time(args[day_index], args[day_index + 1], now)
    rest = " ".join(args[day_index + 2:])
    early_n = None
    early = re.search(r"\s*" + _EARLY.pattern + r"$", rest)
    if early:
        early_n = int(early.group(1))
        rest = rest[:early.start()]
        if not 1 <= early_n <= MAX_EARLY_N:
            raise ArgError(f"满N人的 N 必须在 1 到 {MAX_EARLY_N} 之间")
    return title, draw_at, parse_prizes(rest), early_n
