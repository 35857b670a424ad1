"""The README's chat-command table is checked against the declarations: every command has a row."""

import re
from pathlib import Path

from bot.plugin import Registry, load_plugins

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_has_a_row_in_the_readme_table():
    rows = [line for line in README.splitlines() if line.startswith("| `")]
    numbers = {int(n) for row in rows for n in re.findall(r"`(\d+)(?:[ `])", row.split("|")[1])}
    missing = [c.number for c in Registry(load_plugins()).commands if c.number not in numbers]
    assert missing == []


def test_the_confirmation_word_is_documented():
    assert "回复“确认”执行，其他任何消息取消" in README
