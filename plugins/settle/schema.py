"""The settlement tables, as the plugin's migrations (databases before issue 13 got them from core.m001 and
core.m005: there m001 finds them as they are, see plugins/expense/schema.py)."""

from . import plugin


@plugin.migration
def m001_settlements(db):
    """A batch per team and time the admin settled, and exactly the records it summed. `source_msg_id`: the MsgId
    that settled it, in databases before issue 13 (new batches leave it NULL)."""
    db.execute("""CREATE TABLE IF NOT EXISTS settlements (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        record_count INTEGER NOT NULL,
        total_fen INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'reversed')),
        reversed_at TEXT,
        reversed_by TEXT,
        source_msg_id TEXT)""")
    db.execute("""CREATE TABLE IF NOT EXISTS settlement_items (
        settlement_id INTEGER NOT NULL REFERENCES settlements(id),
        expense_id INTEGER NOT NULL REFERENCES expenses(id),
        openid TEXT NOT NULL,
        amount_fen INTEGER NOT NULL,
        PRIMARY KEY (settlement_id, expense_id))""")
    # the settlement history of one team (`83 组名`) without scanning every batch
    db.execute("CREATE INDEX IF NOT EXISTS settlements_group ON settlements (group_id, id)")
    db.execute("CREATE INDEX IF NOT EXISTS settlements_source_msg_id ON settlements (source_msg_id)")


@plugin.migration
def m002_items_by_organiser(db):
    """A member's own settlements (the console's 我的) from their items, not every item of the centre."""
    db.execute("CREATE INDEX IF NOT EXISTS settlement_items_openid ON settlement_items (openid, settlement_id)")
