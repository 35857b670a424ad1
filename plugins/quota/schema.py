"""The quota plugin's migrations: an index on the expense plugin's table, no table of its own."""

from . import plugin


@plugin.migration
def m001_quarter_index(db):
    """A team's quarter (its open and settled records whose local spending date falls in it) is two ranges of
    this index, read from the index alone: never the team's history, nor a row. It also lists a team's open
    records oldest first (spent_on, then id) for a settlement up to the allowance (`82 组名 额度内`)."""
    db.execute("CREATE INDEX IF NOT EXISTS expenses_group_status_spent ON expenses "
               "(group_id, status, spent_on, amount_fen)")
