"""The register plugin's table: registration requests with their own stable numbers. Never edit or rename a
migration that has shipped (they are recorded as register.m001_requests, ...); add the next."""

from . import plugin


@plugin.migration
def m001_requests(db):
    """Registration requests with their own stable number: `81 N` names one request, not a position in a list
    that moves when someone re-sends `9`. A request changed by its sender is superseded by a new one (a new
    number); deciding one records who, when, why, and the MsgId that did it (a WeChat retry decides nothing
    else)."""
    db.execute("""CREATE TABLE registration_requests (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL REFERENCES users(openid),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
        superseded_by INTEGER,
        decided_by TEXT,
        decided_at TEXT,
        decided_msg_id TEXT,
        reason TEXT NOT NULL DEFAULT '')""")
    db.execute("CREATE INDEX registration_requests_status ON registration_requests (status, id)")
    db.execute("CREATE INDEX registration_requests_openid ON registration_requests (openid, status)")
    db.execute("""INSERT INTO registration_requests (openid, group_id, name, created_at)
                  SELECT openid, requested_group_id, requested_name, requested_at FROM users
                  WHERE requested_group_id IS NOT NULL ORDER BY requested_at, openid""")


@plugin.migration
def m002_decided_by_message(db):
    """`81 全部` (and its retry) finds the requests a message decided through an index, not the centre's history."""
    db.execute("CREATE INDEX registration_requests_decided_msg_id ON registration_requests (decided_msg_id)")


@plugin.migration
def m003_no_lookup_by_message(db):
    """The framework answers WeChat's retries with the saved reply (issue 13): nothing looks requests up by the
    deciding MsgId any more, and new decisions leave decided_msg_id empty; the column keeps the old ones."""
    db.execute("DROP INDEX IF EXISTS registration_requests_decided_msg_id")
