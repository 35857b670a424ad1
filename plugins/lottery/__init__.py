"""Lotteries: admins create and draw them, members join; the draw is committed to in advance and checkable.

States: INIT (open for joining) -> OPENING (locked, drawing) -> OPENED (results fixed); INIT -> CANCELED.
Every transition is a conditional UPDATE ... WHERE state = ... in the transaction of the message, job or
command that makes it, so however many triggers race (the scheduled job, the sweep, `85 编号 开奖`, the Nth
join of a 满N人 lottery, a second process), exactly one draw happens.

The parts: schema.py (the tables), lotteries.py (states and reads), draw.py (the fair draw and the transition
that fixes a result), parse.py and commands.py (`84`, `85`, `6`), jobs.py (draws at their time, the sweep),
report.py (the report's “抽奖记录” sheet), verify.py (`run_bot.py lottery-verify`).
"""

from bot.config import PluginSettings, setting
from bot.plugin import Plugin


class LotterySettings(PluginSettings):
    enabled: bool = setting(True, "false 关闭抽奖命令 6/84/85（已有数据保留，定时开奖也不再运行）")
    sweep_seconds: float = setting(
        60, "补漏扫描间隔（秒）：开掉已到时间、已满员或中断在 OPENING 的抽奖；启动时也会立即扫描一次", gt=0)


plugin = Plugin("lottery", "抽奖", "可验证公平的抽奖：管理员发起，组员参加，到点或满员自动开奖",
                settings_model=LotterySettings)

from . import commands, jobs, report, schema, verify  # noqa: E402,F401  (they declare their parts on `plugin`)
