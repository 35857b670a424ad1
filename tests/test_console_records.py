"""The console's 记录 page in a real browser (headless Chromium) against the real server: filters (team, member,
status, dates, text), paging, the filtered totals against SQL and chat's `4`, the xlsx download, voiding with a
reason (admin only, CSRF-checked, the member told), the roles, and the phone width."""

import copy
import os
import re
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot.app import App
from bot.config import DEFAULTS
from bot.money import format_fen
from browser import chrome, shared_browser, wait_gone  # noqa: F401  (fixtures)
from browser import cut_off_elements, desktop, no_horizontal_scroll, phone, screenshot
from conftest import ADMIN, FINANCE, link_for, serve_console
from plugins.console.records import PER_PAGE
from plugins.export.report import MONEY_FORMAT

DOCS = Path(__file__).resolve().parent.parent / "docs"
MEMBERS = [("o-zs", "研发一组", "张三"), ("o-ls", "研发一组", "李四"), ("o-ww", "研发二组", "王五"),
           ("o-zl", "研发二组", "赵六")]
FORMULA_NOTE = '=HYPERLINK("http://evil.example")'


def wait_for(read, seconds=20):
    """read()'s first truthy value, polled until `seconds` pass (then its last value)."""
    deadline = time.monotonic() + seconds
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def click(driver, element):
    """Click what loads a new page, and wait until it has."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait_gone(driver, page)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def make_app(folder, sent):
    config = copy.deepcopy(DEFAULTS)
    config.update(database=str(folder / "teabot.db"), exports_dir=str(folder / "exports"), admins=[ADMIN],
                  finance=[FINANCE], groups=["研发一组", "研发二组"], _path="test")
    config["wechat"]["token"] = "testtoken"
    return App(config, sender=lambda openid, text: sent.append((openid, text))).setup()


def register_everyone(app):
    for openid, team, name in MEMBERS:
        app.handle_text(openid, f"9 {team} {name}")
    app.handle_text(ADMIN, "81 全部")
    assert "已通过 4 个注册" in app.handle_text(ADMIN, "确认")


def record(app, openid, fen, note, day):
    reply = app.handle_text(openid, f"1 {format_fen(fen).replace(',', '')} {note} {day.isoformat()}")
    assert "已记录" in reply, reply
    return int(re.search(r"#(\d+)", reply).group(1))


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """(app, base URL) of a real server whose ledger the module's tests only read: 张三 has 55 records over 40
    days (one voided by himself), 李四 a few (one note a formula), 研发二组 settled once and then recorded more."""
    sent = []
    app = make_app(tmp_path_factory.mktemp("records"), sent)
    register_everyone(app)
    today = app.now().date()
    for i in range(55):
        record(app, "o-zs", 1000 + 37 * i, ("奶茶" if i % 3 else "水果") + f" 第{i}次", today - timedelta(days=i % 40))
    assert "已作废" in app.handle_text("o-zs", "7 5")
    record(app, "o-ls", 3025, "蛋糕", today - timedelta(days=3))
    record(app, "o-ls", 1999, FORMULA_NOTE, today - timedelta(days=12))
    record(app, "o-ls", 880, "50%_折扣 水果", today - timedelta(days=20))
    for i in range(6):
        record(app, "o-ww", 2500 + i, f"咖啡{i}", today - timedelta(days=2 * i))
    record(app, "o-zl", 12345, "王五 生日蛋糕", today - timedelta(days=1))
    app.handle_text(ADMIN, "82 研发二组")
    assert "已结算" in app.handle_text(ADMIN, "确认")
    record(app, "o-ww", 4200, "咖啡 结算后", today)
    base, stop = serve_console(app)
    yield app, base
    stop()
    app.pusher.flush(5)
    app.store.close()


@pytest.fixture
def site(tmp_path, sent):
    """(app, base URL) of a real server with a few records, for the tests that change them."""
    app = make_app(tmp_path, sent)
    register_everyone(app)
    today = app.now().date()
    for openid, fen, note in [("o-zs", 8650, "奶茶"), ("o-zs", 1200, "水果"), ("o-ls", 3025, "蛋糕"),
                              ("o-ww", 9999, "咖啡")]:
        record(app, openid, fen, note, today)
    base, stop = serve_console(app)
    yield app, base
    stop()
    app.pusher.flush(5)


def sign_in(driver, app, openid):
    driver.get(link_for(app, openid))
    return {"teabot_console": driver.get_cookie("teabot_console")["value"]}


def shown_ids(driver):
    return [int(row.get_attribute("data-id")) for row in driver.find_elements(By.CSS_SELECTOR, "tbody tr[data-id]")]


def sql_ids(app, where="1", params=()):
    return [r["id"] for r in app.store.query(f"SELECT id FROM expenses e WHERE {where} ORDER BY id DESC", params)]


def card(driver, field):
    """(the card's shown amount text, its shown count text) of a totals card."""
    element = driver.find_element(By.CSS_SELECTOR, f".totals [data-field={field}]")
    return element.find_element(By.CSS_SELECTOR, ".big").text, element.find_element(By.CSS_SELECTOR, ".sub").text


def sql_totals(app, where="1", params=()):
    rows = app.store.query(f"SELECT status, COUNT(*) AS n, SUM(amount_fen) AS fen FROM expenses e WHERE {where} "
                           "GROUP BY status", params)
    result = {s: (0, 0) for s in ("open", "settled", "void")}
    result.update({r["status"]: (r["n"], r["fen"]) for r in rows})
    return result


def assert_cards(driver, expected):
    """The four cards show exactly the SQL figures: open + settled, each, void apart."""
    counted = (expected["open"][0] + expected["settled"][0], expected["open"][1] + expected["settled"][1])
    for field, (count, fen) in [("total", counted), *((s, expected[s]) for s in ("open", "settled", "void"))]:
        assert card(driver, field) == (f"{format_fen(fen)} 元", f"{count} 笔"), field


def filter_form(driver, **values):
    """Fill the filter form as a person would (dates set as the date picker sets them) and submit it."""
    form = driver.find_element(By.CSS_SELECTOR, "form.filters")
    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_visible_text(value)
        elif field.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1]", field, value)
        else:
            field.clear()
            field.send_keys(value)
    click(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def team_id(app, name):
    return app.store.one("SELECT id FROM groups WHERE name = ?", [name])["id"]


def problem_text(driver):
    found = driver.find_elements(By.CSS_SELECTOR, "p.problem")
    return found[0].text if found else ""


# --- reading: filters, paging, totals, the download -------------------------------------------------------------


def test_filters_by_team_status_dates_member_and_text(centre, chrome):
    app, base = centre
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/records")
    assert chrome.find_element(By.TAG_NAME, "h1").text == "记录"
    assert "<script" not in chrome.page_source, "works with JavaScript off: there is none"
    assert shown_ids(chrome) == sql_ids(app)[:PER_PAGE]
    assert_cards(chrome, sql_totals(app))

    two = team_id(app, "研发二组")
    filter_form(chrome, team="研发二组")
    assert parse_qs(urlparse(chrome.current_url).query) == {"team": [str(two)]}
    assert shown_ids(chrome) == sql_ids(app, "group_id = ?", [two])
    assert_cards(chrome, sql_totals(app, "group_id = ?", [two]))
    assert {cell.text for cell in chrome.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(4)")} == {"研发二组"}

    filter_form(chrome, status="已报销")                          # the team stays selected
    assert shown_ids(chrome) == sql_ids(app, "group_id = ? AND status = 'settled'", [two])
    assert Select(chrome.find_element(By.NAME, "team")).first_selected_option.text == "研发二组"
    assert all(re.fullmatch(r"#\d+", cell.text)
               for cell in chrome.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(8)")), "the settlement"

    today = app.now().date()
    start, end = (today - timedelta(days=20)).isoformat(), (today - timedelta(days=3)).isoformat()
    filter_form(chrome, team="全部小组", status="全部状态", **{"from": start, "to": end})
    where = "spent_on >= ? AND spent_on <= ?"
    expected = sql_ids(app, where, [start, end])
    assert shown_ids(chrome) == expected[:PER_PAGE]
    assert_cards(chrome, sql_totals(app, where, [start, end]))
    dates = [cell.text for cell in chrome.find_elements(By.CSS_SELECTOR, "tbody tr td.date")]
    assert dates and min(dates) >= start and max(dates) <= end, "both ends included, nothing outside"
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses WHERE spent_on = ?", [end])["n"] > 0

    chrome.get(base + "/console/records")
    filter_form(chrome, q="水果")                                   # in the note
    expected = sql_ids(app, "note LIKE '%水果%'")
    assert shown_ids(chrome) == expected and len(expected) > 10
    filter_form(chrome, q="王五")                                   # the member 王五's records and 赵六's note
    assert shown_ids(chrome) == sql_ids(app, "openid = 'o-ww' OR note LIKE '%王五%'")
    filter_form(chrome, q="50%_")                                   # % and _ are plain characters
    assert shown_ids(chrome) == sql_ids(app, "note LIKE '%50\\%\\_%' ESCAPE '\\'") and len(shown_ids(chrome)) == 1
    filter_form(chrome, q="#3")                                     # a record by its number
    assert shown_ids(chrome) == [3]

    chrome.get(base + "/console/records?status=open")
    link = chrome.find_element(By.CSS_SELECTOR, "tbody tr[data-id] td:nth-child(3) a")
    name = link.text
    click(chrome, link)                                             # the member's name: that member's records
    query = parse_qs(urlparse(chrome.current_url).query)
    assert query == {"member": [name], "status": ["open"]}
    openid = app.store.one("SELECT openid FROM users WHERE name = ?", [name])["openid"]
    assert shown_ids(chrome) == sql_ids(app, "openid = ? AND status = 'open'", [openid])[:PER_PAGE]
    filter_form(chrome, member="张")                                # member is the whole name, exactly
    assert shown_ids(chrome) == [] and "没有符合条件的记录" in chrome.page_source


def test_paging_keeps_the_filters_and_covers_the_set_once(centre, chrome):
    app, base = centre
    sign_in(chrome, app, FINANCE)
    one = team_id(app, "研发一组")
    chrome.get(base + f"/console/records?team={one}&q=%E7%AC%AC")       # q=第: every record of 张三
    expected = sql_ids(app, "group_id = ? AND note LIKE '%第%'", [one])
    assert len(expected) == 55 > PER_PAGE
    first = shown_ids(chrome)
    assert first == expected[:PER_PAGE]
    assert "第 1 / 2 页" in chrome.find_element(By.CSS_SELECTOR, "nav.pager").text
    assert not chrome.find_elements(By.CSS_SELECTOR, "nav.pager a[rel=prev]")
    click(chrome, chrome.find_element(By.CSS_SELECTOR, "nav.pager a[rel=next]"))
    assert parse_qs(urlparse(chrome.current_url).query) == {"team": [str(one)], "q": ["第"], "page": ["2"]}
    second = shown_ids(chrome)
    assert second == expected[PER_PAGE:] and first + second == expected
    assert Select(chrome.find_element(By.NAME, "team")).first_selected_option.text == "研发一组"
    assert chrome.find_element(By.NAME, "q").get_attribute("value") == "第"
    assert_cards(chrome, sql_totals(app, "group_id = ? AND note LIKE '%第%'", [one]))   # the whole set, not a page
    click(chrome, chrome.find_element(By.CSS_SELECTOR, "nav.pager a[rel=prev]"))
    assert shown_ids(chrome) == first
    chrome.get(base + f"/console/records?team={one}&q=%E7%AC%AC&page=99")   # past the end: the last page
    assert shown_ids(chrome) == second


def test_open_totals_agree_with_chat_4_to_the_fen(centre, chrome):
    app, base = centre
    sign_in(chrome, app, FINANCE)
    chat = app.handle_text(FINANCE, "4")
    chrome.get(base + "/console/records?status=open")
    amount, count = card(chrome, "open")
    assert f"全中心合计：{amount}（{count}）" in chat
    assert card(chrome, "total") == (amount, count) and card(chrome, "void") == ("0.00 元", "0 笔")
    for team in ("研发一组", "研发二组"):
        chrome.get(base + "/console/records")
        filter_form(chrome, team=team, status="未报销")
        amount, count = card(chrome, "open")
        assert f"{team} {amount} {count}" in chat, (team, amount, count, chat)


def test_a_bad_filter_is_a_clear_problem_not_a_500(centre, chrome):
    app, base = centre
    cookie = sign_in(chrome, app, ADMIN)
    for query, words in [("from=2026-02-30", "不是有效日期"), ("to=2026/03/01", "YYYY-MM-DD"),
                         ("from=yesterday", "不是有效日期"), ("from=2026-03-02&to=2026-03-01", "晚于结束日期"),
                         ("team=999", "没有编号为“999”的小组"), ("team=abc", "小组"), ("status=paid", "没有“paid”这种状态")]:
        chrome.get(f"{base}/console/records?{query}")
        assert words in problem_text(chrome), query
        assert not chrome.find_elements(By.CSS_SELECTOR, "tbody tr"), "nothing listed for a filter that is wrong"
        assert not chrome.find_elements(By.CSS_SELECTOR, ".totals"), "no totals of some other set"
        assert requests.get(f"{base}/console/records?{query}", cookies=cookie, timeout=10).status_code == 200
        download = requests.get(f"{base}/console/records.xlsx?{query}", cookies=cookie, timeout=10)
        assert download.status_code == 400 and "没有导出" in download.text and words in download.text, query


def test_the_download_holds_exactly_the_filtered_rows_and_totals(centre, chrome, tmp_path):
    app, base = centre
    sign_in(chrome, app, FINANCE)
    chrome.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    today = app.now().date()
    start = (today - timedelta(days=25)).isoformat()
    chrome.get(base + "/console/records")
    filter_form(chrome, team="研发一组", **{"from": start})
    link = chrome.find_element(By.CSS_SELECTOR, "a.button[href^='/console/records.xlsx']")
    assert parse_qs(urlparse(link.get_attribute("href")).query) == parse_qs(urlparse(chrome.current_url).query)
    link.click()
    files = wait_for(lambda: not list(tmp_path.glob("*.crdownload"))
                     and sorted(p.name for p in tmp_path.glob("*.xlsx")))
    assert len(files) == 1 and re.fullmatch(r"teabot-records-\d{8}-\d{6}\.xlsx", files[0]), files
    book = openpyxl.load_workbook(tmp_path / files[0])
    assert book.sheetnames == ["记录"]
    rows = list(book["记录"].iter_rows())
    assert [c.value for c in rows[0]] == ["编号", "消费日期", "记录时间", "小组", "垫付人", "金额", "说明", "状态", "结算批次",
                                          "小票"]
    one = team_id(app, "研发一组")
    where, params = "e.group_id = ? AND e.spent_on >= ?", [one, start]
    expected = app.store.query(f"SELECT e.*, u.name FROM expenses e JOIN users u ON u.openid = e.openid "
                               f"WHERE {where} ORDER BY e.id", params)
    data = rows[1:1 + len(expected)]
    assert [r[0].value for r in data] == [e["id"] for e in expected]
    for cells, e in zip(data, expected):
        assert cells[1].value.date() == date.fromisoformat(e["spent_on"]) and cells[1].number_format == "yyyy-mm-dd"
        assert cells[3].value == "研发一组" and cells[4].value == e["name"]
        assert cells[5].number_format == MONEY_FORMAT and round(cells[5].value * 100) == e["amount_fen"]
        assert cells[6].value == e["note"] and cells[6].data_type == "s"
        assert cells[7].value == {"open": "未报销", "settled": "已报销", "void": "已作废"}[e["status"]]
    formula = [cells[6] for cells in data if cells[6].value == FORMULA_NOTE]
    assert formula and formula[0].data_type == "s", "a note is text, never a formula"
    with zipfile.ZipFile(tmp_path / files[0]) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    totals = sql_totals(app, where, params)
    labels = {r[0].value: r[5].value for r in rows[1 + len(expected):]}
    counted = totals["open"][0] + totals["settled"][0]
    assert round(labels[f"合计（未报销 + 已报销，{counted} 笔）"] * 100) == totals["open"][1] + totals["settled"][1]
    assert round(labels[f"其中未报销（{totals['open'][0]} 笔）"] * 100) == totals["open"][1]
    assert round(labels[f"已作废（{totals['void'][0]} 笔，不计入合计）"] * 100) == totals["void"][1]
    assert any(label.startswith("筛选条件：小组：研发一组，从：") for label in labels)
    # money is an exact decimal in the file itself, not a float's digits
    cookie = {"teabot_console": chrome.get_cookie("teabot_console")["value"]}
    response = requests.get(link.get_attribute("href"), cookies=cookie, timeout=20)
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.fullmatch(r'attachment; filename="teabot-records-\d{8}-\d{6}\.xlsx"',
                        response.headers["Content-Disposition"])


def test_records_page_fits_a_phone_and_its_screenshot(centre, chrome, tmp_path):
    app, base = centre
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/records")
    # docs/ when TEABOT_SCREENSHOTS=docs (to refresh docs/console.md's picture), else the test's own folder
    screenshot(chrome, (DOCS if os.environ.get("TEABOT_SCREENSHOTS") == "docs" else tmp_path) / "console-records.png")
    phone(chrome)
    for path in ("/console/records", f"/console/records?team={team_id(app, '研发一组')}&status=open",
                 "/console/records?from=bad"):
        chrome.get(base + path)
        assert no_horizontal_scroll(chrome), (path, cut_off_elements(chrome))
        assert cut_off_elements(chrome) == [], path
    desktop(chrome)


# --- changing: voiding with a reason, roles, CSRF -------------------------------------------------------------


def audit_rows(app, target):
    return app.store.query("SELECT actor, action, detail FROM audit WHERE action = 'expense.void' AND target = ?",
                           [str(target)])


def test_the_admin_voids_a_record_with_a_reason_and_the_member_is_told(site, chrome, sent):
    app, base = site
    cookie = sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/records?status=open&q=%E5%A5%B6")      # q=奶: the filters stay after the POST
    target = app.store.one("SELECT id, amount_fen FROM expenses WHERE note = '奶茶'")
    row = chrome.find_element(By.CSS_SELECTOR, f"tr[data-id='{target['id']}']")
    row.find_element(By.NAME, "reason").send_keys("重复记录 已在线下报销")
    click(chrome, row.find_element(By.CSS_SELECTOR, "button[name=action][value=void]"))
    notice = chrome.find_element(By.CSS_SELECTOR, "p.notice").text
    assert f"已作废记录 #{target['id']}：86.50 元 奶茶（原因：重复记录 已在线下报销）" in notice and "已通知记录人" in notice
    assert parse_qs(urlparse(chrome.current_url).query) == {"status": ["open"], "q": ["奶"]}
    assert shown_ids(chrome) == [], "the voided record has left the open records"
    voided = app.store.one("SELECT status, voided_by FROM expenses WHERE id = ?", [target["id"]])
    assert voided == {"status": "void", "voided_by": ADMIN}
    assert audit_rows(app, target["id"]) == [{"actor": ADMIN, "action": "expense.void",
                                              "detail": "8650 奶茶 原因：重复记录 已在线下报销"}]
    told = wait_for(lambda: [t for o, t in sent if o == "o-zs" and "作废" in t], seconds=5)
    assert told == [f"管理员作废了你的记录 #{target['id']}（86.50 元 奶茶）。原因：重复记录 已在线下报销"]

    chrome.get(base + "/console/records")
    row = chrome.find_element(By.CSS_SELECTOR, f"tr[data-id='{target['id']}']")
    assert "已作废" in row.text and not row.find_elements(By.TAG_NAME, "form"), "no form on a void record"
    assert card(chrome, "void") == ("86.50 元", "1 笔")

    csrf = chrome.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
    other = app.store.one("SELECT id FROM expenses WHERE note = '水果'")["id"]
    for form, words in [({"id": str(other), "reason": ""}, "需要写原因"),
                        ({"id": str(target["id"]), "reason": "再来一次"}, "已经作废过了"),
                        ({"id": "abc", "reason": "x"}, "请写要作废的记录编号"),
                        ({"id": "99999", "reason": "x"}, "找不到")]:
        response = requests.post(base + "/console/records", cookies=cookie, timeout=10,
                                 data={"csrf": csrf, "action": "void", **form})
        assert response.status_code == 200 and words in response.text, (form, response.text[-800:])
    assert app.store.one("SELECT status FROM expenses WHERE id = ?", [other])["status"] == "open"
    assert len(audit_rows(app, target["id"])) == 1 and audit_rows(app, other) == []


def test_a_settled_record_cannot_be_voided_from_the_console(site, chrome):
    app, base = site
    app.handle_text(ADMIN, "82 研发二组")
    app.handle_text(ADMIN, "确认")
    settled = app.store.one("SELECT id, settlement_id FROM expenses WHERE status = 'settled'")
    cookie = sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/records")
    row = chrome.find_element(By.CSS_SELECTOR, f"tr[data-id='{settled['id']}']")
    assert not row.find_elements(By.TAG_NAME, "form") and f"#{settled['settlement_id']}" in row.text
    csrf = chrome.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
    response = requests.post(base + "/console/records", cookies=cookie, timeout=10,
                             data={"csrf": csrf, "action": "void", "id": str(settled["id"]), "reason": "错了"})
    assert "已报销" in response.text and "不能作废" in response.text
    assert app.store.one("SELECT status FROM expenses WHERE id = ?", [settled["id"]])["status"] == "settled"


def test_finance_sees_the_records_but_cannot_void(site, chrome):
    app, base = site
    cookie = sign_in(chrome, app, FINANCE)
    chrome.get(base + "/console/records")
    assert shown_ids(chrome) == sql_ids(app)
    assert not chrome.find_elements(By.CSS_SELECTOR, "button[name=action][value=void]")
    assert not chrome.find_elements(By.CSS_SELECTOR, "input[name=reason]")
    assert "作废" not in [th.text for th in chrome.find_elements(By.CSS_SELECTOR, "thead th")]
    csrf = chrome.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")   # sign-out's token
    target = sql_ids(app)[0]
    response = requests.post(base + "/console/records", cookies=cookie, timeout=10,
                             data={"csrf": csrf, "action": "void", "id": str(target), "reason": "财务伪造"})
    assert response.status_code == 403 and "只有管理员" in response.text
    assert app.store.one("SELECT status FROM expenses WHERE id = ?", [target])["status"] == "open"
    assert audit_rows(app, target) == []


def test_a_member_gets_403_on_the_records_and_the_download(site, chrome):
    app, base = site
    cookie = sign_in(chrome, app, "o-zs")
    chrome.get(base + "/console/records")
    assert chrome.find_element(By.TAG_NAME, "h1").text == "没有权限" and not chrome.find_elements(By.TAG_NAME, "tbody")
    for path in ("/console/records", "/console/records?team=1", "/console/records.xlsx"):
        response = requests.get(base + path, cookies=cookie, timeout=10)
        assert response.status_code == 403 and "spreadsheetml" not in response.headers["Content-Type"], path
    assert requests.get(base + "/console/records", timeout=10).status_code == 401
    assert requests.get(base + "/console/records.xlsx", timeout=10).status_code == 401


def test_a_void_without_the_csrf_token_is_403_and_voids_nothing(site, chrome, sent):
    app, base = site
    cookie = sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/records")
    target = sql_ids(app)[0]
    row = chrome.find_element(By.CSS_SELECTOR, f"tr[data-id='{target}']")
    chrome.execute_script("arguments[0].remove()", row.find_element(By.NAME, "csrf"))
    row.find_element(By.NAME, "reason").send_keys("没有校验码")
    click(chrome, row.find_element(By.CSS_SELECTOR, "button[name=action][value=void]"))
    assert chrome.find_element(By.TAG_NAME, "h1").text == "表单已失效" and "没有执行任何操作" in chrome.page_source
    for data in ({"action": "void", "id": str(target), "reason": "x"},
                 {"action": "void", "id": str(target), "reason": "x", "csrf": "guessed"}):
        response = requests.post(base + "/console/records", cookies=cookie, data=data, timeout=10)
        assert response.status_code == 403
    assert app.store.one("SELECT status FROM expenses WHERE id = ?", [target])["status"] == "open"
    assert audit_rows(app, target) == []
    app.pusher.flush(5)
    assert not [t for _, t in sent if "作废" in t]
