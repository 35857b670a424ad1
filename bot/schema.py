"""The core schema, as numbered migrations: never edit one that has shipped, add the next."""


def m001_core(db):
    db.execute("""CREATE TABLE groups (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL)""")
    db.execute("""CREATE TABLE users (
        openid TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        group_id INTEGER REFERENCES groups(id),
        status TEXT NOT NULL DEFAULT 'unknown',      -- unknown / pending / member / rejected
        requested_group_id INTEGER REFERENCES groups(id),
        requested_name TEXT NOT NULL DEFAULT '',
        requested_at TEXT,
        approved_at TEXT,
        approved_by TEXT,
        subscribed INTEGER NOT NULL DEFAULT 1,
        last_message_at TEXT,                         -- for WeChat's 48-hour push window
        created_at TEXT NOT NULL)""")
    db.execute("""CREATE TABLE expenses (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL REFERENCES users(openid),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        note TEXT NOT NULL DEFAULT '',
        spent_on TEXT NOT NULL,                       -- local date YYYY-MM-DD
        recorded_at TEXT NOT NULL,                    -- UTC
        source_msg_id TEXT UNIQUE,                    -- WeChat MsgId: a retry never records twice
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled', 'void')),
        settlement_id INTEGER,
        voided_at TEXT,
        voided_by TEXT)""")
    db.execute("CREATE INDEX expenses_group_status ON expenses (group_id, status)")
    db.execute("CREATE INDEX expenses_openid_status ON expenses (openid, status)")
    db.execute("""CREATE TABLE settlements (
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
    db.execute("""CREATE TABLE settlement_items (
        settlement_id INTEGER NOT NULL REFERENCES settlements(id),
        expense_id INTEGER NOT NULL REFERENCES expenses(id),
        openid TEXT NOT NULL,
        amount_fen INTEGER NOT NULL,
        PRIMARY KEY (settlement_id, expense_id))""")
    db.execute("""CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '')""")
    db.execute("""CREATE TABLE inbound (
        dedupe_key TEXT PRIMARY KEY,                  -- MsgId, or FromUserName:CreateTime for events
        openid TEXT NOT NULL,
        received_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'processing',     -- processing / done
        reply TEXT)""")
    db.execute("""CREATE TABLE pushes (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL,
        text TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',       -- pending / sent / failed / skipped
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        sent_at TEXT)""")


def m002_covering_open_totals(db):
    """Open totals (after every `1`, in `2`, `3`, `4`) read the amount from the index instead of visiting every
    row of the member or team: the cost of a reply stops growing with the number of records."""
    db.execute("DROP INDEX expenses_openid_status")
    db.execute("CREATE INDEX expenses_openid_status_amount ON expenses (openid, status, amount_fen)")
    db.execute("DROP INDEX expenses_group_status")
    db.execute("CREATE INDEX expenses_group_status_amount ON expenses (group_id, status, amount_fen)")


def m003_confirmations(db):
    """One pending confirmation per user (bot/confirm.py): what they were asked, the command that asked, and once
    carried out, the message that confirmed it and its reply (a WeChat retry of that message gets the same)."""
    db.execute("""CREATE TABLE confirmations (
        openid TEXT PRIMARY KEY,
        command_text TEXT NOT NULL,                   -- the normalised text that asked, run again on 确认
        prompt TEXT NOT NULL,                         -- what will happen, exactly as the user was told
        created_at TEXT NOT NULL,                     -- UTC
        expires_at TEXT NOT NULL,                     -- UTC: pending, when it lapses; running, when abandoned
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
        done_msg_id TEXT,                             -- the 确认 message that claimed it (running, done)
        reply TEXT)""")


def m004_reply_pages(db):
    """Each user's last long reply cut into pages (bot/pages.py): `更多` shows the next one."""
    db.execute("""CREATE TABLE reply_pages (
        openid TEXT PRIMARY KEY,
        pages TEXT NOT NULL,                          -- JSON list of page texts
        shown INTEGER NOT NULL DEFAULT 0,             -- index of the page last sent
        shown_msg_id TEXT,                            -- the 更多 message that sent it (a retry gets it again)
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL)""")


def m005_indexes_for_a_centre(db):
    """At 50 teams and ~1,000,000 expense rows every chat command reads indexes and open rows, never the history:
    `2`'s settled totals and latest batch come from the member's index entries (covered); the settlement history
    of one team (`83 组名`) and the retry check of `82 组名` (settlements by MsgId) stop scanning settlements."""
    db.execute("DROP INDEX expenses_openid_status_amount")
    db.execute("CREATE INDEX expenses_openid_status_amount_batch ON expenses (openid, status, amount_fen, settlement_id)")
    db.execute("CREATE INDEX settlements_group ON settlements (group_id, id)")
    db.execute("CREATE INDEX settlements_source_msg_id ON settlements (source_msg_id)")


def m006_likely_duplicates(db):
    """The likely-duplicate check of every `1` (same member, amount and note within 10 minutes) seeks exactly
    those records: through (openid, status, amount_fen) it walked every open record of the member with that amount
    (a member who always pays 12.5: issue 2's bench fell from 0.66x to 0.46x of echo), through (openid,
    recorded_at) every record of their last 10 minutes."""
    db.execute("CREATE INDEX expenses_likely_duplicate ON expenses (openid, amount_fen, note, recorded_at)")


MIGRATIONS = [
    ("core.m001_core", m001_core),
    ("core.m002_covering_open_totals", m002_covering_open_totals),
    ("core.m003_confirmations", m003_confirmations),
    ("core.m004_reply_pages", m004_reply_pages),
    ("core.m005_indexes_for_a_centre", m005_indexes_for_a_centre),
    ("core.m006_likely_duplicates", m006_likely_duplicates),
]
