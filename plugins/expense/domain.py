"""Voiding a record, as a function of a transaction: the one copy of the rules `7 N` applies, which the web
console's 记录 page calls too (plugins/settle/domain.py is the model)."""

from dataclasses import dataclass

from bot.db import audit
from bot.money import format_fen
from bot.plugin import Refusal
from bot.text import clean_name
from bot.timeutil import to_utc_text, utc_now

MAX_REASON = 100


class AlreadyVoid(Refusal):
    """The record was voided before: nothing changed (the text says so)."""


@dataclass(frozen=True)
class Voided:
    """A record `void_expense` voided: what its caller needs for the reply."""
    id: int
    owner: str
    amount_fen: int
    note: str
    reason: str = ""

    def text(self):
        """'已作废记录 #3：10.00 元 奶茶', with the reason when one was given."""
        reply = f"已作废记录 #{self.id}：{format_fen(self.amount_fen)} 元 {self.note}".rstrip()
        return reply + (f"（原因：{self.reason}）" if self.reason else "")


def void_expense(tx, expense_id, actor, is_admin, reason=""):
    """Void the open record `expense_id` in transaction `tx`, for `actor` (an openid; `is_admin`: may void anyone's
    record). The record stays, marked void with who and when; the audit row ("expense.void": amount, note and the
    reason) is written in `tx`; the owner is told (a push in `tx`) when someone else voided it, with the reason.

    Raises Refusal when `actor` may not see the record (or it does not exist), when it is settled, and
    AlreadyVoid (a Refusal) when it was voided before. Returns a Voided.
    """
    reason = clean_name(reason)[:MAX_REASON]
    row = tx.one("SELECT openid, status, settlement_id, amount_fen, note FROM expenses WHERE id = ?", [expense_id])
    if row is None or (row["openid"] != actor and not is_admin):
        raise Refusal(f"找不到你的记录 #{expense_id}。发送 7 查看你的记录。")
    if row["status"] == "void":
        raise AlreadyVoid(f"记录 #{expense_id} 已经作废过了。")
    if row["status"] == "settled":
        raise Refusal(f"记录 #{expense_id} 已报销（结算 #{row['settlement_id']}），不能作废；"
                      "如需更正请联系管理员撤销该结算。")
    tx.execute("UPDATE expenses SET status = 'void', voided_at = ?, voided_by = ? WHERE id = ? AND status = 'open'",
               [to_utc_text(utc_now()), actor, expense_id])
    amount = format_fen(row["amount_fen"])
    audit(tx, actor, "expense.void", expense_id,
          f"{row['amount_fen']} {row['note']}" + (f" 原因：{reason}" if reason else ""))
    if row["openid"] != actor:
        tx.push(row["openid"], f"管理员作废了你的记录 #{expense_id}（{amount} 元 {row['note']}）。"
                               + (f"原因：{reason}" if reason else ""), kind="void")
    return Voided(expense_id, row["openid"], row["amount_fen"], row["note"], reason)
