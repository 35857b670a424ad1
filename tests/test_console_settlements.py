"""The console's 结算, 付款 and 抽奖 pages in a real browser against the real server: signed in by a `89` link, the
preview agrees with `82` to the fen, settling goes through a confirmation that settles nothing when the open
records changed meanwhile, reversing too, organisers get `82`'s and `83`'s pushes, finance reads but cannot act
(a forged POST is 403), a member is refused, a POST without the CSRF token changes nothing, and every page fits a
375 px phone."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import chrome, shared_browser, wait_gone  # noqa: F401  (fixtures)
from browser import no_horizontal_scroll, cut_off_elements, phone
from conftest import ADMIN, FINANCE, link_for, serve_console

MD_WHEN = f"{(datetime.now(ZoneInfo('Asia/Shanghai')) + timedelta(days=10)):%m-%d} 16:00"   # always ahead


@pytest.fixture
def config(config):
    config["plugins"]["pay"] = {"provider": "static", "static_url": "https://example.com/qr.png"}
    return config


@pytest.fixture
def base(app, config):
    url, stop = serve_console(app)
    yield url
    stop()


def sign_in(driver, app, openid):
    link = link_for(app, openid)
    driver.get(link)
    return link


def css(driver, selector):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def one(driver, selector):
    found = css(driver, selector)
    assert len(found) == 1, (selector, len(found), driver.page_source[:3000])
    return found[0]


def click(driver, selector):
    """Click a submit button (or link) and wait until the next page has replaced this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    one(driver, selector).click()
    wait_gone(driver, page)
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def text(driver, selector):
    return one(driver, selector).text.strip()


def heading(driver):
    return driver.find_element(By.TAG_NAME, "h1").text


def problem(driver):
    found = css(driver, "p.problem")
    return found[0].text if found else ""


def notice(driver):
    found = css(driver, "p.notice")
    return found[0].text if found else ""


def count(app, sql, params=None):
    return app.store.one(f"SELECT COUNT(*) AS n FROM ({sql})", params or {})["n"]


def group_id(app, name):
    return app.store.one("SELECT id FROM groups WHERE name = :n", {"n": name})["id"]


def cookie_session(driver):
    """A requests session carrying the browser's session cookie, and the page's CSRF token."""
    session = requests.Session()
    for cookie in driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"], path=cookie.get("path", "/"))
    csrf = css(driver, "input[name=csrf]")[0].get_attribute("value")
    return session, csrf


def action_buttons(driver):
    return [b.get_attribute("value") for b in css(driver, "button[name=action]")]


def snapshot(app):
    """Everything settling could change."""
    return (app.store.query("SELECT id, status, settlement_id FROM expenses ORDER BY id"),
            app.store.query("SELECT * FROM settlements ORDER BY id"),
            count(app, "SELECT * FROM settlement_items"),
            app.store.query("SELECT action, target FROM audit WHERE action LIKE 'settle%' ORDER BY id"))


@pytest.fixture
def ledger(app, member, say):
    """Two teams with open records by three organisers, one voided record."""
    zhang, li, wang = member("张三"), member("李四"), member("王五", "研发二组")
    say(zhang, "1 10 奶茶")
    say(li, "1 20.05 水果")
    say(zhang, "1 3.3 糖")
    say(wang, "1 7.77 咖啡")
    say(wang, "1 1 作废的")
    say(wang, "7 5")
    return {"zhang": zhang, "li": li, "wang": wang}


# --- the preview ------------------------------------------------------------------------------------------------

def test_preview_agrees_with_82_to_the_fen(app, base, chrome, ledger, say):
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/settlements")
    assert heading(chrome) == "结算"
    reply = say(FINANCE, "82")
    total, n = text(chrome, "[data-field=open-total]"), text(chrome, "[data-field=open-count]")
    assert f"合计：{total}，{n} 笔（2 个小组）" in reply, (total, n, reply)
    assert (total, n) == ("41.12 元", "4")
    for name in ("研发一组", "研发二组"):
        row = one(chrome, f"table.preview tr[data-id='{group_id(app, name)}']")
        line = f"{name} {row.find_element(By.CSS_SELECTOR, '[data-field=total]').text} 元 " \
               f"{row.find_element(By.CSS_SELECTOR, '[data-field=count]').text} 笔"
        assert line in reply, (line, reply)
        detail = say(FINANCE, f"82 {name}")
        organisers = [d.text for d in row.find_elements(By.CSS_SELECTOR, "td div:not(.sub)")]
        assert organisers and all(f"  {o}" in detail for o in organisers), (organisers, detail)
        assert len(organisers) == len([x for x in detail.splitlines() if x.startswith("  ")])
    assert "张三：13.30 元（2 笔）" in chrome.page_source and "o-张三" not in chrome.page_source
    assert set(action_buttons(chrome)) == {"logout", "settle"}


# --- settling -----------------------------------------------------------------------------------------------------

def test_settle_one_team_through_the_confirmation(app, base, chrome, ledger, sent):
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/settlements")
    team = group_id(app, "研发一组")
    click(chrome, f"tr[data-id='{team}'] button[name=action][value=settle]")
    assert heading(chrome) == "确认结算"
    assert (text(chrome, f"tr[data-id='{team}'] [data-field=count]"), text(chrome, "[data-field=total]"),
            text(chrome, "[data-field=max-id]")) == ("3", "33.35", "#3")
    assert "张三：13.30 元（2 笔）" in chrome.page_source and "李四：20.05 元（1 笔）" in chrome.page_source
    assert count(app, "SELECT * FROM settlements") == 0, "asking settles nothing"
    click(chrome, "button[name=action][value=confirm]")
    assert heading(chrome) == "结算"
    assert "已结算 研发一组：结算 #1，3 笔，合计 33.35 元" in notice(chrome), notice(chrome)

    statuses = {r["id"]: (r["status"], r["settlement_id"]) for r in app.store.query("SELECT * FROM expenses")}
    assert statuses == {1: ("settled", 1), 2: ("settled", 1), 3: ("settled", 1), 4: ("open", None),
                        5: ("void", None)}
    batch = app.store.one("SELECT * FROM settlements WHERE id = 1")
    items = app.store.one("SELECT COUNT(*) AS n, SUM(amount_fen) AS fen FROM settlement_items WHERE settlement_id = 1")
    assert (batch["record_count"], batch["total_fen"]) == (items["n"], items["fen"]) == (3, 3335)
    assert batch["created_by"] == ADMIN
    audit = app.store.one("SELECT * FROM audit WHERE action = 'settle'")
    assert (audit["actor"], audit["target"]) == (ADMIN, "1")
    app.pusher.flush(5)
    pushed = {o: t for o, t in sent if "报销通知" in t}
    assert pushed == {
        ledger["zhang"]: "报销通知：你在“研发一组”的 2 笔垫付共 13.30 元已由 管理员 结算（结算 #1）。",
        ledger["li"]: "报销通知：你在“研发一组”的 1 笔垫付共 20.05 元已由 管理员 结算（结算 #1）。",
    }
    row = one(chrome, "table.history tr[data-id='1']")
    assert "33.35" in row.text and "管理员" in row.text
    assert text(chrome, "[data-field=open-total]") == "7.77 元"

    click(chrome, "table.history tr[data-id='1'] a")
    assert heading(chrome) == "结算 #1"
    assert [r.get_attribute("data-id") for r in css(chrome, "table.items tr[data-id]")] == ["1", "2", "3"]
    assert "张三" in text(chrome, "table.organisers") and "20.05" in text(chrome, "table.organisers")


def test_a_record_added_before_the_confirm_settles_nothing(app, base, chrome, ledger, say):
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/settlements")
    team = group_id(app, "研发一组")
    click(chrome, f"tr[data-id='{team}'] button[name=action][value=settle]")
    assert text(chrome, "[data-field=total]") == "33.35"
    say(ledger["li"], "1 0.01 吸管")                       # meanwhile
    before = snapshot(app)
    click(chrome, "button[name=action][value=confirm]")
    assert "有变化" in problem(chrome) and "没有结算任何记录" in problem(chrome), problem(chrome)
    assert snapshot(app) == before
    assert count(app, "SELECT * FROM settlements") == 0
    # asked again, with the figures as they are now
    assert heading(chrome) == "确认结算"
    assert (text(chrome, "[data-field=total]"), text(chrome, "[data-field=max-id]")) == ("33.36", "#6")
    click(chrome, "button[name=action][value=confirm]")
    assert "结算 #1，4 笔，合计 33.36 元" in notice(chrome)
    # the first confirmation sent again (a double click, an old tab) finds other figures: nothing more happens
    session, csrf = cookie_session(chrome)
    response = session.post(base + "/console/settlements", data={
        "action": "confirm", "team": str(team), "expect": f"{team}:3:3335:3", "csrf": csrf})
    assert response.status_code == 200 and "没有结算任何记录" in response.text
    assert count(app, "SELECT * FROM settlements") == 1


def test_settle_all_through_the_confirmation(app, base, chrome, ledger, say, sent):
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/settlements")
    click(chrome, "form.act button[name=action][value=settle]")
    assert heading(chrome) == "确认结算"
    assert (text(chrome, "[data-field=count-all]"), text(chrome, "[data-field=total-all]")) == ("4", "41.12")
    click(chrome, "button[name=action][value=confirm]")
    assert "共 2 个小组，4 笔，41.12 元" in notice(chrome), notice(chrome)
    batches = app.store.query("SELECT group_id, record_count, total_fen FROM settlements ORDER BY id")
    assert batches == [{"group_id": group_id(app, "研发一组"), "record_count": 3, "total_fen": 3335},
                       {"group_id": group_id(app, "研发二组"), "record_count": 1, "total_fen": 777}]
    assert count(app, "SELECT * FROM expenses WHERE status = 'open'") == 0
    assert "所有小组都没有待报销的记录" in say(FINANCE, "82")
    assert "form" not in "".join(e.get_attribute("outerHTML") for e in css(chrome, "table.preview"))
    assert "settle" not in action_buttons(chrome), "nothing left to settle"
    app.pusher.flush(5)
    assert sorted(o for o, t in sent if "报销通知" in t) == sorted(ledger.values())


def test_settle_all_refuses_when_another_team_got_a_record(app, base, chrome, ledger, member, say):
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/settlements")
    zhao = member("赵六", "研发二组")
    say(ADMIN, "87 研发三组")
    chrome.get(base + "/console/settlements")
    click(chrome, "form.act button[name=action][value=settle]")
    new = member("钱七", "研发三组")
    say(new, "1 5 新组的")
    say(zhao, "1 1 不影响")
    before = snapshot(app)
    click(chrome, "button[name=action][value=confirm]")
    assert "有变化" in problem(chrome)
    assert snapshot(app) == before and count(app, "SELECT * FROM settlements") == 0
    assert text(chrome, "[data-field=count-all]") == "6"


def test_reverse_through_the_confirmation(app, base, chrome, ledger, sent, say, confirmed):
    confirmed(ADMIN, "82 研发一组")                      # settled in chat; reversed in the console
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/settlements/1")
    assert text(chrome, "[data-field=status]") == "有效"
    click(chrome, "button[name=action][value=reverse]")
    assert "将撤销结算 #1（研发一组，3 笔，33.35 元，管理员 于" in text(chrome, "[data-field=confirm]")
    assert app.store.one("SELECT status FROM settlements WHERE id = 1")["status"] == "active"
    click(chrome, "button[name=action][value=confirm]")
    assert "已撤销结算 #1：3 笔记录恢复为未报销" in notice(chrome), notice(chrome)
    assert text(chrome, "[data-field=status]") == "已撤销"
    assert "reverse" not in action_buttons(chrome)
    assert app.store.one("SELECT status, reversed_by FROM settlements WHERE id = 1") == \
        {"status": "reversed", "reversed_by": ADMIN}
    assert count(app, "SELECT * FROM expenses WHERE status = 'open'") == 4
    audit = app.store.one("SELECT * FROM audit WHERE action = 'settle.reverse'")
    assert (audit["actor"], audit["target"]) == (ADMIN, "1")
    app.pusher.flush(5)
    assert {o: t for o, t in sent if "已撤销" in t} == {
        ledger["zhang"]: "结算 #1 已撤销，你的 2 笔记录（13.30 元）恢复为未报销。",
        ledger["li"]: "结算 #1 已撤销，你的 1 笔记录（20.05 元）恢复为未报销。",
    }
    chrome.get(base + "/console/settlements")
    assert css(chrome, "table.reversed tr[data-id='1']") and not css(chrome, "table.history tr[data-id='1']")
    assert "另有 1 次已撤销" in text(chrome, "[data-field=history-summary]")
    assert "已撤销" in say(FINANCE, "83")


# --- who may do what ----------------------------------------------------------------------------------------------

def test_finance_sees_everything_and_a_forged_post_is_refused(app, base, chrome, ledger, confirmed, member, say):
    confirmed(ADMIN, "82 研发二组")
    say(member("孙八"), "5 12.5 奶茶")
    sign_in(chrome, app, FINANCE)
    for path in ("/console/settlements", "/console/settlements/1", "/console/payments", "/console/lotteries"):
        chrome.get(base + path)
        assert heading(chrome) in ("结算", "结算 #1", "付款", "抽奖"), (path, heading(chrome))
        assert action_buttons(chrome) == ["logout"], (path, action_buttons(chrome))
    chrome.get(base + "/console/settlements")
    assert css(chrome, "table.history tr[data-id='1']") and text(chrome, "[data-field=open-total]") == "33.35 元"
    session, csrf = cookie_session(chrome)
    before = snapshot(app)
    team = group_id(app, "研发一组")
    forged = [("/console/settlements", {"action": "settle", "team": str(team)}),
              ("/console/settlements", {"action": "confirm", "team": str(team), "expect": f"{team}:3:3335:3"}),
              ("/console/settlements", {"action": "confirm", "team": "all", "expect": f"{team}:3:3335:3"}),
              ("/console/settlements/1", {"action": "reverse"}),
              ("/console/settlements/1", {"action": "confirm"})]
    for path, form in forged:
        response = session.post(base + path, data={**form, "csrf": csrf}, allow_redirects=False)
        assert response.status_code == 403, (path, form, response.status_code)
        assert "没有权限" in response.text
    assert snapshot(app) == before
    assert session.get(base + "/console/settlements").status_code == 200, "the cookie was a live session"


def test_a_member_is_refused_every_page(app, base, chrome, ledger, confirmed):
    confirmed(ADMIN, "82 研发一组")
    sign_in(chrome, app, ledger["zhang"])
    for path in ("/console/settlements", "/console/settlements/1", "/console/payments", "/console/lotteries"):
        chrome.get(base + path)
        assert heading(chrome) == "没有权限", path
        assert "13.30" not in chrome.page_source
    session, csrf = cookie_session(chrome)
    for path in ("/console/settlements", "/console/settlements/1", "/console/payments", "/console/lotteries"):
        assert session.get(base + path).status_code == 403, path
    before = snapshot(app)
    assert session.post(base + "/console/settlements/1", data={"action": "confirm", "csrf": csrf}).status_code == 403
    assert snapshot(app) == before


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(app, base, chrome, ledger):
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/settlements")
    team = group_id(app, "研发一组")
    click(chrome, f"tr[data-id='{team}'] button[name=action][value=settle]")
    before = snapshot(app)
    chrome.execute_script("document.querySelector('form.act input[name=csrf]').remove()")
    click(chrome, "button[name=action][value=confirm]")
    assert heading(chrome) == "表单已失效"
    assert snapshot(app) == before
    session, csrf = cookie_session(chrome)
    form = {"action": "confirm", "team": str(team), "expect": f"{team}:3:3335:3"}
    for sent_csrf in (None, "wrong", ""):
        data = form if sent_csrf is None else {**form, "csrf": sent_csrf}
        assert session.post(base + "/console/settlements", data=data).status_code == 403
    assert snapshot(app) == before
    response = session.post(base + "/console/settlements", data={**form, "csrf": csrf})
    assert response.status_code == 200 and "已结算 研发一组" in response.text, "the same form with its token works"


def test_a_tampered_confirmation_settles_nothing(app, base, chrome, ledger):
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/settlements")
    session, csrf = cookie_session(chrome)
    team = group_id(app, "研发一组")
    before = snapshot(app)
    for expect in ([f"{team}:3:3334:3"], [f"{team}:2:3335:3"], ["x"], [], [f"{team + 1}:1:777:4"]):
        response = session.post(base + "/console/settlements",
                                data={"action": "confirm", "team": str(team), "expect": expect, "csrf": csrf})
        assert response.status_code in (200, 400) and "没有结算任何记录" in response.text, expect
    assert snapshot(app) == before


# --- payments and lotteries -------------------------------------------------------------------------------------

def test_payments_page_shows_the_totals_and_rows_by_name(app, base, chrome, member, say):
    zhang, li = member("张三"), member("李四", "研发二组")
    say(zhang, "5 12.5 奶茶")
    say(li, "5 3 水")
    paid = app.store.one("SELECT out_trade_no FROM payments WHERE openid = :o", {"o": li})["out_trade_no"]
    assert "已确认" in say(ADMIN, f"88 {paid} 已收")
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/payments")
    assert heading(chrome) == "付款"
    reply = say(FINANCE, "88")
    for status, label in (("pending", "待支付"), ("paid", "已支付")):
        row = one(chrome, f"table.totals tr[data-id='{status}']")
        n, total = (row.find_element(By.CSS_SELECTOR, f"[data-field={f}]").text for f in ("count", "total"))
        assert f"{label} {n} 笔 {total} 元" in reply, (label, n, total, reply)
    ids = [r.get_attribute("data-id") for r in css(chrome, "table.payments tr[data-id]")]
    assert ids == [str(r["id"]) for r in app.store.query("SELECT id FROM payments ORDER BY id DESC")]
    first = one(chrome, f"table.payments tr[data-id='{ids[-1]}']").text
    assert "张三" in first and "12.50" in first and "奶茶" in first and "待支付" in first
    assert "o-张三" not in chrome.page_source and "o-李四" not in chrome.page_source
    chrome.get(base + "/console/payments?status=paid")
    assert [r.get_attribute("data-id") for r in css(chrome, "table.payments tr[data-id]")] == [ids[0]]
    assert "已支付 1 笔，3.00 元" in text(chrome, "[data-field=filtered]")


def test_lotteries_page_shows_states_winners_and_the_seed_only_once_drawn(app, base, chrome, member, say):
    people = [member(n) for n in ("张三", "李四", "王五")]
    drawn = int(re.search(r"#(\d+)", say(ADMIN, f"84 下午茶 {MD_WHEN} 一等奖x1,奶茶券x1")).group(1))
    waiting = int(re.search(r"#(\d+)", say(ADMIN, f"84 周五抽奖 {MD_WHEN} 奶茶券x2")).group(1))
    for openid in people:
        say(openid, f"6 {drawn}")
    say(people[0], f"6 {waiting}")
    assert "已开奖" in say(ADMIN, f"85 {drawn} 开奖")
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/lotteries")
    assert heading(chrome) == "抽奖"
    assert (text(chrome, ".card[data-id=OPENED] [data-field=count]"),
            text(chrome, ".card[data-id=INIT] [data-field=count]")) == ("1", "1")
    assert [r.get_attribute("data-id") for r in css(chrome, "table.lotteries tr[data-id]")] == \
        [str(waiting), str(drawn)]
    rows = {lid: app.store.one("SELECT * FROM lotteries WHERE id = :i", {"i": lid}) for lid in (drawn, waiting)}
    drawn_row = one(chrome, f"tr[data-id='{drawn}']")
    assert drawn_row.find_element(By.CSS_SELECTOR, "[data-field=seed]").text == rows[drawn]["seed"]
    assert drawn_row.find_element(By.CSS_SELECTOR, "[data-field=commitment]").text == rows[drawn]["commitment"]
    assert drawn_row.find_element(By.CSS_SELECTOR, "[data-field=joined]").text == "3"
    names = {"o-张三": "张三", "o-李四": "李四", "o-王五": "王五"}
    for w in app.store.query("SELECT * FROM lottery_winners WHERE lottery_id = :i", {"i": drawn}):
        assert f"{w['prize_name']}：{names[w['openid']]}（研发一组）" in drawn_row.text
    waiting_row = one(chrome, f"tr[data-id='{waiting}']")
    assert waiting_row.find_element(By.CSS_SELECTOR, "[data-field=commitment]").text == rows[waiting]["commitment"]
    assert not waiting_row.find_elements(By.CSS_SELECTOR, "[data-field=seed]")
    assert rows[waiting]["seed"] not in chrome.page_source, "the seed is secret until the draw"
    assert waiting_row.find_element(By.CSS_SELECTOR, "[data-field=state]").text == "进行中"
    assert "o-张三" not in chrome.page_source
    chrome.get(base + "/console/lotteries?status=INIT")
    assert [r.get_attribute("data-id") for r in css(chrome, "table.lotteries tr[data-id]")] == [str(waiting)]


# --- the phone ----------------------------------------------------------------------------------------------------

def test_every_page_fits_a_375_px_phone(app, base, chrome, ledger, confirmed, say):
    confirmed(ADMIN, "82 研发二组")
    confirmed(ADMIN, "83 1 撤销")
    confirmed(ADMIN, "82 研发二组")
    say(ledger["zhang"], "5 12.5 奶茶")
    drawn = int(re.search(r"#(\d+)", say(ADMIN, f"84 一个标题很长很长的下午茶抽奖活动 {MD_WHEN} 一等奖x1,奶茶券x5")).group(1))
    say(ADMIN, f"84 周五抽奖 {MD_WHEN} 奶茶券x2 满9人")
    say(ledger["zhang"], f"6 {drawn}")
    say(ADMIN, f"85 {drawn} 开奖")
    sign_in(chrome, app, ADMIN)
    phone(chrome)
    for path in ("/console/settlements", "/console/settlements/1", "/console/settlements/2",
                 "/console/payments", "/console/lotteries"):
        chrome.get(base + path)
        assert heading(chrome) != "没有权限"
        assert no_horizontal_scroll(chrome), (path, cut_off_elements(chrome))
    chrome.get(base + "/console/settlements")
    click(chrome, "form.act button[name=action][value=settle]")
    assert heading(chrome) == "确认结算"
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    chrome.get(base + "/console/settlements/2")
    click(chrome, "button[name=action][value=reverse]")
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)


def test_history_and_detail_are_paged_50_at_a_time(app, base, chrome, member):
    from bot.timeutil import to_utc_text, utc_now
    from plugins.settle.domain import settle_group
    zhang = member("张三")
    team = group_id(app, "研发一组")

    def records(n):
        tx.executemany("INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at) "
                       "VALUES (?, ?, ?, '', '2026-01-05', ?)", [(zhang, team, 100 + i, to_utc_text(utc_now()))
                                                                 for i in range(n)])
    with app.transaction() as tx:
        records(120)
        settle_group(tx, team, ADMIN)                    # batch 1: 120 records
        for _ in range(59):                              # batches 2..60
            records(1)
            settle_group(tx, team, ADMIN)
    sign_in(chrome, app, FINANCE)
    chrome.get(base + "/console/settlements")
    ids = [int(r.get_attribute("data-id")) for r in css(chrome, "table.history tr[data-id]")]
    assert ids == list(range(60, 10, -1))
    click(chrome, "nav.pager a[rel=next]")
    assert [int(r.get_attribute("data-id")) for r in css(chrome, "table.history tr[data-id]")] == \
        list(range(10, 0, -1))
    chrome.get(base + "/console/settlements/1")
    assert len(css(chrome, "table.items tr[data-id]")) == 50 and text(chrome, "[data-field=count]") == "120"
    chrome.get(base + "/console/settlements/1?page=3")
    rows = [int(r.get_attribute("data-id")) for r in css(chrome, "table.items tr[data-id]")]
    assert rows == list(range(101, 121))
    assert text(chrome, "[data-field=total]") == "191.40 元"       # 120 x 100 fen + (0 + 1 + … + 119) fen
