"""Issue 16: the menu's 控制台 button signs in through WeChat's OAuth2 (snsapi_base), against the fake WeChat
(tests/wechat_server.py: its authorize page and code exchange): the round trip in Chromium, then over HTTP the
state (ours, single use, expiring, this browser's), the code (exchanged once; a replay is refused without asking
WeChat), who may sign in, and accounts without app_id."""

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bot.app import App
from browser import By, browser  # noqa: F401
from conftest import ADMIN, serve_console
from wechat_server import APP_ID, SECRET, wechat  # noqa: F401

CALLBACK = "/console/oauth/callback"


@pytest.fixture
def site(config, wechat):
    """(app, base URL) of the real server for an account with app_id and secret, and a member 张三 (o-zs)."""
    config["wechat"].update(app_id=APP_ID, app_secret=SECRET, api_base=wechat.base,
                            oauth_authorize_url=wechat.authorize_url)
    app = App(config, sender=lambda openid, text: None).setup()
    base, stop = serve_console(app)
    app.handle_text("o-zs", "9 研发一组 张三")
    app.handle_text(ADMIN, "81 全部")
    app.handle_text(ADMIN, "确认")
    assert app.user("o-zs")["status"] == "member"
    yield app, base
    stop()
    app.pusher.flush(5)


def start(base, session=None):
    """GET /console/oauth without following: (response, the authorize URL's query, the session with its cookie)."""
    session = session or requests.Session()
    response = session.get(base + "/console/oauth", allow_redirects=False, timeout=5)
    location = response.headers.get("Location", "")
    return response, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}, session


def page(browser):  # noqa: F811
    """The browser's URL without its fragment: a 302 without one keeps the #wechat_redirect it came through."""
    return browser.current_url.split("#")[0]


def logins(app):
    return app.store.one("SELECT COUNT(*) AS n FROM audit WHERE action = 'console.login'")["n"]


def test_menu_button_signs_in_through_wechats_authorize_page_in_chromium(site, wechat, browser):  # noqa: F811
    app, base = site
    wechat.authorize_as = ADMIN
    browser.get(base + "/console/oauth")
    assert page(browser) == f"{base}/console"
    assert browser.find_element(By.TAG_NAME, "h1").text == "概览"
    cookie = browser.get_cookie("teabot_console")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/console"
    authorize, = wechat.calls_to("/connect/oauth2/authorize")
    assert authorize.query["appid"] == APP_ID and authorize.query["scope"] == "snsapi_base"
    assert authorize.query["redirect_uri"] == base + CALLBACK and authorize.query["response_type"] == "code"
    exchange, = wechat.calls_to("/sns/oauth2/access_token")
    assert exchange.query["secret"] == SECRET and exchange.query["grant_type"] == "authorization_code"
    assert logins(app) == 1

    browser.delete_all_cookies()
    wechat.authorize_as = "o-zs"                          # a member lands on 我的
    browser.get(base + "/console/oauth")
    assert page(browser) == f"{base}/console/me"
    assert "张三" in browser.page_source
    assert browser.get_cookie("teabot_oauth") is None, "the state's cookie is gone once used"

    browser.get(base + "/console/oauth")                  # signed in already: straight in, WeChat not asked
    assert page(browser) == f"{base}/console/me"
    assert len(wechat.calls_to("/connect/oauth2/authorize")) == 2


def test_the_redirect_is_wechats_authorize_url_with_a_state_bound_to_a_short_lived_cookie(site, wechat):
    app, base = site
    response, query, session = start(base)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(wechat.authorize_url + "?") and location.endswith("#wechat_redirect")
    assert query == {"appid": APP_ID, "redirect_uri": base + CALLBACK, "response_type": "code",
                     "scope": "snsapi_base", "state": query["state"]}
    assert "redirect_uri=" + requests.utils.quote(base + CALLBACK, safe="") in location
    cookie, = [c for c in session.cookies if c.name == "teabot_oauth"]
    assert cookie.value == query["state"] and cookie.path == "/console/oauth"
    assert cookie.expires - time.time() <= 10 * 60 + 60, "lives for the minutes a sign-in takes"
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_callback_signs_in_once_and_a_replayed_callback_is_refused(site, wechat):
    app, base = site
    _, query, session = start(base)
    code = wechat.issue_code("o-zs")
    url = f"{base}{CALLBACK}?code={code}&state={query['state']}"
    first = session.get(url, allow_redirects=False, timeout=5)
    assert first.status_code == 303 and first.headers["Location"].endswith("/console/me")
    assert session.get(base + "/console/me", timeout=5).status_code == 200
    session.cookies.set("teabot_oauth", query["state"], path="/console/oauth")   # as if it had kept the cookie
    again = session.get(url, allow_redirects=False, timeout=5)
    assert again.status_code == 403 and "已经用过" in again.text and "89" in again.text
    assert len(wechat.calls_to("/sns/oauth2/access_token")) == 1
    assert logins(app) == 1


def test_a_replayed_code_with_a_fresh_state_is_refused_without_asking_wechat(site, wechat):
    app, base = site
    code = wechat.issue_code("o-zs")
    _, query, session = start(base)
    assert session.get(f"{base}{CALLBACK}?code={code}&state={query['state']}", allow_redirects=False,
                       timeout=5).status_code == 303
    _, query2, thief = start(base)
    refused = thief.get(f"{base}{CALLBACK}?code={code}&state={query2['state']}", allow_redirects=False, timeout=5)
    assert refused.status_code == 403 and "授权码已经用过" in refused.text
    assert len(wechat.calls_to("/sns/oauth2/access_token")) == 1
    assert "teabot_console" not in thief.cookies


@pytest.mark.parametrize("case, status, words", [
    ("unknown state", 403, "无效"),
    ("another browser's state", 403, "不是从这个浏览器发起"),
    ("no cookie", 403, "不是从这个浏览器发起"),
    ("no code", 400, "没有完成"),
    ("malformed", 400, "参数不对"),
])
def test_bad_state_or_code_is_refused_with_a_page_and_wechat_is_not_asked(site, wechat, case, status, words):
    app, base = site
    _, query, session = start(base)
    _, other, _ = start(base)
    code = wechat.issue_code("o-zs")
    state = query["state"]
    params = {"code": code, "state": state}
    if case == "unknown state":
        session.cookies.set("teabot_oauth", "x" * 32, path="/console/oauth")
        params["state"] = "x" * 32
    elif case == "another browser's state":
        params["state"] = other["state"]
    elif case == "no cookie":
        session.cookies.clear()
    elif case == "no code":
        del params["code"]
    else:
        params["code"] = "<script>" + "a" * 20
    response = session.get(base + CALLBACK, params=params, allow_redirects=False, timeout=5)
    assert response.status_code == status and words in response.text
    assert "发送 89" in response.text and response.headers["Content-Type"].startswith("text/html")
    assert wechat.calls_to("/sns/oauth2/access_token") == []
    assert logins(app) == 0


def test_an_expired_state_is_refused(site, wechat):
    app, base = site
    _, query, session = start(base)
    with app.transaction() as tx:
        tx.execute("UPDATE console_oauth SET expires_at = '2000-01-01 00:00:00' WHERE kind = 'state'")
    response = session.get(f"{base}{CALLBACK}?code={wechat.issue_code('o-zs')}&state={query['state']}", timeout=5)
    assert response.status_code == 403 and "已过期" in response.text
    assert wechat.calls_to("/sns/oauth2/access_token") == []


def test_a_code_wechat_refuses_gets_a_page_not_a_500(site, wechat):
    app, base = site
    _, query, session = start(base)
    code = wechat.issue_code("o-zs")
    wechat.expire_code(code)
    response = session.get(f"{base}{CALLBACK}?code={code}&state={query['state']}", timeout=5)
    assert response.status_code == 403 and "无效或已过期" in response.text
    assert logins(app) == 0


def test_wechat_unreachable_says_try_again(site, wechat):
    app, base = site
    _, query, session = start(base)
    wechat.fail_next("/sns/oauth2/access_token", "http500")
    response = session.get(f"{base}{CALLBACK}?code={wechat.issue_code('o-zs')}&state={query['state']}", timeout=5)
    assert response.status_code == 502 and "稍后" in response.text and "89" in response.text


def test_someone_neither_member_nor_staff_gets_what_89_answers_them(site, wechat):
    app, base = site
    _, query, session = start(base)
    response = session.get(f"{base}{CALLBACK}?code={wechat.issue_code('o-stranger')}&state={query['state']}",
                           timeout=5)
    assert response.status_code == 403
    assert app.handle_text("o-stranger", "89") in response.text
    assert "teabot_console" not in session.cookies and logins(app) == 0


def test_without_app_id_the_menu_entry_says_to_use_89(site, wechat):
    app, base = site
    app.config["wechat"]["app_secret"] = ""
    response = requests.get(base + "/console/oauth", allow_redirects=False, timeout=5)
    assert response.status_code == 403 and "发送 89" in response.text
    assert wechat.calls == []


def test_neither_the_code_nor_the_secret_reaches_the_log(site, wechat, caplog):
    app, base = site
    caplog.set_level(logging.INFO)
    _, query, session = start(base)
    code = wechat.issue_code("o-zs")
    session.get(f"{base}{CALLBACK}?code={code}&state={query['state']}", timeout=5)
    session.get(f"{base}{CALLBACK}?code={code}&state={query['state']}", timeout=5)
    _, query, session = start(base)
    wechat.fail_next("/sns/oauth2/access_token", "http500")
    session.get(f"{base}{CALLBACK}?code={wechat.issue_code('o-zs')}&state={query['state']}", timeout=5)
    logged = caplog.text
    assert "console oauth sign-in" in logged
    assert code not in logged and SECRET not in logged
