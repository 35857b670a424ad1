"""Help: the menu for the asking user's role, and one command's full help, both derived from declarations."""

from bot.plugin import ANYONE, ArgError, Plugin

plugin = Plugin("help", "帮助", "菜单与命令说明")


@plugin.command(0, "帮助", roles=(ANYONE,), usage="0 [命令编号]", example=("0", "0 1"),
                aliases=("帮助", "菜单", "help", "?", "？"))
def show_help(ctx):
    """菜单：列出你能用的命令；0 编号 查看详细说明

    不带参数时列出你当前身份可用的所有命令；带命令编号时显示该命令的完整说明、格式、示例和使用权限。
    """
    if not ctx.args:
        return ctx.app.menu(ctx.openid, ctx.roles)
    command = ctx.app.registry.find(ctx.args[0])
    if command is None:
        raise ArgError(f"没有编号为 {ctx.args[0]} 的命令")
    who = "、".join(ctx.app.role_label(r) for r in command.roles)
    lines = [f"【{command.number} {command.name}】", command.help_text, f"格式：{command.usage}",
             f"示例：{' / '.join(command.examples)}", f"可用：{who}"]
    if command.aliases:
        lines.append(f"也可以发送：{'、'.join(command.aliases)}")
    if not command.allowed(ctx.roles):
        lines.append("（你目前没有权限使用此命令）")
    if not command.plugin.enabled(ctx.config):
        lines.append("（此功能已关闭）")
    return "\n".join(lines)
