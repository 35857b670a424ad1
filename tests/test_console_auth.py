"""Signing in to the console in a real browser (headless Chromium) against the real server: the `89` link, its
single use and expiry, the session cookie, signing out, roles, CSRF, the dashboard's figures against chat's, and
the phone width."""

import os
import re
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By

from bot.app import App
from bot.money import format_fen
from browser import browser, desktop, no_horizontal_scroll, cut_off_elements, phone, screenshot, wait_gone  # noqa: F401
from conftest import ADMIN, FINANCE, link_for, serve_console

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture
def site(config, sent):
    """(app, base URL) of a real server with two teams, three members and some records."""
    app = App(config, sender=lambda openid, text: sent.append((openid, text))).setup()
    base, stop = serve_console(app)
    say = app.handle_text
    for openid, team, name in [("o-zs", "研发一组", "张三"), ("o-ls", "研发一组", "李四"), ("o-ww", "研发二组", "王五")]:
        say(openid, f"9 {team} {name}")
    say(ADMIN, "81 全部")
    say(ADMIN, "确认")
    for openid, text in [("o-zs", "1 86.5 奶茶"), ("o-zs", "1 12 水果"), ("o-ls", "1 30.25 蛋糕"),
                         ("o-ww", "1 99.99 咖啡")]:
        assert "已记录" in say(openid, text)
    yield app, base
    stop()
    app.pusher.flush(5)


def sign_in(driver, app, openid):
    driver.get(link_for(app, openid))
    return driver


def test_89_link_signs_in_once_and_the_cookie_is_httponly_and_lax(site, browser):  # noqa: F811
    app, base = site
    link = link_for(app, ADMIN)
    browser.get(link)
    assert browser.current_url == f"{base}/console"
    assert browser.find_element(By.TAG_NAME, "h1").text == "概览"
    cookie = browser.get_cookie("teabot_console")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/console"
    assert cookie["secure"] is False, "Secure only behind https"
    browser.delete_all_cookies()
    browser.get(link)                                   # the same link again
    assert "已经用过" in browser.page_source and "89" in browser.page_source
    browser.get(f"{base}/console")
    assert "请先登录" in browser.page_source
    assert app.store.one("SELECT COUNT(*) AS n FROM audit WHERE action = 'console.login'")["n"] == 1


def test_an_expired_or_made_up_link_signs_nobody_in(site, browser):  # noqa: F811
    app, base = site
    link = link_for(app, ADMIN)
    with app.transaction() as tx:
        tx.execute("UPDATE console_links SET expires_at = '2000-01-01T00:00:00+00:00'")
    browser.get(link)
    assert "已过期" in browser.page_source
    browser.get(f"{base}/console/login/{'x' * 43}")
    assert "无效" in browser.page_source
    browser.get(f"{base}/console")
    assert "请先登录" in browser.page_source
    assert requests.get(link, timeout=5).status_code == 403


def test_signing_out_ends_the_session(site, browser):  # noqa: F811
    app, base = site
    sign_in(browser, app, ADMIN)
    stolen = browser.get_cookie("teabot_console")["value"]
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "button[name=action][value=logout]").click()
    wait_gone(browser, page)
    assert browser.find_element(By.TAG_NAME, "h1").text == "已退出"
    response = requests.get(f"{base}/console", cookies={"teabot_console": stolen}, timeout=5)
    assert response.status_code == 401, "the old cookie no longer signs in"


def test_a_member_sees_only_their_own_page(site, browser):  # noqa: F811
    app, base = site
    sign_in(browser, app, "o-zs")
    assert browser.current_url == f"{base}/console/me"
    assert browser.find_element(By.CSS_SELECTOR, "[data-field=my-open]").text == "98.50 元"
    ids = [row.get_attribute("data-id") for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr[data-id]")]
    mine = [str(r["id"]) for r in app.store.query("SELECT id FROM expenses WHERE openid = 'o-zs' ORDER BY id DESC")]
    assert ids == mine, "their records, nobody else's"
    cookie = {"teabot_console": browser.get_cookie("teabot_console")["value"]}
    for path in ("/console", "/console/records", "/console/people", "/console/settlements", "/console/audit",
                 "/console/chart/open.svg"):
        assert requests.get(base + path, cookies=cookie, timeout=5).status_code == 403, path
    nav = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "nav.tabs a")]
    assert nav == ["我的"]


def test_a_post_without_the_csrf_token_is_403_and_does_nothing(site, browser):  # noqa: F811
    app, base = site
    sign_in(browser, app, ADMIN)
    cookie = {"teabot_console": browser.get_cookie("teabot_console")["value"]}
    response = requests.post(f"{base}/console/logout", cookies=cookie, data={"action": "logout"}, timeout=5)
    assert response.status_code == 403 and "没有执行任何操作" in response.text
    response = requests.post(f"{base}/console/logout", cookies=cookie, data={"action": "logout", "csrf": "guess"},
                             timeout=5)
    assert response.status_code == 403
    assert requests.get(f"{base}/console", cookies=cookie, timeout=5).status_code == 200, "still signed in"


def shot_path(tmp_path, name):
    """Where a page's screenshot goes: docs/ when TEABOT_SCREENSHOTS=docs (to refresh docs/console.md's pictures),
    else the test's own folder (looked at when a test fails; the tree stays clean)."""
    return (DOCS if os.environ.get("TEABOT_SCREENSHOTS") == "docs" else tmp_path) / name


def test_the_dashboard_agrees_with_chat_to_the_fen_and_fits_a_phone(site, browser, tmp_path):  # noqa: F811
    app, base = site
    sign_in(browser, app, FINANCE)
    centre = browser.find_element(By.CSS_SELECTOR, "[data-field=centre-open]").text
    chat = app.handle_text(FINANCE, "4")
    total = app.store.one("SELECT SUM(amount_fen) AS s FROM expenses WHERE status = 'open'")["s"]
    assert centre == f"{format_fen(total)} 元" and f"全中心合计：{format_fen(total)} 元" in chat
    for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr[data-id]"):
        name, open_yuan, count = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")][:3]
        assert f"{name} {open_yuan} 元 {count} 笔" in chat
    svg = requests.get(f"{base}/console/chart/open.svg", timeout=5,
                       cookies={"teabot_console": browser.get_cookie("teabot_console")["value"]})
    assert svg.headers["Content-Type"].startswith("image/svg+xml") and "研发一组" in svg.text
    assert "kozea.github.io" not in svg.text and "<script" not in svg.text, "no CDN, no script"
    screenshot(browser, shot_path(tmp_path, "console-dashboard.png"))
    phone(browser)
    for path in ("/console", "/console/me"):
        browser.get(base + path)
        assert no_horizontal_scroll(browser), (path, cut_off_elements(browser))
    desktop(browser)


ODD_VALUES = ["²", "١٢", "9" * 40, "-1", "0", "1e3", "' OR 1=1 --", "%", "<script>", "../../etc/passwd", " 1"]


def test_odd_query_and_form_values_never_reach_a_500(site):
    """Every console page, every filter and id in the URL and form, given values that are not what they should
    be: a 4xx or a page that says so, never a 500."""
    app, base = site
    session = requests.Session()
    assert session.get(link_for(app, ADMIN), timeout=5).status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', session.get(f"{base}/console", timeout=5).text).group(1)
    pages = ["/console", "/console/records", "/console/records.xlsx", "/console/people", "/console/teams",
             "/console/settlements", "/console/payments", "/console/lotteries", "/console/reports", "/console/audit",
             "/console/me"]
    fields = ["page", "q", "team", "status", "from", "to", "member", "actor", "action", "before", "after", "state"]
    for path in pages:
        for value in ODD_VALUES:
            response = session.get(base + path, params={name: value for name in fields}, timeout=10)
            assert response.status_code < 500, (path, value, response.status_code)
    for path in ["/console/settlements/²", "/console/settlements/" + "9" * 40, "/console/reports/²/download",
                 "/console/reports/" + "9" * 40 + "/download"]:
        assert session.get(base + path, timeout=10).status_code < 500, path
    for path in ["/console/records", "/console/people", "/console/teams", "/console/settlements", "/console/reports"]:
        for value in ODD_VALUES:
            form = {"csrf": csrf, "id": value, "expense_id": value, "openid": value, "group_id": value, "team": value,
                    "target": value, "request_id": value, "name": value, "reason": value, "expect": value}
            for action in ("void", "approve", "reject", "move", "leave", "rename", "create", "settle", "reverse",
                           "confirm", "build", "nonsense"):
                response = session.post(base + path, data={**form, "action": action}, timeout=10)
                assert response.status_code < 500, (path, action, value, response.status_code)
