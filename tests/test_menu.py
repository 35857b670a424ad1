"""Issue 16: the custom menu. `run_bot.py menu push|show|delete` through the real CLI against the fake WeChat
(tests/wechat_server.py, access token checked, menu bodies validated as WeChat does), `check` refusing each of
WeChat's limits, the default menu derived from the declarations, and a pushed button's CLICK over /wechat."""

import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.config import DEFAULTS
from bot.menu import menu_problems, run, wechat_menu
from bot.plugin import Registry, load_plugins
from test_voice_and_click import click_xml, register
from test_wechat_endpoint import reply_content, serve, wconfig  # noqa: F401
from wechat_server import APP_ID, SECRET, check_menu, wechat  # noqa: F401, F811

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = Registry(load_plugins())
MENU = [
    {"name": "记账", "sub": [{"name": "记一笔", "command": "1"}, {"name": "拍小票", "photo": True},
                           {"name": "作废", "command": "7"}]},
    {"name": "我的", "command": "2"},
    {"name": "控制台", "url": "console"},
]


@pytest.fixture
def mconfig(tmp_path, wechat):
    cfg = copy.deepcopy(DEFAULTS)
    cfg["database"] = str(tmp_path / "teabot.db")
    cfg["wechat"].update(token="testtoken", app_id=APP_ID, app_secret=SECRET, api_base=wechat.base, menu=MENU)
    cfg["server"]["public_base_url"] = "https://tea.example.com"
    cfg["groups"] = ["测试组"]
    cfg["_path"] = "test"
    return cfg


def cli(tmp_path, config, *args):
    """run_bot.py with `config` written as config.yaml: (exit code, stdout + stderr)."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in config.items() if not k.startswith("_")}, allow_unicode=True),
                    encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "TEABOT_"))}
    done = subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "--config", str(path), *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def test_push_show_delete_through_the_cli(tmp_path, mconfig, wechat):
    code, out = cli(tmp_path, mconfig, "menu", "push")
    assert code == 0, out
    assert "已推送自定义菜单（3 个按钮）" in out
    assert wechat.paths() == ["/cgi-bin/stable_token", "/cgi-bin/menu/create"]
    create, = wechat.calls_to("/cgi-bin/menu/create")
    assert create.query["access_token"] == wechat.tokens_issued[0]
    assert wechat.menu == {"button": [
        {"name": "记账", "sub_button": [{"type": "click", "name": "记一笔", "key": "1"},
                                      {"type": "pic_photo_or_album", "name": "拍小票", "key": "receipt-photo"},
                                      {"type": "click", "name": "作废", "key": "7"}]},
        {"type": "click", "name": "我的", "key": "2"},
        {"type": "view", "name": "控制台", "url": "https://tea.example.com/console/oauth"}]}
    assert "记账".encode("utf-8") in create.raw, "UTF-8 names, not \\u escapes"

    code, out = cli(tmp_path, mconfig, "menu", "show")
    assert code == 0, out
    assert "公众号现在的菜单：" in out and "  - 记一笔：发送 “1”" in out and "（与现在的一致）" in out
    assert "控制台：打开 https://tea.example.com/console/oauth" in out

    code, out = cli(tmp_path, mconfig, "menu", "delete")
    assert code == 0 and "已删除" in out and wechat.menu is None
    code, out = cli(tmp_path, mconfig, "menu", "show")
    assert code == 0 and "公众号现在没有自定义菜单" in out and "menu push 将推送：" in out
    assert "与现在的一致" not in out


def test_an_expired_token_is_fetched_again_and_the_call_retried(mconfig, wechat):
    registry = REGISTRY
    lines = []
    assert run(mconfig, registry, ["push"], [], out=lines.append) == 0
    wechat.expire_tokens()
    assert run(mconfig, registry, ["delete"], [], out=lines.append) == 0
    assert wechat.paths() == ["/cgi-bin/stable_token", "/cgi-bin/menu/create", "/cgi-bin/menu/delete",
                              "/cgi-bin/stable_token", "/cgi-bin/menu/delete"]
    assert wechat.calls_to("/cgi-bin/menu/delete")[-1].query["access_token"] == wechat.tokens_issued[1]


def test_push_is_refused_while_check_finds_problems_and_nothing_is_sent(tmp_path, mconfig, wechat):
    mconfig["wechat"]["menu"] = MENU + [{"name": "帮助", "command": "0"}]
    code, out = cli(tmp_path, mconfig, "menu", "push")
    assert code == 1 and "菜单没有推送" in out and "有 4 个按钮，微信最多 3 个" in out
    assert wechat.calls == []


@pytest.mark.parametrize("answer, code, words", [
    (48001, 1, "只有认证的公众号才有自定义菜单接口"),
    (-1, 1, "微信接口暂时不可用（system error），请稍后再试"),
    ("http500", 1, "微信接口暂时不可用（请求微信接口失败"),
    (40018, 1, "微信拒绝了（40018 invalid button name size）"),
])
def test_wechat_refusing_the_push_is_said_in_chinese(tmp_path, mconfig, wechat, answer, code, words):
    wechat.fail_next("/cgi-bin/menu/create", answer)
    status, out = cli(tmp_path, mconfig, "menu", "push")
    assert status == code and "菜单没有推送" in out and words in out
    assert "Traceback" not in out and SECRET not in out


def test_without_app_id_the_cli_says_what_to_set(tmp_path, mconfig, wechat):
    mconfig["wechat"]["app_secret"] = ""
    code, out = cli(tmp_path, mconfig, "menu", "push")
    assert code == 2 and "wechat.app_secret" in out and wechat.calls == []
    assert cli(tmp_path, mconfig, "menu")[0] == 2
    assert "用法：python run_bot.py menu push | show | delete" in cli(tmp_path, mconfig, "menu", "reset")[1]


# --- check: WeChat's limits and ours ----------------------------------------------------------------------------

LONG = "很长的按钮名字"          # 7 characters, 21 bytes
BAD_MENUS = {
    # case: (menu, words of the problem, the errcode WeChat answers for it, or None when WeChat would take it)
    "four buttons": ([{"name": f"b{i}", "command": "2"} for i in range(4)], "有 4 个按钮，微信最多 3 个", 40016),
    "top name 17 bytes": ([{"name": "我的" * 2 + "abcde", "command": "2"}], "名字有 17 字节", 40018),
    "sub name 61 bytes": ([{"name": "查询", "sub": [{"name": "我" * 20 + "a", "command": "2"}, {"name": "x",
                                                                                           "command": "3"}]}],
                          "名字有 61 字节，微信规定子菜单按钮最多 60 字节", 40025),
    "six sub-buttons": ([{"name": "查询", "sub": [{"name": f"s{i}", "command": "2"} for i in range(6)]}],
                        "有 6 个子菜单按钮，微信最多 5 个", 40023),
    "key 129 bytes": ([{"name": "记账", "command": "1 " + "1" * 10 + " " + "x" * 116}], "129 字节", 40019),
    "url 1,025 bytes": ([{"name": "链接", "url": "https://e.com/" + "a" * 1011}], "网址有 1025 字节", 40020),
    "sub and command": ([{"name": "查询", "command": "2", "sub": [{"name": "我的", "command": "2"}]}],
                        "必须正好设置一个（现在设置了 command、sub）", 40017),
    "no action": ([{"name": "空"}], "必须正好设置一个", 40017),
    "no name": ([{"command": "2"}], "缺少 name", 40018),
    "three levels": ([{"name": "a", "sub": [{"name": "b", "sub": [{"name": "c", "command": "2"}]}]}],
                     "子菜单里不能再有 sub", 40022),
    "unknown command": ([{"name": "乱", "command": "999 x"}], "command “999 x” 不是已有的命令", None),
    "not https": ([{"name": "链接", "url": "http://e.com/"}], "url 必须是 console 或以 https:// 开头", None),
}


@pytest.mark.parametrize("case", list(BAD_MENUS))
def test_check_refuses_a_menu_wechat_or_we_would_refuse(mconfig, case):
    menu, words, errcode = BAD_MENUS[case]
    mconfig["wechat"]["menu"] = menu
    problems = menu_problems(mconfig, REGISTRY)
    assert any(words in p for p in problems), problems
    assert check_menu(wechat_menu(mconfig, REGISTRY)) == errcode, "the fake refuses what WeChat would"


def test_check_refuses_console_without_public_base_url_and_a_disabled_plugins_command(tmp_path, mconfig):
    mconfig["server"]["public_base_url"] = ""
    mconfig["wechat"]["menu"] = [{"name": "控制台", "url": "console"}, {"name": "付款", "command": "5"}]
    mconfig["plugins"] = {"pay": {"enabled": False}}
    code, out = cli(tmp_path, mconfig, "check")
    assert code == 1
    assert "url: console 需要 server.public_base_url" in out
    assert "command “5” 属于插件 pay，但 plugins.pay.enabled 是 false" in out


def test_a_good_menu_passes_check(tmp_path, mconfig):
    assert menu_problems(mconfig, REGISTRY) == []
    code, out = cli(tmp_path, mconfig, "check")
    assert code == 0, out


# --- the default menu -----------------------------------------------------------------------------------------

def test_the_default_menu_is_derived_from_the_declarations_and_wechat_takes_it(mconfig, wechat):
    mconfig["wechat"]["menu"] = []
    assert menu_problems(mconfig, REGISTRY) == []
    assert run(mconfig, REGISTRY, ["push"], [], out=lambda line: None) == 0
    record, query, console = wechat.menu["button"]
    assert record["name"] == "记账" and [b.get("key") for b in record["sub_button"]] == ["1", "receipt-photo", "5", "7"]
    assert record["sub_button"][1]["type"] == "pic_photo_or_album"
    assert query["name"] == "查询" and [b["key"] for b in query["sub_button"]] == ["2", "3", "4", "6"]
    assert console == {"type": "view", "name": "控制台", "url": "https://tea.example.com/console/oauth"}
    admin_only = {str(c.number) for c in REGISTRY.commands if c.number >= 80}
    assert not admin_only & {b.get("key") for b in record["sub_button"] + query["sub_button"]}


def test_the_default_menu_offers_help_without_a_public_address_and_drops_disabled_plugins(mconfig):
    mconfig["wechat"]["menu"] = []
    mconfig["server"]["public_base_url"] = ""
    mconfig["plugins"] = {"pay": {"enabled": False}, "lottery": {"enabled": False}}
    body = wechat_menu(mconfig, REGISTRY)
    assert body["button"][-1] == {"type": "click", "name": "帮助", "key": "0"}
    keys = [b.get("key") for top in body["button"] for b in top.get("sub_button", [top])]
    assert "5" not in keys and "6" not in keys
    assert check_menu(body) is None


# --- from push to click -------------------------------------------------------------------------------------------

def test_a_pushed_buttons_click_runs_its_command_over_wechat_http(tmp_path, mconfig, wechat, serve, wconfig):  # noqa: F811
    code, out = cli(tmp_path, mconfig, "menu", "push")
    assert code == 0, out
    mine = next(b for b in wechat.menu["button"] if b["name"] == "我的")
    record = next(b for top in wechat.menu["button"] for b in top.get("sub_button", []) if b["name"] == "记一笔")
    client = serve(wconfig)
    register(client, "o-m", "赵六")
    reply_content(client.post(client_text(client, "o-m", "1 18 蛋糕")))
    now = int(time.time())
    reply = reply_content(client.post(click_xml("o-m", mine["key"], now)))["Content"]
    assert "赵六" in reply and "18.00" in reply
    usage = reply_content(client.post(click_xml("o-m", record["key"], now + 1)))["Content"]
    assert "用法：1 金额" in usage, "a bare 记账 click says how to record"


def client_text(client, openid, text):
    from test_wechat_endpoint import message_xml
    return message_xml(openid, text, msg_id=f"t-{openid}-{text}")
