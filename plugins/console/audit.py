"""审计: the audit log (core's `audit` table), newest first, 50 rows a page, filtered by actor, action and local
dates. Every read goes through an index (schema_audit.py): newest first by (at), one actor's by (actor, at), one
action's by (action, at), dates as a range of the same index; pages are keyset (the row the page starts after),
so the 20,000th page costs what the first does; the actor and action lists are read by skipping through their
index (one lookup per distinct value), never by scanning the log."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from bot.ledger import display_names
from bot.timeutil import local_text, to_utc_text

from .web import console_page, is_number, query_value, render, STAFF

PER_PAGE = 50
# actions whose target is a person's openid: shown by name, as the actor is
PERSON_TARGETS = {"approve", "reject", "member.rename", "member.move", "member.leave", "console.login", "subscribe",
                  "unsubscribe"}


def distinct_values(app, column):
    """The distinct values of audit.actor or audit.action, read by skipping through the column's index."""
    assert column in ("actor", "action")
    rows = app.store.query(
        f"""WITH RECURSIVE v(x) AS (
                SELECT MIN({column}) FROM audit
                UNION ALL
                SELECT (SELECT MIN({column}) FROM audit WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL)
            SELECT x FROM v WHERE x IS NOT NULL""")
    return [row["x"] for row in rows]


def parse_day(text):
    """A YYYY-MM-DD text as a date, '' as None; anything else raises ValueError."""
    if not text:
        return None
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def local_midnight_utc(day, tz):
    return to_utc_text(datetime.combine(day, time(0), tzinfo=tz))


def audit_rows(app, actor="", action="", since=None, until=None, before=None, after=None):
    """(rows newest first, older rows exist, newer rows exist) for one page. since/until: UTC texts (until
    excluded); before/after: (at, id) of the row the page continues from."""
    filters = {"actor = :actor": actor, "action = :action": action, "at >= :since": since, "at < :until": until}
    where = [clause for clause, value in filters.items() if value]
    params = {clause.split(":")[1]: value for clause, value in filters.items() if value}
    # with both an actor and an action, one person's entries are the fewer to walk (planner has no statistics)
    table = "audit INDEXED BY audit_actor_at" if actor and action else "audit"

    def page(extra, order, cursor, n=PER_PAGE + 1):
        clause = " AND ".join(where + ([extra] if extra else []))
        return app.store.query(f"SELECT id, at, actor, action, target, detail FROM {table} "
                               f"{'WHERE ' + clause if clause else ''} ORDER BY at {order}, id {order} LIMIT :n",
                               {**params, "n": n, "cat": cursor[0], "cid": cursor[1]} if cursor else {**params, "n": n})

    if after is not None:            # the page of rows just newer than `after`, read upwards, shown newest first
        rows = page("(at, id) > (:cat, :cid)", "ASC", after)
        newer = len(rows) > PER_PAGE
        rows = list(reversed(rows[:PER_PAGE]))
        older = bool(page("(at, id) <= (:cat, :cid)", "DESC", after, n=1))
    else:                            # the first page, or the rows just older than `before`
        rows = page("(at, id) < (:cat, :cid)" if before else "", "DESC", before)
        older = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        newer = before is not None and bool(page("(at, id) >= (:cat, :cid)", "ASC", before, n=1))
    return rows, older, newer


def _cursor(app, text):
    """(at, id) of the audit row a page link names, or None."""
    if not text.isascii() or not is_number(text) or len(text) > 18:
        return None
    row = app.store.one("SELECT at, id FROM audit WHERE id = ?", [int(text)])
    return (row["at"], row["id"]) if row else None


@console_page("/console/audit", roles=STAFF)
def audit_page(app, visitor):
    actor, action = query_value("actor"), query_value("action")
    problems = []
    days = {}
    for name in ("from", "to"):
        try:
            days[name] = parse_day(query_value(name))
        except ValueError:
            days[name] = None
            problems.append(f"日期“{query_value(name)}”看不懂，请用 年-月-日（例如 2026-11-30）。")
    if days["from"] and days["to"] and days["from"] > days["to"]:
        problems.append("开始日期晚于结束日期，没有符合的记录。")
    since = local_midnight_utc(days["from"], app.tz) if days["from"] else None
    until = local_midnight_utc(days["to"] + timedelta(days=1), app.tz) if days["to"] else None
    before, after = _cursor(app, query_value("before")), _cursor(app, query_value("after"))
    rows, older, newer = audit_rows(app, actor, action, since, until, before=before,
                                    after=after if before is None else None)

    actors = distinct_values(app, "actor")
    people = set(actors) | {r["actor"] for r in rows} | {r["target"] for r in rows if r["action"] in PERSON_TARGETS}
    names = display_names(app.store, app.config, people)
    actor_options = sorted(((names.get(a) or "（无）", a) for a in actors), key=lambda pair: (pair[0], pair[1]))
    for row in rows:
        row["when"] = local_text(row["at"], app.tz, "%Y-%m-%d %H:%M:%S")
        row["actor_name"] = names.get(row["actor"]) or "—"
        row["target_text"] = names.get(row["target"], row["target"]) if row["action"] in PERSON_TARGETS \
            else row["target"]

    page_text = query_value("page", "1")
    page = max(int(page_text), 1) if page_text.isascii() and is_number(page_text) and len(page_text) < 9 else 1
    filters = {"actor": actor, "action": action, "from": query_value("from") if days["from"] else "",
               "to": query_value("to") if days["to"] else ""}

    def link(**cursor):
        return "/console/audit?" + urlencode({k: v for k, v in {**filters, **cursor}.items() if v})

    return render("audit.tpl", visitor, problem=" ".join(problems) or None, rows=rows, filters=filters,
                  actor_options=actor_options, actions=distinct_values(app, "action"), page=page,
                  older_url=link(before=rows[-1]["id"], page=page + 1) if older and rows else None,
                  newer_url=link(after=rows[0]["id"], page=max(page - 1, 1)) if newer and rows else None,
                  first_url=link() if newer else None)
