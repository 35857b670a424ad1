"""Issue 16: a voice message with WeChat's speech recognition, and a custom-menu CLICK, run as the same text would,
over the real /wechat endpoint: roles, replies and WeChat's retries (MsgId; FromUserName + CreateTime)."""

import time

from test_wechat_endpoint import NON_TEXT_HINT, US, message_xml, reply_content, serve, wconfig  # noqa: F401


def voice_xml(openid, msg_id, recognition=None):
    extra = "<Format><![CDATA[amr]]></Format><MediaId><![CDATA[media-1]]></MediaId>"
    if recognition is not None:
        extra += f"<Recognition><![CDATA[{recognition}]]></Recognition>"
    return message_xml(openid, msg_type="voice", msg_id=msg_id, extra=extra)


def click_xml(openid, key, create_time):
    return (f"<xml><ToUserName><![CDATA[{US}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>").encode("utf-8")


def register(client, openid, name):
    reply_content(client.post(message_xml(openid, f"9 测试组 {name}", msg_id=f"r-{openid}")))
    reply_content(client.post(message_xml("o-admin", "81 全部", msg_id=f"a-{openid}")))
    reply_content(client.post(message_xml("o-admin", "确认", msg_id=f"c-{openid}")))
    assert client.app.user(openid)["status"] == "member"


def expenses(client, openid):
    return client.app.store.query("SELECT amount_fen, note FROM expenses WHERE openid = :o", {"o": openid})


def test_recognised_voice_records_as_the_typed_text_would_and_a_retry_records_once(serve):
    client = serve()
    register(client, "o-v", "张三")
    first = reply_content(client.post(voice_xml("o-v", "7001", "记账 86.5 奶茶。")))["Content"]
    assert first.startswith("已记录 #") and "86.50 元 奶茶" in first
    again = reply_content(client.post(voice_xml("o-v", "7001", "记账 86.5 奶茶。")))["Content"]
    assert again == first
    assert expenses(client, "o-v") == [{"amount_fen": 8650, "note": "奶茶"}]


def test_recognised_voice_without_spaces_still_finds_the_amount(serve):
    client = serve()
    register(client, "o-vu", "王五")
    reply = reply_content(client.post(voice_xml("o-vu", "7011", "记账八十六块五奶茶。")))["Content"]
    assert reply.startswith("已记录 #") and "86.50 元 奶茶" in reply
    reply = reply_content(client.post(voice_xml("o-vu", "7012", "记账三杯奶茶。")))["Content"]
    assert not reply.startswith("已记录") and ("金额" in reply or "没看懂" in reply)
    assert expenses(client, "o-vu") == [{"amount_fen": 8650, "note": "奶茶"}]


def test_voice_without_recognition_gets_the_text_hint(serve):
    client = serve()
    assert reply_content(client.post(voice_xml("o-x", "7002")))["Content"] == NON_TEXT_HINT
    assert reply_content(client.post(voice_xml("o-x", "7003", "  ")))["Content"] == NON_TEXT_HINT


def test_voice_respects_roles_as_text_does(serve):
    client = serve()
    reply = reply_content(client.post(voice_xml("o-guest", "7004", "82")))["Content"]
    assert "只有管理员" in reply and "财务" in reply


def test_menu_click_runs_its_command_with_the_clickers_roles_once_per_create_time(serve):
    client = serve()
    register(client, "o-c", "李四")
    reply_content(client.post(message_xml("o-c", "1 20 水果", msg_id="7101")))
    now = int(time.time())
    mine = reply_content(client.post(click_xml("o-c", "2", now)))["Content"]
    assert "李四" in mine and "20.00" in mine
    assert reply_content(client.post(click_xml("o-c", "2", now)))["Content"] == mine      # WeChat's retry
    admin_only = reply_content(client.post(click_xml("o-c", "82", now + 1)))["Content"]
    assert "只有管理员" in admin_only
    assert "待报销预览" in reply_content(client.post(click_xml("o-admin", "82", now + 2)))["Content"]


def test_click_that_records_is_deduplicated_by_sender_and_create_time(serve):
    client = serve()
    register(client, "o-d", "王五")
    now = int(time.time())
    replies = {reply_content(client.post(click_xml("o-d", "1 5 咖啡", now)))["Content"] for _ in range(3)}
    assert len(replies) == 1
    assert expenses(client, "o-d") == [{"amount_fen": 500, "note": "咖啡"}]
