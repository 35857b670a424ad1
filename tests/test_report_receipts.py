"""The report's 明细 and receipts: a 小票 column (stored receipts per record, 0 shown as 0; pending, failed and
duplicate ones not counted), read in chunks as the sheet streams; with server.public_base_url a 链接 column whose
cells are real hyperlinks (never formulas) to the record's console page, which opens for the staff; Excel's
65,530 hyperlinks a sheet respected; the money figures unchanged."""

import zipfile
from decimal import Decimal

import openpyxl
import pytest
import requests

from conftest import ADMIN, link_for, serve_console
from plugins.expense import receipts as receipt_module
from plugins.export import jobs, report

NOW = "2026-03-01T02:00:00.000000+00:00"


def add_receipts(app, expense_id, *statuses):
    with app.transaction() as tx:
        owner = tx.value("SELECT openid FROM expenses WHERE id = ?", [expense_id])
        for n, status in enumerate(statuses):
            tx.execute("INSERT INTO receipts (expense_id, openid, status, sha256, content_type, path, thumb_path, "
                       "created_at) VALUES (?, ?, ?, ?, 'image/jpeg', ?, ?, ?)",
                       [expense_id, owner, status, f"{expense_id:060d}{n:04d}", f"x/{expense_id}-{n}.jpg",
                        f"x/{expense_id}-{n}.thumb.jpg", NOW])


@pytest.fixture
def ledger(app, say, member):
    """Five records (one voided, 研发二组's settled) and their receipts: #1 two stored, #3 one stored with a
    pending, a failed and a duplicate one, #4 (settled) one stored, #2 (voided) one stored, #5 only pending."""
    zhang, li, wang = member("张三"), member("李四"), member("王五", "研发二组")
    for openid, text in ((zhang, "1 86.5 奶茶"), (zhang, "1 0.01 找零"), (li, "1 123.45 水果"), (wang, "1 20 蛋糕"),
                         (li, "1 33.3 咖啡")):
        assert "已记录" in say(openid, text)
    assert "作废" in say(zhang, "7 2")
    assert "已结算" in (say(ADMIN, "82 研发二组"), say(ADMIN, "确认"))[1]
    add_receipts(app, 1, "stored", "stored")
    add_receipts(app, 2, "stored")
    add_receipts(app, 3, "stored", "pending", "failed", "duplicate")
    add_receipts(app, 4, "stored")
    add_receipts(app, 5, "pending")
    return app


def fen(value):
    return int(Decimal(str(value)) * 100)


def detail_of(app):
    row = jobs.run_report(app)
    assert row["state"] == "done", row["error"]
    return row, openpyxl.load_workbook(row["path"])["明细"]


def data_and_totals(sheet):
    rows = list(sheet.iter_rows(min_row=2))
    first_total = next(i for i, r in enumerate(rows) if isinstance(r[0].value, str) and r[0].value.startswith("合计"))
    return rows[:first_total], rows[first_total:]


def db_total(app, where):
    return app.store.one(f"SELECT COALESCE(SUM(amount_fen), 0) AS t FROM expenses WHERE {where}")["t"]


def test_detail_counts_stored_receipts_shows_0_as_0_and_has_no_link_column_without_a_base_url(ledger):
    app = ledger
    _, sheet = detail_of(app)
    header = [c.value for c in sheet[1]]
    assert header == ["编号", "消费日期", "记录时间", "小组", "垫付人", "金额", "说明", "状态", "结算批次", "小票"]
    rows, totals = data_and_totals(sheet)
    assert {r[0].value: r[9].value for r in rows} == {1: 2, 2: 1, 3: 1, 4: 1, 5: 0}
    assert all(isinstance(r[9].value, int) for r in rows)
    # the figures are those of the database, as before
    assert fen(totals[0][5].value) == db_total(app, "status != 'void'")
    by_label = {r[0].value.split("（")[0]: r for r in totals}
    assert fen(by_label["其中未报销"][5].value) == db_total(app, "status = 'open'")
    assert fen(by_label["其中已报销"][5].value) == db_total(app, "status = 'settled'")
    assert fen(by_label["已作废"][5].value) == db_total(app, "status = 'void'")
    # the receipts of the records that count, and of the voided ones apart
    assert (totals[0][9].value, by_label["其中未报销"][9].value, by_label["其中已报销"][9].value,
            by_label["已作废"][9].value) == (4, 3, 1, 1)
    assert sheet.auto_filter.ref == "A1:J6"


def test_with_a_base_url_every_record_links_to_its_console_page_which_opens_for_the_admin(ledger):
    app = ledger
    base, stop = serve_console(app)            # sets server.public_base_url to this server
    try:
        row, sheet = detail_of(app)
        assert [c.value for c in sheet[1]][-2:] == ["小票", "链接"]
        rows, totals = data_and_totals(sheet)
        links = {r[0].value: r[10] for r in rows}
        assert {n: (c.value, c.hyperlink.target) for n, c in links.items()} == \
            {n: ("查看", f"{base}/console/records/{n}") for n in range(1, 6)}
        assert links[1].font.u == "single" and totals[0][10].value is None
        with zipfile.ZipFile(row["path"]) as archive:
            xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml and "HYPERLINK" not in xml
        http = requests.Session()
        http.get(link_for(app, ADMIN), timeout=10)
        page = http.get(links[3].hyperlink.target, timeout=10)
        assert page.status_code == 200 and "123.45 元" in page.text and "李四" in page.text
    finally:
        stop()


def test_a_trailing_slash_in_the_base_url_makes_no_double_slash(ledger):
    ledger.config["server"]["public_base_url"] = "https://tea.example.com/"
    _, sheet = detail_of(ledger)
    assert sheet.cell(2, 11).hyperlink.target == "https://tea.example.com/console/records/1"


def test_only_the_newest_records_get_links_beyond_excels_limit_and_the_sheet_says_so(ledger, monkeypatch):
    monkeypatch.setattr(report, "DETAIL_LINKS", 3)
    ledger.config["server"]["public_base_url"] = "https://tea.example.com"
    _, sheet = detail_of(ledger)
    rows, totals = data_and_totals(sheet)
    assert [(r[10].value, r[10].hyperlink.target if r[10].hyperlink else None) for r in rows] == \
        [(None, None), (None, None)] + [("查看", f"https://tea.example.com/console/records/{n}") for n in (3, 4, 5)]
    note = totals[-1][0].value
    assert note.startswith("链接：") and "最新的 3 笔" in note and "https://tea.example.com/console/records/编号" in note


def test_counts_are_read_in_chunks_of_at_most_500_records_as_the_sheet_streams(app, member, monkeypatch):
    zhang = member("张三")
    group = app.store.one("SELECT group_id FROM users WHERE openid = ?", [zhang])["group_id"]
    with app.transaction() as tx:
        tx.executemany("INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at) "
                       "VALUES (?, ?, ?, '下午茶', '2026-03-01', ?)", [(zhang, group, 100 + n, NOW) for n in range(1234)])
    with_receipts = {1: 1, 499: 2, 500: 1, 501: 3, 1000: 1, 1001: 1, 1234: 2}
    for expense_id, n in with_receipts.items():
        add_receipts(app, expense_id, *["stored"] * n)
    calls = []
    real = receipt_module.receipt_counts

    def counting(reader, ids):
        calls.append(list(ids))
        return real(reader, ids)
    monkeypatch.setattr(receipt_module, "receipt_counts", counting)
    _, sheet = detail_of(app)
    rows, totals = data_and_totals(sheet)
    assert {r[0].value: r[9].value for r in rows} == {n: with_receipts.get(n, 0) for n in range(1, 1235)}
    assert [len(c) for c in calls] == [500, 500, 234] and [c[0] for c in calls] == [1, 501, 1001]
    assert totals[0][9].value == sum(with_receipts.values())
    assert fen(totals[0][5].value) == sum(100 + n for n in range(1234))
