"""报表 and 审计 in a real browser (headless Chromium) against the real server: building a report from the page (the
handler of `86`, shown 生成中 until done), downloading it and reading its 说明 sheet, what may not be downloaded,
the audit log with names, its filters and pages, the member's 403s, CSRF, and the phone width."""

import os
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import openpyxl
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot.app import App
from bot.money import format_fen
from bot.timeutil import to_utc_text
from browser import wait_gone  # noqa: E402
from browser import browser, cut_off_elements, desktop, no_horizontal_scroll, phone  # noqa: F401
from conftest import ADMIN, FINANCE, eventually, link_for, serve_console
from plugins.export import jobs
from plugins.export.jobs import join_background, run_backup

MEMBERS = [("o-zs", "研发一组", "张三"), ("o-ls", "研发一组", "李四"), ("o-ww", "研发二组", "王五")]


@pytest.fixture
def site(config, sent):
    """(app, base URL) of a real server: three members approved by the admin, records, one team settled."""
    app = App(config, sender=lambda openid, text: sent.append((openid, text))).setup()
    base, stop = serve_console(app)
    say = app.handle_text
    for openid, team, name in MEMBERS:
        say(openid, f"9 {team} {name}")
    say(ADMIN, "81 全部")
    assert "已通过" in say(ADMIN, "确认")
    for openid, text in [("o-zs", "1 86.5 奶茶"), ("o-zs", "1 12 水果"), ("o-ls", "1 30.25 蛋糕"),
                         ("o-ww", "1 99.99 咖啡"), ("o-ww", "1 7.01 饼干")]:
        assert "已记录" in say(openid, text)
    say(ADMIN, "82 研发二组")
    assert "已结算" in say(ADMIN, "确认")
    assert "已记录" in say("o-ww", "1 3.5 柠檬茶")
    yield app, base
    join_background(app)
    stop()
    app.pusher.flush(5)


def sign_in(driver, app, openid):
    driver.get(link_for(app, openid))
    return {"teabot_console": driver.get_cookie("teabot_console")["value"]}


def click(driver, element):
    """Click what submits a form or follows a link, and wait until the next page has replaced this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait_gone(driver, page)
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def submit_filters(driver):
    click(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))


def ledger_total(app):
    """open + settled, void excluded: what the report's 合计 says."""
    return app.store.one("SELECT COALESCE(SUM(amount_fen), 0) AS s FROM expenses "
                         "WHERE status IN ('open', 'settled')")["s"]


def newest_row(driver):
    return driver.find_element(By.CSS_SELECTOR, "tbody tr[data-kind=report]")


def state_of(driver, export_id):
    return driver.find_element(By.CSS_SELECTOR, f"tr[data-id='{export_id}'] [data-field=state]").text


@pytest.fixture
def held_report(monkeypatch):
    """The workbook writer waits for release.set(): a run stays 生成中 for as long as the test wants."""
    release = threading.Event()
    real = jobs.write_workbook

    def held(*args, **kwargs):
        release.wait(30)
        return real(*args, **kwargs)
    monkeypatch.setattr(jobs, "write_workbook", held)
    yield release
    release.set()


def download_into(driver, folder):
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def wait_for_file(folder, name, seconds=15):
    path = os.path.join(folder, name)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.isfile(path) and not os.path.exists(path + ".crdownload"):
            return path
        time.sleep(0.1)
    raise AssertionError(f"{name} not downloaded: {os.listdir(folder)}")


def test_finance_builds_a_report_on_the_page_waits_for_it_and_downloads_it(site, browser, held_report,  # noqa: F811
                                                                         tmp_path):
    app, base = site
    cookie = sign_in(browser, app, FINANCE)
    browser.get(f"{base}/console/reports")
    assert "还没有报表或备份" in browser.page_source
    click(browser, browser.find_element(By.CSS_SELECTOR, "button[name=action][value=build]"))
    notice = browser.find_element(By.CSS_SELECTOR, "p.notice").text
    row = app.store.one("SELECT * FROM exports ORDER BY id DESC LIMIT 1")
    assert row["kind"] == "report" and row["trigger"] == "manual" and row["requested_by"] == FINANCE
    name = f"teabot-{row['date'].replace('-', '')}.xlsx"
    assert notice.startswith(f"已开始生成报表 {name}（") and "通常一分钟内完成" in notice, notice
    assert browser.current_url == f"{base}/console/reports", "a POST renders, it does not redirect"
    assert newest_row(browser).get_attribute("data-id") == str(row["id"])
    assert state_of(browser, row["id"]) == "生成中"
    assert "手动（财务）" in newest_row(browser).text

    # while it runs, 86's refusal, from the page too; nothing more is claimed
    assert eventually(lambda: jobs.running(app, "report").locked(), True)
    browser.get(f"{base}/console/reports")
    assert state_of(browser, row["id"]) == "生成中"
    click(browser, browser.find_element(By.CSS_SELECTOR, "button[name=action][value=build]"))
    assert "报表正在生成中" in browser.find_element(By.CSS_SELECTOR, "p.problem").text
    assert app.store.one("SELECT COUNT(*) AS n FROM exports")["n"] == 1
    assert "报表正在生成中" in app.handle_text(ADMIN, "86"), "chat says the same"

    held_report.set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        browser.get(f"{base}/console/reports")
        if state_of(browser, row["id"]) != "生成中":
            break
        time.sleep(0.3)
    assert state_of(browser, row["id"]) == "已完成"
    done = app.store.one("SELECT * FROM exports WHERE id = ?", [row["id"]])
    total = ledger_total(app)
    cells = newest_row(browser)
    assert done["total_fen"] == total
    assert cells.find_element(By.CSS_SELECTOR, "[data-field=total]").text == format_fen(total)
    assert cells.find_element(By.CSS_SELECTOR, "[data-field=rows]").text == "6"
    assert done["sha256"][:12] in cells.text
    assert cells.find_element(By.CSS_SELECTOR, "[data-field=upload]").text == "未启用 COS"

    download_into(browser, tmp_path)
    link = cells.find_element(By.LINK_TEXT, "下载")
    assert link.get_attribute("href") == f"{base}/console/reports/{row['id']}/download"
    link.click()
    book = openpyxl.load_workbook(wait_for_file(tmp_path, name), read_only=True)
    about = {label: value for label, value in book["说明"].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(about["合计（未报销 + 已报销，元）"])) == Decimal(total) / 100
    assert about["明细笔数"] == 6
    response = requests.get(f"{base}/console/reports/{row['id']}/download", cookies=cookie, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content == open(done["path"], "rb").read()
    assert app.store.one("SELECT actor, target FROM audit WHERE action = 'export.report'") == \
        {"actor": FINANCE, "target": str(row["id"])}

    # the same day's report again, from chat, after one more record: it replaces the file, the first row says so
    assert "已记录" in app.handle_text("o-zs", "1 1.11 口香糖")
    assert app.handle_text(ADMIN, "86").startswith(f"已开始生成报表 {name}（")
    join_background(app)
    browser.get(f"{base}/console/reports")
    assert "已被同日较新的报表覆盖" in browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{row['id']}']").text
    old = requests.get(f"{base}/console/reports/{row['id']}/download", cookies=cookie, timeout=5)
    assert old.status_code == 404 and "覆盖" in old.text
    newer = app.store.one("SELECT * FROM exports ORDER BY id DESC LIMIT 1")
    assert newer["total_fen"] == ledger_total(app) == total + 111
    assert "手动（管理员）" in browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{newer['id']}']").text
    assert requests.get(f"{base}/console/reports/{newer['id']}/download", cookies=cookie,
                        timeout=5).status_code == 200


def test_only_a_kept_report_inside_the_exports_folder_is_served(site, browser, config, tmp_path):  # noqa: F811
    app, base = site
    cookie = sign_in(browser, app, ADMIN)
    report = jobs.run_report(app, trigger="manual", requested_by=ADMIN, in_child=False)
    backup = run_backup(app, requested_by=ADMIN)
    assert report["state"] == backup["state"] == "done"

    browser.get(f"{base}/console/reports")
    backup_row = browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{backup['id']}']")
    assert "备份不提供下载" in backup_row.text and not backup_row.find_elements(By.TAG_NAME, "a")
    assert "openid" in browser.find_element(By.TAG_NAME, "main").text, "the page says why"

    def fetch(export_id):
        return requests.get(f"{base}/console/reports/{export_id}/download", cookies=cookie, timeout=5)

    assert fetch(report["id"]).status_code == 200
    for forged in (backup["id"], 9999, "abc", "1.0", "-1", "0x1", "%2e%2e", "99999999999999999999999"):
        response = fetch(forged)
        assert response.status_code == 404, forged
        assert "没有这个报表文件" in response.text and "attachment" not in response.headers.get("Content-Disposition", "")
    assert requests.get(f"{base}/console/reports/..%2F..%2Fteabot.db/download", cookies=cookie,
                        timeout=5).status_code == 404

    # rows that name another file: the database, a file in the exports folder that is not a report, a link out
    outside = os.path.join(config["exports_dir"], "teabot-20000101.xlsx")
    os.symlink(config["database"], outside)
    with open(os.path.join(config["exports_dir"], "notes.xlsx"), "wb") as handle:
        handle.write(b"not a report")
    for path in (config["database"], os.path.join(config["exports_dir"], "notes.xlsx"), outside,
                 os.path.join(config["exports_dir"], "..", "teabot.db")):
        with app.transaction() as tx:
            tx.execute("UPDATE exports SET path = ? WHERE id = ?", [path, report["id"]])
        response = fetch(report["id"])
        assert response.status_code == 404 and "没有这个报表文件" in response.text, path
        assert b"SQLite" not in response.content
    # the report's own file, but gone (pruned)
    with app.transaction() as tx:
        tx.execute("UPDATE exports SET path = ? WHERE id = ?", [report["path"], report["id"]])
    assert fetch(report["id"]).status_code == 200
    os.remove(report["path"])
    response = fetch(report["id"])
    assert response.status_code == 404 and "已不在服务器上" in response.text
    browser.get(f"{base}/console/reports")
    assert "已不在服务器上" in browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{report['id']}']").text


def audit_ids(driver):
    return [int(row.get_attribute("data-id")) for row in driver.find_elements(By.CSS_SELECTOR, "tbody tr[data-id]")]


def cells(driver, audit_id):
    row = driver.find_element(By.CSS_SELECTOR, f"tbody tr[data-id='{audit_id}']")
    return {field: row.find_element(By.CSS_SELECTOR, f"[data-field={field}]").text
            for field in ("actor", "action", "target", "detail")}


def newest_first(app, where="1", params=()):
    return [r["id"] for r in app.store.query(f"SELECT id FROM audit WHERE {where} ORDER BY at DESC, id DESC", params)]


def test_the_audit_log_names_who_did_what_and_filters_by_actor_action_and_date(site, browser):  # noqa: F811
    app, base = site
    sign_in(browser, app, ADMIN)
    browser.get(f"{base}/console/audit")
    ids = audit_ids(browser)
    assert ids == newest_first(app)[:50]
    login = app.store.one("SELECT id FROM audit WHERE action = 'console.login'")["id"]
    assert ids[0] == login, "newest first: the sign-in was the last change"
    assert cells(browser, login) == {"actor": "管理员", "action": "console.login", "target": "管理员", "detail": ""}
    approvals = app.store.query("SELECT id, target FROM audit WHERE action = 'approve' ORDER BY id")
    assert len(approvals) == 3
    for approval, (openid, team, name) in zip(approvals, MEMBERS):
        assert approval["target"] == openid
        shown = cells(browser, approval["id"])
        assert shown["actor"] == "管理员" and shown["target"] == name and team in shown["detail"]
    records = app.store.query("SELECT id, actor FROM audit WHERE action = 'expense.record' ORDER BY id")
    names = {openid: name for openid, _, name in MEMBERS}
    for record in records:
        assert cells(browser, record["id"])["actor"] == names[record["actor"]]
    assert "o-zs" not in browser.find_element(By.TAG_NAME, "table").text, "names, not openids"

    # by actor: the select lists the actors present, by name
    actor = Select(browser.find_element(By.CSS_SELECTOR, "select[name=actor]"))
    assert {o.text for o in actor.options} >= {"全部", "管理员", "张三", "李四", "王五"}
    actor.select_by_visible_text("张三")
    submit_filters(browser)
    assert audit_ids(browser) == newest_first(app, "actor = 'o-zs'")
    assert {cells(browser, i)["actor"] for i in audit_ids(browser)} == {"张三"}

    # by action (and actor and action together)
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=actor]")).select_by_visible_text("全部")
    action = Select(browser.find_element(By.CSS_SELECTOR, "select[name=action]"))
    assert {"approve", "expense.record", "console.login", "settle"} <= {o.text for o in action.options}
    action.select_by_visible_text("approve")
    submit_filters(browser)
    assert audit_ids(browser) == [a["id"] for a in reversed(approvals)]
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=actor]")).select_by_visible_text("王五")
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=action]")).select_by_visible_text("expense.record")
    submit_filters(browser)
    assert audit_ids(browser) == newest_first(app, "actor = 'o-ww' AND action = 'expense.record'")
    assert len(audit_ids(browser)) == 3

    # by local dates: Asia/Shanghai midnight is 16:00 UTC the day before
    def at(*parts):
        return to_utc_text(datetime(*parts, tzinfo=timezone.utc))
    with app.transaction() as tx:
        planted = {}
        for label, moment in [("before", at(2026, 3, 1, 15, 59, 59)), ("first", at(2026, 3, 1, 16, 0, 0)),
                              ("last", at(2026, 3, 3, 15, 59, 59, 999999)), ("after", at(2026, 3, 3, 16, 0, 0))]:
            planted[label] = tx.execute("INSERT INTO audit (at, actor, action, target, detail) VALUES "
                                        "(?, ?, 'member.rename', 'o-ls', ?)", [moment, ADMIN, label]).lastrowid
    browser.get(f"{base}/console/audit")
    for name, value in (("from", "2026-03-02"), ("to", "2026-03-03")):
        browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.NAME, name), value)
    submit_filters(browser)
    assert "from=2026-03-02" in browser.current_url and "to=2026-03-03" in browser.current_url
    assert audit_ids(browser) == [planted["last"], planted["first"]]
    assert cells(browser, planted["first"])["target"] == "李四"
    first_time = browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{planted['first']}'] td").text
    assert first_time == "2026-03-02 00:00:00", "local time"
    browser.get(f"{base}/console/audit?from=2026-03-02")
    assert planted["after"] in audit_ids(browser) and planted["before"] not in audit_ids(browser)
    browser.get(f"{base}/console/audit?to=2026-03-01")
    assert audit_ids(browser) == [planted["before"]]
    browser.get(f"{base}/console/audit?from=2026-13-40")
    assert "看不懂" in browser.find_element(By.CSS_SELECTOR, "p.problem").text
    assert audit_ids(browser) == newest_first(app)[:50]

    # finance reads it too
    sign_in(browser, app, FINANCE)
    browser.get(f"{base}/console/audit?action=approve")
    assert audit_ids(browser) == [a["id"] for a in reversed(approvals)]


def test_the_audit_log_pages_by_50_forwards_and_back(site, browser):  # noqa: F811
    app, base = site
    with app.transaction() as tx:
        for n in range(130):                     # pairs of rows at the same moment: the id breaks the tie
            moment = to_utc_text(datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=n // 2))
            tx.execute("INSERT INTO audit (at, actor, action, target, detail) "
                       "VALUES (?, 'o-zs', 'expense.record', ?, ?)", [moment, str(n), moment])
    sign_in(browser, app, ADMIN)
    browser.get(f"{base}/console/audit")
    everything = newest_first(app)
    seen, pages = [], []
    while True:
        ids = audit_ids(browser)
        assert 0 < len(ids) <= 50
        pages.append((browser.current_url, ids))
        seen += ids
        older = browser.find_elements(By.CSS_SELECTOR, "nav.pager a[rel=next]")
        if not older:
            break
        click(browser, older[0])
    assert seen == everything and len(pages) == -(-len(everything) // 50)
    assert f"第 {len(pages)} 页" in browser.find_element(By.CSS_SELECTOR, "nav.pager").text
    for url, ids in reversed(pages[:-1]):                    # and back, newer page by newer page
        click(browser, browser.find_element(By.CSS_SELECTOR, "nav.pager a[rel=prev]"))
        assert audit_ids(browser) == ids
    assert not browser.find_elements(By.CSS_SELECTOR, "nav.pager a[rel=prev]")

    # one actor's log pages the same way, filter kept in the links
    browser.get(f"{base}/console/audit?actor=o-zs")
    mine = newest_first(app, "actor = 'o-zs'")
    first = audit_ids(browser)
    click(browser, browser.find_element(By.CSS_SELECTOR, "nav.pager a[rel=next]"))
    assert "actor=o-zs" in browser.current_url
    assert first + audit_ids(browser) == mine[:100]


def test_a_member_gets_403_on_both_pages(site, browser):  # noqa: F811
    app, base = site
    report = jobs.run_report(app, trigger="manual", requested_by=ADMIN, in_child=False)
    cookie = sign_in(browser, app, "o-zs")
    for path in ("/console/reports", "/console/audit", "/console/audit?actor=o-zs",
                 f"/console/reports/{report['id']}/download"):
        response = requests.get(base + path, cookies=cookie, timeout=5)
        assert response.status_code == 403 and "没有权限" in response.text, path
        assert "attachment" not in response.headers.get("Content-Disposition", "")
    browser.get(f"{base}/console/reports")
    assert "没有权限" in browser.page_source and not browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    csrf = requests.get(f"{base}/console/me", cookies=cookie, timeout=5).text
    token = re.search(r'name="csrf" value="([^"]+)"', csrf).group(1)
    response = requests.post(f"{base}/console/reports", cookies=cookie, data={"csrf": token, "action": "build"},
                             timeout=5)
    assert response.status_code == 403
    assert app.store.one("SELECT COUNT(*) AS n FROM exports")["n"] == 1
    assert requests.get(f"{base}/console/reports", timeout=5).status_code == 401, "not signed in"


def test_a_build_without_the_csrf_token_is_403_and_builds_nothing(site, browser):  # noqa: F811
    app, base = site
    cookie = sign_in(browser, app, ADMIN)
    for data in ({"action": "build"}, {"action": "build", "csrf": "guess"}):
        response = requests.post(f"{base}/console/reports", cookies=cookie, data=data, timeout=5)
        assert response.status_code == 403 and "没有执行任何操作" in response.text
    browser.get(f"{base}/console/reports")                 # the page's own form with its token taken out
    browser.execute_script("document.querySelector('form.act input[name=csrf]').remove()")
    click(browser, browser.find_element(By.CSS_SELECTOR, "button[name=action][value=build]"))
    assert "没有执行任何操作" in browser.page_source
    join_background(app)
    assert app.store.one("SELECT COUNT(*) AS n FROM exports")["n"] == 0
    assert not jobs.running(app, "report").locked()
    assert not app.store.query("SELECT id FROM audit WHERE action = 'export.report'")


def test_both_pages_fit_a_phone(site, browser):  # noqa: F811
    app, base = site
    jobs.run_report(app, trigger="manual", requested_by=FINANCE, in_child=False)
    run_backup(app, requested_by=ADMIN)
    with app.transaction() as tx:
        tx.execute("INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, 'settle', '1', ?)",
                   [to_utc_text(datetime.now(timezone.utc)), ADMIN, "group=2 count=2 total_fen=10700 " * 6])
    sign_in(browser, app, FINANCE)
    phone(browser)
    for path in ("/console/reports", "/console/audit", "/console/audit?action=approve&from=2020-01-01"):
        browser.get(base + path)
        assert browser.find_elements(By.CSS_SELECTOR, "tbody tr[data-id]"), path
        assert no_horizontal_scroll(browser), (path, cut_off_elements(browser))
        assert not cut_off_elements(browser), path
    browser.get(f"{base}/console/reports")
    click(browser, browser.find_element(By.CSS_SELECTOR, "button[name=action][value=build]"))
    assert browser.find_element(By.CSS_SELECTOR, "p.notice").is_displayed()
    assert no_horizontal_scroll(browser), cut_off_elements(browser)
    desktop(browser)


def test_odd_page_cursor_and_filter_values_are_ignored_not_errors(site, browser):  # noqa: F811
    app, base = site
    cookie = sign_in(browser, app, ADMIN)
    for path in ("/console/reports?page=%C2%B2", "/console/reports?page=99999999999999999999999",
                 "/console/audit?page=%C2%B2", "/console/audit?before=%C2%B2",
                 "/console/audit?after=99999999999999999999",
                 "/console/audit?before=abc&after=-1", "/console/audit?actor=%27%20OR%201%3D1--",
                 "/console/audit?to=2026-1-1", "/console/audit?from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01-01"):
        response = requests.get(base + path, cookies=cookie, timeout=5)
        assert response.status_code == 200, path
    assert "<tr data-id" not in requests.get(f"{base}/console/audit?actor=%27%20OR%201%3D1--", cookies=cookie,
                                             timeout=5).text
