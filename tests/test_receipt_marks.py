"""Issue 15: `2` marks the member's records that have receipts, and `83 结算号` says how many records of a batch
lack one (the ingest itself is tested over HTTP in tests/test_receipts.py)."""

from bot.timeutil import to_utc_text, utc_now
from conftest import ADMIN, FINANCE


def attach(app, expense_id, status="stored", sha="ab" * 32):
    with app.transaction() as tx:
        tx.execute("INSERT INTO receipts (expense_id, openid, status, sha256, path, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   [expense_id, "o-x", status, sha if status == "stored" else None,
                    f"ab/{sha}.jpg" if status == "stored" else "", to_utc_text(utc_now())])


def test_my_status_marks_records_with_receipts_and_those_being_fetched(app, say, member):
    zhang = member("张三")
    say(zhang, "1 10 奶茶")
    say(zhang, "1 20 水果")
    say(zhang, "1 30 蛋糕")
    attach(app, 1)
    attach(app, 1, sha="cd" * 32)
    attach(app, 2, status="pending")
    lines = {line.split()[0]: line for line in say(zhang, "2").splitlines() if line.startswith("#")}
    assert lines["#1"].endswith("10.00 奶茶 🧾2")
    assert lines["#2"].endswith("20.00 水果 🧾待取回")
    assert lines["#3"].endswith("30.00 蛋糕")


def test_batch_detail_says_how_many_records_lack_a_receipt(app, say, member, confirmed):
    zhang, li = member("张三"), member("李四")
    for who, text in ((zhang, "1 10 奶茶"), (li, "1 20 水果"), (li, "1 30 蛋糕"), (zhang, "1 5 咖啡")):
        say(who, text)
    attach(app, 1)
    attach(app, 3, status="pending")
    attach(app, 4, status="failed")
    confirmed(ADMIN, "82 研发一组")
    detail = say(FINANCE, "83 1")
    assert "小票：3 笔记录没有小票（其中 1 笔的小票正在取回）" in detail
    for expense_id in (2, 3, 4):
        attach(app, expense_id, sha=f"{expense_id:02d}" * 32)
    assert "小票：每笔记录都有小票。" in say(ADMIN, "83 1")
