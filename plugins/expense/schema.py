"""The expense ledger's tables, as the plugin's migrations.

Databases made before issue 13 got these from core.m001..m006 (bot/schema.py then held the ledger); there the
table and its final indexes already exist and m001 only drops the indexes later core migrations replaced, so an
old database keeps every row and gets the same schema as a new one.
"""

from . import plugin


@plugin.migration
def m001_expenses(db):
    """One row per amount a member paid for their team. `source_msg_id`: the MsgId that recorded it, filled by
    databases before issue 13 (new rows leave it NULL: the framework answers WeChat's retries)."""
    db.execute("""CREATE TABLE IF NOT EXISTS expenses (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL REFERENCES users(openid),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        note TEXT NOT NULL DEFAULT '',
        spent_on TEXT NOT NULL,                       -- local date YYYY-MM-DD
        recorded_at TEXT NOT NULL,                    -- UTC
        source_msg_id TEXT UNIQUE,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled', 'void')),
        settlement_id INTEGER,
        voided_at TEXT,
        voided_by TEXT)""")
    for replaced in ("expenses_group_status", "expenses_openid_status", "expenses_openid_status_amount"):
        db.execute(f"DROP INDEX IF EXISTS {replaced}")
    # Open totals (after every `1`, in `2`, `3`, `4`) read the amount from the index, not every row of the member
    # or team; `2`'s settled totals and latest batch come from the member's entries (covered).
    db.execute("CREATE INDEX IF NOT EXISTS expenses_group_status_amount ON expenses (group_id, status, amount_fen)")
    db.execute("CREATE INDEX IF NOT EXISTS expenses_openid_status_amount_batch "
               "ON expenses (openid, status, amount_fen, settlement_id)")
    # The likely-duplicate check of every `1` (same member, amount and note within 10 minutes) seeks exactly those.
    db.execute("CREATE INDEX IF NOT EXISTS expenses_likely_duplicate ON expenses (openid, amount_fen, note, recorded_at)")


@plugin.migration
def m002_receipts(db):
    """Receipts: one row per image a member sent for a record (plugins/expense/receipts.py; docs/receipts.md).
    A row is inserted 'pending' in the message's transaction and fetched after it commits; `next_attempt_at` is
    when the sweep fetches a pending one again, `cos_next_attempt_at` when it uploads a COS-pending one again (on
    a stored row still 'none': it was stored while COS was off, and is owed to COS once COS is on).
    `receipt_arms`: `7 记录号 小票` — the record a user's images go to until `expires_at` (one per user)."""
    db.execute("""CREATE TABLE receipts (
        id INTEGER PRIMARY KEY,
        expense_id INTEGER NOT NULL REFERENCES expenses(id),
        openid TEXT NOT NULL,
        media_id TEXT NOT NULL DEFAULT '',
        pic_url TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'stored', 'failed', 'duplicate')),
        sha256 TEXT,
        content_type TEXT NOT NULL DEFAULT '',
        size_bytes INTEGER,
        path TEXT NOT NULL DEFAULT '',
        thumb_path TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        error TEXT NOT NULL DEFAULT '',
        cos_key TEXT NOT NULL DEFAULT '',
        cos_status TEXT NOT NULL DEFAULT 'none'
            CHECK (cos_status IN ('none', 'pending', 'uploaded', 'failed')),
        cos_attempts INTEGER NOT NULL DEFAULT 0,
        cos_next_attempt_at TEXT,
        msg_id TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        stored_at TEXT)""")
    db.execute("CREATE INDEX receipts_expense ON receipts (expense_id, status)")
    # the sweeps (pending and due, oldest first) and /healthz's counts by status: seeks, not scans. (Not partial
    # indexes: SQLite uses one only when the query repeats its WHERE, and `status = 'pending'` is not `IN (...)`.)
    db.execute("CREATE INDEX receipts_to_fetch ON receipts (status, next_attempt_at)")
    db.execute("CREATE INDEX receipts_to_upload ON receipts (cos_status, cos_next_attempt_at)")
    db.execute("""CREATE TABLE receipt_arms (
        openid TEXT PRIMARY KEY,
        expense_id INTEGER NOT NULL REFERENCES expenses(id),
        armed_at TEXT NOT NULL,
        expires_at TEXT NOT NULL)""")
