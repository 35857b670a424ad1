"""Text -> command: normalise, look up by number or alias, check roles, run, and never leave a user silent."""

import logging
import re
import secrets
import unicodedata

from .money import AmountError
from .plugin import ANYONE, ArgError, Context, Refusal

log = logging.getLogger("teabot.router")

_TRAILING_PUNCT = "。.，,！!？?；;、~～"


def normalise(text):
    """Full-width digits/letters/spaces to half-width, '＃' and '#' dropped, spaces collapsed, end punctuation cut."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\u3000", " ").strip()
    text = text.lstrip("#").strip()
    text = text.rstrip(_TRAILING_PUNCT).strip()
    return re.sub(r"\s+", " ", text)


def split_command(text):
    """'1 86.5 奶茶' -> ('1', '86.5 奶茶'); '1奶茶'-style glued numbers are not commands."""
    head, _, rest = text.partition(" ")
    return head, rest.strip()


def error_reply(error_id):
    return f"出错了（编号 {error_id}），请稍后再试"


class Router:
    def __init__(self, app):
        self.app = app

    def reply(self, openid, text, msg_id=None):
        """The reply text for one message; every exception becomes an error reply with an id in the log."""
        try:
            return self._reply(openid, text, msg_id)
        except Exception:
            error_id = secrets.token_hex(3)
            log.exception("command failed, error id %s, user %s, text %r", error_id, openid, text)
            return error_reply(error_id)

    def _reply(self, openid, text, msg_id):
        app = self.app
        text = normalise(text)
        head, rest = split_command(text)
        command = app.registry.find(head) if head else None
        user, group = app.user_and_group(openid)
        roles = app.roles_of(openid, user or {})
        if command is None:
            return app.menu(openid, roles, prefix="" if not text else f"没有“{head}”这个命令。\n")
        if not command.plugin.enabled(app.config):
            return f"“{command.name}”功能已关闭，请联系管理员。"
        if not command.allowed(roles):
            return self._not_allowed(command, roles)
        ctx = Context(
            app=app, openid=openid, roles=roles, user=user,
            group=group,
            args=rest.split() if rest else [], rest=rest, now=app.now(), msg_id=msg_id, command=command,
        )
        try:
            return command.handler(ctx)
        except (ArgError, AmountError) as exc:
            return f"{exc}\n用法：{command.usage}\n例如：{' / '.join(command.examples)}"
        except Refusal as exc:
            return str(exc)

    def _not_allowed(self, command, roles):
        if "member" in command.roles and not roles & {"member", "admin", "finance"}:
            if "pending" in roles:
                return "你的注册还在等待管理员审核，审核通过后就能使用这个命令。发送 2 查看状态。"
            return "你还没有注册。请先发送：9 组名 姓名（例如 9 研发一组 张三），管理员审核后即可使用。"
        names = "、".join(self.app.role_label(r) for r in command.roles if r != ANYONE)
        return f"“{command.name}”只有{names}可以使用。发送 0 查看你能用的命令。"
