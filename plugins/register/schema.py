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


@plugin.migration
def m004_memberships(db):
    """Who belonged to which team when: one row per stay in a team, [joined_at, left_at) in UTC (left_at NULL
    while they are in it). Quotas count heads per month from it (plugins/quota); approving a request, moving a
    member and marking one as left write it (domain.py). A database made before it gets its history rebuilt from
    what it kept: approved requests (who joined or moved where, when), the audit's member.move and member.leave
    rows, and finally the users table (a member whose rebuilt stay is missing or elsewhere gets one in their
    current team from when they were approved)."""
    db.execute("""CREATE TABLE memberships (
        id INTEGER PRIMARY KEY,
        openid TEXT NOT NULL REFERENCES users(openid),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        joined_at TEXT NOT NULL,                      -- UTC
        left_at TEXT,                                 -- UTC; NULL: still in the team
        CHECK (left_at IS NULL OR left_at >= joined_at))""")
    # a team's stays that overlap a quarter, and one person's stays (the current one: left_at IS NULL)
    db.execute("CREATE INDEX memberships_group ON memberships (group_id, joined_at, left_at, openid)")
    db.execute("CREATE INDEX memberships_openid ON memberships (openid, left_at, joined_at)")
    for openid, group_id, joined_at, left_at in rebuilt_memberships(db):
        db.execute("INSERT INTO memberships (openid, group_id, joined_at, left_at) VALUES (?, ?, ?, ?)",
                   [openid, group_id, joined_at, left_at])


def rebuilt_memberships(db):
    """The stays of an existing database's people, replayed in time order from approved requests and the audit's
    member.move ("旧组 → 新组", the team found by its current name) and member.leave rows, then matched to users:
    [(openid, group_id, joined_at, left_at)]."""
    groups = {name: gid for gid, name in db.execute("SELECT id, name FROM groups")}
    users = {openid: (status, group_id, approved_at or created_at) for openid, status, group_id, approved_at, created_at
             in db.execute("SELECT openid, status, group_id, approved_at, created_at FROM users")}
    events = [(at, openid, "join", gid) for openid, gid, at in db.execute(
        "SELECT openid, group_id, decided_at FROM registration_requests WHERE status = 'approved' "
        "AND decided_at IS NOT NULL")]
    for at, openid, action, detail in db.execute(
            "SELECT at, target, action, detail FROM audit WHERE action IN ('member.move', 'member.leave')"):
        if action == "member.leave":
            events.append((at, openid, "leave", None))
        else:
            old, _, new = detail.partition(" → ")
            events.append((at, openid, "move", (groups.get(old.strip()), groups.get(new.strip()))))
    stays, current = [], {}                 # current: openid -> index in stays of their open stay
    for at, openid, kind, what in sorted(events, key=lambda e: (e[0], e[1])):
        if openid not in users:
            continue
        here = current.get(openid)
        if kind == "move":
            old, new = what
            if here is None and old is not None:      # joined before anything was recorded: from their approval
                stays.append([openid, old, min(users[openid][2] or at, at), None])
                here = current[openid] = len(stays) - 1
            what = new
        if here is not None and (kind == "leave" or stays[here][1] != what):
            stays[here][3] = at
            del current[openid]
        if kind != "leave" and what is not None and openid not in current:
            stays.append([openid, what, at, None])
            current[openid] = len(stays) - 1
    for openid, (status, group_id, since) in users.items():
        here = current.get(openid)
        if status == "member" and group_id is not None:
            if here is not None and stays[here][1] == group_id:
                continue
            start = since or ""
            if here is not None:             # rebuilt into another team than the one they are in: trust users
                start = max(start, stays[here][2])
                stays[here][3] = start
            stays.append([openid, group_id, start, None])
        elif here is not None:               # not a member any more, with no leave recorded: ends at the last event
            stays[here][3] = max(e[0] for e in events if e[1] == openid)
    return [tuple(s) for s in stays if s[2] and (s[3] is None or s[3] > s[2])]
