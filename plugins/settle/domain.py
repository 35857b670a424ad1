"""Settling and reversing, as functions of a transaction: the one copy of these rules, used by `82`/`83` and by
anything else that settles (the web console). A batch marks exactly the records it summed."""

from bot import ledger
from bot.db import audit
from bot.money import format_fen
from bot.plugin import Refusal
from bot.timeutil import to_utc_text, utc_now
from plugins import quota as quotas


class PlanChanged(Refusal):
    """The open records are no longer those the admin confirmed: nothing was settled."""


CHANGED = "确认期间待报销记录有变化（有新记录或作废），没有结算。请重新发送结算命令核对。"


def settle_group(db, group_id, actor, expected=None):
    """Settle one team's open records; returns the batch row, or None when nothing is open.

    BEGIN IMMEDIATE holds the write lock from the SELECT to the COMMIT, and the UPDATE names the summed ids,
    so a record written meanwhile is either in this batch or still open, never marked without being counted.
    `expected` = (count, total_fen, highest id) the admin confirmed: anything else raises PlanChanged and settles
    nothing.
    """
    return _settle_in(db, group_id, actor, expected)


def _settle_in(db, group_id, actor, expected=None):
    rows = db.execute("SELECT id, openid, amount_fen FROM expenses WHERE group_id = ? AND status = 'open' ORDER BY id",
                      [group_id]).fetchall()
    total = sum(amount for _, _, amount in rows)
    if expected is not None and (len(rows), total, rows[-1][0] if rows else None) != tuple(expected):
        raise PlanChanged(CHANGED)
    if not rows:
        return None
    return _batch(db, group_id, actor, rows)


def settle_within_allowance(db, group, actor, expected=None):
    """Settle, of team `group` (dict with id and name), only the open records its quota leaves room for (`82 组名
    额度内`): per quarter, whole records oldest first (spent_on, id) while their sum stays within allowance -
    already settled (plugins/quota: within_allowance); the rest stay open. Returns the batch row, or None when
    no record fits. The choice is made again here, in `db`, and `expected` = the plan's figures as the admin
    confirmed them (WithinPlan.figures: count, total, highest id and a digest of the ids of the chosen records):
    a change to that set since (a void, a record dated into it) raises PlanChanged and settles nothing. Refusal for a team
    without a quota (or with the quota plugin off)."""
    plan = quotas.within_allowance(db, db.app, group)
    if plan is None:
        raise Refusal(no_quota_text(group["name"]))
    if expected is not None and plan.figures != tuple(expected):
        raise PlanChanged(CHANGED)
    if not plan.chosen:
        return None
    return _batch(db, group["id"], actor, [(i, openid, amount) for i, amount, openid in plan.chosen],
                  "within=allowance")


def no_quota_text(name):
    return (f"“{name}”没有设额度，不能按额度结算。发送 82 {name} 结算它全部的未报销记录，"
            "或在 config.yaml 的 plugins.quota 中为它设额度。")


def _batch(db, group_id, actor, rows, note=""):
    """One batch of exactly `rows` [(expense id, openid, amount fen)], all open records of the team, read in `db`:
    the batch, its items, and those records marked settled (all of them, or RuntimeError)."""
    total = sum(amount for _, _, amount in rows)
    now = to_utc_text(utc_now())
    batch_id = db.execute(
        """INSERT INTO settlements (group_id, created_by, created_at, record_count, total_fen)
           VALUES (?, ?, ?, ?, ?)""", [group_id, actor, now, len(rows), total]).lastrowid
    db.executemany("INSERT INTO settlement_items (settlement_id, expense_id, openid, amount_fen) VALUES (?, ?, ?, ?)",
                        [(batch_id, expense_id, openid, amount) for expense_id, openid, amount in rows])
    marked = db.execute(
        """UPDATE expenses SET status = 'settled', settlement_id = ?
           WHERE status = 'open' AND id IN (SELECT expense_id FROM settlement_items WHERE settlement_id = ?)""",
        [batch_id, batch_id]).rowcount
    if marked != len(rows):
        raise RuntimeError(f"settlement {batch_id}: summed {len(rows)} records but marked {marked}")
    audit(db, actor, "settle", batch_id, f"group={group_id} count={len(rows)} total_fen={total}" + (f" {note}" if note else ""))
    return {"id": batch_id, "group_id": group_id, "record_count": len(rows), "total_fen": total}


def settle_all(db, actor, expected=None):
    """Every team with open records, one batch each, all in transaction `db`; `expected` = {group_id: (count,
    total_fen, highest id)} as confirmed (teams missing from it must have nothing open)."""
    group_ids = [g for (g,) in db.execute("SELECT id FROM groups ORDER BY id").fetchall()]
    return [b for b in (_settle_in(db, g, actor, None if expected is None else expected.get(g, (0, 0, None)))
                        for g in group_ids) if b]


def reverse_settlement(db, batch_id, actor):
    """Reopen exactly the batch's records (in transaction `db`); the batch stays in history marked reversed.
    Returns how many records were reopened, or None if it was not active."""
    changed = db.execute(
        "UPDATE settlements SET status = 'reversed', reversed_at = ?, reversed_by = ? WHERE id = ? AND status = 'active'",
        [to_utc_text(utc_now()), actor, batch_id]).rowcount
    if not changed:
        return None
    reopened = db.execute(
        """UPDATE expenses SET status = 'open', settlement_id = NULL
           WHERE settlement_id = ? AND status = 'settled'
             AND id IN (SELECT expense_id FROM settlement_items WHERE settlement_id = ?)""",
        [batch_id, batch_id]).rowcount
    audit(db, actor, "settle.reverse", batch_id, f"reopened={reopened}")
    return reopened


def batch(db, config, batch_id):
    """A settlement with its team's name and the names (never the openids) of who settled and reversed it."""
    row = db.one("SELECT s.*, g.name AS group_name FROM settlements s JOIN groups g ON g.id = s.group_id "
                        "WHERE s.id = :i", {"i": batch_id})
    if row is not None:
        names = ledger.display_names(db, config, [row["created_by"], row["reversed_by"]])
        row["admin_name"], row["reversed_name"] = names.get(row["created_by"], ""), names.get(row["reversed_by"], "")
    return row


def batch_organisers(db, config, batch_id):
    """Who paid for the records of a batch: openid, name, total and count, largest first."""
    rows = db.query(
        """SELECT openid, SUM(amount_fen) AS total_fen, COUNT(*) AS count FROM settlement_items
           WHERE settlement_id = :b GROUP BY openid ORDER BY total_fen DESC""", {"b": batch_id})
    names = ledger.display_names(db, config, [r["openid"] for r in rows])
    return [{**r, "name": names[r["openid"]]} for r in rows]


def settled_lines(reader, config, batches):
    """What was just settled, one line a batch (and the sum when more than one): `82`'s reply, the console's
    notice."""
    lines = []
    for created in batches:
        info = batch(reader, config, created["id"])
        lines.append(f"已结算 {info['group_name']}：结算 #{info['id']}，{info['record_count']} 笔，"
                     f"合计 {format_fen(info['total_fen'])} 元")
    if len(batches) > 1:
        lines.append(f"共 {len(batches)} 个小组，{sum(b['record_count'] for b in batches)} 笔，"
                     f"{format_fen(sum(b['total_fen'] for b in batches))} 元")
    return lines


def notify_settled(tx, config, batches):
    """Tell each organiser of each new batch what was settled for them (pushed once `tx` commits): `82` and the
    console send the same pushes."""
    for created in batches:
        info = batch(tx, config, created["id"])
        for organiser in batch_organisers(tx, config, created["id"]):
            tx.push(organiser["openid"],
                    f"报销通知：你在“{info['group_name']}”的 {organiser['count']} 笔垫付共 "
                    f"{format_fen(organiser['total_fen'])} 元已由 {info['admin_name']} 结算（结算 #{created['id']}）。",
                    kind="settle", notice="settlement",
                    fields={"name": organiser["name"], "group": info["group_name"], "count": organiser["count"],
                            "amount": format_fen(organiser["total_fen"]), "batch": created["id"], "status": "已结算"})


def notify_reversed(tx, config, batch_id):
    """Tell each organiser of a reversed batch that their records are open again (pushed once `tx` commits)."""
    group = tx.value("SELECT g.name FROM settlements s JOIN groups g ON g.id = s.group_id WHERE s.id = ?", [batch_id])
    for organiser in batch_organisers(tx, config, batch_id):
        tx.push(organiser["openid"], f"结算 #{batch_id} 已撤销，你的 {organiser['count']} 笔记录"
                                     f"（{format_fen(organiser['total_fen'])} 元）恢复为未报销。", kind="settle.reverse",
                notice="settlement", fields={"name": organiser["name"], "group": group, "count": organiser["count"],
                                             "amount": format_fen(organiser["total_fen"]), "batch": batch_id,
                                             "status": "已撤销"})
