"""Read-only questions about the core tables (teams and people) that several plugins ask: any reader with
`.query`/`.one` will do (a transaction, app.store, a report snapshot)."""

from .text import is_number


def group_by_name(store, name):
    return store.one("SELECT * FROM groups WHERE name = :n", {"n": name})


def number_or_team(store, args):
    """`81 3` / `83 #3` -> (3, None); `81 研发一组` alone -> (None, that team's row); anything else -> (None, None):
    the commands whose argument is a number or, to list one team's part, a team name."""
    number = args[0].lstrip("#")
    if is_number(number):
        return int(number), None
    return None, group_by_name(store, args[0]) if len(args) == 1 else None


def all_groups(store):
    return store.query("SELECT * FROM groups ORDER BY id")


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
        rows = store.query(f"SELECT openid, name FROM users WHERE openid IN ({marks})", wanted)
        names = {row["openid"]: row["name"] for row in rows if row["name"]}
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
