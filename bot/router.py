"""Text -> command: normalise, look up by number or alias, check roles, run, and never leave a user silent."""

import logging
import re
import secrets

from .confirm import CANCEL_WORD, CONFIRM_WORD, FOOTER, NeedsConfirmation
from .db import store_fault
from .money import AmountError
from .pages import MORE_WORD
from .plugin import ANYONE, ArgError, Context, Refusal
from .text import clean, split_args

log = logging.getLogger("teabot.router")

_TRAILING_PUNCT = "。.，,！!？?；;、~～"


def normalise(text):
    """Invisible controls dropped, full-width forms folded, '＃'/'#' dropped, spaces collapsed, end punctuation cut."""
    text = clean(text).strip()
    text = text.lstrip("#").strip()
    text = text.rstrip(_TRAILING_PUNCT).strip()
    return re.sub(r"\s+", " ", text)


def split_command(text):
    """'1 86.5 奶茶' -> ('1', '86.5 奶茶'); '9，研发二组，李四' -> ('9', '研发二组，李四'); '1奶茶'-style glued
    numbers are not commands."""
    head = split_args(text)[:1]
    if not head:
        return "", ""
    return head[0], text[text.index(head[0]) + len(head[0]):].lstrip(" ,、")


def error_reply(error_id):
    return f"出错了（编号 {error_id}），请稍后再试"


class Router:
    def __init__(self, app):
        self.app = app

    def reply(self, openid, text, msg_id=None):
        """The reply text for one message; every exception becomes a reply: the cause for a store fault the user
        should understand (bot.db.store_fault), else an error id, with the traceback in the log under it."""
        try:
            return self.app.pages.first(openid, self._reply(openid, text, msg_id))
        except Exception as exc:
            fault = store_fault(exc)
            if fault is not None:      # expected (database busy, disk full): the reply says so, no traceback
                log.warning("command not done (%s: %s), user %s, text %r", fault.kind, fault, openid, text)
                return fault.reply
            error_id = secrets.token_hex(3)
            log.exception("command failed, error id %s, user %s, text %r", error_id, openid, text)
            return error_reply(error_id)

    def _reply(self, openid, text, msg_id):
        text = normalise(text)
        if text == MORE_WORD:          # reading on does not cancel a question: a long one is read page by page
            return self.app.pages.more(openid, msg_id)
        confirmations = self.app.confirmations
        if text == CONFIRM_WORD:
            return self._confirm(openid, msg_id)
        cancelled = confirmations.cancel(openid)       # None at once (no database) for a user with no question
        if text == CANCEL_WORD and cancelled:
            return f"已取消，没有执行：{cancelled.splitlines()[0]}"
        reply, _ = self._route(openid, text, msg_id)
        return f"（已取消刚才待确认的操作）\n{reply}" if cancelled else reply

    def _confirm(self, openid, msg_id):
        """“确认”: carry out this user's pending command, once (see bot/confirm.py)."""
        confirmations = self.app.confirmations
        earlier = confirmations.answered(openid, msg_id)
        if earlier is not None:
            return earlier
        pending, why = confirmations.claim(openid, msg_id)
        if pending is None:
            if why == "running":
                return "上一次“确认”还在执行或被中断了，请稍后发送相关查询命令（如 2、7、83）查看结果。"
            if why == "expired":
                return "待确认的操作已超过 10 分钟，没有执行。请重新发送原命令。"
            return "没有待确认的操作。需要确认的命令（如 82 全部）会先说明将做什么，再回复“确认”执行。"
        try:
            reply, asked_again = self._route(openid, pending["command_text"], msg_id, confirmed=pending["prompt"])
        except BaseException:
            confirmations.release(openid)
            raise
        if asked_again:
            return "情况有变，请重新确认：\n" + reply
        confirmations.finish(openid, msg_id, reply)
        return reply

    def _route(self, openid, text, msg_id, confirmed=None):
        """(reply, asked): run the command in `text`; asked is True when it now waits for “确认”."""
        app = self.app
        head, rest = split_command(text)
        command = app.registry.find(head) if head else None
        user, group = app.user_and_group(openid)
        roles = app.roles_of(openid, user or {})
        if command is None:
            return app.unknown(text, roles), False
        if not command.plugin.enabled(app.config):
            return f"“{command.name}”功能已关闭，请联系管理员。", False
        if not command.allowed(roles):
            return self._not_allowed(command, roles), False
        ctx = Context(
            app=app, openid=openid, roles=roles, user=user,
            group=group,
            args=split_args(rest), rest=rest, now=app.now(), msg_id=msg_id, command=command, confirmed=confirmed,
        )
        try:
            return command.handler(ctx), False
        except (ArgError, AmountError) as exc:
            return f"{exc}\n用法：{command.usage}\n例如：{' / '.join(command.examples)}", False
        except Refusal as exc:
            return str(exc), False
        except NeedsConfirmation as question:
            app.confirmations.ask(openid, text, question.prompt)
            return f"{question.prompt}\n{FOOTER}", True

    def _not_allowed(self, command, roles):
        if "member" in command.roles and not roles & {"member", "admin", "finance"}:
            if "pending" in roles:
                return "你的注册还在等待管理员审核，审核通过后就能使用这个命令。发送 2 查看状态。"
            return "你还没有注册。请先发送：9 组名 姓名（例如 9 研发一组 张三），管理员审核后即可使用。"
        names = "、".join(self.app.role_label(r) for r in command.roles if r != ANYONE)
        return f"“{command.name}”只有{names}可以使用。发送 0 查看你能用的命令。"
