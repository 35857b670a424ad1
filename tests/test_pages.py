"""WeChat's 2,048-byte reply limit: long replies are paged (“更多”), pushes split; over real HTTP too."""

import pytest

from bot.app import App
from bot.pages import REPLY_LIMIT_BYTES, byte_len, split_pages
from bot.plugin import ANYONE, Plugin, load_plugins
from test_wechat_endpoint import message_xml, reply_content, serve, wconfig  # noqa: F401 (fixtures)

LINES = [f"第 {i:03d} 行：研发第{i}组 张三 李四 王五 合计 1,234.56 元" for i in range(200)]


def long_plugin():
    plugin = Plugin("longlist", "长列表")

    @plugin.command(52, "长", roles=(ANYONE,), usage="52", example="52")
    def long_list(ctx):
        """长：52"""
        return "\n".join(LINES)

    @plugin.command(53, "推", roles=(ANYONE,), usage="53", example="53")
    def long_push(ctx):
        """推：53"""
        ctx.push(ctx.openid, "\n".join(LINES), kind="test")
        return "推了"
    return plugin


@pytest.fixture
def papp(config, sent):
    return App(config, plugins=[long_plugin(), *load_plugins()], sender=lambda o, t: sent.append((o, t))).setup()


@pytest.mark.parametrize("text", ["短", "\n".join(LINES), "长" * 3000, "a\n" + "长" * 1000 + "\nb"])
def test_pages_hold_everything_in_order_and_each_fits(text):
    pages = split_pages(text)
    assert all(byte_len(p) <= REPLY_LIMIT_BYTES - 80 for p in pages)
    assert "".join(pages).replace("\n", "") == text.replace("\n", "")


def test_a_long_reply_is_paged_and_more_walks_through_it(papp):
    first = papp.handle_text("o-a", "52", msg_id="1")
    assert byte_len(first) <= REPLY_LIMIT_BYTES
    assert first.startswith(LINES[0]) and "发送“更多”看下一页（1/" in first
    seen = [first]
    for n in range(2, 20):
        page = papp.handle_text("o-a", "更多", msg_id=str(n))
        assert byte_len(page) <= REPLY_LIMIT_BYTES
        seen.append(page)
        if "完）" in page:
            break
    text = "\n".join(seen)
    assert all(line in text for line in LINES)
    assert "已经是最后一页" in papp.handle_text("o-a", "更多", msg_id="99")


def test_a_retry_of_more_gets_the_same_page_and_pages_survive_a_restart(config, papp):
    papp.handle_text("o-a", "52", msg_id="1")
    second = papp.handle_text("o-a", "更多", msg_id="2")
    papp.store.close()
    restarted = App(config, plugins=[long_plugin(), *load_plugins()], sender=lambda *a: None).setup()
    assert restarted.handle_text("o-a", "更多", msg_id="2") == second      # WeChat's retry after a restart
    third = restarted.handle_text("o-a", "更多", msg_id="3")
    assert third != second and "（3/" in third


def test_more_without_a_long_reply_says_so(papp):
    assert "没有更多内容" in papp.handle_text("o-b", "更多")


def test_more_does_not_cancel_a_pending_confirmation(papp):
    papp.handle_text("o-z", "9 研发一组 张三")
    papp.handle_text("o-admin", "81 1")
    assert "回复“确认”执行" in papp.handle_text("o-z", "1 1500 大额")
    papp.handle_text("o-z", "更多")
    assert "已记录" in papp.handle_text("o-z", "确认")


def test_a_long_push_is_split_into_messages_that_fit(papp, sent):
    papp.handle_text("o-a", "53")
    papp.pusher.flush(5)
    parts = [t for o, t in sent if o == "o-a"]
    assert len(parts) > 1 and all(byte_len(t) <= REPLY_LIMIT_BYTES for t in parts)
    assert parts[0].endswith(f"（1/{len(parts)}）") and all(line in "\n".join(parts) for line in LINES)


def test_over_http_every_reply_fits_and_more_continues(serve, wconfig):
    client = serve(wconfig, plugins=[long_plugin(), *load_plugins()])
    first = reply_content(client.post(message_xml("o-h", "52", "7001")))["Content"]
    assert byte_len(first) <= REPLY_LIMIT_BYTES and "更多" in first
    again = reply_content(client.post(message_xml("o-h", "更多", "7002")))["Content"]
    retry = reply_content(client.post(message_xml("o-h", "更多", "7002")))["Content"]
    assert again == retry and "（2/" in again and byte_len(again) <= REPLY_LIMIT_BYTES


def test_over_http_unknown_text_gets_one_line_and_0_the_menu(serve, wconfig):
    client = serve(wconfig)
    short = reply_content(client.post(message_xml("o-h", "你好", "7101")))["Content"]
    assert short.startswith("没看懂“你好”") and len(short.splitlines()) == 1
    assert "可用命令" in reply_content(client.post(message_xml("o-h", "0", "7102")))["Content"]
    status = reply_content(client.post(message_xml("o-h", "2", "7103")))["Content"]
    assert "o-h" in status                          # unregistered: the openid is what the admin needs


def full_list_plugin(served=True):
    """Command 91 replies with 300 lines and names /lists/all as the page with the whole list."""
    plugin = Plugin("longlist", "长列表")

    @plugin.command(91, "长列表", roles=(ANYONE,), example="91", full_list="/lists/all")
    def long_list(ctx):
        """长列表：91"""
        return "\n".join(f"第 {n} 行：研发一组 张三 86.50 元" for n in range(300))
    if served:
        plugin.route("GET", "/lists/all")(lambda app: "all")
    return plugin


@pytest.mark.parametrize("base, served, linked", [("https://tea.example.com", True, True),
                                                  ("", True, False), ("https://tea.example.com", False, False)])
def test_a_paged_reply_names_the_web_page_with_the_whole_list(config, base, served, linked):
    config["server"]["public_base_url"] = base
    app = App(config, plugins=[full_list_plugin(served), *load_plugins()], sender=lambda *a: None).setup()
    pages = [app.handle_text("o-a", "91")] + [app.handle_text("o-a", "更多") for _ in range(3)]
    link = "完整列表：https://tea.example.com/lists/all"
    for page in pages:
        assert byte_len(page) <= REPLY_LIMIT_BYTES
        assert (link in page) is linked, page[-120:]
