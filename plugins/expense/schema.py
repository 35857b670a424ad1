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
