"""Read-only questions about the expense ledger, asked by several plugins (query, settle, export)."""

from .timeutil import quarter_bounds


def group_by_name(store, name):
    return store.one("SELECT * FROM groups WHERE name = :n", {"n": name})


def number_or_team(store, args):
    """`81 3` / `83 #3` -> (3, None); `81 研发一组` alone -> (None, that team's row); anything else -> (None, None):
    the commands whose argument is a number or, to list one team's part, a team name."""
    number = args[0].lstrip("#")
    if number.isdigit():
        return int(number), None
    return None, group_by_name(store, args[0]) if len(args) == 1 else None


def group_names_text(store):
    """Every team's name for a reply that names an unknown team ('研发一组、研发二组'), or what to do without any."""
    return "、".join(g["name"] for g in all_groups(store)) or "还没有小组，请联系管理员创建（87 组名）"


def all_groups(store):
    return store.query("SELECT * FROM groups ORDER BY id")


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


def quarter_label_range(label):
    """'2026Q4' -> ('2026-10-01', '2027-01-01') as text, for SQL on spent_on."""
    start, end = quarter_bounds(label)
    return start.isoformat(), end.isoformat()


ACTOR_WORDS = {"config": "系统（配置）", "scheduler": "系统（定时）", "full": "系统（满员开奖）", "system": "系统",
               "console": "系统（控制台）", "": ""}


def display_names(store, config, openids):
    """{openid: the name people read} for actors and organisers: their registered name, else their role
    ('管理员', '财务'), else '未登记用户'; never the openid itself, which is an account key, not a name (finance and
    members see these in replies, pushes and the report)."""
    wanted = sorted({o for o in openids if o is not None})
    names = {}
    if wanted:
        marks = ",".join("?" * len(wanted))
        rows = store.db.execute(f"SELECT openid, name FROM users WHERE openid IN ({marks})", wanted).fetchall()
        names = {openid: name for openid, name in rows if name}
    admins, finance = set(config.get("admins") or []), set(config.get("finance") or [])
    extra = config.get("_extra_roles") or {}          # roles granted outside the file (the local console)
    result = {}
    for openid in wanted:
        if openid in names:
            result[openid] = names[openid]
        elif openid in ACTOR_WORDS:
            result[openid] = ACTOR_WORDS[openid]
        elif openid in admins or "admin" in extra.get(openid, ()):
            result[openid] = "管理员"
        elif openid in finance or "finance" in extra.get(openid, ()):
            result[openid] = "财务"
        else:
            result[openid] = "未登记用户"
    return result


def display_name(store, config, openid):
    return display_names(store, config, [openid]).get(openid, "")
