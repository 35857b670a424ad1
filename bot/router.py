"""Text -> command: normalise, look up by number or alias, check roles, run, and never leave a user silent."""

import re

from .confirm import CANCEL_WORD, CONFIRM_WORD, FOOTER, NeedsConfirmation
from .money import AmountError
from .pages import MORE_WORD, REPLY_LIMIT_BYTES, byte_len
from .plugin import ADMIN, ANYONE, FINANCE, MEMBER, ArgError, Context, Refusal
from .text import clean, split_args

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

    def reply(self, tx, openid, text, msg_id=None):
        """The reply text for one message, inside its transaction `tx` (long replies paged, bot/pages.py).
        A handler's error propagates: the framework rolls the message back and replies with the cause."""
        reply = self._reply(tx, openid, text, msg_id)
        if byte_len(reply) <= REPLY_LIMIT_BYTES:
            return reply
        head, _ = split_command(normalise(text))   # only for a reply that pages: which web page holds it all
        return self.app.pages.first(tx, openid, reply, self.app.full_list_url(self.app.registry.find(head) if head
                                                                              else None))

    def _reply(self, tx, openid, text, msg_id):
        text = normalise(text)
        if text == MORE_WORD:          # reading on does not cancel a question: a long one is read page by page
            return self.app.pages.more(tx, openid)
        if text == CONFIRM_WORD:
            return self._confirm(tx, openid, msg_id)
        cancelled = self.app.confirmations.cancel(tx, openid)   # None at once (no read) for a user with no question
        if text == CANCEL_WORD and cancelled:
            return f"已取消，没有执行：{cancelled.splitlines()[0]}"
        reply, _ = self._route(tx, openid, text, msg_id)
        return f"（已取消刚才待确认的操作）\n{reply}" if cancelled else reply

    def _confirm(self, tx, openid, msg_id):
        """“确认”: carry out this user's pending command, in this message's transaction (see bot/confirm.py)."""
        confirmations = self.app.confirmations
        pending, why = confirmations.take(tx, openid)
        if pending is None:
            if why == "expired":
                return "待确认的操作已超过 10 分钟，没有执行。请重新发送原命令。"
            return "没有待确认的操作。需要确认的命令会先说明将做什么，再回复“确认”执行。"
        reply, asked_again = self._route(tx, openid, pending["command_text"], msg_id, confirmed=pending["prompt"])
        if asked_again:
            return "情况有变，请重新确认：\n" + reply
        return reply

    def context(self, tx, openid, command=None, plugin=None, rest="", msg_id=None, confirmed=None, message=None,
                user_and_group=None):
        """The Context a handler (command, event hook) gets: who asks, in the message's transaction; `rest` is the
        text after the command."""
        app = self.app
        user, group = user_and_group or app.user_and_group(tx, openid)
        return Context(
            app=app, db=tx, openid=openid, roles=app.roles_of(openid, user or {}), user=user, group=group,
            args=split_args(rest), rest=rest, now=app.now(), msg_id=msg_id, command=command,
            plugin=plugin or (command.plugin if command else None), confirmed=confirmed, message=message or {},
        )

    def _route(self, tx, openid, text, msg_id, confirmed=None):
        """(reply, asked): run the command in `text`; asked is True when it now waits for “确认”. What a command
        that is refused, wrongly called or asking for confirmation wrote is rolled back."""
        app = self.app
        head, rest = split_command(text)
        command = app.registry.find(head) if head else None
        user, group = app.user_and_group(tx, openid)
        roles = app.roles_of(openid, user or {})
        if command is None:
            return app.unknown(text, roles), False
        if not command.plugin.enabled(app.config):
            return f"“{command.name}”功能已关闭，请联系管理员。", False
        if not command.allowed(roles):
            return self.not_allowed(command, roles, user), False
        ctx = self.context(tx, openid, command=command, rest=rest, msg_id=msg_id, confirmed=confirmed,
                           user_and_group=(user, group))
        try:
            with tx.savepoint():
                return command.handler(ctx), False
        except (ArgError, AmountError) as exc:
            return f"{exc}\n用法：{command.usage}\n例如：{' / '.join(command.examples)}", False
        except Refusal as exc:
            return str(exc), False
        except NeedsConfirmation as question:
            app.confirmations.ask(tx, openid, text, question.prompt)
            return f"{question.prompt}\n{FOOTER}", True

    def not_allowed(self, command, roles, user=None):
        """What someone with `roles` is told for a command they may not use (the guest reply for a member-only
        one, else who may): the chat, and the console's sign-in from the menu, say the same."""
        guest = self.app.guest_reply(roles, user) if MEMBER in command.roles and not roles & {MEMBER, ADMIN, FINANCE} \
            else None
        if guest:
            return guest
        names = "、".join(self.app.role_label(r) for r in command.roles if r != ANYONE)
        return f"“{command.name}”只有{names}可以使用。发送 0 查看你能用的命令。"
