"""A database made by the code deployed before issue 13 (tests/vectors/legacy: built through chat by 94c30b5) migrates
forward with every row and every total kept, ends with the same schema as a new database, and then works."""

import copy
import json
import sqlite3
from pathlib import Path

import pytest

from bot.app import App
from bot.config import DEFAULTS
from bot.confirm import FOOTER
from bot.money import format_fen

LEGACY = Path(__file__).parent / "vectors" / "legacy"


def _load_builder():
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_legacy_db", LEGACY / "build_legacy_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()
EXPECTED = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))


def legacy_config(database, tmp_path):
    cfg = copy.deepcopy(DEFAULTS)
    cfg["database"] = str(database)
    cfg["exports_dir"] = str(tmp_path / "exports")
    cfg["timezone"] = "Asia/Shanghai"
    cfg["wechat"]["token"] = "legacytoken"
    cfg["admins"] = [builder.ADMIN, builder.ADMIN2]
    cfg["finance"] = [builder.FINANCE]
    cfg["groups"] = ["研发一组", "研发二组"]
    cfg["plugins"]["pay"] = {"provider": "static", "static_url": builder.STATIC_URL}
    cfg["_path"] = "test"
    return cfg


@pytest.fixture
def migrated(tmp_path):
    database = tmp_path / "teabot.db"
    builder.load_sql((LEGACY / "teabot-94c30b5.sql").read_text(encoding="utf-8"), str(database)).close()
    app = App(legacy_config(database, tmp_path), sender=lambda openid, text: None).setup()
    yield app
    app.pusher.flush(5)


def schema_of(path):
    """Every table's columns and every index's name and columns, as SQLite reports them (not the CREATE text,
    which keeps the comments of whichever migration made it)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        schema = {}
        for table in tables:
            columns = [tuple(r[1:]) for r in conn.execute(f'PRAGMA table_info("{table}")')]
            indexes = sorted(
                (r[1], tuple(c[2] for c in conn.execute(f'PRAGMA index_info("{r[1]}")')), r[2])
                for r in conn.execute(f'PRAGMA index_list("{table}")'))
            schema[table] = (columns, indexes)
        return schema
    finally:
        conn.close()


def test_every_row_and_total_is_kept(migrated):
    tables = {name: spec["columns"] for name, spec in EXPECTED["tables"].items() if name != "migrations"}
    conn = sqlite3.connect(migrated.store.path)
    try:
        after = builder.fingerprint(conn, tables)
        for table in tables:
            assert after["tables"][table] == EXPECTED["tables"][table], table
        assert after["ledger"] == EXPECTED["ledger"]
        applied = {name for (name,) in conn.execute("SELECT name FROM migrations")}
    finally:
        conn.close()
    assert EXPECTED["tables"]["migrations"]["rows"] == 12
    assert {"core.m001_core", "core.m006_likely_duplicates", "pay.m002_status_totals_covered"} <= applied
    assert {"expense.m001_expenses", "settle.m001_settlements"} <= applied


def test_the_migrated_schema_is_a_new_databases(migrated, tmp_path):
    fresh = App(legacy_config(tmp_path / "fresh" / "teabot.db", tmp_path), sender=lambda o, t: None).setup()
    assert schema_of(migrated.store.path) == schema_of(fresh.store.path)


def test_the_migrated_database_answers_and_settles_to_the_fen(migrated):
    say = migrated.handle_text
    open_by_team = EXPECTED["ledger"]["open_fen_by_team"]
    centre = say(builder.FINANCE, "4")
    assert f"全中心合计：{format_fen(sum(open_by_team.values()))} 元" in centre, centre
    for team, fen in open_by_team.items():
        if fen:
            assert f"{team} {format_fen(fen)} 元" in centre, (team, centre)
    member = migrated.store.one("SELECT openid, group_id FROM users WHERE status = 'member' ORDER BY openid")
    assert "已记录" in say(member["openid"], "1 12.5 迁移后")
    team = migrated.store.one("SELECT name FROM groups WHERE id = :g", {"g": member["group_id"]})["name"]
    question = say(builder.ADMIN, f"82 {team}")
    assert question.endswith(FOOTER)
    assert "已结算" in say(builder.ADMIN, "确认")
    left = migrated.store.one("SELECT COUNT(*) AS n FROM expenses WHERE group_id = :g AND status = 'open'",
                              {"g": member["group_id"]})["n"]
    assert left == 0
