"""The core schema, as numbered migrations: the tables every plugin may use (teams, people, audit, saved replies,
pushes, confirmations, reply pages). Never edit one that has shipped, add the next.

The one exception, made once (issue 13): the ledger's tables moved to the plugins that own them. core.m001 no
longer creates expenses, settlements and settlement_items, and m002, m005 and m006 (their indexes) are gone from
here; databases that ran them keep them, and the expense and settle plugins' first migrations adopt them as they
are (plugins/expense/schema.py). New databases get the same schema from the plugins."""


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


def m005_push_attempts(db):
    """Notices that reach people (issue 16): a push names the kind of notice it is (`notice`, one of
    bot.config.NOTICE_FIELDS, '' for none) and the fields its template is filled with (JSON); `channel` is how its
    final status came about (custom / template; '' when nothing was tried). Every try, and each channel passed
    over, is a push_attempts row. The index serves /healthz's and the console's counts of recent pushes."""
    db.execute("ALTER TABLE pushes ADD COLUMN notice TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE pushes ADD COLUMN fields TEXT NOT NULL DEFAULT '{}'")
    db.execute("ALTER TABLE pushes ADD COLUMN channel TEXT NOT NULL DEFAULT ''")
    db.execute("""CREATE TABLE push_attempts (
        id INTEGER PRIMARY KEY,
        push_id INTEGER NOT NULL REFERENCES pushes(id),
        at TEXT NOT NULL,                             -- UTC
        channel TEXT NOT NULL CHECK (channel IN ('custom', 'template')),
        outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'failed', 'skipped')),
        errcode INTEGER,                              -- WeChat's (-1: not reached); NULL when it gave none
        error TEXT NOT NULL DEFAULT '')""")
    db.execute("CREATE INDEX push_attempts_push ON push_attempts (push_id)")
    db.execute("CREATE INDEX pushes_recent ON pushes (created_at, status, channel)")


MIGRATIONS = [
    ("core.m001_core", m001_core),
    ("core.m003_confirmations", m003_confirmations),
    ("core.m004_reply_pages", m004_reply_pages),
    ("core.m005_push_attempts", m005_push_attempts),
]
