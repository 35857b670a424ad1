import logging

import pytest

from bot.plugin import MEMBER, Plugin, Registry
from bot.router import normalise
from conftest import ADMIN


@pytest.mark.parametrize("raw, clean", [
    ("１　８６．５　奶茶", "1 86.5 奶茶"), ("＃0", "0"), ("#2", "2"), ("  3  ", "3"), ("4。", "4"), ("0？", "0"),
    ("1   86.5\t奶茶", "1 86.5 奶茶"),
])
def test_text_is_normalised(raw, clean):
    assert normalise(raw) == clean


@pytest.mark.parametrize("text", ["你好", "👍", "查询", "99"])
def test_unknown_text_gets_one_short_line_not_the_menu(say, member, text):
    reply = say("o-new", text)
    assert reply.startswith(f"没看懂“{text}”") and "9 组名 姓名" in reply and "可用命令" not in reply
    assert len(reply.splitlines()) == 1
    assert say(member("张三"), text) == f"没看懂“{text}”。发送 0 查看菜单。"


@pytest.mark.parametrize("text", ["0", "帮助", "菜单"])
def test_the_whole_menu_is_for_0_and_its_aliases(say, text):
    assert "可用命令" in say("o-new", text)


def test_finance_is_not_told_to_register_and_its_menu_lists_only_what_it_may_do(say):
    from conftest import FINANCE
    menu = say(FINANCE, "0")
    assert "82 结算预览" in menu and "82 组名 结算" not in menu and "撤销" not in menu and "已收" not in menu
    status = say(FINANCE, "2")
    assert "9 组名 姓名" not in status and "身份：财务" in status and "openid" not in status
    assert "82 组名 结算一个小组" in say(ADMIN, "0")


def test_the_openid_is_shown_to_the_unregistered_and_on_2_id(say, member):
    assert "openid" in say("o-new", "2")
    zhang = member("张三")
    assert "openid" not in say(zhang, "2")
    assert zhang in say(zhang, "2 id")


def test_full_width_command_works(say, member):
    openid = member("张三")
    assert "已记录" in say(openid, "１　８６．５　奶茶")


def test_menu_shows_only_what_the_user_may_do(say, member):
    stranger = say("o-stranger", "0")
    assert "\n9 " in stranger and "\n81 " not in stranger and "\n1 " not in stranger
    admin = say(ADMIN, "0")
    assert "\n81 " in admin and "\n87 " in admin
    openid = member("李四")
    member_menu = say(openid, "0")
    assert "\n1 " in member_menu and "\n81 " not in member_menu


def test_unregistered_user_is_told_to_register(say):
    assert "9 组名 姓名" in say("o-nobody", "1 86.5 奶茶")


def test_pending_user_is_told_to_wait(say):
    say("o-wait", "9 研发一组 王五")
    assert "等待管理员审核" in say("o-wait", "1 86.5 奶茶")


def test_member_cannot_use_admin_command(say, member):
    openid = member("赵六")
    assert "只有管理员可以使用" in say(openid, "81")


def test_argument_error_shows_usage_and_example(say, member):
    openid = member("钱七")
    reply = say(openid, "1 abc")
    assert "第一个参数应是金额" in reply and "用法：1 金额 [说明] [日期]" in reply and "例如：1 86.5 奶茶10杯" in reply


def test_plugin_crash_gives_error_id_and_logs_traceback(app, say, caplog):
    broken = Plugin("broken", "坏")

    @broken.command(99, "坏", roles=("anyone",), example="99")
    def explode(ctx):
        """总是出错"""
        raise RuntimeError("boom")

    app.plugins.append(broken)
    app.registry = Registry(app.plugins)
    with caplog.at_level(logging.ERROR):
        reply = say("o-x", "99")
    assert reply.startswith("出错了（编号 ") and reply.endswith("），请稍后再试")
    error_id = reply.split("编号 ")[1].split("）")[0]
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)


def test_disabled_plugin_says_it_is_off(app, say, member):
    openid = member("孙八")
    app.config["plugins"]["expense"] = {"enabled": False}
    assert "功能已关闭" in say(openid, "1 10 奶茶")
    assert "\n1 " not in say(openid, "0")


def test_duplicate_command_number_refuses_to_start():
    first, second = Plugin("a", "甲"), Plugin("b", "乙")
    first.command(5, "甲", roles=(MEMBER,), example="5")(lambda ctx: "")
    second.command(5, "乙", roles=(MEMBER,), example="5")(lambda ctx: "")
    with pytest.raises(ValueError, match="命令 5 重复"):
        Registry([first, second])


def test_duplicate_alias_refuses_to_start():
    first, second = Plugin("a", "甲"), Plugin("b", "乙")
    first.command(5, "甲", aliases=("查",), example="5")(lambda ctx: "")
    second.command(6, "乙", aliases=("查",), example="6")(lambda ctx: "")
    with pytest.raises(ValueError, match="命令 查 重复"):
        Registry([first, second])


def test_alias_finds_the_command(say):
    assert "可用命令" in say("o-a", "菜单")
    assert "可用命令" in say("o-a", "help")


@pytest.mark.parametrize("text", ["7 ²", "7 ١٢", "7 99999999999999999999999", "83 ²", "83 99999999999999999999999",
                                  "81 ²", "81 99999999999999999999999", "85 ²", "6 ²", "6 99999999999999999999999"])
def test_a_number_that_is_not_ascii_digits_or_too_long_gets_a_reply_not_an_error(app, say, member, text):
    """str.isdigit takes '²' and Arabic-Indic digits, which int() refuses or reads, and SQLite's integers end at 19
    digits: such a 'number' is an argument error or 'not found', never the error-id reply."""
    member("张三")
    who = "o-张三" if text.split()[0] in ("6", "7") else "o-admin"
    reply = say(who, text)
    assert not reply.startswith("出错了"), reply
