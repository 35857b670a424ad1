"""Receipts follow-ups (issue 15): receipts stored while COS was off are uploaded once it is enabled (bounded
batches through an index); the MediaId fallback through WeChat's media/get (tests/wechat_server.py) when the PicUrl
fails for good; a record voided while its receipt was being fetched keeps the file and tells nobody."""

import hashlib
from datetime import timedelta

from bot.cos import Cos
from bot.timeutil import to_utc_text, utc_now
from conftest import eventually
from cos_server import cos_config
from plugins.expense import receipt_jobs
from plugins.expense.receipts import receipt_file
from test_export import s3  # noqa: F401 (fixture: moto S3 on loopback)
from test_receipts import OTHER_PHOTO, PHOTO, config, images, rows, send_image, settle_down, wx  # noqa: F401
from test_wechat_endpoint import serve, wconfig  # noqa: F401 (fixtures wx needs)
from wechat_server import APP_ID, SECRET, wechat  # noqa: F401 (fixture)


def cos_object(config, key):
    client = Cos(config).client
    return client.get_object(Bucket=config["cos"]["bucket"], Key=key)["Body"].get_raw_stream().read()


# --- 1. COS turned on later ---------------------------------------------------------------------------------------

def test_receipts_stored_while_cos_was_off_are_uploaded_once_it_is_enabled(app, config, wx, images, member, say, s3):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    send_image(wx, zhang, images.image("/a.jpg", PHOTO), "7001")
    settle_down(app)
    send_image(wx, zhang, images.image("/b.jpg", OTHER_PHOTO), "7002")
    send_image(wx, zhang, images.image("/c.jpg", PHOTO), "7003")         # a duplicate: never owed to COS
    settle_down(app)
    assert [(r["status"], r["cos_status"]) for r in rows(app)] == [
        ("stored", "none"), ("stored", "none"), ("duplicate", "none")]
    assert receipt_jobs.sweep(app, now=utc_now() + timedelta(days=1)) == {"fetched": {}, "uploaded": {}}, "COS off"

    config["cos"] = cos_config(s3.domain)
    assert receipt_jobs.sweep(app) == {"fetched": {}, "uploaded": {1: "uploaded", 2: "uploaded"}}
    first, second, duplicate = rows(app)
    digest = hashlib.sha256(PHOTO).hexdigest()
    assert first["cos_key"] == f"teabot/receipts/{digest[:2]}/{digest}.jpg"
    assert cos_object(config, first["cos_key"]) == PHOTO and cos_object(config, second["cos_key"]) == OTHER_PHOTO
    assert (duplicate["cos_status"], duplicate["cos_key"]) == ("none", "")
    assert receipt_jobs.sweep(app, now=utc_now() + timedelta(days=1)) == {"fetched": {}, "uploaded": {}}, "once"


def test_the_cos_backlog_is_queued_in_bounded_batches_through_the_upload_index(app, config, member, say, monkeypatch,
                                                                             s3):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    now = to_utc_text(utc_now())
    conn = app.store.db.conn
    conn.executemany(
        "INSERT INTO receipts (expense_id, openid, status, path, cos_status, cos_next_attempt_at, created_at, "
        "stored_at) VALUES (1, ?, ?, ?, 'none', ?, ?, ?)",
        [(zhang, "stored", f"ab/{n}.jpg", now, now, now) for n in range(5)]
        + [(zhang, status, "ab/x.jpg", None, now, now) for status in ("duplicate", "failed", "pending")])
    plan = " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + receipt_jobs.OWED, {"l": 200}))
    assert "USING INDEX receipts_to_upload (cos_status=? AND cos_next_attempt_at>?)" in plan, plan

    config["cos"] = cos_config(s3.domain)
    cos = Cos(config)
    monkeypatch.setattr(receipt_jobs, "COS_BATCH", 2)
    assert receipt_jobs.queue_owed(app, cos, now) == 2
    assert [r["id"] for r in rows(app) if r["cos_status"] == "pending"] == [1, 2]
    assert receipt_jobs.queue_owed(app, cos, now) == 2 and receipt_jobs.queue_owed(app, cos, now) == 1
    assert receipt_jobs.queue_owed(app, cos, now) == 0
    assert {r["id"]: r["cos_status"] for r in rows(app)} == {1: "pending", 2: "pending", 3: "pending", 4: "pending",
                                                             5: "pending", 6: "none", 7: "none", 8: "none"}
    assert rows(app)[4]["cos_key"] == "teabot/receipts/ab/4.jpg"


# --- 2. the MediaId fallback --------------------------------------------------------------------------------------

def use_wechat(config, server):
    config["wechat"].update(api_base=server.base, app_id=APP_ID, app_secret=SECRET)


def test_a_picurl_404_falls_back_to_the_media_id_through_media_get(app, config, wx, images, member, say, sent,
                                                                  wechat):
    use_wechat(config, wechat)
    wechat.media["media-1"] = ("image/jpeg", OTHER_PHOTO)
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    send_image(wx, zhang, images.url("/gone.jpg"), "7101")             # the image server answers 404
    settle_down(app)
    [row] = rows(app)
    assert (row["status"], row["attempts"], row["error"]) == ("stored", 1, "")
    assert receipt_file(app.config, row).read_bytes() == OTHER_PHOTO
    assert row["sha256"] == hashlib.sha256(OTHER_PHOTO).hexdigest()
    [call] = wechat.calls_to("/cgi-bin/media/get")
    assert call.query["media_id"] == "media-1" and call.query["access_token"] == wechat.tokens_issued[0]
    assert not [t for _, t in sent if "没能取回" in t]

    wechat.expire_tokens()                                              # 40001: a fresh token, once
    images.routes["/page.html"] = (200, {"Content-Type": "text/html"}, b"<html>hi</html>")
    wechat.media["media-1"] = ("image/jpeg", PHOTO)
    send_image(wx, zhang, images.url("/page.html"), "7102")              # refused as a non-image
    settle_down(app)
    assert rows(app)[1]["status"] == "stored" and receipt_file(app.config, rows(app)[1]).read_bytes() == PHOTO
    assert len(wechat.calls_to("/cgi-bin/media/get")) == 3 and len(wechat.tokens_issued) == 2


def test_the_fallback_failing_too_names_both_reasons_and_the_sender_is_told_once(app, config, wx, images, member, say,
                                                                                sent, wechat):
    use_wechat(config, wechat)
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    images.routes["/page.html"] = (200, {"Content-Type": "text/html"}, b"<html>hi</html>")
    send_image(wx, zhang, images.url("/page.html"), "7201")              # media-1 is not registered: 40007
    settle_down(app)
    [row] = rows(app)
    assert row["status"] == "failed", row
    assert row["error"] == "返回的不是图片（text/html）；微信素材接口返回 40007 invalid media_id"
    told = [t for o, t in sent if o == zhang and "没能取回" in t]
    assert len(told) == 1 and "40007" in told[0]

    wechat.media["media-1"] = ("text/html", b"<html>not an image</html>")
    send_image(wx, zhang, images.url("/page.html"), "7202")
    settle_down(app)
    assert rows(app)[1]["status"] == "failed" and "微信素材不是图片（text/html）" in rows(app)[1]["error"]
    wechat.media["media-1"] = ("image/jpeg", b"\xff\xd8 not really a jpeg" * 10)
    send_image(wx, zhang, images.url("/page.html"), "7203")
    settle_down(app)
    assert rows(app)[2]["status"] == "failed" and "不是有效的图片" in rows(app)[2]["error"]


def test_a_temporary_picurl_failure_falls_back_only_on_its_last_attempt(app, config, wx, images, member, say, wechat):
    use_wechat(config, wechat)
    config["plugins"]["expense"]["receipts"]["retry_minutes"] = [1]
    wechat.media["media-1"] = ("image/jpeg", PHOTO)
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    images.routes["/down.jpg"] = (503, {}, b"")
    send_image(wx, zhang, images.url("/down.jpg"), "7301")
    settle_down(app)
    assert (rows(app)[0]["status"], rows(app)[0]["attempts"]) == ("pending", 1)
    assert not wechat.calls_to("/cgi-bin/media/get"), "a 503 is retried from the PicUrl first"
    assert receipt_jobs.sweep(app, now=utc_now() + timedelta(minutes=2))["fetched"] == {1: "stored"}
    assert len(wechat.calls_to("/cgi-bin/media/get")) == 1 and images.hits["/down.jpg"] == 2


def test_without_app_id_and_secret_there_is_no_fallback(app, config, wx, images, member, say, wechat):
    config["wechat"].update(api_base=wechat.base, app_id="", app_secret="")
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    images.routes["/page.html"] = (200, {"Content-Type": "text/html"}, b"<html>hi</html>")
    send_image(wx, zhang, images.url("/page.html"), "7401")
    settle_down(app)
    assert (rows(app)[0]["status"], rows(app)[0]["error"]) == ("failed", "返回的不是图片（text/html）")
    assert wechat.paths() == []


# --- 3. voided while it was being fetched --------------------------------------------------------------------------

def test_a_record_voided_while_its_receipt_was_fetched_keeps_the_file_and_pushes_nothing(
        app, wx, images, member, say, sent):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    send_image(wx, zhang, images.image("/a.jpg", PHOTO), "7501")
    settle_down(app)

    def held(content_type, body):        # answers once the record has been voided
        def answer(handler):
            images.gate.wait(30)
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        return answer
    images.routes["/held.jpg"] = held("image/jpeg", PHOTO)
    images.routes["/held.html"] = held("text/html", b"<html>hi</html>")
    send_image(wx, zhang, images.url("/held.jpg"), "7502")             # the same bytes again: a duplicate
    send_image(wx, zhang, images.url("/held.html"), "7503")            # fails for good
    assert eventually(lambda: len(images.hits), 3) == 3, "both fetches have begun"
    assert "作废" in say(zhang, "7 1")
    before = len(sent)
    images.gate.set()
    settle_down(app)
    assert [r["status"] for r in rows(app)] == ["stored", "duplicate", "failed"]
    assert receipt_file(app.config, rows(app)[0]).read_bytes() == PHOTO, "proof is kept"
    assert sent[before:] == [], "nobody is told about a voided record's receipts"
