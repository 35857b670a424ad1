"""Every command's declared example runs against a fresh app with a little data, like a user would send it."""

import pytest

from bot.plugin import ADMIN as ADMIN_ROLE, ANYONE, MEMBER, load_plugins, Registry
from conftest import ADMIN

EXAMPLES = [(c.number, example) for c in Registry(load_plugins()).commands for example in c.examples]


def test_every_command_has_an_example_help_line_and_usage():
    for command in Registry(load_plugins()).commands:
        assert command.examples, f"{command.number} has no example"
        assert command.summary and command.usage.startswith(str(command.number)), command.number
        assert all(e.split()[0] in (str(command.number), *command.aliases) for e in command.examples)


@pytest.mark.parametrize("number, example", EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_declared_example_gets_a_real_answer(app, say, member, number, example):
    zhang, wang = member("张三"), member("王五", "研发二组")
    say(zhang, "1 86.5 奶茶")
    say(wang, "1 20 水果")
    say(ADMIN, "82 研发二组")
    say(ADMIN, "确认")
    command = app.registry.find(str(number))
    who = zhang if (MEMBER in command.roles or ANYONE in command.roles) else ADMIN
    if ADMIN_ROLE in command.roles and MEMBER not in command.roles:
        who = ADMIN
    reply = say(who, example)
    assert reply.strip(), example
    assert not reply.startswith("出错了"), reply
    assert "用法：" not in reply, reply
    assert "只有" not in reply and "还没有注册" not in reply, reply
