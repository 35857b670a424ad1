"""Issue 11 over real HTTP, as WeChat drives it: signed XML in, XML replies out, the database checked after."""

import copy
import threading

import pytest

from test_wechat_endpoint import message_xml, reply_content, serve, wconfig  # noqa: F401 (fixtures)


@pytest.fixture
def chat(serve, wconfig):
    config = copy.deepcopy(wconfig)
    config["groups"] = ["研发一组", "研发二组"]
    config["plugins"]["pay"] = {"provider": "static", "static_url": "https://pay.example.com/qr.png"}
    client = serve(config)
    counter = iter(range(10_000, 99_999))

    def send(openid, text, msg_id=None):
        msg_id = msg_id or str(next(counter))
        return reply_content(client.post(message_xml(openid, text, msg_id)))["Content"]
    send.client = client
    send.app = client.app
    return send


@pytest.fixture
def members(chat):
    for openid, team, name in [("o-zs", "研发一组", "张三"), ("o-ls", "研发二组", "李四")]:
        chat(openid, f"9 {team} {name}")
    chat("o-admin", "81 全部")
    assert "已通过 2 个注册" in chat("o-admin", "确认")
    return chat


def count(app, sql):
    return app.store.one(sql)["n"]


def test_a_chinese_ime_comma_in_an_amount_is_refused_by_1_and_by_5(members):
    chat = members
    assert "金额请用小数点，例如 86.5" in chat("o-zs", "1 86，5 奶茶")
    assert "金额请用小数点，例如 86.5" in chat("o-zs", "5 86，5")
    assert "0-9" in chat("o-zs", "1 ① 奶茶")
    app = chat.app
    assert count(app, "SELECT COUNT(*) AS n FROM expenses") == 0
    assert count(app, "SELECT COUNT(*) AS n FROM payments") == 0
    assert "已记录 #1：86.50 元 奶茶" in chat("o-zs", "1 ８６．５ 奶茶")


def test_settle_all_asks_then_confirm_settles_once_even_when_wechat_retries_the_confirm(members):
    chat, app = members, members.app
    chat("o-zs", "1 10 奶茶")
    chat("o-ls", "1 20 水果")
    asked = chat("o-admin", "82 全部")
    assert "研发一组 10.00 元 1 笔" in asked and "共 2 个小组，2 笔，30.00 元" in asked
    assert "回复“确认”执行" in asked and count(app, "SELECT COUNT(*) AS n FROM settlements") == 0
    replies, start = [], threading.Barrier(3)

    def confirm():
        start.wait()
        replies.append(chat("o-admin", "确认", msg_id="555001"))     # WeChat's three tries of one message
    threads = [threading.Thread(target=confirm) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(replies)) == 1 and "共 2 个小组，2 笔，30.00 元" in replies[0]
    assert count(app, "SELECT COUNT(*) AS n FROM settlements") == 2
    assert count(app, "SELECT COUNT(*) AS n FROM expenses WHERE status = 'settled'") == 2


def test_a_record_coming_in_between_question_and_confirm_is_not_settled_unseen(members):
    chat, app = members, members.app
    chat("o-zs", "1 10 奶茶")
    chat("o-admin", "82 研发一组")
    chat("o-zs", "1 5 糖")
    again = chat("o-admin", "确认")
    assert again.startswith("情况有变") and "2 笔，合计 15.00 元" in again
    assert count(app, "SELECT COUNT(*) AS n FROM settlements") == 0
    assert "合计 15.00 元" in chat("o-admin", "确认")


def test_81_with_a_stable_number_over_http(chat):
    chat("o-a", "9 研发一组 甲")
    chat("o-b", "9 研发一组 乙")
    chat("o-a", "9 研发二组 甲")
    assert "已被申请人修改" in chat("o-admin", "81 1")
    assert "已通过 #2：乙 → 研发一组" in chat("o-admin", "81 2")
    assert chat.app.user("o-a")["status"] == "pending"


def test_the_settlement_push_names_the_admin_not_the_openid(members):
    chat, app = members, members.app
    chat("o-zs", "1 10 奶茶")
    chat("o-admin", "82 研发一组")
    chat("o-admin", "确认")
    app.pusher.flush(5)
    text = app.store.one("SELECT text FROM pushes WHERE kind = 'settle'")["text"]
    assert "由 管理员 结算" in text and "o-admin" not in text
