"""Quotas: what a team may spend per calendar quarter, per head or a team's own figure, and what it has used.

The plugin declares the settings (`plugins.quota.per_head_per_quarter`, `teams`, `over`), the index the quarter
sums read (schema.py) and the config check; allowance.py computes a team's allowance, used and left, and the
part of what is open that goes beyond it (docs/quota.md). Other plugins (`1`, `3`, `4`, `82`, the report, the
console) call allowance.py's functions without requiring this plugin: they return None (or an empty result)
while it is disabled or when no quota is configured, and those replies stay as they were."""

from typing import Annotated, Literal

from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

from bot.config import PluginSettings, setting
from bot.money import AmountError, yuan_setting_to_fen
from bot.plugin import Plugin


def yuan_or_zero_fen(value):
    """A quota in 元 as fen, through the chat's amount grammar (1000, '1,000.5', 250.5); 0, '0' and '' are 0
    (no quota). AmountError for anything else, negative amounts included."""
    if value in (0, "0", "", None) and not isinstance(value, bool):
        return 0
    if isinstance(value, str) and value.strip() in ("0", "0.0", "0.00"):
        return 0
    return yuan_setting_to_fen(value, 0)


def _quota_yuan(value):
    try:
        yuan_or_zero_fen(value)
    except (AmountError, TypeError) as exc:
        raise PydanticCustomError("yuan", "必须是不小于 0 的金额（元），例如 250：{why}", {"why": str(exc)}) from None
    return value


QuotaYuan = Annotated[int | float | str, PlainValidator(_quota_yuan)]


class QuotaSettings(PluginSettings):
    """额度：每个小组每个自然季度（按记录的消费日期，本地时区）可用的下午茶费用。0 为不设额度。"""
    per_head_per_quarter: QuotaYuan = setting(
        0, "元：每人每季度的额度，小组额度 = 这个数 × 人数（季度中途加入或离开的按月折算）；0 为不设额度")
    teams: dict[str, QuotaYuan] = setting(
        {}, "小组名 → 元：该小组整个季度的额度，代替按人数算的额度，例如 {研发一组: 3000}；0 为该组不设额度")
    over: Literal["warn", "refuse"] = setting(
        "warn", "超出额度时：warn 照常记账并提醒；refuse 不记这笔，并告诉组员还剩多少")


plugin = Plugin("quota", "额度", "各小组每季度的下午茶额度：已用、剩余、超额与按额度结算",
                settings_model=QuotaSettings, requires=("expense", "register"))

from . import allowance, schema  # noqa: E402,F401  (the functions other plugins call; the index migration)
from .allowance import (  # noqa: E402,F401
    Quota, WithinPlan, active, label_for, over_allowance, quarter_label, quarter_of, quota_for, quotas_for_all,
    refuses, short_yuan, within_allowance)
from .checks import check_quota_teams  # noqa: E402,F401
