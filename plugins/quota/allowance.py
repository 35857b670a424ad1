"""A team's quarter: its allowance (per head with proration by month, or the team's own figure), what it used
(open + settled records whose local spending date falls in the quarter; void ones never count) and what is left;
the part of the open records beyond the allowance, and which open records a settlement may pay within it.

Every function takes a reader (a transaction, app.store, a report snapshot) and the app, and returns None (or an
empty result) while the quota plugin is disabled or not loaded, or when the team has no quota: callers need not
require the plugin. The rules, in words, are in docs/quota.md.

Head count: a person counts for a month of the quarter for the team they belonged to on that month's first day
(local midnight); one who belonged to none then but joined a team during the month counts for that team (the
first they joined). So someone who leaves counts up to the month they left; someone who moves counts for the old
team in the month of the move and for the new one from the next month: never twice in one month. Months still to
come count the current members. allowance = per head × member-months // 3 (fen, exact when everyone is in for the
whole quarter)."""

import functools
import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from bot.money import format_fen
from bot.timeutil import to_utc_text

from . import plugin

SHOWN_KEPT_IDS = 5     # record ids a partial settlement names of those it leaves open


# --- quarters -------------------------------------------------------------------------------------------------

def quarter_of(day):
    """A local date -> (year, quarter 1-4)."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(day):
    """'2026Q4': the quarter of a local date, as the report and the replies name it."""
    year, quarter = quarter_of(day)
    return f"{year}Q{quarter}"


def month_firsts(day):
    """The first days of the three months of `day`'s quarter, and of the next quarter: four local dates."""
    year, quarter = quarter_of(day)
    firsts = [date(year, 3 * quarter - 2 + i, 1) for i in range(3)]
    return firsts + [date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)]


def _month_starts_utc(day, tz):
    """month_firsts as local midnights in stored UTC text: what memberships' joined_at / left_at compare with."""
    return [to_utc_text(datetime.combine(first, time(0), tzinfo=tz)) for first in month_firsts(day)]


# --- settings ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    per_head_fen: int
    teams: dict           # team name -> fen (0: that team has no quota)
    over: str             # 'warn' | 'refuse'

    def for_team(self, name):
        """(allowance fen of the whole team, None) for a team with its own figure, (None, per-head fen) for one
        counted by head, None for a team without a quota."""
        if name in self.teams:
            return (self.teams[name], None) if self.teams[name] > 0 else None
        return (None, self.per_head_fen) if self.per_head_fen > 0 else None


@functools.lru_cache(maxsize=32)
def _parsed(per_head, team_items, over):
    """The settings as fen (parsed once per distinct value, not on every message)."""
    from . import yuan_or_zero_fen
    return Rules(yuan_or_zero_fen(per_head), {name: yuan_or_zero_fen(v) for name, v in team_items}, over)


def active(app):
    """True while the quota plugin is loaded and enabled in `app`."""
    return any(p is plugin for p in app.plugins) and plugin.enabled(app.config)


def rules(app):
    """The quota settings of `app` as fen, or None while the plugin is off or no quota is configured at all."""
    if not active(app):
        return None
    settings = plugin.settings(app.config)
    teams = settings.get("teams") if isinstance(settings.get("teams"), dict) else {}
    parsed = _parsed(settings.get("per_head_per_quarter"), tuple(sorted(teams.items())), settings.get("over"))
    if parsed.per_head_fen <= 0 and not any(v > 0 for v in parsed.teams.values()):
        return None
    return parsed


# --- figures ----------------------------------------------------------------------------------------------------

def short_yuan(fen):
    """Exact 元 in as few characters as possible, for lines that must stay short: 300000 -> '3000',
    123450 -> '1234.5', 123456 -> '1234.56' (no thousands separators, no trailing zeros)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}" + (f".{cents:02d}".rstrip("0") if cents else "")


@dataclass(frozen=True)
class Quota:
    """One team's quarter. Money in fen; `per_head_fen` None when the allowance is the team's own figure."""
    group_id: int
    group_name: str
    quarter: str                 # '2026Q4'
    allowance_fen: int
    open_fen: int
    settled_fen: int
    heads: int                   # people counted for at least one month of the quarter
    prorated: int                # of them, counted for fewer than three months
    per_head_fen: int | None = None

    @property
    def used_fen(self):
        return self.open_fen + self.settled_fen

    @property
    def left_fen(self):
        """Allowance - used: negative when the team is over."""
        return self.allowance_fen - self.used_fen

    @property
    def over_fen(self):
        return max(0, -self.left_fen)

    @property
    def room_fen(self):
        """What settlements may still pay within the allowance: allowance - already settled (never below 0)."""
        return max(0, self.allowance_fen - self.settled_fen)

    def basis(self):
        """How the allowance was reached: '12 人 × 250 元；1 人按月折算' or '小组额度，12 人'."""
        if self.per_head_fen is None:
            return f"小组额度，{self.heads} 人"
        text = f"{self.heads} 人 × {format_fen(self.per_head_fen).removesuffix('.00')} 元"
        return text + (f"；{self.prorated} 人按月折算" if self.prorated else "")

    def tail(self):
        return f"已超出 {format_fen(self.over_fen)} 元" if self.over_fen else f"剩余 {format_fen(self.left_fen)} 元"

    def line(self, label="本季度"):
        """'本季度已用 3,120.00 / 额度 3,000.00 元（12 人 × 250 元；1 人按月折算），已超出 120.00 元'."""
        return (f"{label}已用 {format_fen(self.used_fen)} / 额度 {format_fen(self.allowance_fen)} 元"
                f"（{self.basis()}），{self.tail()}")

    def with_record(self, amount_fen):
        """The same quarter with one more open record of `amount_fen`."""
        return replace(self, open_fen=self.open_fen + amount_fen)


# Per team of `day`'s quarter: member-months, heads (people counted in at least one month) and how many of them
# count for fewer than three. A person-month goes to the stay covering the month's first (local) midnight, else
# to the first stay they began during the month; stays of one person never overlap (record_stay closes one before
# it opens the next).
_MEMBER_MONTHS = """
    WITH months(k, s, e) AS (VALUES (0, :s0, :s1), (1, :s1, :s2), (2, :s2, :s3)),
    stays AS (SELECT openid, group_id, joined_at, left_at FROM memberships
              WHERE joined_at < :s3 AND (left_at IS NULL OR left_at > :s0) {people}),
    covered AS (SELECT st.openid, months.k, st.group_id FROM months JOIN stays st
                ON st.joined_at <= months.s AND (st.left_at IS NULL OR st.left_at > months.s)),
    joined AS (SELECT st.openid, months.k, st.group_id, MIN(st.joined_at) FROM months JOIN stays st
               ON st.joined_at > months.s AND st.joined_at < months.e GROUP BY st.openid, months.k),
    counted AS (SELECT openid, k, group_id FROM covered
                UNION ALL
                SELECT j.openid, j.k, j.group_id FROM joined j
                WHERE NOT EXISTS (SELECT 1 FROM covered c WHERE c.openid = j.openid AND c.k = j.k)),
    people AS (SELECT group_id, openid, COUNT(*) AS months FROM counted GROUP BY group_id, openid)
    SELECT group_id, SUM(months) AS member_months, COUNT(*) AS heads, SUM(months < 3) AS prorated
    FROM people {team} GROUP BY group_id"""

_PEOPLE_OF_TEAM = ("AND openid IN (SELECT openid FROM memberships WHERE group_id = :g AND joined_at < :s3 "
                   "AND (left_at IS NULL OR left_at > :s0))")


def member_months(reader, tz, day, group_id=None):
    """{group_id: (member-months, heads, prorated)} for `day`'s quarter (the rule in the module's docstring), in
    one query over the stays that overlap the quarter; only `group_id`'s (its people's stays in other teams
    decide a month of a move) when given."""
    starts = _month_starts_utc(day, tz)
    sql = _MEMBER_MONTHS.format(people=_PEOPLE_OF_TEAM if group_id is not None else "",
                                team="WHERE group_id = :g" if group_id is not None else "")
    params = {f"s{i}": start for i, start in enumerate(starts)} | {"g": group_id}
    return {row["group_id"]: (row["member_months"], row["heads"], row["prorated"])
            for row in reader.query(sql, params)}


_USED = """SELECT e.status AS status, SUM(e.amount_fen) AS fen FROM expenses e INDEXED BY expenses_group_status_spent
           WHERE e.group_id = :g AND e.status IN ({statuses}) AND e.spent_on >= :s AND e.spent_on < :e
           GROUP BY e.status"""


def _used(reader, group_ids, day, statuses=("open", "settled")):
    """{group_id: {'open': fen, 'settled': fen}} of `day`'s quarter: one index range per team and status (only
    `statuses` are read; the others stay 0)."""
    firsts = month_firsts(day)
    sql = _USED.format(statuses=", ".join(f"'{s}'" for s in statuses))
    used = {g: {"open": 0, "settled": 0} for g in group_ids}
    for group_id in group_ids:
        for row in reader.query(sql, {"g": group_id, "s": firsts[0].isoformat(), "e": firsts[3].isoformat()}):
            used[group_id][row["status"]] = row["fen"]
    return used


def _quotas(reader, app, groups, day, found, statuses=("open", "settled")):
    """Quota of each team in `groups` (dicts with id, name) that has one, for `day`'s quarter (its open or settled
    figure left 0 when `statuses` leaves it out: 82's over-allowance needs only the settled one)."""
    found = found or rules(app)
    if found is None:
        return {}
    ruled = {g["id"]: (g, found.for_team(g["name"])) for g in groups}
    ruled = {gid: pair for gid, pair in ruled.items() if pair[1] is not None}
    if not ruled:
        return {}
    months = member_months(reader, app.tz, day, next(iter(ruled)) if len(ruled) == 1 else None)
    used = _used(reader, list(ruled), day, statuses)
    label = quarter_label(day)
    quotas = {}
    for gid, (group, (team_fen, head_fen)) in ruled.items():
        member_months_, heads, prorated = months.get(gid) or (0, 0, 0)
        allowance = team_fen if head_fen is None else head_fen * member_months_ // 3
        quotas[gid] = Quota(gid, group["name"], label, allowance, used[gid]["open"], used[gid]["settled"],
                            heads, prorated, head_fen)
    return quotas


def quota_for(reader, app, group, day):
    """The Quota of team `group` (a dict with id and name) for the quarter of local date `day`, or None (no
    quota for it, or the plugin off)."""
    if group is None:
        return None
    return _quotas(reader, app, [group], day, None).get(group["id"])


def quotas_for_all(reader, app, day):
    """{group_id: Quota} of every team that has a quota, for `day`'s quarter; {} with none (or the plugin off)."""
    found = rules(app)
    if found is None:
        return {}
    return _quotas(reader, app, reader.query("SELECT id, name FROM groups ORDER BY id"), day, found)


# --- beyond the allowance, and settling within it -----------------------------------------------------------------

_OPEN_EDGE = ("SELECT {edge}(spent_on) AS day FROM expenses INDEXED BY expenses_group_status_spent "
              "WHERE group_id = :g AND status = 'open'")
_OPEN_IN = ("SELECT SUM(amount_fen) AS fen FROM expenses INDEXED BY expenses_group_status_spent "
            "WHERE group_id = :g AND status = 'open' AND spent_on >= :s AND spent_on < :e")


def open_by_quarter(reader, group_id):
    """{first day of a quarter: open fen} of one team, for the quarters from its oldest open record to its newest:
    two index seeks for the ends, then one index range per quarter (no sort, no per-row expression)."""
    oldest, newest = (reader.query(_OPEN_EDGE.format(edge=edge), {"g": group_id})[0]["day"]
                      for edge in ("MIN", "MAX"))
    found = {}
    first = oldest and month_firsts(date.fromisoformat(oldest))[0]
    while first and first.isoformat() <= newest:
        after = month_firsts(first)[3]
        fen = reader.query(_OPEN_IN, {"g": group_id, "s": first.isoformat(), "e": after.isoformat()})[0]["fen"]
        if fen:
            found[first] = fen
        first = after
    return found


def over_allowance(reader, app, group=None):
    """{group_id: fen} of the part of each team's open records beyond its allowance (only `group`'s when given):
    per quarter with open records, open - (allowance - settled, at least 0) when positive, summed. Teams without
    a quota are absent; {} while the plugin is off or no quota is configured."""
    found = rules(app)
    if found is None:
        return {}
    groups = [group] if group is not None else reader.query("SELECT id, name FROM groups ORDER BY id")
    groups = [g for g in groups if found.for_team(g["name"]) is not None]
    by_quarter = defaultdict(dict)          # first day of the quarter -> {group id: open fen}
    names = {g["id"]: g["name"] for g in groups}
    for g in groups:
        for first, fen in open_by_quarter(reader, g["id"]).items():
            by_quarter[first][g["id"]] = fen
    over = {}
    for first, open_fen in sorted(by_quarter.items()):
        quotas = _quotas(reader, app, [{"id": g, "name": names[g]} for g in open_fen], first, found, ("settled",))
        for gid, quota in quotas.items():
            over[gid] = over.get(gid, 0) + max(0, open_fen[gid] - quota.room_fen)
    return over


@dataclass(frozen=True)
class QuarterPart:
    """One quarter of a settlement within the allowance: its Quota, and the open records it takes and leaves."""
    quota: Quota
    chosen_count: int
    chosen_fen: int
    kept_count: int
    kept_fen: int


@dataclass(frozen=True)
class WithinPlan:
    """Which open records of one team a settlement within the allowance pays: per quarter, whole records oldest
    first (spent_on, id) while their running sum stays within allowance - already settled; the rest stay open."""
    group_id: int
    group_name: str
    chosen: tuple                # ((id, amount_fen, openid), ...) in settling order
    kept: tuple                  # ((id, amount_fen, openid), ...) left open, oldest first
    parts: tuple                 # QuarterPart per quarter with open records, oldest first

    @property
    def chosen_fen(self):
        return sum(r[1] for r in self.chosen)

    @property
    def kept_fen(self):
        return sum(r[1] for r in self.kept)

    @property
    def figures(self):
        """What the admin confirms and the settlement checks again: count, total fen, highest id and a digest of
        the ids of the chosen records, so any change to that set (a record dated into it, a void that lets
        another one in) is seen. Records that do not fit leave it alone: members recording meanwhile do not
        keep the admin confirming again and again; the reply names what stays open at the time it is settled."""
        ids = ",".join(str(r[0]) for r in sorted(self.chosen))
        return (len(self.chosen), self.chosen_fen, max((r[0] for r in self.chosen), default=None),
                hashlib.sha256(ids.encode()).hexdigest()[:16])

    def kept_ids_text(self):
        """'#12、#15、#18 等' : the first few records left open."""
        ids = "、".join(f"#{r[0]}" for r in self.kept[:SHOWN_KEPT_IDS])
        return ids + (" 等" if len(self.kept) > SHOWN_KEPT_IDS else "")


def within_allowance(reader, app, group):
    """The WithinPlan of team `group` (dict with id and name), or None when it has no quota (or the plugin is
    off). Finds the team's open records through the quarter index (by spent_on, then id), not its history."""
    found = rules(app)
    if found is None or found.for_team(group["name"]) is None:
        return None
    rows = reader.query("SELECT id, spent_on, amount_fen, openid FROM expenses INDEXED BY expenses_group_status_spent "
                        "WHERE group_id = :g AND status = 'open' ORDER BY spent_on, id", {"g": group["id"]})
    by_quarter = defaultdict(list)
    for row in rows:
        by_quarter[month_firsts(date.fromisoformat(row["spent_on"]))[0]].append(
            (row["id"], row["amount_fen"], row["openid"]))
    chosen, kept, parts = [], [], []
    for first, records in sorted(by_quarter.items()):
        quota = _quotas(reader, app, [group], first, found)[group["id"]]
        room, taken = quota.room_fen, 0
        for index, record in enumerate(records):
            if taken + record[1] > room:
                break
            taken += record[1]
        else:
            index = len(records)
        chosen += records[:index]
        kept += records[index:]
        parts.append(QuarterPart(quota, index, taken, len(records) - index,
                                 sum(r[1] for r in records[index:])))
    return WithinPlan(group["id"], group["name"], tuple(chosen), tuple(kept), tuple(parts))


def refuses(app, quota, amount_fen):
    """True when `plugins.quota.over` is 'refuse' and a new record of `amount_fen` would take the team's used
    beyond its allowance (`quota`: the record's quarter before it)."""
    found = rules(app)
    return bool(found and quota and found.over == "refuse" and quota.used_fen + amount_fen > quota.allowance_fen)


def label_for(quota, today):
    """'本季度' for the quarter of `today`, else the quarter's name and a space ('2026Q3 '): how a reply names
    the quarter of a record dated earlier."""
    return "本季度" if quota.quarter == quarter_label(today) else f"{quota.quarter} "
