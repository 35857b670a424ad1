"""The expense commands: `1` records what a member paid for their team, `7` lists and voids records."""

import functools
import re
from datetime import date, timedelta

from bot.db import audit
from bot.money import MAX_FEN, format_fen, looks_like_amount, parse_amount, yuan_setting_to_fen
from bot.plugin import ADMIN, MEMBER, ArgError, Refusal
from bot.text import clean_name, is_number
from bot.timeutil import to_utc_text, utc_now
from plugins import quota as quotas

from . import plugin
from .domain import void_expense
from .receipts import arm as arm_receipt, receipt_counts, receipt_mark


MAX_NOTE = 100
MAX_DAYS_BACK = 180
DUPLICATE_WINDOW = timedelta(minutes=10)
DEFAULT_CONFIRM_ABOVE_FEN = 100_000        # 1,000 元: above this, a record waits for “确认”
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3,
                  "明天": -1, "明日": -1, "后天": -2, "大后天": -3}
_FULL_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.月](\d{1,2})[日号]?")


def _nearest_year(month, dom, today, token):
    """A month-day means the nearer of this year's and last year's date: '12-30' sent on January 2 is last
    December, '12-02' sent on December 1 is tomorrow (and refused as the future), not last year."""
    try:
        this_year = date(today.year, month, dom)
    except ValueError:
        if (month, dom) != (2, 29):
            raise ArgError(f"日期“{token}”不存在") from None
        this_year = None
    candidates = [d for d in (this_year, _safe_date(today.year - 1, month, dom)) if d is not None]
    if not candidates:
        raise ArgError(f"日期“{token}”不存在")
    return min(candidates, key=lambda d: abs((d - today).days))


def _safe_date(year, month, dom):
    try:
        return date(year, month, dom)
    except ValueError:
        return None


def parse_spent_on(token, today):
    """'11-20', '2026-11-20', '11/20', '11月20日', '昨天', '明天' -> date, or None if the token is not a date."""
    if token in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[token])
    full = _FULL_DATE.fullmatch(token)
    if full:
        day = _safe_date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
        if day is None:
            raise ArgError(f"日期“{token}”不存在")
        return day
    month_day = _MONTH_DAY.fullmatch(token)
    if month_day:
        return _nearest_year(int(month_day.group(1)), int(month_day.group(2)), today, token)
    return None


def parse_expense_args(args, today, max_fen=None):
    """['86.5', '奶茶10杯', '11-20'] -> (8650, '奶茶10杯', date); the date may stand anywhere after the amount."""
    if not args:
        raise ArgError("请写金额")
    amount_fen = parse_amount(args[0], **({"max_fen": max_fen} if max_fen else {}))
    note_words, dates = [], []
    for token in args[1:]:
        parsed = parse_spent_on(token, today)
        if parsed is None:
            note_words.append(token)
        else:
            dates.append((token, parsed))
    if len(dates) > 1:
        raise ArgError(f"只能写一个日期，收到“{dates[0][0]}”和“{dates[1][0]}”")
    spent_on = dates[0][1] if dates else today
    note = clean_name(" ".join(note_words))
    if len(note) > MAX_NOTE:
        raise ArgError(f"说明太长了（{len(note)} 字），最多 {MAX_NOTE} 字")
    if spent_on > today:
        raise ArgError(f"不能记未来的账：{spent_on} 还没到（今天是 {today}）")
    if (today - spent_on).days > MAX_DAYS_BACK:
        raise ArgError(f"日期 {spent_on} 超过 {MAX_DAYS_BACK} 天前，请联系管理员处理")
    return amount_fen, note, spent_on


OPEN_TOTAL_SQL = "SELECT COALESCE(SUM(amount_fen), 0) FROM expenses WHERE openid = ? AND status = 'open'"


def open_total(db, openid):
    """The member's open total, through `db` (a transaction, or store.db)."""
    return db.execute(OPEN_TOTAL_SQL, [openid]).fetchone()[0]


def _ack(ctx, expense, total_fen, quota=None):
    """The reply to a record; with a quota, the team's figures for the record's quarter (this record included),
    and plainly when this record took the team beyond its allowance."""
    note = f" {expense['note']}" if expense["note"] else ""
    lines = [f"已记录 #{expense['id']}：{format_fen(expense['amount_fen'])} 元{note}（{expense['spent_on']}，"
             f"{ctx.group['name'] if ctx.group else ''}）", f"你的未报销合计：{format_fen(total_fen)} 元"]
    if quota is not None:
        label = quotas.label_for(quota, ctx.now.date())
        lines.append(quota.line(label))
        if quota.used_fen - expense["amount_fen"] <= quota.allowance_fen < quota.used_fen:
            lines.append(f"注意：这笔记录让{quota.group_name}{label.strip()}超出了额度，超出 {format_fen(quota.over_fen)} 元。")
    lines.append(f"记错了？发送 7 {expense['id']} 作废")
    return "\n".join(lines)


def _refuse_over_quota(ctx, quota, amount_fen):
    """plugins.quota.over = refuse: a record that would take the team beyond its allowance is not recorded."""
    if not quotas.refuses(ctx.app, quota, amount_fen):
        return
    label = quotas.label_for(quota, ctx.now.date())
    what_next = (f"可以记一笔不超过 {format_fen(quota.left_fen)} 元的金额；" if quota.left_fen > 0 else
                 f"{label.strip()}的额度已经用完；")
    raise Refusal(f"没有记录：这笔 {format_fen(amount_fen)} 元会让{quota.group_name}{label.strip()}超出额度。\n"
                  f"{quota.line(label)}。\n{what_next}确需超额报销请联系管理员。")


@plugin.command(1, "记账", roles=(MEMBER,), usage="1 金额 [说明] [日期]",
                example=("1 86.5 奶茶10杯", "1 ¥120 水果 11-20"), aliases=("记账",))
def record_expense(ctx):
    """记账：1 金额 说明，记录你为本组垫付的费用

    金额可写 86.5、¥86.50、86.5元、八十六块五、两百五；日期可选（11-20、2026-11-20、昨天），默认今天，不能是未来或 180 天前。
    说明最多 100 字。
    """
    if ctx.args and not looks_like_amount(ctx.args[0]):
        raise ArgError(f"第一个参数应是金额，收到“{ctx.args[0]}”")
    max_fen = ctx.settings.get("max_amount_fen")
    amount_fen, note, spent_on = parse_expense_args(ctx.args, ctx.now.date(), max_fen)
    quota = quotas.quota_for(ctx.db, ctx.app, ctx.group, spent_on)      # None without a quota: replies unchanged
    _refuse_over_quota(ctx, quota, amount_fen)
    _confirm_if_unusual(ctx, amount_fen, note, spent_on)
    cursor = ctx.db.execute(
        """INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [ctx.openid, ctx.user["group_id"], amount_fen, note, spent_on.isoformat(), to_utc_text(utc_now())],
    )
    expense_id = cursor.lastrowid
    audit(ctx.db, ctx.openid, "expense.record", expense_id, f"{amount_fen} {note}")
    expense = {"id": expense_id, "amount_fen": amount_fen, "note": note, "spent_on": spent_on.isoformat()}
    return _ack(ctx, expense, open_total(ctx.db, ctx.openid),       # in the same transaction: includes this record
                quota and quota.with_record(amount_fen))


def confirm_above_fen(settings):
    return _yuan_fen(settings.get("confirm_above"))


@functools.lru_cache(maxsize=16)
def _yuan_fen(value):
    """The setting's 元 as fen (parsed once per distinct value, not on every record)."""
    return yuan_setting_to_fen(value, DEFAULT_CONFIRM_ABOVE_FEN)


def _likely_duplicate(ctx, amount_fen, note):
    """The member's open record with the same amount and note from the last 10 minutes, if any: one seek of
    (openid, amount_fen, note, recorded_at), however many records the member has (core.m006)."""
    since = to_utc_text(utc_now() - DUPLICATE_WINDOW)
    return ctx.db.one(
        "SELECT id FROM expenses INDEXED BY expenses_likely_duplicate WHERE openid = ? AND amount_fen = ? "
        "AND note = ? AND recorded_at >= ? AND status = 'open' ORDER BY id DESC LIMIT 1",
        [ctx.openid, amount_fen, note, since])


def _confirm_if_unusual(ctx, amount_fen, note, spent_on):
    """Large amounts and likely duplicates are recorded only after “确认” (one question naming both reasons). A
    WeChat retry of the same message never gets here: the framework answers it with the saved reply."""
    reasons = []
    limit = confirm_above_fen(ctx.settings)
    if amount_fen > limit:
        reasons.append(f"金额超过 {format_fen(limit)} 元，请核对。")
    duplicate = _likely_duplicate(ctx, amount_fen, note)
    if duplicate is not None:
        reasons.append(f"10 分钟内你已记过一笔相同的（#{duplicate['id']}），如果是重复发送，不用确认。")
    if reasons:
        what = f"{format_fen(amount_fen)} 元{(' ' + note) if note else ''}（{spent_on}，{ctx.group['name']}）"
        ctx.confirm(f"将记录：{what}\n" + "\n".join(reasons))


STATUS_LABEL = {"open": "未报销", "settled": "已报销", "void": "已作废"}
RECEIPT_WORD = "小票"


def _list_records(ctx):
    # the ten ids from the member's index entries, then ten rows: not every row of their years
    rows = ctx.db.query(
        "SELECT * FROM expenses WHERE id IN (SELECT id FROM expenses WHERE openid = ? ORDER BY id DESC LIMIT 10) "
        "ORDER BY id DESC", [ctx.openid])
    if not rows:
        return "你还没有记录。发送 1 金额 说明 记账。"
    counts = receipt_counts(ctx.db, [r["id"] for r in rows])
    lines = [" ".join(part for part in (f"#{r['id']} {r['spent_on']} {format_fen(r['amount_fen'])} {r['note']}".rstrip(),
                                        f"[{STATUS_LABEL[r['status']]}]", receipt_mark(counts.get(r["id"]))) if part)
             for r in rows]
    return ("你最近的记录：\n" + "\n".join(lines) + "\n作废请发送：7 记录号；补小票：7 记录号 小票，再发图片"
            + ("\n🧾 小票张数，待取回：图片正在取回" if counts else ""))


@plugin.command(7, "作废", roles=(MEMBER, ADMIN), usage="7 | 7 记录号 | 7 记录号 小票", example=("7", "7 1", "7 1 小票"),
                aliases=("作废",))
def void_record(ctx):
    """作废：7 查看最近记录，7 记录号 作废一条未报销记录，7 记录号 小票 给它补小票

    组员只能作废自己的记录，管理员可作废任何未报销记录。作废的记录会保留并标明作废人和时间；已报销的记录不能作废。
    管理员作废别人的记录时可写原因（7 记录号 原因），原因会告诉记录人。
    小票：记账后 30 分钟内直接发图片即可附上；更早的未报销记录先发 7 记录号 小票，再在 10 分钟内发图片（可连发几张）。
    """
    if not ctx.args:
        return _list_records(ctx)
    number = ctx.args[0].lstrip("#")
    if not is_number(number):
        raise ArgError("记录号必须是数字")
    if ctx.args[1:] == [RECEIPT_WORD]:
        return arm_receipt(ctx, int(number))
    is_admin = ctx.is_(ADMIN)
    reason = " ".join(ctx.args[1:]) if is_admin else ""
    return void_expense(ctx.db, int(number), ctx.openid, is_admin, reason).text()
