"""`89`: a one-time link that signs the sender in to the web console."""

from bot.plugin import ADMIN, FINANCE, MEMBER

from . import plugin
from .auth import new_link


@plugin.command(89, "控制台", roles=(MEMBER, ADMIN, FINANCE), usage="89", example="89", aliases=("控制台", "网页"))
def console_link(ctx):
    """控制台：89 获取网页控制台的登录链接（10 分钟内有效，只能用一次）

    在微信里打开链接即可登录，无需密码；登录 8 小时后需重新获取。链接只属于你，请勿转发。
    """
    url = new_link(ctx.db, ctx.config, ctx.openid)
    if url is None:
        return "网页控制台还没有开通（管理员未设置 server.public_base_url）。"
    minutes = int(float(ctx.settings["link_minutes"]))
    return f"控制台登录链接（{minutes} 分钟内有效，只能用一次，请勿转发）：\n{url}"
