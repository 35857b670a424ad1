"""The console's tables: one-time sign-in links and sessions. Only hashes of their secrets are stored, so a copy
of the database (a backup) signs nobody in."""

from . import plugin


@plugin.migration
def m001_links_and_sessions(db):
    db.execute("""CREATE TABLE console_links (
        token_hash TEXT PRIMARY KEY,                  -- sha256 of the token in the link
        openid TEXT NOT NULL,
        created_at TEXT NOT NULL,                     -- UTC
        expires_at TEXT NOT NULL,
        used_at TEXT)""")
    db.execute("""CREATE TABLE console_sessions (
        session_hash TEXT PRIMARY KEY,                -- sha256 of the cookie's value
        openid TEXT NOT NULL,
        csrf TEXT NOT NULL,                           -- the token every changing form carries
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        ended_at TEXT)""")
    db.execute("CREATE INDEX console_links_created ON console_links (created_at)")
