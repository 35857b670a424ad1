"""The lottery plugin's tables, as its migrations (`lottery.m001_lotteries` is what databases record: it has
shipped, so it stays as it is). `source_msg_id` was filled before issue 13; the framework now answers WeChat's
retries, and new rows leave it NULL."""

from . import plugin


@plugin.migration
def m001_lotteries(db):
    db.execute("""CREATE TABLE lotteries (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        draw_at TEXT NOT NULL,                        -- UTC
        prizes TEXT NOT NULL,                         -- JSON [{"name": ..., "count": ...}] in award order
        early_n INTEGER,                              -- draw as soon as this many have joined (NULL: only at draw_at)
        state TEXT NOT NULL DEFAULT 'INIT' CHECK (state IN ('INIT', 'OPENING', 'OPENED', 'CANCELED')),
        seed TEXT NOT NULL,                           -- secret until OPENED
        commitment TEXT NOT NULL,                     -- sha256(seed) hex, published at creation
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        source_msg_id TEXT UNIQUE,                    -- WeChat MsgId: a retry never creates twice
        drawn_by TEXT,                                -- admin openid, 'scheduler' or 'full'
        drawn_at TEXT,
        participant_count INTEGER,                    -- frozen when the draw locked joining
        canceled_at TEXT,
        canceled_by TEXT)""")
    db.execute("CREATE INDEX lotteries_state_draw_at ON lotteries (state, draw_at)")
    # One row per member and lottery. Leaving sets left_at; joining again clears it and takes a new join_no,
    # so join numbers are never reused and the draw order (by join_no) is stable.
    db.execute("""CREATE TABLE lottery_entries (
        lottery_id INTEGER NOT NULL REFERENCES lotteries(id),
        openid TEXT NOT NULL,
        join_no INTEGER NOT NULL,
        joined_at TEXT NOT NULL,
        left_at TEXT,
        PRIMARY KEY (lottery_id, openid),
        UNIQUE (lottery_id, join_no))""")
    db.execute("""CREATE TABLE lottery_winners (
        lottery_id INTEGER NOT NULL REFERENCES lotteries(id),
        prize_index INTEGER NOT NULL,                 -- slot number: prizes expanded in the order listed
        prize_name TEXT NOT NULL,
        openid TEXT NOT NULL,
        PRIMARY KEY (lottery_id, prize_index),
        UNIQUE (lottery_id, openid))""")
