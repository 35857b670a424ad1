"""Issue 16, notices that reach people: a push goes as a customer-service message inside the 48-hour window, as its
kind's template message outside it (or when WeChat answers 45015 / 45047), else it is skipped; every attempt is
recorded and /healthz and the console count the outcomes. Against tests/wechat_server.py over real HTTP, with the
access token checked."""

import copy
import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import yaml

from bot.app import App
from bot.config import NOTICE_FIELDS, TEMPLATE_VALUE_CHARS, validate
from bot.push import fill
from bot.timeutil import to_utc_text, utc_now
from bot.web import start_background
from conftest import ADMIN, link_for, serve_console
from test_push import fresh_token_cache, touch  # noqa: F401  (autouse: every test starts with no cached token)
from test_wechat_endpoint import Client, message_xml, reply_content
from wechat_server import APP_ID, SECRET, WeChatServer

SETTLEMENT = {"template_id": "TPL-settle-1",
              "data": {"first": "{name}，你的垫付已报销", "keyword1": "{group}", "keyword2": "{amount} 元（{count} 笔）",
                       "keyword3": "结算 #{batch} {status}", "remark": "{time}"},
              "url": "console"}
REPORT = {"template_id": "TPL-report-1", "data": {"first": "报表 {name}", "keyword1": "{count} 笔 {amount} 元",
                                                    "keyword2": "{status}"}}


@pytest.fixture
def wechat():
    with WeChatServer() as server:
        yield server


@pytest.fixture
def nconfig(config, wechat):
    cfg = copy.deepcopy(config)
    cfg["wechat"].update(api_base=wechat.base, app_id=APP_ID, app_secret=SECRET,
                         templates={"settlement": copy.deepcopy(SETTLEMENT), "report": copy.deepcopy(REPORT)})
    cfg["server"]["public_base_url"] = "https://tea.example.com"
    assert validate(cfg) == []
    return cfg


@pytest.fixture
def napp(nconfig):
    """The app sending through the real WeChat API client (no test sender), its network retry quick."""
    sending = App(nconfig).setup()
    sending.pusher.retry_delay = 0.05
    yield sending
    sending.pusher.flush(5)


def wrote(app, openid, ago=timedelta(0)):
    """`openid` last wrote to the account `ago` ago."""
    touch(app, openid)
    with app.store.write() as db:
        db.execute("UPDATE users SET last_message_at = ? WHERE openid = ?", [to_utc_text(utc_now() - ago), openid])


def delivered(app, push_id):
    app.pusher.flush(5)
    assert app.pusher.idle()
    row = app.store.one("SELECT * FROM pushes WHERE id = :i", {"i": push_id})
    row["tries"] = [(a["channel"], a["outcome"], a["errcode"]) for a in app.store.query(
        "SELECT * FROM push_attempts WHERE push_id = :i ORDER BY id", {"i": push_id})]
    return row


SETTLED = dict(name="张三", group="研发一组", count=2, amount="82.00", batch=7, status="已结算")


def settle_push(app, openid="o-zs", kind="settle", notice="settlement", fields=None):
    return app.pusher.push(openid, "报销通知：你的 2 笔垫付共 82.00 元已结算（结算 #7）。", kind=kind, notice=notice,
                           fields=SETTLED if fields is None else fields)


# --- the channel ------------------------------------------------------------------------------------------------

def test_inside_the_window_the_customer_service_message_goes_and_no_template(napp, wechat):
    wrote(napp, "o-zs", timedelta(hours=47))
    row = delivered(napp, settle_push(napp))
    assert (row["status"], row["channel"], row["attempts"], row["error"]) == ("sent", "custom", 1, "")
    assert row["tries"] == [("custom", "sent", 0)]
    assert [m["text"]["content"] for m in wechat.customer_messages] == [
        "报销通知：你的 2 笔垫付共 82.00 元已结算（结算 #7）。"]
    assert wechat.template_messages == []


def test_outside_the_window_the_template_goes_filled_from_the_fields_with_the_token_checked(napp, wechat):
    wrote(napp, "o-zs", timedelta(days=3))
    push_id = settle_push(napp)
    row = delivered(napp, push_id)
    assert (row["status"], row["channel"], row["attempts"], row["error"]) == ("sent", "template", 1, "")
    assert row["tries"] == [("custom", "skipped", None), ("template", "sent", 0)]
    assert wechat.paths() == ["/cgi-bin/stable_token", "/cgi-bin/message/template/send"]
    call = wechat.calls_to("/cgi-bin/message/template/send")[0]
    assert call.query == {"access_token": wechat.tokens_issued[0]}
    when = re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", call.body["data"]["remark"]["value"])
    assert when, "time: when the notice was made, local"
    assert call.body == {"touser": "o-zs", "template_id": "TPL-settle-1", "url": "https://tea.example.com/console/oauth",
                         "data": {"first": {"value": "张三，你的垫付已报销"}, "keyword1": {"value": "研发一组"},
                                  "keyword2": {"value": "82.00 元（2 笔）"}, "keyword3": {"value": "结算 #7 已结算"},
                                  "remark": {"value": when.group(0)}}}
    assert "张三".encode("utf-8") in call.raw, "UTF-8 body, not \\u escapes"
    assert wechat.customer_messages == []


@pytest.mark.parametrize("errcode", [45015, 45047])
def test_a_window_error_from_the_customer_service_message_falls_back_to_the_template(napp, wechat, errcode):
    wrote(napp, "o-zs", timedelta(hours=1))           # we think the window is open; WeChat does not
    wechat.fail_next("/cgi-bin/message/custom/send", errcode)
    row = delivered(napp, settle_push(napp))
    assert (row["status"], row["channel"], row["attempts"]) == ("sent", "template", 2)
    assert row["tries"] == [("custom", "failed", errcode), ("template", "sent", 0)]
    assert [m["template_id"] for m in wechat.template_messages] == ["TPL-settle-1"]


def test_another_customer_service_error_does_not_try_the_template(napp, wechat):
    wrote(napp, "o-zs")
    wechat.fail_next("/cgi-bin/message/custom/send", 48001)       # an account without the API
    row = delivered(napp, settle_push(napp))
    assert (row["status"], row["channel"], row["error"][:6]) == ("failed", "custom", "48001 ")
    assert row["tries"] == [("custom", "failed", 48001)]
    assert wechat.calls_to("/cgi-bin/message/template/send") == []


def test_no_template_configured_for_the_kind_is_skipped_and_says_why(napp, wechat):
    wrote(napp, "o-zs", timedelta(days=3))
    approval = delivered(napp, napp.pusher.push("o-zs", "你的注册已通过", kind="approve", notice="approval",
                                                fields={"name": "张三", "status": "已通过"}))
    assert (approval["status"], approval["channel"], approval["attempts"]) == ("skipped", "", 0)
    assert approval["error"] == "超过48小时窗口，未配置模板（wechat.templates.approval）"
    assert approval["tries"] == [("custom", "skipped", None), ("template", "skipped", None)]
    receipt = delivered(napp, napp.pusher.push("o-zs", "小票没有收到", kind="receipt"))
    assert (receipt["status"], receipt["error"]) == ("skipped", "超过48小时窗口")
    assert napp.store.one("SELECT error FROM push_attempts WHERE push_id = ? AND channel = 'template'",
                          [receipt["id"]])["error"] == "这类通知没有模板消息"
    assert wechat.calls == []


def test_a_refused_template_is_failed_with_its_errcode(napp, wechat):
    wechat.template_ids = {"TPL-someone-else"}
    wrote(napp, "o-zs", timedelta(days=3))
    row = delivered(napp, settle_push(napp))
    assert (row["status"], row["channel"], row["attempts"]) == ("failed", "template", 1)
    assert row["error"] == "40037 invalid template_id"
    assert row["tries"] == [("custom", "skipped", None), ("template", "failed", 40037)]


def test_an_unreachable_template_api_is_tried_twice_and_nothing_secret_is_logged_or_stored(napp, wechat, caplog):
    caplog.set_level(logging.DEBUG)
    wrote(napp, "o-zs", timedelta(days=3))
    wechat.fail_next("/cgi-bin/message/template/send", "http500", times=2)
    row = delivered(napp, settle_push(napp))
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert row["tries"] == [("custom", "skipped", None), ("template", "failed", -1), ("template", "failed", -1)]
    assert "access_token=***" in row["error"]
    stored = json.dumps(napp.store.query("SELECT * FROM push_attempts")) + json.dumps(
        napp.store.query("SELECT * FROM pushes"))
    for secret in [SECRET, *wechat.tokens_issued]:
        assert secret not in caplog.text and secret not in stored


def test_an_expired_token_is_fetched_again_for_the_template(napp, wechat):
    wrote(napp, "o-zs", timedelta(days=3))
    assert delivered(napp, settle_push(napp))["status"] == "sent"
    wechat.expire_tokens()
    row = delivered(napp, settle_push(napp))
    assert (row["status"], row["channel"]) == ("sent", "template")
    sent = wechat.calls_to("/cgi-bin/message/template/send")
    assert len(sent) == 3 and sent[-1].query["access_token"] == wechat.tokens_issued[1]


def test_a_test_sender_gets_every_push_and_each_is_one_attempt(app, sent):
    push_id = app.pusher.push("o-never-wrote", "你好", kind="settle", notice="settlement", fields=SETTLED)
    row = delivered(app, push_id)
    assert (row["status"], row["channel"], row["tries"]) == ("sent", "custom", [("custom", "sent", 0)])
    assert sent == [("o-never-wrote", "你好")]


# --- fields and placeholders --------------------------------------------------------------------------------------

def test_a_missing_field_is_left_empty_and_a_long_one_is_cut(napp, wechat):
    wrote(napp, "o-fin", timedelta(days=3))
    row = delivered(napp, napp.pusher.push("o-fin", "报表生成失败", kind="export", notice="report",
                                           fields={"name": "x" * 500, "status": "生成失败"}))
    assert row["status"] == "sent"
    data = wechat.template_messages[0]["data"]
    assert data["keyword1"] == {"value": " 笔  元"}, "no literal {count} left"
    assert data["first"]["value"] == ("报表 " + "x" * 500)[:TEMPLATE_VALUE_CHARS - 1] + "…"
    assert "url" not in wechat.template_messages[0]


def test_fields_are_filled_as_plain_text_never_formatted_further():
    assert fill("{name}：{note}", {"name": "{note}", "note": "{0.__class__}"}) == "{note}：{0.__class__}"
    assert fill("{{字面}} {name}", {"name": "张三"}) == "{字面} 张三"
    with pytest.raises(ValueError):
        fill("{name.__class__}", {"name": "张三"})


def test_a_push_with_fields_its_notice_does_not_have_is_refused_in_the_code(app):
    with pytest.raises(ValueError, match="not those of notice"):
        with app.transaction() as tx:
            tx.push("o-zs", "x", notice="settlement", fields={"order": "TB1"})
    with pytest.raises(ValueError, match="unknown notice"):
        with app.transaction() as tx:
            tx.push("o-zs", "x", notice="settle")


def test_check_refuses_a_field_the_kind_does_not_document_and_anything_but_plain_placeholders(config):
    config["wechat"]["templates"] = {
        "payment": {"template_id": "TPL-pay", "data": {"first": "{name} 付款 {amount}", "keyword1": "{order!r}",
                                                        "keyword2": "{amount:>9}", "keyword3": "{note.__class__}",
                                                        "remark": "未闭合 {"}},
        "lottery": {"template_id": "", "data": {}, "url": "ftp://x"},
        "report": {"template_id": "TPL-r", "data": {"key with space": "{name}"}},
    }
    problems = "\n".join(validate(config))
    assert "wechat.templates.payment.data.first：{name} 不是 payment 通知的字段（可用：{amount}、{order}" in problems
    for key in ("keyword1", "keyword2", "keyword3"):
        assert f"wechat.templates.payment.data.{key}：" in problems and "只能写 {字段名}" in problems
    assert "wechat.templates.payment.data.remark：花括号不成对" in problems
    assert "wechat.templates.lottery.template_id 不能为空" in problems
    assert "wechat.templates.lottery.data 不能为空" in problems
    assert "wechat.templates.lottery.url 必须是 console 或 http(s)://" in problems
    assert "wechat.templates.report.data 的键 'key with space' 不是模板的键" in problems
    config["wechat"]["templates"] = {kind: {"template_id": f"TPL-{kind}",
                                            "data": {"first": "".join("{%s}" % f for f in fields)}}
                                     for kind, fields in NOTICE_FIELDS.items()}
    assert validate(config) == [], "every documented field is accepted"


# --- counts -------------------------------------------------------------------------------------------------------

def test_healthz_and_the_console_show_the_same_counts_per_outcome(napp, wechat):
    wrote(napp, "o-in")
    wrote(napp, "o-out", timedelta(days=3))
    ids = [settle_push(napp, "o-in"), settle_push(napp, "o-out"),
           napp.pusher.push("o-out", "无模板", kind="receipt")]
    assert [delivered(napp, i)["status"] for i in ids] == ["sent", "sent", "skipped"]
    wechat.template_ids = {"TPL-other"}
    ids.append(settle_push(napp, "o-out"))
    assert delivered(napp, ids[-1])["status"] == "failed"
    with napp.store.write() as db:        # a push of long ago is not counted
        db.execute("UPDATE pushes SET created_at = ? WHERE id = ?", [to_utc_text(utc_now() - timedelta(days=8)),
                                                                    ids[0]])
    base, stop = serve_console(napp)
    try:
        health = requests.get(base + "/healthz", timeout=10).json()
        assert health["pushes"] == {"days": 7, "custom": {"sent": 0, "failed": 0},
                                    "template": {"sent": 1, "failed": 1}, "skipped": 1, "pending": 0}
        session = requests.Session()
        assert session.get(link_for(napp, ADMIN), timeout=10).status_code == 200
        page = session.get(base + "/console", timeout=10).text
    finally:
        stop()
    shown = dict(re.findall(r'data-field="(custom-sent|custom-failed|template-sent|template-failed|skipped)">(\d+)<',
                            page))
    assert shown == {"custom-sent": "0", "custom-failed": "0", "template-sent": "1", "template-failed": "1",
                     "skipped": "1"}
    assert "通知（近 7 天）" in page


# --- a real settlement over HTTP ------------------------------------------------------------------------------------

def test_a_settlement_reaches_an_organiser_who_wrote_three_days_ago_as_the_template(nconfig, wechat):
    app = App(nconfig).setup()
    port, stop = start_background(app)
    client = Client(app, port)

    def say(openid, text, msg_id):
        return reply_content(client.post(message_xml(openid, text, msg_id)))["Content"]
    try:
        say("o-zs", "9 研发一组 张三", "n-1")
        say(ADMIN, "81 全部", "n-2")
        say(ADMIN, "确认", "n-3")
        assert app.user("o-zs")["status"] == "member"
        assert "已记录" in say("o-zs", "1 50 奶茶", "n-4") and "已记录" in say("o-zs", "1 32 水果", "n-5")
        app.pusher.flush(5)
        with app.store.write() as db:
            db.execute("UPDATE users SET last_message_at = ? WHERE openid = 'o-zs'",
                       [to_utc_text(utc_now() - timedelta(days=3))])
        assert "确认" in say(ADMIN, "82 研发一组", "n-6")
        assert "已结算 研发一组" in say(ADMIN, "确认", "n-7")
        app.pusher.flush(5)
    finally:
        stop()
    batch = app.store.one("SELECT id FROM settlements")["id"]
    row = app.store.one("SELECT * FROM pushes WHERE kind = 'settle'")
    assert (row["openid"], row["status"], row["channel"], row["notice"]) == ("o-zs", "sent", "template", "settlement")
    [message] = wechat.template_messages
    assert message["touser"] == "o-zs" and message["template_id"] == "TPL-settle-1"
    assert {k: v["value"] for k, v in message["data"].items() if k != "remark"} == {
        "first": "张三，你的垫付已报销", "keyword1": "研发一组", "keyword2": "82.00 元（2 笔）",
        "keyword3": f"结算 #{batch} 已结算"}
    call = wechat.calls_to("/cgi-bin/message/template/send")[0]
    assert call.query["access_token"] in wechat.tokens_issued


def test_the_docs_list_every_field_of_every_kind_and_their_example_passes_check(config):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "notices.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in doc.splitlines() if line.startswith("| `")}
    assert set(rows) == set(NOTICE_FIELDS)
    for kind, fields in NOTICE_FIELDS.items():
        assert [f for f in fields if f != "time" and f"`{f}`" not in rows[kind]] == [], kind
    example = yaml.safe_load(re.search(r"```yaml\n(.*?)```", doc, re.S).group(1))
    config["wechat"]["templates"] = example["wechat"]["templates"]
    assert validate(config) == []
