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


_STAYS = ("SELECT openid, group_id, joined_at, left_at FROM memberships "
          "WHERE joined_at < :end AND (left_at IS NULL OR left_at > :start)")


def member_months(reader, tz, day, group_id=None):
    """{group_id: {openid: months counted (1-3)}} for `day`'s quarter (the rule in the module's docstring); only
    `group_id`'s people (with their stays in other teams, which decide a month of a move) when given."""
    starts = _month_starts_utc(day, tz)
    params = {"start": starts[0], "end": starts[3], "g": group_id}
    sql = _STAYS
    if group_id is not None:
        sql += (" AND openid IN (SELECT openid FROM memberships WHERE group_id = :g AND joined_at < :end "
                "AND (left_at IS NULL OR left_at > :start))")
    stays = defaultdict(list)
    for row in reader.query(sql, params):
        stays[row["openid"]].append((row["group_id"], row["joined_at"], row["left_at"]))
    counted = defaultdict(lambda: defaultdict(int))
    for openid, theirs in stays.items():
        for start, end in zip(starts, starts[1:]):
            team = next((g for g, joined, left in theirs if joined <= start and (left is None or left > start)), None)
            if team is None:
                joins = sorted((joined, g) for g, joined, left in theirs if start < joined < end)
                team = joins[0][1] if joins else None
            if team is not None:
                counted[team][openid] += 1
    return counted


_USED = """SELECT e.group_id AS group_id, e.status AS status, SUM(e.amount_fen) AS fen
           FROM expenses e INDEXED BY expenses_group_status_spent
           WHERE e.group_id = :g AND e.status IN ('open', 'settled') AND e.spent_on >= :s AND e.spent_on < :e
           GROUP BY e.status"""


def _used(reader, group_ids, day):
    """{group_id: {'open': fen, 'settled': fen}} of `day`'s quarter: two index ranges per team."""
    firsts = month_firsts(day)
    used = {g: {"open": 0, "settled": 0} for g in group_ids}
    for group_id in group_ids:
        for row in reader.query(_USED, {"g": group_id, "s": firsts[0].isoformat(), "e": firsts[3].isoformat()}):
            used[group_id][row["status"]] = row["fen"]
    return used


def _quotas(reader, app, groups, day, found):
    """Quota of each team in `groups` (dicts with id, name) that has one, for `day`'s quarter."""
    found = found or rules(app)
    if found is None:
        return {}
    ruled = {g["id"]: (g, found.for_team(g["name"])) for g in groups}
    ruled = {gid: pair for gid, pair in ruled.items() if pair[1] is not None}
    if not ruled:
        return {}
    months = member_months(reader, app.tz, day, next(iter(ruled)) if len(ruled) == 1 else None)
    used = _used(reader, list(ruled), day)
    label = quarter_label(day)
    quotas = {}
    for gid, (group, (team_fen, head_fen)) in ruled.items():
        people = months.get(gid) or {}
        allowance = team_fen if head_fen is None else head_fen * sum(people.values()) // 3
        quotas[gid] = Quota(gid, group["name"], label, allowance, used[gid]["open"], used[gid]["settled"],
                            len(people), sum(1 for n in people.values() if n < 3), head_fen)
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

_OPEN_BY_MONTH = """SELECT g.id AS group_id, g.name AS group_name, substr(e.spent_on, 1, 7) AS month,
                           SUM(e.amount_fen) AS fen
                    FROM groups g JOIN expenses e INDEXED BY expenses_group_status_spent
                         ON e.group_id = g.id AND e.status = 'open'
                    {where} GROUP BY g.id, month"""


def over_allowance(reader, app, group=None):
    """{group_id: fen} of the part of each team's open records beyond its allowance (only `group`'s when given):
    per quarter with open records, open - (allowance - settled, at least 0) when positive, summed. Teams without
    a quota are absent; {} while the plugin is off or no quota is configured."""
    found = rules(app)
    if found is None:
        return {}
    where = "" if group is None else "WHERE g.id = :g"
    by_quarter = defaultdict(lambda: defaultdict(int))          # first day of the quarter -> {group: open fen}
    names = {}
    for row in reader.query(_OPEN_BY_MONTH.format(where=where), {"g": group and group["id"]}):
        first = month_firsts(date.fromisoformat(row["month"] + "-01"))[0]
        by_quarter[first][row["group_id"]] += row["fen"]
        names[row["group_id"]] = row["group_name"]
    over = {}
    for first, open_fen in sorted(by_quarter.items()):
        quotas = _quotas(reader, app, [{"id": g, "name": names[g]} for g in open_fen], first, found)
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
        """What the admin confirms and the settlement checks again: (count, total fen, highest id) of the chosen
        records and (count, total fen) of those left open. Any record or void since changes one of them."""
        return (len(self.chosen), self.chosen_fen, max((r[0] for r in self.chosen), default=None),
                len(self.kept), self.kept_fen)

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
