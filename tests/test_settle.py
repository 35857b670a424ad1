import random
import threading

from conftest import ADMIN, FINANCE
from plugins.settle.domain import reverse_settlement, settle_group


def test_preview_changes_nothing(app, say, member, confirmed):
    a, b = member("张三"), member("王五", "研发二组")
    say(a, "1 10 奶茶")
    say(b, "1 20.5 水果")
    for who in (ADMIN, FINANCE):
        reply = say(who, "82")
        assert "合计：30.50 元，2 笔（2 个小组）" in reply.splitlines()[1]
        assert "研发一组 10.00 元 1 笔" in reply and "研发二组 20.50 元 1 笔" in reply and "王五" not in reply
        assert "王五：20.50 元（1 笔）" in say(who, "82 研发二组")
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses WHERE status = 'open'")["n"] == 2
    assert app.store.one("SELECT COUNT(*) AS n FROM settlements")["n"] == 0


def test_finance_may_preview_but_not_settle(app, say, member, confirmed):
    say(member("张三"), "1 10 奶茶")
    detail = say(FINANCE, "82 研发一组")
    assert "研发一组 待报销 10.00 元，1 笔（预览，不会改变任何数据）" in detail and "张三：10.00 元（1 笔）" in detail
    assert "没有待确认" in say(FINANCE, "确认")
    assert "只有管理员可以执行结算" in say(FINANCE, "82 全部")
    assert app.store.one("SELECT COUNT(*) AS n FROM settlements")["n"] == 0


def test_settle_one_team_marks_its_records_and_tells_organisers(app, say, member, sent, confirmed):
    a, b, c = member("张三"), member("李四"), member("王五", "研发二组")
    say(a, "1 10 奶茶")
    say(b, "1 20 水果")
    say(c, "1 5 糖")
    say(a, "1 1 作废的")
    say(a, "7 4")
    reply = confirmed(ADMIN, "82 研发一组")
    assert "已结算 研发一组：结算 #1，2 笔，合计 30.00 元" in reply
    rows = {r["id"]: r for r in app.store.query("SELECT * FROM expenses")}
    assert [rows[i]["status"] for i in (1, 2, 3, 4)] == ["settled", "settled", "open", "void"]
    batch = app.store.one("SELECT * FROM settlements WHERE id = 1")
    assert (batch["record_count"], batch["total_fen"], batch["created_by"]) == (2, 3000, ADMIN)
    assert sorted(r["expense_id"] for r in app.store.query("SELECT expense_id FROM settlement_items")) == [1, 2]
    app.pusher.flush(5)
    assert any(o == a and "结算 #1" in t and "10.00" in t for o, t in sent)
    assert any(o == b and "20.00" in t for o, t in sent)
    assert "settle" in [r["action"] for r in app.store.query("SELECT action FROM audit")]


def test_settling_twice_finds_nothing_open(say, member, confirmed):
    say(member("张三"), "1 10 奶茶")
    confirmed(ADMIN, "82 研发一组")
    assert "没有待报销的记录，没有生成结算" in confirmed(ADMIN, "82 研发一组")


def test_retry_of_the_same_message_gets_the_same_reply(app, say, member, confirmed):
    say(member("张三"), "1 10 奶茶")
    asked = say(ADMIN, "82 研发一组", msg_id="m-ask")
    assert "将结算" in asked and "【研发一组】1 笔，合计 10.00 元" in asked and asked.endswith("10 分钟内有效）")
    assert app.store.one("SELECT COUNT(*) AS n FROM settlements")["n"] == 0
    first = say(ADMIN, "确认", msg_id="m-settle")
    assert "已结算 研发一组" in first
    assert say(ADMIN, "确认", msg_id="m-settle") == first
    assert "没有待确认" in say(ADMIN, "确认", msg_id="m-other")
    assert app.store.one("SELECT COUNT(*) AS n FROM settlements")["n"] == 1


def test_settle_all_creates_one_batch_per_team(app, say, member, confirmed):
    say(member("张三"), "1 10 奶茶")
    say(member("王五", "研发二组"), "1 20 水果")
    reply = confirmed(ADMIN, "82 全部")
    assert "结算 #1" in reply and "结算 #2" in reply and "共 2 个小组，2 笔，30.00 元" in reply
    assert "没有待报销" in confirmed(ADMIN, "82 全部")


def test_unknown_team_is_explained(say, confirmed):
    assert "没有名为“火星组”的小组" in say(ADMIN, "82 火星组")


def test_history_detail_and_reversal(app, say, member, sent, confirmed):
    a = member("张三")
    say(a, "1 10 奶茶")
    say(a, "1 2.5 糖")
    confirmed(ADMIN, "82 研发一组")
    assert "#1 研发一组 2 笔 12.50 元" in say(FINANCE, "83")
    detail = say(FINANCE, "83 1")
    assert "张三：12.50 元（2 笔）" in detail and "#2" in detail
    assert "只有管理员可以撤销" in say(FINANCE, "83 1 撤销")
    assert "2 笔记录恢复为未报销" in confirmed(ADMIN, "83 1 撤销")
    assert "已经撤销过了" in confirmed(ADMIN, "83 1 撤销")
    assert "【已撤销】" in say(ADMIN, "83")
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses WHERE status = 'open' AND settlement_id IS NULL")["n"] == 2
    assert "已结算 研发一组：结算 #2，2 笔，合计 12.50 元" in confirmed(ADMIN, "82 研发一组")
    assert "已撤销" not in say(ADMIN, "83 2")


def test_reversal_restores_exactly_the_batch(app, say, member, confirmed):
    a = member("张三")
    say(a, "1 10 一")
    confirmed(ADMIN, "82 研发一组")
    say(a, "1 20 二")
    confirmed(ADMIN, "82 研发一组")
    say(a, "1 40 三")
    with app.transaction() as tx:
        reverse_settlement(tx, 1, ADMIN)
    statuses = [r["status"] for r in app.store.query("SELECT status FROM expenses ORDER BY id")]
    assert statuses == ["open", "settled", "open"]


def test_concurrent_writers_and_settlements_never_lose_or_double_count(app, member):
    """Writers record while the admin settles, many rounds; every fen is in exactly one place."""
    organisers = [member(f"组员{i}") for i in range(4)]
    group_id = app.user(organisers[0])["group_id"]
    rounds, per_writer = 8, 15
    recorded = []
    lock = threading.Lock()

    def writer(openid, seed):
        rng = random.Random(seed)
        for n in range(per_writer):
            fen = rng.randint(1, 50_000)
            reply = app.handle_text(openid, f"1 {fen // 100}.{fen % 100:02d} 并发{n}")
            assert "已记录" in reply, reply
            with lock:
                recorded.append(fen)

    for round_no in range(rounds):
        threads = [threading.Thread(target=writer, args=(o, round_no * 10 + i)) for i, o in enumerate(organisers)]
        for t in threads:
            t.start()
        for _ in range(3):
            with app.transaction() as tx:
                settle_group(tx, group_id, ADMIN)
        for t in threads:
            t.join()
        with app.transaction() as tx:
            settle_group(tx, group_id, ADMIN)
        batches = app.store.query("SELECT id, total_fen, record_count FROM settlements")
        settled = app.store.one("SELECT COALESCE(SUM(amount_fen), 0) AS s, COUNT(*) AS n FROM expenses WHERE status = 'settled'")
        assert settled["s"] == sum(b["total_fen"] for b in batches)
        assert settled["n"] == sum(b["record_count"] for b in batches)
        for b in batches:
            items = app.store.one("SELECT COALESCE(SUM(amount_fen), 0) AS s, COUNT(*) AS n FROM settlement_items "
                                  "WHERE settlement_id = :b", {"b": b["id"]})
            assert (items["s"], items["n"]) == (b["total_fen"], b["record_count"])
        assert app.store.one("SELECT COUNT(*) AS n FROM (SELECT expense_id FROM settlement_items "
                             "GROUP BY expense_id HAVING COUNT(*) > 1)")["n"] == 0
        grand = app.store.one("SELECT SUM(amount_fen) AS s, COUNT(*) AS n FROM expenses")
        assert (grand["s"], grand["n"]) == (sum(recorded), len(recorded))
        assert app.store.one("SELECT COUNT(*) AS n FROM expenses WHERE status = 'open'")["n"] == 0


def test_quarter_totals_bucket_by_local_spending_date(app, say, member, confirmed):
    from plugins.expense.ledger import quarter_totals
    a, b = member("张三"), member("王五", "研发二组")
    today = app.now().date()
    say(a, "1 10 本季度")
    say(a, f"1 20 上季度 {today.replace(day=1) - __import__('datetime').timedelta(days=100)}")
    say(b, "1 5 二组")
    confirmed(ADMIN, "82 研发二组")
    rows = {(r["group_name"], r["quarter"]): r for r in quarter_totals(app.store)}
    this_q = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    assert rows[("研发一组", this_q)]["open_fen"] == 1000
    assert rows[("研发二组", this_q)]["settled_fen"] == 500 and rows[("研发二组", this_q)]["open_fen"] == 0
    assert sum(r["open_fen"] + r["settled_fen"] for r in rows.values()) == 3500
    assert "按季度" not in say(ADMIN, "82") and "按季度" in say(ADMIN, "82 研发一组")
