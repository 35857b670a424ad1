"""Payments: members create a pay link (WeChat Pay v3 JSAPI/Native, or a static collection link); notifies and a
reconciliation job move each order from 待支付 to 已支付 exactly once.

By concern: wechatpay.py (the v3 API client and its crypto, no teabot logic), orders.py (the merchant the
settings describe, placing an order with WeChat, an order's state changes), schema.py (the `payments` table),
commands.py (5, 88), web.py (the pay page, WeChat Pay's notify), jobs.py (reconciliation), report.py (the
report's sheet)."""

from typing import Literal

from bot.config import HttpBase, PluginSettings, Yuan, setting
from bot.plugin import Plugin

from .wechatpay import DEFAULT_API_BASE

PROVIDERS = ("disabled", "static", "wechatpay_v3")
MODES = ("jsapi", "native")
APIV3_KEY_ENV = "WECHATPAY_APIV3_KEY"
STATUS_LABEL = {"pending": "待支付", "paid": "已支付", "closed": "已关闭", "abnormal": "异常"}


class PaySettings(PluginSettings):
    """static 只用 static_url；wechatpay_v3 用下面从 mchid 到 public_base_url 的各项。
    APIv3 密钥（32 字节）从环境变量 WECHATPAY_APIV3_KEY 读取，不写在文件里。"""
    provider: Literal[PROVIDERS] = setting(
        "disabled", "disabled（默认，不开放付款）/ static（收款码，管理员确认）/ wechatpay_v3")
    static_url: str = setting("", "static：收款链接或收款码图片的网址，原样回复给付款人")
    mchid: str = setting("", "微信支付商户号（加引号），例如 \"1900000109\"")
    appid: str = setting("", "公众号 AppID；留空则用 wechat.app_id")
    merchant_serial_no: str = setting("", "商户 API 证书序列号（商户平台“API安全”里查看）")
    merchant_private_key_path: str = setting(
        "", "商户 API 私钥 PEM，例如 /etc/teabot/apiclient_key.pem（文件权限 600，不进仓库）")
    platform_public_key_path: str = setting("", "微信支付公钥 PEM（公钥模式），例如 /etc/teabot/pub_key.pem")
    platform_public_key_id: str = setting("", "微信支付公钥 ID（即应答里的 Wechatpay-Serial），例如 PUB_KEY_ID_0114…")
    platform_cert_path: str = setting("", "可选：平台证书 PEM（证书模式），序列号从证书读取；可与公钥同时配置（切换期）")
    api_base: HttpBase = setting(DEFAULT_API_BASE, "微信支付 API 地址（测试时可指向本地模拟服务）")
    notify_url: str = setting(
        "", "支付通知地址：https，不带查询参数，指向本服务 /pay/notify，例如 https://tea.example.com/pay/notify")
    public_base_url: str = setting(
        "", "付款链接的前缀（不填则用 server.public_base_url）：{public_base_url}/pay/<token>")
    mode: Literal[MODES] = setting("jsapi", "jsapi（公众号内直接支付，默认）或 native（扫码支付）")
    order_expire_minutes: float = setting(30, "订单有效期（分钟），到期未付自动关单", gt=0)
    max_amount: Yuan = setting(5000, "单笔上限（元）")
    reconcile_interval_minutes: float = setting(5, "对账任务间隔（分钟）", gt=0)
    reconcile_min_age_minutes: float = setting(2, "订单创建多少分钟后才查询（先等支付通知）", ge=0)
    http_timeout_seconds: float = setting(4, "调用微信支付的读取超时（秒）；聊天回复必须在 5 秒内", gt=0)
    notify_max_skew_seconds: float = setting(300, "通知时间戳允许的偏差（秒）", gt=0)


plugin = Plugin("pay", "付款", "生成付款链接（微信支付或收款码），自动确认到账并对账", settings_model=PaySettings)


def settings_of(config):
    return plugin.settings(config)


def provider_of(config):
    return settings_of(config)["provider"] or "disabled"


# They declare the migrations, commands, routes, jobs, checks and the report sheet on `plugin`.
from . import commands, jobs, orders, report, schema, web  # noqa: E402,F401
