"""The expense ledger: members record what they paid for their team (`1`), list and void records (`7`), and
attach receipts to them (an image message; `7 记录号 小票`).

It owns the `expenses` and `receipts` tables (schema.py); other plugins read it through ledger.py and receipts.py
and declare `requires=("expense",)`."""

from bot.config import PluginSettings, Section, Yuan, setting
from bot.money import MAX_FEN
from bot.plugin import Plugin


class ReceiptSettings(Section):
    """小票：组员记账后发图片，附在记录上；图片取回后存在数据库旁的 receipts/ 目录（启用 COS 时再上传）。"""
    hosts: list[str] = setting(["qpic.cn"], "只从这些主机（及其子域名）取图片，例如 mmbiz.qpic.cn 属于 qpic.cn；"
                                            "明文模式下 PicUrl 可被伪造，不要放宽")
    window_minutes: int = setting(30, "记账后多少分钟内发的图片附在这条记录上", ge=1)
    armed_minutes: int = setting(10, "发送 7 记录号 小票 后多少分钟内发的图片附在那条记录上", ge=1)
    max_bytes: int = setting(5 * 1024 * 1024, "一张图片最多多少字节（5 MB）", ge=1024)
    connect_timeout_seconds: float = setting(5, "取图片时连接的超时（秒）", gt=0)
    read_timeout_seconds: float = setting(15, "取图片时两次收到数据之间最多等多少秒", gt=0)
    fetch_deadline_seconds: float = setting(60, "取一张图片总共最多多少秒", gt=0)
    retry_minutes: list[float] = setting([1, 5, 30, 120, 720], "取图片失败后每次重试前等待的分钟数；用完仍失败则放弃"
                                                                "并告诉发图的人", min_length=1)
    cos_retry_minutes: list[float] = setting([1, 5, 30, 120, 360], "上传 COS 失败后重试的间隔（分钟），之后按最后一个"
                                                                    "间隔继续", min_length=1)
    cos_max_attempts: int = setting(30, "上传 COS 累计失败多少次后不再重试（图片仍在本地）", ge=1)


class ExpenseSettings(PluginSettings):
    max_amount_fen: int = setting(MAX_FEN, "单笔记录上限（分）：10000000 即 ¥100,000.00", ge=1)
    confirm_above: Yuan = setting(1000, "元：超过这个金额的记录要回复“确认”后才记下")
    receipts: ReceiptSettings = setting(ReceiptSettings(), "小票图片：从哪里取、多大、多久重试")


plugin = Plugin("expense", "记账", "记录垫付的下午茶费用，查看与作废记录，附小票", settings_model=ExpenseSettings)

from . import commands, receipts, schema  # noqa: E402,F401  (they declare the commands, handlers and migrations on `plugin`)
