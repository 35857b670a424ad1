"""Read-only questions about the expense ledger that other plugins ask too (query, settle, export): totals
from the covering indexes, never the history. The first argument is any reader (a transaction, app.store, a
report snapshot)."""

from bot.money import format_fen


def open_totals_by_group(store, group_id=None):
    """Every team (or only `group_id`), with its open (unreimbursed) total, count and highest open record id;
    teams with nothing open show 0. Read from the team index's open entries (covered)."""
    return store.query(
        f"""SELECT g.id AS group_id, g.name AS group_name,
                  COALESCE(SUM(e.amount_fen), 0) AS total_fen, COUNT(e.id) AS count, MAX(e.id) AS max_id
           FROM groups g LEFT JOIN expenses e ON e.group_id = g.id AND e.status = 'open'
           {'' if group_id is None else 'WHERE g.id = :g'} GROUP BY g.id ORDER BY g.id""",
        {"g": group_id},
    )


def open_totals_by_member(store, group_id):
    """Open totals per organiser of one team, largest first (ties by openid: the same data reads the same)."""
    return store.query(
        """SELECT e.openid, COALESCE(NULLIF(u.name, ''), '未登记用户') AS name,
                  SUM(e.amount_fen) AS total_fen, COUNT(*) AS count
           FROM expenses e LEFT JOIN users u ON u.openid = e.openid
           WHERE e.group_id = :g AND e.status = 'open'
           GROUP BY e.openid ORDER BY total_fen DESC, e.openid""",
        {"g": group_id},
    )


def member_totals(store, openid):
    """One member's open and settled totals and counts, and their latest batch: from the member's index entries
    (openid, status, amount_fen, settlement_id), never their rows (three years are ~500 settled records)."""
    row = store.one(
        """SELECT COALESCE(SUM(CASE WHEN status = 'open' THEN amount_fen END), 0) AS open_fen,
                  COUNT(CASE WHEN status = 'open' THEN 1 END) AS open_count,
                  COALESCE(SUM(CASE WHEN status = 'settled' THEN amount_fen END), 0) AS settled_fen,
                  COUNT(CASE WHEN status = 'settled' THEN 1 END) AS settled_count,
                  MAX(CASE WHEN status = 'settled' THEN settlement_id END) AS last_settlement_id
           FROM expenses WHERE openid = :o""",
        {"o": openid},
    )
    return row


_QUARTER = "substr(e.spent_on, 1, 4) || 'Q' || ((CAST(substr(e.spent_on, 6, 2) AS INTEGER) + 2) / 3)"


def quarter_totals(store, year=None):
    """Per team and quarter (of the local spending date): open and settled totals and counts.

    Money is bucketed into quarters by one expression (_QUARTER, also open_quarter_totals'); `spent_on` is
    already a local date, so the configured timezone is applied when the expense is recorded.
    """
    where, params = "", {}
    if year is not None:
        where, params = "AND substr(e.spent_on, 1, 4) = :y", {"y": str(year)}
    rows = store.query(
        f"""SELECT g.id AS group_id, g.name AS group_name,
                   {_QUARTER} AS quarter,
                   COALESCE(SUM(CASE WHEN e.status = 'open' THEN e.amount_fen END), 0) AS open_fen,
                   COUNT(CASE WHEN e.status = 'open' THEN 1 END) AS open_count,
                   COALESCE(SUM(CASE WHEN e.status = 'settled' THEN e.amount_fen END), 0) AS settled_fen,
                   COUNT(CASE WHEN e.status = 'settled' THEN 1 END) AS settled_count
            FROM expenses e JOIN groups g ON g.id = e.group_id
            WHERE e.status != 'void' {where}
            GROUP BY g.id, quarter ORDER BY g.id, quarter""",
        params,
    )
    return rows


def open_quarter_totals(store, group_id):
    """One team's open total and count per quarter, oldest first, read from its open records only (the settlement
    preview of that team); quarter_totals reads every record, for the report."""
    return store.query(
        f"""SELECT {_QUARTER} AS quarter, SUM(e.amount_fen) AS open_fen, COUNT(*) AS open_count
            FROM expenses e WHERE e.group_id = :g AND e.status = 'open' GROUP BY quarter ORDER BY quarter""",
        {"g": group_id},
    )


def team_line(row):
    """One team's open total on one line, short enough for 50 teams in one reply (`4`, `82`)."""
    return f"{row['group_name']} {format_fen(row['total_fen'])} 元 {row['count']} 笔"
