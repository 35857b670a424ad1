"""The expense ledger: members record what they paid for their team (`1`), list and void records (`7`).

It owns the `expenses` table (schema.py); other plugins read it through ledger.py and declare
`requires=("expense",)`."""

from bot.config import PluginSettings, Yuan, setting
from bot.money import MAX_FEN
from bot.plugin import Plugin


class ExpenseSettings(PluginSettings):
    max_amount_fen: int = setting(MAX_FEN, "单笔记录上限（分）：10000000 即 ¥100,000.00", ge=1)
    confirm_above: Yuan = setting(1000, "元：超过这个金额的记录要回复“确认”后才记下")


plugin = Plugin("expense", "记账", "记录垫付的下午茶费用，查看与作废记录", settings_model=ExpenseSettings)

from . import commands, schema  # noqa: E402,F401  (they declare the commands and migrations on `plugin`)
