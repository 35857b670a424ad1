"""The browser the console's tests drive (tests/browser.py): headless Chromium opens the real server's /healthz,
and the phone-width checks fail on a page that does not fit, so a passing one means something."""

import json
import socketserver
import struct
import threading
import wsgiref.simple_server

import bottle
import pytest

from bot.web import start_background
from browser import browser, chrome, shared_browser  # noqa: F401  (fixtures)
from browser import (By, cut_off_elements, desktop, has_glyphs, no_horizontal_scroll, phone, reset,
                     screenshot)

HEAD = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>"
PAGES = {
    # 600 px of banner on a 375 px phone: the page scrolls sideways.
    "wide": HEAD + "<title>太宽</title><p>研发一组 本季度 ¥1,234.50</p>"
                   "<div id=too-wide class='banner big' style='width:600px'>这一条横幅比手机还宽</div>",
    # Long text wraps, a wide table scrolls inside its own box: the page itself fits.
    "fits": HEAD + "<title>合适</title><p>" + "报销记录很长的一段说明文字，" * 20 + "</p>"
                   "<div style='overflow-x:auto'><table style='width:900px'><tr><td>日期</td><td>金额</td>"
                   "</tr></table></div><img alt='' style='max-width:100%;width:800px;height:10px'>",
    # No <meta name=viewport>: a phone lays it out 980 px wide and shrinks it.
    "no-viewport": "<!doctype html><meta charset=utf-8><title>无视口</title><p>结算</p>",
    "tall": HEAD + "<title>长页</title>" + "".join(f"<p>第{n}行 研发二组 结算 ¥12.30</p>" for n in range(80)),
}


class QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    timeout = 5

    def log_message(self, *args):
        pass


class ThreadedServer(socketserver.ThreadingMixIn, wsgiref.simple_server.WSGIServer):
    """A thread per connection: Chromium opens spare connections it may never send on, which would hold up a
    single-threaded server, and its shutdown."""
    daemon_threads = True


@pytest.fixture(scope="module")
def pages():
    """Base URL of a throwaway bottle app on loopback serving PAGES at /<name>."""
    site = bottle.Bottle()

    @site.get("/<name>")
    def page(name):
        if name not in PAGES:
            bottle.abort(404)
        if bottle.request.query.get("cookie"):
            bottle.response.set_cookie("teabot_test", "1")
        return PAGES[name]
    server = wsgiref.simple_server.make_server("127.0.0.1", 0, site, server_class=ThreadedServer,
                                                handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def png_size(path):
    with open(path, "rb") as png:
        head = png.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_real_server_healthz_in_a_real_browser(browser, app):
    port, stop = start_background(app)
    try:
        browser.get(f"http://127.0.0.1:{port}/healthz")
        document = json.loads(browser.find_element(By.TAG_NAME, "pre").text)
    finally:
        stop()
    assert document["status"] == "ok", document
    assert document["database"] == {"ok": True}
    assert browser.execute_script("return [window.innerWidth, window.innerHeight, navigator.language]") == \
        [1280, 900, "zh-CN"]


def test_phone_width_finds_a_page_that_scrolls_sideways(chrome, pages):
    phone(chrome)
    chrome.get(pages + "/wide")
    assert chrome.execute_script("return window.devicePixelRatio") == 2
    assert not no_horizontal_scroll(chrome)
    cut = cut_off_elements(chrome)
    assert cut == ['div#too-wide.banner.big "这一条横幅比手机还宽" right edge 608 px > 375 px'], cut

    chrome.get(pages + "/fits")
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    assert cut_off_elements(chrome) == []


def test_a_page_without_viewport_meta_does_not_fit_a_phone(chrome, pages):
    phone(chrome)
    chrome.get(pages + "/no-viewport")
    assert not no_horizontal_scroll(chrome)
    assert cut_off_elements(chrome), "a 980 px layout reaches past 375 px"
    desktop(chrome)
    chrome.get(pages + "/no-viewport")
    assert no_horizontal_scroll(chrome)


def test_desktop_after_phone_is_the_browser_own_size(chrome, pages):
    phone(chrome)
    desktop(chrome)
    chrome.get(pages + "/wide")
    assert chrome.execute_script("return window.innerWidth") == 1280
    assert no_horizontal_scroll(chrome) and cut_off_elements(chrome) == []


def test_screenshot_is_the_whole_page_with_chinese_glyphs(chrome, pages, tmp_path):
    chrome.get(pages + "/tall")
    assert has_glyphs(chrome, "研发二组结算报销记录")
    assert not has_glyphs(chrome, "研\U0010FFFD"), "the tofu check can fail"
    width, height = chrome.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]")
    assert height > 900
    assert png_size(screenshot(chrome, tmp_path / "desktop.png")) == (width, height)    # no scrollbar in it
    phone(chrome)
    chrome.get(pages + "/tall")
    width, tall = png_size(screenshot(chrome, tmp_path / "docs" / "phone.png"))
    assert width == 750 and tall > 812 * 2


def test_reset_forgets_cookies(chrome, pages):
    chrome.get(pages + "/fits?cookie=1")
    assert chrome.get_cookie("teabot_test")
    phone(chrome)
    reset(chrome)
    chrome.get(pages + "/fits")
    assert chrome.get_cookie("teabot_test") is None
    assert chrome.execute_script("return window.innerWidth") == 1280
