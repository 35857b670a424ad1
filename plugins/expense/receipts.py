"""Receipts: an image a member sends is attached to a record in the message's transaction (a 'pending' row), and
fetched and stored after it commits (receipt_jobs.py). Here: where the files are, what other plugins read
(counts, rows, files), the image message handler and `7 记录号 小票`.

Which record an image goes to: the one `7 记录号 小票` armed (for `armed_minutes`, unless the user recorded a
newer record since), else the sender's most recent record if it was recorded within `window_minutes`."""

import logging
from datetime import timedelta
from pathlib import Path

from bot.db import audit
from bot.money import format_fen
from bot.plugin import ADMIN, MEMBER, Refusal
from bot.timeutil import from_utc_text, to_utc_text, utc_now

from . import plugin
from .receipt_fetch import host_allowed

log = logging.getLogger("teabot.receipts")

CHUNK = 500
MAX_URL = 2048               # WeChat's PicUrl is ~150 characters


def settings(config):
    """The `plugins.expense.receipts` section, defaults applied."""
    return plugin.settings(config)["receipts"]


def how_to_attach(conf):
    return f"先记账（1 金额 说明），{conf['window_minutes']} 分钟内发图片；或发送 7 记录号 小票 再发图片"


# --- what other plugins read (docs/receipts.md; reader = a transaction, app.store, a report Snapshot) ----------

def receipts_dir(config):
    """The receipts folder: `receipts/` beside the database file (data/receipts/ by default)."""
    return Path(config["database"]).resolve().parent / "receipts"


def receipt_counts(reader, expense_ids):
    """{expense_id: {"stored": n, "pending": n}} for the ids that have any counted receipt (stored or pending),
    read from the receipts_expense index, 500 ids per query."""
    ids = sorted({int(i) for i in expense_ids})
    counts = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        rows = reader.query(
            f"SELECT expense_id, status, COUNT(*) AS n FROM receipts WHERE expense_id IN ({','.join('?' * len(part))}) "
            "AND status IN ('stored', 'pending') GROUP BY expense_id, status", part)
        for row in rows:
            counts.setdefault(row["expense_id"], {"stored": 0, "pending": 0})[row["status"]] = row["n"]
    return counts


def batch_receipt_gaps(reader, settlement_id):
    """(records of settlement `settlement_id` with no stored receipt, of them how many have one still being
    fetched): what `83 N` tells finance before they ask for the paper. One seek per record of the batch."""
    row = reader.one(
        "SELECT COUNT(*) AS missing, COUNT(CASE WHEN EXISTS (SELECT 1 FROM receipts r WHERE r.expense_id = i.expense_id "
        "AND r.status = 'pending') THEN 1 END) AS pending FROM settlement_items i WHERE i.settlement_id = ? "
        "AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.expense_id = i.expense_id AND r.status = 'stored')",
        [int(settlement_id)])
    return row["missing"], row["pending"]


def receipts_of(reader, expense_id):
    """The record's stored and pending receipts (rows as dicts), oldest first."""
    return receipts_for(reader, [expense_id]).get(int(expense_id), [])


def receipts_for(reader, expense_ids):
    """{expense_id: its stored and pending receipts, oldest first} for the ids that have any: one query through the
    receipts_expense index per 500 ids (a list page's 50 records are one)."""
    ids = sorted({int(i) for i in expense_ids})
    found = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        for row in reader.query(f"SELECT * FROM receipts WHERE expense_id IN ({','.join('?' * len(part))}) "
                                "AND status IN ('stored', 'pending') ORDER BY expense_id, id", part):
            found.setdefault(row["expense_id"], []).append(row)
    return found


def receipt_file(config, row):
    """The stored image of a receipts row, or None (not stored, or the file is gone)."""
    return _file(config, row, "path")


def thumb_file(config, row):
    """The stored thumbnail (JPEG, at most 240 px) of a receipts row, or None."""
    return _file(config, row, "thumb_path")


def _file(config, row, column):
    if row.get("status") != "stored" or not row.get(column):
        return None
    folder = receipts_dir(config)
    path = (folder / row[column]).resolve()
    if folder not in path.parents or not path.is_file():     # a row's path never leaves the folder
        return None
    return path


def receipt_mark(counts):
    """How a list line marks a record's receipts: '🧾2', '🧾待取回', '🧾2+待取回', or '' (counts as receipt_counts
    gives one record's, or None)."""
    if not counts:
        return ""
    stored, pending = counts.get("stored", 0), counts.get("pending", 0)
    if stored and pending:
        return f"🧾{stored}+待取回"
    return f"🧾{stored}" if stored else ("🧾待取回" if pending else "")


# --- the image message ------------------------------------------------------------------------------------------

@plugin.on_message("image")
def attach_image(ctx):
    """An image message: attach it to the armed record or the sender's record of the last 30 minutes (a pending
    receipt, fetched after this transaction commits), or say how to attach one."""
    conf = settings(ctx.config)
    target = _armed_target(ctx, conf)
    if target is None:
        if MEMBER not in ctx.roles:
            return ctx.app.guest_reply(ctx.roles, ctx.user) or how_to_attach(conf)
        target = _recent_record(ctx, conf)
    if target is None:
        return f"没有可以附小票的记录。{how_to_attach(conf)}。"
    _refuse_unless_open(target, conf)
    pic_url = ctx.message.get("PicUrl") if isinstance(ctx.message.get("PicUrl"), str) else ""
    media_id = ctx.message.get("MediaId") if isinstance(ctx.message.get("MediaId"), str) else ""
    if not pic_url:
        log.warning("image message from %s without PicUrl (MsgId %s)", ctx.openid, ctx.msg_id)
        return "没有收到图片地址，请重新发送图片。"
    if len(pic_url) > MAX_URL or not host_allowed(pic_url, conf["hosts"]):
        log.warning("image from %s refused: PicUrl host not allowed (%.80s)", ctx.openid, pic_url)
        return "这张图片的地址不是微信的图片服务器，没有附上。请在微信里直接发送图片。"
    now = to_utc_text(utc_now())
    receipt_id = ctx.db.execute(
        "INSERT INTO receipts (expense_id, openid, media_id, pic_url, msg_id, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [target["id"], ctx.openid, media_id[:200], pic_url, ctx.msg_id or "", now, now]).lastrowid
    audit(ctx.db, ctx.openid, "expense.receipt", target["id"], f"小票 {receipt_id} 待取回")
    from .receipt_jobs import fetch_soon
    ctx.db.after_commit(lambda: fetch_soon(ctx.app, receipt_id))
    counts = receipt_counts(ctx.db, [target["id"]]).get(target["id"], {"stored": 0, "pending": 0})
    total = counts["stored"] + counts["pending"]
    note = f" {target['note']}" if target["note"] else ""
    return (f"已附上小票：#{target['id']} {format_fen(target['amount_fen'])} 元{note}\n"
            f"这条记录现有 {total} 张小票（{counts['pending']} 张正在取回）。还有图片可以接着发。")


def _armed_target(ctx, conf):
    """The record `7 N 小票` armed for this user, while the arm lasts and no newer record of theirs exists."""
    arm = ctx.db.one("SELECT expense_id, armed_at, expires_at FROM receipt_arms WHERE openid = ?", [ctx.openid])
    if arm is None or from_utc_text(arm["expires_at"]) <= utc_now():
        return None
    newer = ctx.db.value("SELECT MAX(id) FROM expenses WHERE openid = ? AND id > ? AND recorded_at > ?",
                         [ctx.openid, arm["expense_id"], arm["armed_at"]])
    if newer is not None:
        return None          # they recorded something after arming: the new record is what this image is for
    return _record(ctx.db, arm["expense_id"])


def _recent_record(ctx, conf):
    """The sender's most recent record, if they recorded it within the window."""
    latest = ctx.db.value("SELECT MAX(id) FROM expenses WHERE openid = ?", [ctx.openid])
    row = _record(ctx.db, latest) if latest is not None else None
    since = utc_now() - timedelta(minutes=int(conf["window_minutes"]))
    return row if row and from_utc_text(row["recorded_at"]) >= since else None


def _record(db, expense_id):
    return db.one("SELECT id, openid, status, settlement_id, amount_fen, note, recorded_at FROM expenses WHERE id = ?",
                  [expense_id])


def _refuse_unless_open(record, conf):
    if record["status"] == "settled":
        raise Refusal(f"记录 #{record['id']} 已报销（结算 #{record['settlement_id']}），不能再附小票。")
    if record["status"] == "void":
        raise Refusal(f"记录 #{record['id']} 已作废，不能附小票。{how_to_attach(conf)}。")


# --- `7 记录号 小票` ------------------------------------------------------------------------------------------------

def arm(ctx, expense_id):
    """Send this user's next images (for armed_minutes) to record `expense_id`: their own open record, or any open
    record for an admin. The arm is a row, so it survives a restart. Returns the reply."""
    record = _record(ctx.db, expense_id)
    if record is None or (record["openid"] != ctx.openid and not ctx.is_(ADMIN)):
        raise Refusal(f"找不到你的记录 #{expense_id}。发送 7 查看你的记录。")
    conf = settings(ctx.config)
    _refuse_unless_open(record, conf)
    minutes = int(conf["armed_minutes"])
    now = utc_now()
    ctx.db.execute(
        "INSERT INTO receipt_arms (openid, expense_id, armed_at, expires_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(openid) DO UPDATE SET expense_id = excluded.expense_id, armed_at = excluded.armed_at, "
        "expires_at = excluded.expires_at",
        [ctx.openid, expense_id, to_utc_text(now), to_utc_text(now + timedelta(minutes=minutes))])
    counts = receipt_counts(ctx.db, [expense_id]).get(expense_id)
    has = f"（已有 {counts['stored'] + counts['pending']} 张）" if counts else ""
    return f"请在 {minutes} 分钟内发送小票图片，将附在 #{expense_id}{has}。可以连发几张。"


# --- /healthz -----------------------------------------------------------------------------------------------------

@plugin.health
def health(app):
    """Receipts waiting to be fetched, given up on, and waiting for COS (numbers only)."""
    row = app.store.one(
        "SELECT (SELECT COUNT(*) FROM receipts WHERE status = 'pending') AS pending, "
        "(SELECT COUNT(*) FROM receipts WHERE status = 'failed') AS failed, "
        "(SELECT COUNT(*) FROM receipts WHERE cos_status = 'pending') AS cos_pending, "
        "(SELECT COUNT(*) FROM receipts WHERE cos_status = 'failed') AS cos_failed")
    return {"receipts": row}


from . import receipt_jobs  # noqa: E402,F401  (declares the sweep job and the start hook on `plugin`)
