"""Quotas over real HTTP on loopback (the signed WeChat endpoint): refuse mode, and `82 组名 额度内` while members
record from their own threads."""

import threading

from test_quota import backdate
from test_wechat_endpoint import message_xml, reply_content, serve, wconfig  # noqa: F401 (fixtures)

ADMIN = "o-admin"


def text(client, openid, content, msg_id):
    return reply_content(client.post(message_xml(openid, content, msg_id)))["Content"]


def members(client, count):
    openids = [f"o-m{i}" for i in range(count)]
    for i, openid in enumerate(openids):
        assert "已提交注册" in text(client, openid, f"9 测试组 成员{i}", f"10{i}")
    assert "将通过以下" in text(client, ADMIN, "81 全部", "190")
    assert "已通过" in text(client, ADMIN, "确认", "191")
    backdate(client.app)
    return openids


def test_refuse_mode_over_http_records_nothing_beyond_the_allowance(serve, wconfig):
    wconfig["plugins"]["quota"] = {"per_head_per_quarter": 100, "over": "refuse"}
    client = serve()
    zhang, li = members(client, 2)
    assert "剩余 120.00 元" in text(client, zhang, "1 80 奶茶", "201")
    reply = text(client, li, "1 130 水果", "202")
    assert reply.startswith("没有记录：这笔 130.00 元会让测试组本季度超出额度。")
    assert "本季度已用 80.00 / 额度 200.00 元（2 人 × 100 元），剩余 120.00 元" in reply
    assert "可以记一笔不超过 120.00 元的金额；确需超额报销请联系管理员。" in reply
    assert text(client, li, "1 130 水果", "202") == reply             # WeChat's retry: the same reply
    assert "已用 200.00 / 额度 200.00 元" in text(client, li, "1 120 水果", "203")
    rows = client.app.store.query("SELECT amount_fen FROM expenses ORDER BY id")
    assert [r["amount_fen"] for r in rows] == [8000, 12000]


def test_settle_within_allowance_while_members_record_marks_exactly_what_it_summed(serve, wconfig):
    """4 members keep recording `1 7.xx` from their own threads while the admin settles within the allowance
    (asking again whenever the plan changed under the confirmation): the batch marks exactly its summed records,
    within allowance - settled, the oldest first; everything else stays open; every acknowledged fen is in the
    ledger once."""
    wconfig["plugins"]["quota"] = {"per_head_per_quarter": 50}
    client = serve()
    openids = members(client, 4)                     # allowance 200.00
    for k in range(12):
        assert "已记录" in text(client, openids[k % 4], f"1 {10 + k} 第{k}笔", f"30{k:02d}")
    acknowledged = [(10 + k) * 100 for k in range(12)]
    done = threading.Event()
    lock = threading.Lock()

    def record(i, openid):
        n = 0
        while not done.is_set() and n < 60:
            amount = 700 + i * 10 + n % 10
            reply = text(client, openid, f"1 {amount // 100}.{amount % 100:02d} 并发{n}", f"4{i}{n:03d}")
            assert "已记录" in reply, reply
            with lock:
                acknowledged.append(amount)
            n += 1
    threads = [threading.Thread(target=record, args=(i, o)) for i, o in enumerate(openids)]
    for thread in threads:
        thread.start()
    settled_reply, attempts = "", 0
    try:
        while "已结算" not in settled_reply and attempts < 30:
            attempts += 1
            prompt = text(client, ADMIN, "82 测试组 额度内", f"50{attempts:02d}")
            assert "将按额度结算【测试组】" in prompt, prompt
            settled_reply = text(client, ADMIN, "确认", f"51{attempts:02d}")
    finally:
        done.set()
        for thread in threads:
            thread.join(60)
    assert "已结算 测试组：结算 #1" in settled_reply, settled_reply
    store = client.app.store
    batch = store.one("SELECT * FROM settlements")
    items = store.query("SELECT expense_id, amount_fen FROM settlement_items ORDER BY expense_id")
    marked = store.query("SELECT id, amount_fen FROM expenses WHERE status = 'settled' ORDER BY id")
    assert [(r["expense_id"], r["amount_fen"]) for r in items] == [(r["id"], r["amount_fen"]) for r in marked]
    assert batch["record_count"] == len(items) and batch["total_fen"] == sum(r["amount_fen"] for r in items)
    assert batch["total_fen"] <= 20000
    still_open = store.query("SELECT id, amount_fen FROM expenses WHERE status = 'open' ORDER BY id")
    assert still_open and max(r["id"] for r in marked) < min(r["id"] for r in still_open)   # oldest first
    assert batch["total_fen"] + still_open[0]["amount_fen"] > 20000     # the next record would not have fitted
    totals = store.one("SELECT COUNT(*) AS n, SUM(amount_fen) AS fen FROM expenses WHERE status != 'void'")
    assert (totals["n"], totals["fen"]) == (len(acknowledged), sum(acknowledged))
    assert "仍未报销" in settled_reply
