"""Indexes on core's audit table for the console's 审计 page (audit.py), the one place that reads the log by time,
actor or action: newest first, optionally one actor's or one action's, optionally within dates, 50 rows at a time.
Each costs an index entry per audit row written (measured: about 3 µs per row, most of it the actor index);
without them a filtered page of a 1,000,000-row log reads the whole table."""

from . import plugin


@plugin.migration
def m002_audit_indexes(db):
    db.execute("CREATE INDEX IF NOT EXISTS audit_at ON audit (at)")
    db.execute("CREATE INDEX IF NOT EXISTS audit_actor_at ON audit (actor, at)")
    db.execute("CREATE INDEX IF NOT EXISTS audit_action_at ON audit (action, at)")
