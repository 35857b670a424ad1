"""Receipts over real HTTP: image messages to /wechat of a real server on loopback, their PicUrl pointing at a real
image server on loopback (real JPEG/PNG bytes made with Pillow, plus a slow one, a too-big one, an HTML page, a
fake image, a 500 then OK); the 30-minute window and `7 N 小票`, WeChat's retries, the sweep's retries, SSRF,
COS (moto) up and down, and a kill -9 of a real `run_bot.py serve` with a fetch in flight."""

import hashlib
import io
import signal
import sqlite3
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from bot.app import NON_TEXT_HINT, App
from bot.plugin import Plugin, Refusal
from bot.timeutil import to_utc_text, utc_now
from bot.web import start_background
from conftest import ADMIN, eventually
from cos_server import cos_config
from plugins.expense import receipt_jobs
from plugins.expense.receipts import receipt_counts, receipt_file, receipts_dir, receipts_of, thumb_file
from test_crash_retry import free_port, start as start_server
from test_export import s3  # noqa: F401 (fixture: moto S3 on loopback)
from test_wechat_endpoint import Client, message_xml, reply_content, serve, wconfig  # noqa: F401 (fixtures)


def jpeg_bytes(color="red", size=(800, 600)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


def png_bytes(size=(300, 500)):
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 100)).save(out, "PNG")
    return out.getvalue()


PHOTO, OTHER_PHOTO, SHOT = jpeg_bytes(), jpeg_bytes("blue"), png_bytes()


class ImageServer:
    """A real HTTP server on loopback: each path a (status, headers, body) or a function(handler); hits counted."""

    def __init__(self):
        self.routes, self.hits, self.gate = {}, {}, threading.Event()
        images = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                images.hits[self.path] = images.hits.get(self.path, 0) + 1
                route = images.routes.get(self.path, (404, {}, b"not found"))
                if callable(route):
                    return route(self)
                status, headers, body = route
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None     # a client that went away (kill -9) is fine
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def image(self, path, body, content_type="image/jpeg"):
        self.routes[path] = (200, {"Content-Type": content_type}, body)
        return self.url(path)

    def stop(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def images():
    server = ImageServer()
    yield server
    server.stop()


@pytest.fixture
def config(config):
    config["plugins"]["expense"] = {"receipts": {"hosts": ["127.0.0.1"]}}
    return config


@pytest.fixture
def wx(app):
    """A Client posting to /wechat of a real server for the `app` fixture (pushes land in `sent`)."""
    port, stop = start_background(app)
    yield Client(app, port)
    stop()
    receipt_jobs.wait_idle(app, 10)


def image_xml(openid, url, msg_id, media_id="media-1"):
    return message_xml(openid, msg_type="image", msg_id=msg_id,
                       extra=f"<PicUrl><![CDATA[{url}]]></PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>")


def send_image(wx, openid, url, msg_id):
    return reply_content(wx.post(image_xml(openid, url, msg_id)))["Content"]


def rows(app):
    return app.store.query("SELECT * FROM receipts ORDER BY id")


def settle_down(app):
    assert receipt_jobs.wait_idle(app, 20)
    app.pusher.flush(5)


def folder_files(app):
    folder = receipts_dir(app.config)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- attaching --------------------------------------------------------------------------------------------------

def test_an_image_within_30_minutes_is_attached_fetched_and_stored_with_a_thumbnail(app, wx, images, member, say):
    zhang = member("张三")
    assert "已记录 #1" in say(zhang, "1 86.5 奶茶")
    reply = send_image(wx, zhang, images.image("/photo.jpg", PHOTO), "5001")
    assert reply.startswith("已附上小票：#1 86.50 元 奶茶"), reply
    assert "现有 1 张小票（1 张正在取回）" in reply
    settle_down(app)
    [row] = rows(app)
    digest = hashlib.sha256(PHOTO).hexdigest()
    assert (row["status"], row["sha256"], row["content_type"], row["size_bytes"]) == ("stored", digest, "image/jpeg",
                                                                                      len(PHOTO))
    assert (row["path"], row["openid"], row["media_id"], row["msg_id"]) == (f"{digest[:2]}/{digest}.jpg", zhang,
                                                                           "media-1", "5001")
    assert receipt_file(app.config, row).read_bytes() == PHOTO
    with Image.open(thumb_file(app.config, row)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 240 and thumb.size == (240, 180)
    assert folder_files(app) == sorted([row["path"], row["thumb_path"]]), "no temp files left"
    assert receipt_counts(app.store, [1]) == {1: {"stored": 1, "pending": 0}}
    assert "#1" in say(zhang, "7").splitlines()[1] and "🧾1" in say(zhang, "7")
    audit = app.store.one("SELECT * FROM audit WHERE action = 'expense.receipt'")
    assert (audit["actor"], audit["target"]) == (zhang, "1")


def test_the_reply_does_not_wait_for_a_slow_image_server(app, wx, images, member, say):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")

    def slow(handler):                    # answers only once the test has its reply
        images.gate.wait(30)
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Content-Length", str(len(PHOTO)))
        handler.end_headers()
        handler.wfile.write(PHOTO)
    images.routes["/slow.jpg"] = slow
    started = time.monotonic()
    reply = send_image(wx, zhang, images.url("/slow.jpg"), "5002")
    elapsed = time.monotonic() - started
    assert reply.startswith("已附上小票：#1"), reply
    assert eventually(lambda: images.hits.get("/slow.jpg"), 1) == 1, "the fetch had begun"
    assert not images.gate.is_set() and rows(app)[0]["status"] == "pending"
    assert "🧾待取回" in say(zhang, "7")
    images.gate.set()
    settle_down(app)
    assert rows(app)[0]["status"] == "stored" and "🧾1" in say(zhang, "7")
    print(f"image reply while the image server held its answer: {elapsed * 1000:.0f} ms")


def test_a_wechat_retry_of_the_same_image_attaches_it_once(app, wx, images, member, say):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    body = image_xml(zhang, images.image("/photo.jpg", PHOTO), "5003")
    replies = {reply_content(wx.post(body))["Content"] for _ in range(3)}
    assert len(replies) == 1 and replies.pop().startswith("已附上小票：#1")
    settle_down(app)
    assert [r["status"] for r in rows(app)] == ["stored"] and images.hits["/photo.jpg"] == 1


def test_several_images_per_record_and_the_same_bytes_twice_are_counted_once(app, wx, images, member, say, sent):
    zhang = member("张三")
    say(zhang, "1 45 水果")
    send_image(wx, zhang, images.image("/a.jpg", PHOTO), "5004")
    settle_down(app)
    second = send_image(wx, zhang, images.image("/b.png", SHOT, "image/png"), "5005")
    assert "现有 2 张小票（1 张正在取回）" in second, second
    settle_down(app)
    send_image(wx, zhang, images.image("/c.jpg", PHOTO), "5006")       # the first photo again
    settle_down(app)
    assert [(r["status"], r["content_type"]) for r in rows(app)] == [
        ("stored", "image/jpeg"), ("stored", "image/png"), ("duplicate", "image/jpeg")]
    assert receipt_counts(app.store, [1]) == {1: {"stored": 2, "pending": 0}}
    assert [r["id"] for r in receipts_of(app.store, 1)] == [1, 2]
    assert sent[-1][0] == zhang and "这张小票已附在 #1" in sent[-1][1]
    with Image.open(thumb_file(app.config, rows(app)[1])) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (144, 240)
    assert len(folder_files(app)) == 4, "identical bytes share one file"


def test_an_image_after_the_window_says_how_to_attach_and_7_n_xiaopiao_arms_an_older_record(
        app, wx, images, member, say):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    app.store.db.conn.execute("UPDATE expenses SET recorded_at = ?",
                              [to_utc_text(utc_now() - timedelta(minutes=31))])
    url = images.image("/photo.jpg", PHOTO)
    late = send_image(wx, zhang, url, "5010")
    assert "先记账（1 金额 说明），30 分钟内发图片；或发送 7 记录号 小票 再发图片" in late and not rows(app)
    assert say(zhang, "7 1 小票") == "请在 10 分钟内发送小票图片，将附在 #1。可以连发几张。"
    assert send_image(wx, zhang, url, "5011").startswith("已附上小票：#1")
    assert send_image(wx, zhang, images.image("/b.jpg", OTHER_PHOTO), "5012").startswith("已附上小票：#1"), \
        "the arm lasts its 10 minutes: several photos of one receipt"
    settle_down(app)
    assert receipt_counts(app.store, [1]) == {1: {"stored": 2, "pending": 0}}


def test_the_armed_record_survives_a_restart_and_wins_over_the_window_until_a_newer_record(
        app, config, images, member, say):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    say(zhang, "1 30 水果")
    assert "将附在 #1" in say(zhang, "7 1 小票")
    url = images.image("/photo.jpg", PHOTO)
    again = App(config, sender=lambda *a: None).setup()       # a restart on the same database
    message = {"PicUrl": url, "MediaId": "m", "MsgId": "5020"}
    assert again.handle_message(zhang, "image", message).startswith("已附上小票：#1"), "armed #1 wins over #2"
    say(zhang, "1 40 咖啡")                                   # recorded after arming: images are for it now
    assert again.handle_message(zhang, "image", {**message, "MsgId": "5021"}).startswith("已附上小票：#3")
    receipt_jobs.wait_idle(again)
    app.store.db.conn.execute("UPDATE receipt_arms SET expires_at = ?", [to_utc_text(utc_now())])
    app.store.db.conn.execute("UPDATE expenses SET recorded_at = ?", [to_utc_text(utc_now() - timedelta(hours=1))])
    assert "先记账" in app.handle_message(zhang, "image", {**message, "MsgId": "5022"}), "the arm expired"
    settle_down(app)


def test_settled_void_and_other_peoples_records_are_refused(app, wx, images, member, say):
    zhang, wang = member("张三"), member("王五", "研发二组")
    say(zhang, "1 20 蛋糕")
    say(wang, "1 30 水果")
    url = images.image("/photo.jpg", PHOTO)
    assert say(wang, "7 1 小票") == "找不到你的记录 #1。发送 7 查看你的记录。"
    assert "将附在 #2" in say(ADMIN, "7 2 小票"), "an admin may arm any open record"
    assert send_image(wx, ADMIN, url, "5030").startswith("已附上小票：#2")
    say(zhang, "7 1")
    assert send_image(wx, zhang, url, "5031").startswith("记录 #1 已作废，不能附小票")
    assert say(zhang, "7 1 小票").startswith("记录 #1 已作废")
    say(ADMIN, "82 研发二组")
    say(ADMIN, "确认")
    assert say(wang, "7 2 小票").startswith("记录 #2 已报销（结算 #1），不能再附小票")
    assert send_image(wx, wang, url, "5032").startswith("记录 #2 已报销")
    settle_down(app)
    assert len(rows(app)) == 1


def test_a_non_member_gets_the_guest_reply_and_no_plugin_leaves_the_old_hint(app, wx, images, serve):
    url = images.image("/photo.jpg", PHOTO)
    assert send_image(wx, "o-stranger", url, "5040").startswith("你还没有注册。请先发送：9 组名 姓名")
    bare = serve(plugins=[])
    assert reply_content(bare.post(image_xml("o-stranger", url, "5041")))["Content"] == NON_TEXT_HINT
    assert not rows(app) and not images.hits


# --- what is refused ----------------------------------------------------------------------------------------------

def _stream_forever(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.end_headers()                 # no Content-Length: read until the cap
    try:
        for _ in range(200):
            handler.wfile.write(b"\xff" * 65536)
    except OSError:
        pass


BAD = {
    "/big.jpg": ((200, {"Content-Type": "image/jpeg", "Content-Length": str(6 * 1024 * 1024)}, b""), "超过 5 MB"),
    "/endless.jpg": (_stream_forever, "超过 5 MB"),
    "/page.html": ((200, {"Content-Type": "text/html"}, b"<html>hi</html>"), "返回的不是图片（text/html）"),
    "/fake.jpg": ((200, {"Content-Type": "image/jpeg"}, b"GIF89a not really" * 20), "不是有效的图片"),
    "/truncated.jpg": ((200, {"Content-Type": "image/jpeg"}, PHOTO[:len(PHOTO) // 2]), "不是有效的图片"),
}


@pytest.mark.parametrize("path", BAD)
def test_what_is_not_an_image_of_at_most_5_mb_fails_at_once_and_the_sender_is_told_once(
        app, wx, images, member, say, sent, path):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    images.routes[path] = BAD[path][0]
    assert send_image(wx, zhang, images.url(path), "5050").startswith("已附上小票：#1")
    settle_down(app)
    [row] = rows(app)
    assert (row["status"], row["attempts"]) == ("failed", 1) and BAD[path][1] in row["error"], row["error"]
    assert receipt_jobs.sweep(app, now=utc_now() + timedelta(days=1)) == {"fetched": {}, "uploaded": {}}
    told = [text for openid, text in sent if openid == zhang and "小票没能取回" in text]
    assert len(told) == 1 and BAD[path][1] in told[0] and "7 1 小票" in told[0]
    assert folder_files(app) == [], "nothing stored, no temp file left"
    assert receipt_counts(app.store, [1]) == {}


def test_a_decompression_bomb_is_refused(app, wx, images, member, say):
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")        # 81 MP in a few kB
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    send_image(wx, zhang, images.image("/bomb.png", out.getvalue(), "image/png"), "5055")
    settle_down(app)
    assert rows(app)[0]["status"] == "failed" and "像素过多" in rows(app)[0]["error"]


def test_a_500_is_retried_by_the_sweep_with_backoff_and_given_up_after_the_last_delay(
        app, config, wx, images, member, say, sent):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    images.routes["/flaky.jpg"] = (500, {}, b"oops")
    send_image(wx, zhang, images.url("/flaky.jpg"), "5060")
    settle_down(app)
    [row] = rows(app)
    assert (row["status"], row["attempts"], row["error"]) == ("pending", 1, "图片服务器返回 HTTP 500")
    assert "🧾待取回" in say(zhang, "7")
    assert receipt_jobs.sweep(app)["fetched"] == {}, "not due yet (1 minute)"
    images.image("/flaky.jpg", PHOTO)
    assert receipt_jobs.sweep(app, now=utc_now() + timedelta(minutes=2))["fetched"] == {1: "stored"}
    assert rows(app)[0]["attempts"] == 2 and not [t for _, t in sent if "没能取回" in t]

    config["plugins"]["expense"]["receipts"]["retry_minutes"] = [1, 5]
    images.routes["/down.jpg"] = (503, {}, b"")
    send_image(wx, zhang, images.url("/down.jpg"), "5061")
    settle_down(app)
    later = utc_now()
    for minutes in (2, 10):
        later += timedelta(minutes=minutes)
        receipt_jobs.sweep(app, now=later)
    app.pusher.flush(5)
    row = rows(app)[1]
    assert (row["status"], row["attempts"], row["error"]) == ("failed", 3, "图片服务器返回 HTTP 503")
    assert images.hits["/down.jpg"] == 3
    assert len([t for _, t in sent if "没能取回" in t]) == 1


def test_ssrf_only_allowed_hosts_are_fetched_and_no_redirect_leaves_them(app, wx, images, member, say):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    images.image("/photo.jpg", PHOTO)
    for n, url in enumerate([images.url("/photo.jpg", host="localhost"), "http://169.254.169.254/latest/meta-data",
                             "file:///etc/passwd", "gopher://127.0.0.1/", "http://127.0.0.1.evil.example/x.jpg",
                             images.url("/" + "a" * 3000)]):
        assert "不是微信的图片服务器，没有附上" in send_image(wx, zhang, url, f"507{n}"), url
    assert not rows(app) and not images.hits
    images.routes["/hop"] = (302, {"Location": images.url("/photo.jpg", host="localhost")}, b"")
    images.routes["/hop-home"] = (302, {"Location": "/photo.jpg"}, b"")
    send_image(wx, zhang, images.url("/hop"), "5080")
    send_image(wx, zhang, images.url("/hop-home"), "5081")
    settle_down(app)
    assert [(r["status"], r["error"]) for r in rows(app)] == [("failed", "图片地址的主机不在允许的范围内（localhost）"),
                                                          ("stored", "")]
    assert images.hits["/photo.jpg"] == 1, "only the redirect within the allowed host was followed"


def test_the_default_allow_list_is_wechats_image_hosts():
    from plugins.expense.receipt_fetch import host_allowed
    assert host_allowed("http://mmbiz.qpic.cn/mmbiz_jpg/abc/0", ["qpic.cn"])
    assert host_allowed("https://QPIC.cn./x", ["qpic.cn"])
    assert not host_allowed("http://qpic.cn.evil.com/x", ["qpic.cn"])
    assert not host_allowed("http://evilqpic.cn/x", ["qpic.cn"])
    assert not host_allowed("http://[::1/x", ["qpic.cn"])


# --- COS ----------------------------------------------------------------------------------------------------------

def test_stored_receipts_go_to_cos_and_wait_while_cos_is_down(app, config, wx, images, member, say, s3):
    from bot.cos import Cos
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    config["cos"] = cos_config("127.0.0.1:9/nobucket")         # nothing listens on the discard port
    send_image(wx, zhang, images.image("/photo.jpg", PHOTO), "5090")
    settle_down(app)
    [row] = rows(app)
    digest = hashlib.sha256(PHOTO).hexdigest()
    assert (row["status"], row["cos_status"], row["cos_attempts"]) == ("stored", "pending", 1)
    assert row["cos_key"] == f"teabot/receipts/{digest[:2]}/{digest}.jpg"
    assert app.handle_text(ADMIN, "0") and wx.get("/healthz").json()["receipts"]["cos_pending"] == 1
    assert receipt_jobs.sweep(app)["uploaded"] == {}, "not due yet"
    config["cos"] = cos_config(s3.domain)
    assert receipt_jobs.sweep(app, now=utc_now() + timedelta(minutes=2))["uploaded"] == {1: "uploaded"}
    client = Cos(config).client
    assert client.get_object(Bucket=config["cos"]["bucket"], Key=row["cos_key"])["Body"].get_raw_stream().read() == PHOTO
    send_image(wx, zhang, images.image("/b.jpg", OTHER_PHOTO), "5091")       # COS up: uploaded straight away
    settle_down(app)
    assert [r["cos_status"] for r in rows(app)] == ["uploaded", "uploaded"]
    assert wx.get("/healthz").json()["receipts"] == {"pending": 0, "failed": 0, "cos_pending": 0, "cos_failed": 0}


# --- restart and kill -9 ------------------------------------------------------------------------------------------

def test_a_receipt_in_flight_at_kill_9_is_fetched_after_the_restart(tmp_path, images):
    from test_crash_retry import post
    port = free_port()
    database = tmp_path / "teabot.db"
    config = tmp_path / "c.yaml"
    config.write_text(f"database: {database}\nexports_dir: {tmp_path / 'exports'}\nserver: {{port: {port}}}\n"
                      f"wechat: {{token: testtoken}}\nadmins: [{ADMIN}]\ngroups: [测试组]\n"
                      "plugins: {expense: {receipts: {hosts: [127.0.0.1]}}}\n", encoding="utf-8")

    def held(handler):                   # the first fetch never gets an answer before the kill
        images.gate.wait(30)
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.end_headers()
        handler.wfile.write(PHOTO)
    images.routes["/held.jpg"] = held
    server = start_server(config, port)
    try:
        post(port, "o-m", "9 测试组 组员", "r1")
        assert "已通过" in post(port, ADMIN, "81 1", "r2")
        assert "已记录 #1" in post(port, "o-m", "1 20 蛋糕", "r3")
        client = Client(None, port)
        assert reply_content(client.post(image_xml("o-m", images.url("/held.jpg"), "r4")))["Content"].startswith(
            "已附上小票：#1")
        assert eventually(lambda: images.hits.get("/held.jpg"), 1, seconds=10) == 1, "the fetch is in flight"
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    images.gate.set()

    def status():
        conn = sqlite3.connect(database)
        try:
            return conn.execute("SELECT status FROM receipts WHERE id = 1").fetchone()[0]
        finally:
            conn.close()
    assert status() == "pending"
    server = start_server(config, port)
    try:
        assert eventually(status, "stored", seconds=20) == "stored"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
    assert images.hits["/held.jpg"] == 2
    folder = Path(database).parent / "receipts"
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == sorted(
        [f"{hashlib.sha256(PHOTO).hexdigest()}.jpg", f"{hashlib.sha256(PHOTO).hexdigest()}-thumb.jpg"])


# --- the readers other plugins use --------------------------------------------------------------------------------

def test_receipt_counts_reads_any_number_of_ids_and_files_never_leave_the_folder(app, member, say):
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    conn, now = app.store.db.conn, to_utc_text(utc_now())
    conn.executemany("INSERT INTO receipts (expense_id, openid, status, created_at) VALUES (1, ?, ?, ?)",
                     [(zhang, status, now) for status in ("stored", "stored", "pending", "failed", "duplicate")])
    assert receipt_counts(app.store, list(range(1, 1200))) == {1: {"stored": 2, "pending": 1}}
    assert receipt_counts(app.store, []) == {}
    row = {"status": "stored", "path": "../../teabot.db", "thumb_path": "/etc/passwd"}
    assert receipt_file(app.config, row) is None and thumb_file(app.config, row) is None
    assert receipt_file(app.config, {"status": "pending", "path": "ab/x.jpg"}) is None


# --- the framework's declaration ----------------------------------------------------------------------------------

def test_on_message_handlers_run_once_per_msgid_in_the_messages_transaction(serve, wconfig):
    plugin = Plugin("video_test", "视频")
    seen = []

    @plugin.on_message("video")
    def on_video(ctx):
        seen.append((ctx.msg_id, ctx.message.get("MediaId")))
        ctx.db.execute("INSERT INTO audit (at, actor, action) VALUES ('t', ?, 'video')", [ctx.openid])
        if ctx.message.get("MediaId") == "refuse":
            raise Refusal("不收这个视频")
        return "" if ctx.message.get("MediaId") == "pass" else f"收到视频 {ctx.message['MediaId']}"

    client = serve(plugins=[plugin])
    xml = message_xml("o-v", msg_type="video", msg_id="6001", extra="<MediaId>m1</MediaId>")
    assert [reply_content(client.post(xml))["Content"] for _ in range(2)] == ["收到视频 m1"] * 2
    refused = message_xml("o-v", msg_type="video", msg_id="6002", extra="<MediaId>refuse</MediaId>")
    assert reply_content(client.post(refused))["Content"] == "不收这个视频"
    passed = message_xml("o-v", msg_type="video", msg_id="6003", extra="<MediaId>pass</MediaId>")
    assert reply_content(client.post(passed))["Content"] == NON_TEXT_HINT
    voice = message_xml("o-v", msg_type="voice", msg_id="6004")
    assert reply_content(client.post(voice))["Content"] == NON_TEXT_HINT
    assert seen == [("6001", "m1"), ("6002", "refuse"), ("6003", "pass")]
    actions = client.app.store.query("SELECT actor FROM audit WHERE action = 'video'")
    assert len(actions) == 2, "a refusal's writes are rolled back"

    wconfig["plugins"]["video_test"] = {"enabled": False}
    assert reply_content(client.post(message_xml("o-v", msg_type="video", msg_id="6005")))["Content"] == NON_TEXT_HINT
    assert len(seen) == 3


# --- backups ------------------------------------------------------------------------------------------------------

def test_a_backup_holds_the_database_only_and_the_status_says_where_the_receipts_are(app, wx, images, member, say):
    import gzip
    from bot.web import health
    from plugins.export import jobs
    zhang = member("张三")
    say(zhang, "1 20 蛋糕")
    send_image(wx, zhang, images.image("/photo.jpg", PHOTO), "5100")
    settle_down(app)
    backup = jobs.run_backup(app)
    assert backup["state"] == "done" and PHOTO[:64] not in gzip.decompress(Path(backup["path"]).read_bytes())
    note = health(app, detailed=True)["export"]["receipts"]
    assert note.startswith(f"小票图片不在数据库备份里，单独保存在 {receipts_dir(app.config)}/（1 张，0.0 MB）")
    assert "未启用 COS：只有这一份" in note and "receipts" not in health(app)["export"], "/healthz: numbers only"
