"""Registration: members ask to join a team (`9`), admins approve or reject (`81`) and manage teams (`87`);
welcome on follow.

It owns `registration_requests` (schema.py). domain.py holds the rules as functions of a transaction, used by
the chat commands (commands.py) and the web console: deciding requests, renaming, moving and marking members as
left, creating and renaming teams. What other plugins use is importable from here."""

from bot.plugin import Plugin

plugin = Plugin("register", "注册", "注册、审核与小组管理",
                onboarding="新用户请先注册：9 组名 姓名（例如 9 研发一组 张三）")

from . import schema  # noqa: E402,F401  (migrations first, in their shipped order)
from . import commands  # noqa: E402,F401  (the commands, event hooks and config check)
from .commands import check_team_names  # noqa: E402,F401
from .domain import (  # noqa: E402,F401
    MAX_NAME, MAX_REASON, RESERVED_TEAM_NAMES, BadName, approve_request, create_team, group_names_text, mark_left,
    member_name_problem, move_member, pending_by_team, pending_requests, reject_request, rename_member, rename_team,
    request_by_id, team_name_problem)
