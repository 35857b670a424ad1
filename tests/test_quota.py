"""Quotas (issue 15): allowance per head with proration by month, or a team's own figure; used (open + settled) and
left per calendar quarter of the local spending date, in `1`, `3`, `4`, the 82 preview and confirmation, the
report's 小组汇总 and the console's 概览; refuse mode; the membership history head counts read."""

import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.config import validate
from bot.plugin import load_plugins
from conftest import ADMIN, FINANCE
from plugins.quota import quota_for, quotas_for_all
from plugins.quota.allowance import member_months, short_yuan
from plugins.quota.checks import check_quota_teams
from plugins.register.schema import rebuilt_memberships

TZ = ZoneInfo("Asia/Shanghai")


def utc(local_text):
    """'2026-11-15 09:00' local -> the stored UTC text."""
    from bot.timeutil import to_utc_text
    return to_utc_text(datetime.fromisoformat(local_text).replace(tzinfo=TZ))


def set_quota(app, **settings):
    app.config["plugins"]["quota"] = settings


def at(app, monkeypatch, local_text):
    """The app's clock (the configured timezone's now) at `local_text`; the server's own clock stays UTC."""
    moment = datetime.fromisoformat(local_text).replace(tzinfo=TZ)
    monkeypatch.setattr(app, "now", lambda: moment)


def backdate(app):
    """Every member a member since the start of 2025: in for whole quarters (member() approves them now)."""
    with app.transaction() as tx:
        tx.execute("UPDATE memberships SET joined_at = ?", [utc("2025-01-01 09:00")])


def value(app, sql, params=None):
    row = app.store.one(sql, params or {})
    return next(iter(row.values()))


def team(app, name):
    return app.store.one("SELECT id, name FROM groups WHERE name = :n", {"n": name})


def stay(app, openid, group, joined, left=None):
    """A membership interval (local times), written as approve / move / leave write them."""
    with app.transaction() as tx:
        tx.execute("INSERT OR IGNORE INTO users (openid, name, created_at) VALUES (?, ?, ?)",
                   [openid, openid, utc("2026-01-01 00:00")])
        tx.execute("INSERT INTO memberships (openid, group_id, joined_at, left_at) VALUES (?, ?, ?, ?)",
                   [openid, team(app, group)["id"], utc(joined), left and utc(left)])


# --- head count and proration -------------------------------------------------------------------------------

def test_head_count_prorates_by_month_join_leave_move_never_twice(app):
    """Q4 2026 (Oct, Nov, Dec), 300 per head: a member in all quarter counts 3 months; one who joined in November
    2; one who left in November 2 (up to the month they left); one who moved on Nov 20 counts for the old team in
    November and for the new one from December; one who joined at midnight on Dec 1 counts December; one who left
    at midnight on Oct 1 not at all."""
    set_quota(app, per_head_per_quarter=300)
    stay(app, "a", "研发一组", "2026-09-01 10:00")
    stay(app, "b", "研发一组", "2026-11-15 09:00")
    stay(app, "c", "研发一组", "2026-06-01 09:00", "2026-11-10 18:00")
    stay(app, "d", "研发一组", "2026-06-01 09:00", "2026-11-20 12:00")
    stay(app, "d", "研发二组", "2026-11-20 12:00")
    stay(app, "e", "研发二组", "2026-12-01 00:00")
    stay(app, "f", "研发一组", "2026-06-01 09:00", "2026-10-01 00:00")
    months = member_months(app.store, TZ, date(2026, 11, 1))
    one, two = team(app, "研发一组"), team(app, "研发二组")
    assert months == {one["id"]: (3 + 2 + 2 + 2, 4, 3), two["id"]: (1 + 1, 2, 2)}
    assert member_months(app.store, TZ, date(2026, 12, 1), two["id"]) == {two["id"]: (2, 2, 2)}
    first = quota_for(app.store, app, one, date(2026, 12, 31))
    assert (first.allowance_fen, first.heads, first.prorated) == (300_00 * 9 // 3, 4, 3)
    assert first.basis() == "4 人 × 300 元；3 人按月折算"
    second = quota_for(app.store, app, two, date(2026, 10, 1))
    assert (second.allowance_fen, second.heads, second.prorated) == (200_00, 2, 2)
    # one team's reading gives the same as every team's (it reads the other stays of its people too)
    assert quotas_for_all(app.store, app, date(2026, 11, 1)) == {one["id"]: first, two["id"]: second}
    # the next quarter: everyone still in counts every month, months to come included
    assert quota_for(app.store, app, one, date(2027, 1, 1)).allowance_fen == 300_00 * 2
    assert quota_for(app.store, app, two, date(2027, 1, 1)).allowance_fen == 300_00 * 2


def test_proration_is_exact_when_everyone_is_in_and_floors_to_the_fen_otherwise(app):
    set_quota(app, per_head_per_quarter="250.01")
    stay(app, "a", "研发一组", "2026-09-01 10:00")
    assert quota_for(app.store, app, team(app, "研发一组"), date(2026, 11, 1)).allowance_fen == 25001
    stay(app, "b", "研发一组", "2026-12-05 10:00")
    assert quota_for(app.store, app, team(app, "研发一组"), date(2026, 11, 1)).allowance_fen == 25001 * 4 // 3


def test_approve_move_and_leave_write_the_membership_history(app, say, member):
    zhang = member("张三")
    rows = app.store.query("SELECT group_id, left_at FROM memberships WHERE openid = :o", {"o": zhang})
    assert rows == [{"group_id": team(app, "研发一组")["id"], "left_at": None}]
    say(zhang, "9 研发二组 张三")              # a move asked for and approved
    request = app.store.one("SELECT id FROM registration_requests WHERE status = 'pending'")["id"]
    assert "已通过" in say(ADMIN, f"81 {request}")
    from plugins.register import mark_left, move_member
    with app.transaction() as tx:
        move_member(tx, zhang, team(app, "研发一组")["id"], ADMIN)
    with app.transaction() as tx:
        mark_left(tx, zhang, ADMIN)
    rows = app.store.query("SELECT group_id, joined_at, left_at FROM memberships WHERE openid = :o ORDER BY id",
                           {"o": zhang})
    assert [r["group_id"] for r in rows] == [team(app, n)["id"] for n in ("研发一组", "研发二组", "研发一组")]
    assert all(r["left_at"] for r in rows)
    assert [r["joined_at"] for r in rows[1:]] == [r["left_at"] for r in rows[:-1]]     # no gap, no overlap
    # renaming through 9 in the same team keeps the stay
    li = member("李四")
    say(li, "9 研发一组 李小四")
    request = app.store.one("SELECT id FROM registration_requests WHERE status = 'pending'")["id"]
    say(ADMIN, f"81 {request}")
    assert app.store.query("SELECT left_at FROM memberships WHERE openid = :o", {"o": li}) == [{"left_at": None}]


def test_an_existing_database_gets_its_history_rebuilt_from_requests_audit_and_users(tmp_path):
    """What m004 does for a database made before it: approved requests, member.move and member.leave audit rows
    replayed in time order, then matched to the users table."""
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript("""
        CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE users (openid TEXT PRIMARY KEY, status TEXT, group_id INTEGER, approved_at TEXT,
                            created_at TEXT);
        CREATE TABLE registration_requests (openid TEXT, group_id INTEGER, status TEXT, decided_at TEXT);
        CREATE TABLE audit (at TEXT, actor TEXT, action TEXT, target TEXT, detail TEXT);
        INSERT INTO groups VALUES (1, '一组'), (2, '二组');
        INSERT INTO users VALUES ('a', 'member', 2, 'T1', 'T0'), ('b', 'left', 1, 'T2', 'T0'),
                                 ('c', 'member', 1, 'T1', 'T0'), ('d', 'member', 1, NULL, 'T0');
        INSERT INTO registration_requests VALUES ('a', 1, 'approved', 'T1'), ('b', 1, 'approved', 'T2'),
                                                 ('c', 2, 'approved', 'T1'), ('c', 1, 'rejected', 'T3');
        INSERT INTO audit VALUES ('T3', 'adm', 'member.move', 'a', '一组 → 二组'),
                                 ('T4', 'adm', 'member.leave', 'b', '一组 b');
    """)
    assert sorted(rebuilt_memberships(db), key=str) == [
        ("a", 1, "T1", "T3"), ("a", 2, "T3", None),      # approved into 一组, moved to 二组
        ("b", 1, "T2", "T4"),                            # left
        ("c", 1, "T1", None),                            # the users table says 一组, the request 二组: users win
        ("d", 1, "T0", None)]                            # a member from before requests were kept


# --- the quarter boundary in the configured timezone ------------------------------------------------------------

def test_records_either_side_of_new_year_local_fall_in_their_own_quarters(app, say, member, monkeypatch):
    """23:30 on Dec 31 and 00:10 on Jan 1 in Asia/Shanghai are both Dec 31 in UTC (the server's clock): the first
    counts for 2026Q4, the second for 2027Q1, and each reply names its quarter's figures."""
    set_quota(app, per_head_per_quarter=100)
    zhang = member("张三")
    backdate(app)
    at(app, monkeypatch, "2026-12-31 23:30")
    reply = say(zhang, "1 80 奶茶")
    assert "（2026-12-31，研发一组）" in reply
    assert "本季度已用 80.00 / 额度 100.00 元（1 人 × 100 元），剩余 20.00 元" in reply
    at(app, monkeypatch, "2027-01-01 00:10")
    reply = say(zhang, "1 30 水果")
    assert "（2027-01-01，研发一组）" in reply
    assert "本季度已用 30.00 / 额度 100.00 元（1 人 × 100 元），剩余 70.00 元" in reply
    # a record dated in the earlier quarter says which quarter it counts for
    reply = say(zhang, "1 30 蛋糕 12-31")
    assert "2026Q4 已用 110.00 / 额度 100.00 元（1 人 × 100 元），已超出 10.00 元" in reply
    assert "注意：这笔记录让研发一组2026Q4超出了额度，超出 10.00 元。" in reply
    assert "本季度（2027Q1）已用 30.00 / 额度 100.00 元" in say(zhang, "3")


# --- `1` ------------------------------------------------------------------------------------------------------

def test_record_reply_is_unchanged_without_a_quota_and_with_the_plugin_off(app, say, member):
    zhang = member("张三")
    plain = say(zhang, "1 10 奶茶")
    assert "额度" not in plain and plain.endswith("记错了？发送 7 1 作废")
    set_quota(app, enabled=False, per_head_per_quarter=100)
    assert "额度" not in say(zhang, "1 11 奶茶") and "额度" not in say(zhang, "3") and "额度" not in say(zhang, "4")
    set_quota(app, per_head_per_quarter=0, teams={"研发一组": 0})
    assert "额度" not in say(zhang, "1 12 奶茶")


def test_crossing_the_allowance_is_said_plainly_once_and_warn_mode_still_records(app, say, member):
    set_quota(app, per_head_per_quarter=100)
    zhang, li = member("张三"), member("李四")
    backdate(app)
    assert "剩余 20.00 元" in say(zhang, "1 180 奶茶")
    reply = say(li, "1 30 水果")
    assert "已用 210.00 / 额度 200.00 元（2 人 × 100 元），已超出 10.00 元" in reply
    assert "超出了额度，超出 10.00 元" in reply
    reply = say(li, "1 5 水果")
    assert "已超出 15.00 元" in reply and "超出了额度" not in reply
    assert value(app, "SELECT COUNT(*) FROM expenses") == 3


def test_voided_records_do_not_count_and_settled_ones_do(app, say, member, confirmed):
    set_quota(app, per_head_per_quarter=100)
    zhang = member("张三")
    backdate(app)
    say(zhang, "1 30 奶茶")
    say(zhang, "7 1")
    confirmed(ADMIN, "82 研发一组")
    say(zhang, "1 40 水果")
    confirmed(ADMIN, "82 研发一组")
    assert "本季度已用 45.00 / 额度 100.00 元" in say(zhang, "1 5 面包")


def test_team_figure_overrides_per_head_and_says_so(app, say, member):
    set_quota(app, per_head_per_quarter=100, teams={"研发一组": "1,000.50"})
    zhang, wang = member("张三"), member("王五", "研发二组")
    backdate(app)
    assert "本季度已用 10.00 / 额度 1,000.50 元（小组额度，1 人），剩余 990.50 元" in say(zhang, "1 10 奶茶")
    assert "额度 100.00 元（1 人 × 100 元）" in say(wang, "1 10 奶茶")


def test_refuse_mode_records_nothing_and_says_what_is_left(app, say, member):
    set_quota(app, per_head_per_quarter=100, over="refuse")
    zhang = member("张三")
    backdate(app)
    say(zhang, "1 70 奶茶")
    reply = say(zhang, "1 40 水果")
    assert reply.startswith("没有记录：这笔 40.00 元会让研发一组本季度超出额度。")
    assert "本季度已用 70.00 / 额度 100.00 元（1 人 × 100 元），剩余 30.00 元" in reply
    assert "可以记一笔不超过 30.00 元的金额；确需超额报销请联系管理员。" in reply
    assert value(app, "SELECT COUNT(*) FROM expenses") == 1
    assert "剩余 0.00 元" in say(zhang, "1 30 水果")          # exactly the allowance is allowed
    assert "额度已经用完" in say(zhang, "1 0.01 水果")


# --- `3` and `4` ----------------------------------------------------------------------------------------------

def test_team_and_centre_totals_give_allowance_used_and_left(app, say, member, confirmed):
    set_quota(app, per_head_per_quarter=100, teams={"研发二组": 50})
    zhang, li, wang = member("张三"), member("李四"), member("王五", "研发二组")
    backdate(app)
    say(zhang, "1 30 奶茶")
    confirmed(ADMIN, "82 研发一组")
    say(li, "1 20.5 水果")
    say(wang, "1 60 蛋糕")
    quarter = f"{app.now().year}Q{(app.now().month - 1) // 3 + 1}"
    reply = say(zhang, "3")
    assert reply.splitlines()[:2] == [
        "研发一组 未报销合计 20.50 元（1 笔）：",
        f"本季度（{quarter}）已用 50.50 / 额度 200.00 元（2 人 × 100 元），剩余 149.50 元"]
    assert f"本季度（{quarter}）已用 60.00 / 额度 50.00 元（小组额度，1 人），已超出 10.00 元" in say(wang, "3")
    reply = say(FINANCE, "4")
    assert reply.splitlines() == [
        "全中心合计：80.50 元（2 笔）",
        f"本季度（{quarter}）已用 110.50 / 额度 250.00 元，1 个组超出（!）",
        "各组：未报销 本季度已用/额度（元）",
        "研发一组 20.5 50.5/200",
        "研发二组 60 60/50!"]


NUMERALS = "一二三四五六七八九"


def chinese_number(n):
    tens, ones = divmod(n, 10)
    return ((NUMERALS[tens - 1] if tens > 1 else "") + "十" if tens else "") + (NUMERALS[ones - 1] if ones else "")


def test_centre_totals_of_50_teams_fit_one_reply_with_exact_figures(app, say):
    """50 teams 研发一组 … 研发五十组 of 8-15 people at 250 元 a head, each having used 20-130 % of its allowance,
    a third of it still open: the whole `4` is one reply of at most 2,048 bytes, every amount exact."""
    import random
    rng = random.Random(15)
    names = [f"研发{chinese_number(i)}组" for i in range(1, 51)]
    set_quota(app, per_head_per_quarter=250)
    today = app.now().date()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    expected = {}
    with app.transaction() as tx:
        for name in names:
            app.ensure_group(tx, name, actor="test")
        gid = {r["name"]: r["id"] for r in tx.query("SELECT id, name FROM groups")}
        n = 0
        for name in names:
            heads = rng.randint(8, 15)
            for _ in range(heads):
                n += 1
                tx.execute("INSERT INTO users (openid, name, group_id, status, created_at) VALUES (?, ?, ?, 'member', ?)",
                           [f"o{n}", f"人{n}", gid[name], utc("2026-01-01 00:00")])
                tx.execute("INSERT INTO memberships (openid, group_id, joined_at) VALUES (?, ?, ?)",
                           [f"o{n}", gid[name], utc("2026-01-01 00:00")])
            budget, used, opened = heads * 25000 * rng.uniform(0.2, 1.3), 0, 0
            while used < budget:
                amount = rng.choice([rng.randint(30, 300) * 100, rng.randint(3000, 30000), rng.randint(300, 3000) * 10])
                status = rng.choice(["open", "settled", "settled"])
                used += amount
                opened += amount if status == "open" else 0
                tx.execute("INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at, status) "
                           "VALUES (?, ?, ?, '奶茶', ?, ?, ?)", [f"o{n}", gid[name], amount, first.isoformat(),
                                                              utc("2026-01-01 00:00"), status])
            expected[name] = (opened, used, heads * 25000)
    reply = say(ADMIN, "4")
    assert len(reply.encode("utf-8")) <= 2048, len(reply.encode("utf-8"))
    assert "更多" not in reply
    lines = {line.split(" ")[0]: line for line in reply.splitlines()[3:]}
    assert sorted(lines) == sorted(names)
    for name, (opened, used, allowance) in expected.items():
        assert lines[name] == f"{name} {short_yuan(opened)} {short_yuan(used)}/{short_yuan(allowance)}" + (
            "!" if used > allowance else "")


def test_short_yuan_is_exact():
    assert [short_yuan(f) for f in (0, 1, 10, 100, 123450, 123456, 300000, -12050)] == [
        "0", "0.01", "0.1", "1", "1234.5", "1234.56", "3000", "-120.5"]


# --- 82 -------------------------------------------------------------------------------------------------------

def test_settle_preview_and_confirmation_name_the_part_beyond_the_allowance(app, say, member, confirmed):
    """Over-allowance per quarter: open - max(0, allowance - settled), summed over the quarters with open records."""
    set_quota(app, per_head_per_quarter=100)
    zhang = member("张三")
    backdate(app)                            # a member since well before the last quarter
    say(zhang, "1 60 奶茶")
    confirmed(ADMIN, "82 研发一组")          # 60 settled: 40 of the allowance left for this quarter
    say(zhang, "1 30 水果")
    say(zhang, "1 25 蛋糕")                   # open 55, 15 beyond
    day = app.now().date()
    last_quarter = date(day.year - 1, 12, 31) if day.month <= 3 else date(day.year, 3 * ((day.month - 1) // 3), 1)
    if (day - last_quarter).days <= 180:
        say(zhang, f"1 120 去年 {last_quarter.isoformat()}")   # its own quarter: 100 allowed, 20 beyond
        beyond = 35
    else:
        beyond = 15
    reply = say(FINANCE, "82")
    assert f"其中超出额度：{beyond}.00 元（1 个小组，见各组的“超额”）" in reply
    assert f" 超额 {beyond}.00" in reply
    assert f"其中超出额度 {beyond}.00 元；只结算额度内的记录请发送 82 研发一组 额度内" in say(FINANCE, "82 研发一组")
    prompt = say(ADMIN, "82 研发一组")
    assert f"其中超出额度 {beyond}.00 元" in prompt and "确认" in prompt
    say(ADMIN, "取消")
    assert f"其中超出额度 {beyond}.00 元；只结算额度内的记录请发送 82 研发一组 额度内" in say(ADMIN, "82 全部")


def test_settle_within_allowance_takes_whole_records_oldest_first_and_names_the_rest(app, say, member, confirmed,
                                                                                     sent):
    set_quota(app, per_head_per_quarter=100)
    zhang = member("张三")
    backdate(app)
    for amount in (30, 50, 40, 10):
        say(zhang, f"1 {amount} 奶茶")
    prompt = say(ADMIN, "82 研发一组 额度内")
    assert "可结算 100.00 元；结算 2 笔 80.00 元" in prompt       # 30 + 50 fit, 40 does not: a prefix, so 10 waits
    assert "共结算 2 笔，合计 80.00 元；其余的未报销记录留待以后" in prompt
    reply = say(ADMIN, "确认")
    assert "已结算 研发一组：结算 #1，2 笔，合计 80.00 元" in reply
    assert "仍未报销 2 笔，50.00 元（#3、#4）" in reply
    rows = app.store.query("SELECT id, status FROM expenses ORDER BY id")
    assert [r["status"] for r in rows] == ["settled", "settled", "open", "open"]
    assert value(app, "SELECT total_fen FROM settlements") == 8000
    # the allowance left is 20: nothing fits now, and that is said
    reply = say(ADMIN, "82 研发一组 额度内")
    assert "没有能在额度内结算的记录" in reply and "仍未报销 2 笔，50.00 元（#3、#4）" in reply
    assert value(app, "SELECT COUNT(*) FROM settlements") == 1
    assert "只有管理员" in say(FINANCE, "82 研发一组 额度内")


def test_settle_within_allowance_is_refused_for_a_team_without_a_quota(app, say, member):
    set_quota(app, teams={"研发二组": 100})
    say(member("张三"), "1 30 奶茶")
    assert "“研发一组”没有设额度，不能按额度结算" in say(ADMIN, "82 研发一组 额度内")
    assert "看不懂“额度”" in say(ADMIN, "82 研发一组 额度")


def test_a_change_to_the_chosen_records_during_the_confirmation_settles_nothing_without_a_new_one(app, say, member):
    set_quota(app, per_head_per_quarter=100)
    zhang = member("张三")
    backdate(app)
    say(zhang, "1 30 奶茶")
    say(ADMIN, "82 研发一组 额度内")
    say(zhang, "1 20 水果")                   # fits: the records to settle are not those the admin saw
    assert say(ADMIN, "确认").startswith("情况有变，请重新确认：\n将按额度结算【研发一组】")
    assert value(app, "SELECT COUNT(*) FROM settlements") == 0
    say(zhang, "1 90 蛋糕")                   # does not fit: what the admin confirms is unchanged
    assert "已结算 研发一组：结算 #1，2 笔，合计 50.00 元\n仍未报销 1 笔，90.00 元（#3）" in say(ADMIN, "确认")


def test_the_settlement_checks_the_exact_set_it_was_asked_to_settle(app, say, member, monkeypatch):
    """A void of a chosen record that lets the next one in keeps count, total and highest id: the digest of the
    ids still tells, and nothing is settled (the console confirms in one request and settles in another)."""
    from plugins.quota import within_allowance
    from plugins.settle.domain import PlanChanged, settle_within_allowance
    set_quota(app, per_head_per_quarter=100)
    zhang = member("张三")
    backdate(app)
    at(app, monkeypatch, "2026-11-20 10:00")
    for text in ("1 40 a 11-01", "1 40 b 11-03", "1 50 c 11-02"):      # by date a, c (90) fit and b does not
        say(zhang, text)
    group = team(app, "研发一组")
    plan = within_allowance(app.store, app, group)
    assert [r[0] for r in plan.chosen] == [1, 3]
    with app.transaction() as tx:
        tx.execute("UPDATE expenses SET status = 'void' WHERE id = 1")
    with app.transaction() as tx:
        after = within_allowance(tx, app, group)
        assert [r[0] for r in after.chosen] == [3, 2] and after.figures[:3] == plan.figures[:3] == (2, 9000, 3)
        with pytest.raises(PlanChanged):
            settle_within_allowance(tx, group, ADMIN, expected=plan.figures)
    assert value(app, "SELECT COUNT(*) FROM settlements") == 0


# --- the report and the console ---------------------------------------------------------------------------------

def test_report_summary_has_allowance_used_and_left_reconciled_to_the_fen(app, say, member, confirmed):
    from plugins.export import jobs
    set_quota(app, per_head_per_quarter="100.01", teams={"研发二组": 50})
    zhang, wang = member("张三"), member("王五", "研发二组")
    backdate(app)
    say(zhang, "1 30.07 奶茶")
    confirmed(ADMIN, "82 研发一组")
    say(zhang, "1 20.5 水果")
    say(wang, "1 60.33 蛋糕")
    say(wang, "1 1 面包")
    say(wang, "7 4")
    day = app.now().date()
    row = jobs.run_report(app, day)
    sheet = openpyxl.load_workbook(row["path"])["小组汇总"]
    header = [c.value for c in sheet[1]]
    label = f"{day.year}Q{(day.month - 1) // 3 + 1}"
    columns = [header.index(f"{label} {word}") for word in ("额度", "已用", "剩余")]
    cells = {r[0].value: [r[i].value for i in columns] for r in sheet.iter_rows(min_row=2) if r[0].value}
    for name in ("研发一组", "研发二组"):
        quota = quota_for(app.store, app, team(app, name), day)
        sql_used = value(
            app, "SELECT SUM(amount_fen) FROM expenses WHERE group_id = :g AND status != 'void' AND spent_on >= :s",
            {"g": team(app, name)["id"], "s": f"{day.year}-{3 * ((day.month - 1) // 3) + 1:02d}-01"})
        assert quota.used_fen == sql_used
        assert [round(v * 100) for v in cells[name]] == [quota.allowance_fen, quota.used_fen, quota.left_fen]
    assert [round(v * 100) for v in cells[name]] == [5000, 6033, -1033]
    assert [round(v * 100) for v in cells["研发一组"]] == [10001, 5057, 4944]
    assert [round(v * 100) for v in cells["合计"]] == [15001, 11090, 3911]
    assert row["total_fen"] == value(app, "SELECT SUM(amount_fen) FROM expenses WHERE status != 'void'")


def test_a_report_for_new_years_eve_written_after_midnight_shows_that_quarter(app, say, member, monkeypatch):
    """The 02:00 run of a report for Dec 31 (or a late manual one) states Q4's allowance, not the new quarter's."""
    from datetime import date
    from plugins.export import jobs
    set_quota(app, per_head_per_quarter=100)
    zhang = member("张三")
    backdate(app)
    at(app, monkeypatch, "2026-12-31 23:30")
    say(zhang, "1 80 奶茶")
    at(app, monkeypatch, "2027-01-01 02:00")
    say(zhang, "1 30 水果")
    sheet = openpyxl.load_workbook(jobs.run_report(app, date(2026, 12, 31))["path"])["小组汇总"]
    header = [c.value for c in sheet[1]]
    assert "2026Q4 额度" in header and "2027Q1 额度" not in header and "2026Q4 未报销" in header
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "研发一组")
    assert [round(row[header.index(f"2026Q4 {w}")].value * 100) for w in ("额度", "已用", "剩余")] == [10000, 8000, 2000]


def test_console_dashboard_shows_the_figures_chat_gives(app, say, member):
    import re

    import requests

    from conftest import link_for, serve_console
    set_quota(app, per_head_per_quarter=100)
    zhang = member("张三")
    backdate(app)
    say(zhang, "1 130 奶茶")
    base, stop = serve_console(app)
    try:
        session = requests.Session()
        session.get(link_for(app, ADMIN), timeout=10)
        page = session.get(base + "/console", timeout=10).text
    finally:
        stop()
    row = re.search(r'<tr data-id="%d">.*?</tr>' % team(app, "研发一组")["id"], page, re.S).group(0)
    assert 'data-field="used">130.00<' in row and 'data-field="allowance">100.00<' in row
    assert 'data-field="left">-30.00<' in row and "1 人 × 100 元" in row
    assert "130.00 / 100.00 元" in page and "超出 30.00 元" in page
    assert "已用 130.00 / 额度 100.00 元" in say(zhang, "3")


def test_console_records_filtered_to_a_team_show_its_quota_as_chat_does(app, say, member):
    import re

    import requests

    from conftest import link_for, serve_console
    set_quota(app, per_head_per_quarter=100, teams={"研发二组": 50})
    zhang, wang = member("张三"), member("王五", "研发二组")
    backdate(app)
    say(zhang, "1 30 奶茶")
    say(wang, "1 60.5 蛋糕")
    base, stop = serve_console(app)
    try:
        session = requests.Session()
        session.get(link_for(app, ADMIN), timeout=10)
        pages = {name: session.get(base + "/console/records", params={"team": team(app, name)["id"]}, timeout=10).text
                 for name in ("研发一组", "研发二组")}
        unfiltered = session.get(base + "/console/records", timeout=10).text
    finally:
        stop()
    one = re.search(r'data-field="quota" data-allowance="(\d+)" data-used="(\d+)" data-left="(-?\d+)"', pages["研发一组"])
    assert one.groups() == ("10000", "3000", "7000")
    assert "已用 30.00 / 额度 100.00 元" in say(zhang, "3") and "已用 30.00 / 额度 100.00 元" in pages["研发一组"]
    assert 'data-left="-1050"' in pages["研发二组"] and "已超出 10.50 元" in pages["研发二组"]
    assert 'data-field="quota"' not in unfiltered


# --- settings -------------------------------------------------------------------------------------------------

@pytest.fixture
def plugins():
    return load_plugins()


def test_check_refuses_a_team_name_that_names_no_team_and_bad_values(config, plugins, tmp_path):
    config["plugins"]["quota"] = {"per_head_per_quarter": 250, "teams": {"研发1组": 3000, "研发二组": 0}}
    problems = check_quota_teams(config)
    assert len(problems) == 1 and "“研发1组”不是任何小组的名字，是不是“研发" in problems[0]
    assert validate(config, plugins) == []
    config["plugins"]["quota"] = {"per_head_per_quarter": -5, "over": "block", "teams": {"研发一组": "abc"}}
    problems = " ".join(validate(config, plugins))
    assert "plugins.quota.per_head_per_quarter" in problems and "不小于 0" in problems
    assert "plugins.quota.over 只能是 warn / refuse" in problems
    assert "plugins.quota.teams.研发一组" in problems
    config["plugins"]["quota"] = {"per_head_per_quarter": "0", "teams": {"研发一组": 0.5}}
    assert validate(config, plugins) == [] and check_quota_teams(config) == []


def test_check_knows_the_teams_in_the_database(app, say):
    say(ADMIN, "87 测试新组")
    app.config["plugins"]["quota"] = {"teams": {"测试新组": 100}}
    assert check_quota_teams(app.config) == []
    app.config["plugins"]["quota"] = {"teams": {"测试旧组": 100}, "enabled": False}
    assert check_quota_teams(app.config) == []
