"""Settlement: the admin reimburses teams (`82`), with history, detail and reversal (`83`).

It owns the `settlements` and `settlement_items` tables (schema.py) and marks expenses settled, so it requires
the expense plugin."""

from bot.plugin import Plugin

plugin = Plugin("settle", "结算", "按小组报销：预览、结算、历史与撤销", requires=("expense", "register"))

from . import commands, schema  # noqa: E402,F401  (they declare the commands and migrations on `plugin`)
