"""Receipts in the console, follow-ups, against the real server on loopback: the record page lists the receipts
whose fetch was given up on with their reason in plain words and what to do (to the record's member and the staff,
never to anyone else), read through the receipts_expense index; the records.xlsx download has the 小票 column
(stored receipts per record, in totals too), its counts read in chunks; and the record page with a failed receipt
in a real browser at 1280 and 375 px."""

import io
import math
import os

import openpyxl
import pytest

from browser import chrome, shared_browser  # noqa: F401  (fixtures)
from browser import cut_off_elements, no_horizontal_scroll, phone, screenshot
from conftest import ADMIN, FINANCE, serve_console
from plugins.console import records as records_module
from plugins.console.receipts import failed_receipts, plain_reason
from test_console_receipts import DOCS, add_receipt, images_loaded, make_app, record, session, sign_in

MEMBERS = [("o-zs", "研发一组", "张三"), ("o-ls", "研发一组", "李四"), ("o-ww", "研发二组", "王五")]
NOT_FOUND = "图片服务器返回 HTTP 404"
TRACEBACK = 'Traceback (most recent call last):\n  File "/srv/teabot/x.py", line 3, in f\nKeyError: \'x\''


def failed(app, expense_id, error):
    receipt_id = add_receipt(app, expense_id, status="failed")[0]
    with app.transaction() as tx:
        tx.execute("UPDATE receipts SET error = ?, attempts = 4 WHERE id = ?", [error, receipt_id])
    return receipt_id


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(app, base URL, ids): 张三's 奶茶 has a stored, a pending, a duplicate and three failed receipts (two for a
    404, one for a connection error); his 咖啡 none; 李四's 蛋糕 two stored and is voided; 王五's 零食 (研发二组,
    settled) a stored one and one failed with a traceback as its error."""
    app = make_app(tmp_path_factory.mktemp("followups"), [])
    for openid, team, name in MEMBERS:
        app.handle_text(openid, f"9 {team} {name}")
    app.handle_text(ADMIN, "81 全部")
    assert "已通过" in app.handle_text(ADMIN, "确认")
    ids = {name: record(app, openid, text) for name, openid, text in (
        ("tea", "o-zs", "1 86.5 奶茶"), ("coffee", "o-zs", "1 12 咖啡"), ("cake", "o-ls", "1 30.25 蛋糕"),
        ("snack", "o-ww", "1 99.99 零食"))}
    add_receipt(app, ids["tea"])
    add_receipt(app, ids["tea"], status="pending")
    add_receipt(app, ids["tea"], status="duplicate")
    failed(app, ids["tea"], NOT_FOUND)
    failed(app, ids["tea"], "连接图片服务器失败（ConnectionError）")
    failed(app, ids["tea"], NOT_FOUND)
    add_receipt(app, ids["cake"], colour=(20, 90, 160))
    add_receipt(app, ids["cake"], colour=(160, 90, 20))
    add_receipt(app, ids["snack"], colour=(90, 160, 20))
    failed(app, ids["snack"], TRACEBACK)
    assert "作废" in app.handle_text("o-ls", f"7 {ids['cake']}")
    app.handle_text(ADMIN, "82 研发二组")
    assert "已结算" in app.handle_text(ADMIN, "确认")
    base, stop = serve_console(app)
    yield app, base, ids
    stop()
    app.pusher.flush(5)
    app.store.close()


def failed_block(text):
    """The text of the page's failed-receipts block ('' when it has none)."""
    marker = 'data-field="failed-receipts">'
    return text.split(marker, 1)[1].split("</div>", 1)[0] if marker in text else ""


def test_plain_reason_keeps_the_words_and_drops_exception_names_and_stacks():
    assert plain_reason(NOT_FOUND) == NOT_FOUND
    assert plain_reason("连接图片服务器失败（ConnectionError）") == "连接图片服务器失败"
    assert plain_reason("读取图片中断（requests.exceptions.ChunkedEncodingError）") == "读取图片中断"
    assert plain_reason("返回的不是图片（text/html）") == "返回的不是图片（text/html）"
    assert plain_reason(TRACEBACK) == "内部错误"
    assert plain_reason("") == plain_reason(None) == "原因没有记录"
    assert len(plain_reason("很长" * 100)) == 80 and plain_reason("很长" * 100).endswith("…")


def test_the_record_page_lists_failed_receipts_with_their_reason_and_what_to_do(site):
    app, base, ids = site
    own = session(app, base, "o-zs").get(f"{base}/console/records/{ids['tea']}", timeout=10).text
    block = failed_block(own)
    assert f"2 张小票没能取回（{NOT_FOUND}）" in block and "1 张小票没能取回（连接图片服务器失败）" in block
    assert block.index(NOT_FOUND) < block.index("连接图片服务器失败")
    assert f"请在公众号发送 7 {ids['tea']} 小票，再重新发送图片" in block
    assert "ConnectionError" not in own
    assert "1 张，另有 1 张待取回" in own and "待取回</span>" in own       # pending ones stay 待取回
    for openid in (ADMIN, FINANCE):
        staff = failed_block(session(app, base, openid).get(f"{base}/console/records/{ids['tea']}", timeout=10).text)
        assert f"2 张小票没能取回（{NOT_FOUND}）" in staff and f"请让垫付人在公众号发送 7 {ids['tea']} 小票" in staff
    settled = session(app, base, ADMIN).get(f"{base}/console/records/{ids['snack']}", timeout=10).text
    block = failed_block(settled)
    assert "1 张小票没能取回（内部错误）" in block and "已报销，不能再附小票" in block
    assert "Traceback" not in settled and "KeyError" not in settled and "x.py" not in settled
    for name in ("coffee", "cake"):           # none failed: no block
        assert failed_block(session(app, base, ADMIN).get(f"{base}/console/records/{ids[name]}", timeout=10).text) == ""


def test_no_one_else_sees_a_records_failed_receipts(site):
    app, base, ids = site
    page = session(app, base, "o-ls").get(f"{base}/console/records/{ids['tea']}", timeout=10)
    assert page.status_code == 403 and NOT_FOUND not in page.text and "没能取回" not in page.text


def test_failed_receipts_are_read_through_the_receipts_expense_index(site):
    app, _, ids = site
    plans = []
    store_query = app.store.query

    class Reader:
        def query(self, sql, params=()):
            plans.extend(r["detail"] for r in store_query("EXPLAIN QUERY PLAN " + sql, params))
            return store_query(sql, params)
    assert failed_receipts(Reader(), ids["tea"]) == [(NOT_FOUND, 2), ("连接图片服务器失败", 1)]
    assert len(plans) == 1 and "USING INDEX receipts_expense (expense_id=? AND status=?)" in plans[0], plans


def download(app, base, query, monkeypatch=None, chunk=None):
    """The rows (cell values) of records.xlsx for `query`, as finance downloads it; with `chunk`, the download's
    records per receipt query set to it and the receipt_counts calls it made (their id lists) returned too."""
    calls = []
    if chunk:
        real = records_module.receipt_counts

        def counting(reader, expense_ids):
            calls.append(list(expense_ids))
            return real(reader, expense_ids)
        monkeypatch.setattr(records_module, "RECEIPT_CHUNK", chunk)
        monkeypatch.setattr(records_module, "receipt_counts", counting)
    response = session(app, base, FINANCE).get(f"{base}/console/records.xlsx{query}", timeout=20)
    assert response.status_code == 200, response.text[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["记录"]
    return [[c.value for c in row] for row in sheet.iter_rows()], calls


def test_the_download_has_the_receipts_column_with_stored_counts_and_totals(site, monkeypatch):
    app, base, ids = site
    rows, calls = download(app, base, "", monkeypatch, chunk=3)
    header = rows[0]
    assert header == ["编号", "消费日期", "记录时间", "小组", "垫付人", "金额", "说明", "状态", "结算批次", "小票"]
    column = header.index("小票")
    data = {r[0]: r[column] for r in rows[1:] if isinstance(r[0], int)}
    # stored only: pending, failed and duplicate ones are not counted; a record without any shows 0
    assert data == {ids["tea"]: 1, ids["coffee"]: 0, ids["cake"]: 2, ids["snack"]: 1}
    totals = {r[0]: r[column] for r in rows[1:] if isinstance(r[0], str)}
    assert totals["合计（未报销 + 已报销，3 笔）"] == 2
    assert totals["其中未报销（2 笔）"] == 1 and totals["其中已报销（1 笔）"] == 1
    assert totals["已作废（1 笔，不计入合计）"] == 2
    # in chunks as the rows stream, never a query per row
    assert len(calls) == math.ceil(len(data) / 3) and sorted(i for c in calls for i in c) == sorted(data)
    one, _ = download(app, base, "?status=open")
    assert {r[0]: r[column] for r in one[1:] if isinstance(r[0], int)} == {ids["tea"]: 1, ids["coffee"]: 0}
    assert {r[0]: r[column] for r in one[1:] if isinstance(r[0], str) and r[0].startswith("合计")} == \
        {"合计（未报销 + 已报销，2 笔）": 1}


def test_the_record_page_with_failed_receipts_fits_desktop_and_phone(site, chrome, tmp_path):
    app, base, ids = site
    folder = DOCS if os.environ.get("TEABOT_SCREENSHOTS") == "docs" else tmp_path
    sign_in(chrome, app, "o-zs")
    chrome.get(f"{base}/console/records/{ids['tea']}")
    block = chrome.find_element("css selector", "[data-field='failed-receipts']")
    assert "2 张小票没能取回" in block.text and block.is_displayed()
    assert "待取回" in chrome.find_element("css selector", "ul.receipts").text
    assert all(width > 0 for _, width in images_loaded(chrome))
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    screenshot(chrome, tmp_path / "console-record-failed.png")
    phone(chrome)
    chrome.get(f"{base}/console/records/{ids['tea']}")
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    screenshot(chrome, folder / "console-record-failed-phone.png")
