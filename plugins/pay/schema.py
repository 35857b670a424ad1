"""The pay plugin's table, as its migrations (names as shipped: pay.m001_payments, pay.m002_…).

`source_msg_id`: the MsgId that created the order, filled by databases before issue 13 (new rows leave it
NULL: the framework answers WeChat's retries with the saved reply)."""

from . import plugin


@plugin.migration
def m001_payments(db):
    db.execute("""CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        out_trade_no TEXT NOT NULL UNIQUE,           -- ours, 6-32 chars, sent to WeChat
        token TEXT NOT NULL UNIQUE,                  -- the unguessable part of the pay link
        openid TEXT NOT NULL,
        group_id INTEGER REFERENCES groups(id),
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'closed', 'abnormal')),
        status_reason TEXT NOT NULL DEFAULT '',
        provider TEXT NOT NULL,                      -- wechatpay_v3 / static
        mode TEXT NOT NULL DEFAULT '',               -- jsapi / native for wechatpay_v3
        prepay_id TEXT,
        code_url TEXT,
        created_at TEXT NOT NULL,                    -- UTC
        expires_at TEXT,                             -- UTC; NULL for static links
        paid_at TEXT,
        paid_fen INTEGER,                            -- what WeChat reported, kept even when it differs
        transaction_id TEXT,
        last_notify TEXT,                            -- UTC time and summary of the last notify/query applied
        source_msg_id TEXT UNIQUE)""")
    db.execute("CREATE INDEX payments_openid ON payments (openid, id)")
    db.execute("CREATE INDEX payments_status ON payments (status, created_at)")


@plugin.migration
def m002_status_totals_covered(db):
    """`88`'s totals per status read this index, not every payment of the centre's years."""
    db.execute("CREATE INDEX payments_status_amount ON payments (status, amount_fen)")
