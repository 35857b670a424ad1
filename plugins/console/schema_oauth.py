"""The console's record of WeChat OAuth2 sign-ins from the menu (signin.py): the states it handed out (each used
once, for minutes) and the hashes of the codes it exchanged (a code is used once: a replayed one is refused without
asking WeChat). Only sha256 hashes are stored, as for links and sessions."""

from . import plugin


@plugin.migration
def m003_oauth(db):
    db.execute("""CREATE TABLE console_oauth (
        secret_hash TEXT PRIMARY KEY,                 -- sha256 of 'state:' + state or 'code:' + code
        kind TEXT NOT NULL,                           -- 'state' or 'code'
        created_at TEXT NOT NULL,                     -- UTC
        expires_at TEXT NOT NULL,
        used_at TEXT)""")
    db.execute("CREATE INDEX console_oauth_created ON console_oauth (created_at)")
