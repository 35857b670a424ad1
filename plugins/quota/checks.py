"""`check` for the quota settings beyond their types: a team named under `plugins.quota.teams` must exist, or a
typo would silently give the real team the per-head figure instead of its own."""

import difflib
import os
import sqlite3

from . import plugin


def database_team_names(path):
    """The team names in the database at `path` (read-only), or none when it does not exist (yet) or cannot be
    read: `check` runs before `serve` has migrated anything."""
    if not path or not os.path.exists(path):
        return set()
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return {name for (name,) in conn.execute("SELECT name FROM groups")}
        finally:
            conn.close()
    except sqlite3.Error:
        return set()


@plugin.check_config
def check_quota_teams(config):
    """A problem per `plugins.quota.teams` key that names no team (in `groups:` or in the database)."""
    settings = plugin.settings(config)
    teams = settings.get("teams")
    if settings.get("enabled") is False or not isinstance(teams, dict) or not teams:
        return []
    known = {str(g) for g in config.get("groups") or []} | database_team_names(config.get("database"))
    problems = []
    for name in teams:
        if str(name) in known:
            continue
        close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.5)
        hint = f"，是不是“{close[0]}”？" if close else f"（现有小组：{'、'.join(sorted(known)) or '还没有'}）。"
        problems.append(f"plugins.quota.teams 中的“{name}”不是任何小组的名字{hint}写错的组名不会生效，"
                        "那个小组会按人数计算额度：请改成小组的准确名字，或删掉这一项")
    return problems
