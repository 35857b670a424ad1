"""A centre of 50 teams and 2,000 members: lists answer with a summary first and fit one WeChat reply (over real
HTTP), and the queries behind the chat commands read indexes, never a scan of the expenses."""

import copy
import os
import re
import shutil
import sqlite3
import sys
import threading

import pytest

from bot.app import App
from bot.config import DEFAULTS
from bot.confirm import FOOTER
from bot.pages import REPLY_LIMIT_BYTES, byte_len
from test_wechat_endpoint import message_xml, reply_content, serve, wconfig  # noqa: F401 (fixtures)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import bench_scale  # noqa: E402  (the bench's database builder: the same centre, smaller history)

ADMIN, FINANCE = bench_scale.ADMIN, bench_scale.FINANCE
ROWS = 40_000          # ~2,000 open: about every member of a team has some


@pytest.fixture(scope="module")
def centre_db(tmp_path_factory):
    """A seeded database, built once: 50 teams of 40, 40,000 expenses over three years, 500 settlements, 10,000
    payments, 32 lotteries, 60 pending registrations."""
    folder = str(tmp_path_factory.mktemp("centre"))
    config = {**_defaults(), **bench_scale.centre_config(folder), "_path": "test"}
    app = App(config, sender=lambda openid, text: None).setup()
    facts = bench_scale.seed(app.store.db.conn, ROWS)
    app.store.close()
    return config["database"], facts


def _defaults():
    return copy.deepcopy(DEFAULTS)


@pytest.fixture
def centre_config(centre_db, tmp_path):
    path, _ = centre_db
    config = {**_defaults(), **bench_scale.centre_config(str(tmp_path)), "_path": "test"}
    config["wechat"]["token"] = "testtoken"
    shutil.copy(path, config["database"])
    return config


@pytest.fixture
def facts(centre_db):
    return centre_db[1]


@pytest.fixture
def member(facts):
    return facts["people"][7][0]


@pytest.fixture
def team(facts, centre_config):
    index = facts["group_ids"].index(facts["people"][7][2])
    return centre_config["groups"][index]


@pytest.fixture
def ask(centre_config, wconfig, serve):
    """ask(openid, text) -> the reply's text, over HTTP to a real server on the seeded centre."""
    wconfig.update(centre_config)
    client = serve(wconfig)
    counter = iter(range(10_000, 99_999))

    def send(openid, text):
        msg_id = str(next(counter))
        reply = reply_content(client.post(message_xml(openid, text, msg_id), client.params(nonce=msg_id)))["Content"]
        assert byte_len(reply) <= REPLY_LIMIT_BYTES, (text, byte_len(reply))
        return reply
    return send


def test_4_gives_the_centre_total_first_then_one_line_per_team_in_one_reply(ask, member):
    reply = ask(member, "4")
    lines = reply.splitlines()
    assert lines[0].startswith("全中心合计：") and lines[1] == "各组未报销："
    assert len([line for line in lines if line.endswith(" 笔")]) == 50 and "更多" not in reply


def test_3_gives_the_team_total_then_its_members_in_one_reply(ask, member, team):
    reply = ask(member, "3")
    assert reply.startswith(f"{team} 未报销合计 ") and "更多" not in reply
    assert len(reply.splitlines()) > 20


def test_82_lists_team_totals_only_and_names_82_team_for_the_breakdown(ask, member):
    for who in (ADMIN, FINANCE):
        reply = ask(who, "82")
        lines = reply.splitlines()
        assert lines[1].startswith("合计：") and "（50 个小组）" in lines[1]
        assert len([line for line in lines if line.endswith(" 笔")]) == 50 and "：" not in "".join(lines[2:52])
        assert "82 组名" in lines[-1] and "更多" not in reply


def test_82_team_gives_finance_the_breakdown_and_settles_nothing(ask, team, centre_config):
    reply = ask(FINANCE, f"82 {team}")
    assert reply.startswith(f"{team} 待报销 ") and "不会改变任何数据" in reply
    assert len([line for line in reply.splitlines() if line.startswith("  ")]) > 20 and "更多" not in reply
    assert "没有待确认" in ask(FINANCE, "确认")


def test_82_team_asks_the_admin_with_the_breakdown_the_same_way_twice(ask, team):
    first = ask(ADMIN, f"82 {team}")
    assert first.startswith("将结算") and first.endswith(FOOTER) and "更多" not in first
    assert len([line for line in first.splitlines() if line.startswith("  ")]) > 20
    assert ask(ADMIN, f"82 {team}").endswith(first)        # same data, same prompt (after 已取消…)
    assert f"已结算 {team}" in ask(ADMIN, "确认")


def test_82_all_asks_with_one_line_per_team(ask):
    prompt = ask(ADMIN, "82 全部")
    assert prompt.endswith(FOOTER) and "共 50 个小组" in prompt and "更多" not in prompt


def test_81_counts_pending_shows_the_oldest_and_how_to_see_each_team(ask, facts, centre_config):
    reply = ask(ADMIN, "81")
    assert reply.startswith("待审核注册 60 个，最早的 15 个：")
    assert "……还有 45 个，发送 81 组名 查看一个小组的申请（" in reply and "更多" not in reply
    team = re.search(r"#\d+ \S+ → (\S+)", reply).group(1)
    assert ask(ADMIN, f"81 {team}").startswith(f"{team} 待审核注册 ")
    prompt = ask(ADMIN, "81 全部")
    assert prompt.startswith("将通过以下 60 个注册申请") and "按小组：" in prompt and prompt.endswith(FOOTER)
    assert ask(ADMIN, "确认").startswith("已通过 60 个注册，按小组：")


def test_83_counts_batches_shows_the_latest_and_how_to_see_a_team(ask, team):
    reply = ask(FINANCE, "83")
    assert reply.startswith("结算记录 500 次，已报销合计 ")
    assert "……还有 480 次更早的，发送 83 组名" in reply and "更多" not in reply
    mine = ask(FINANCE, f"83 {team}")
    assert mine.startswith(f"{team} 结算记录 10 次") and len(re.findall(r"^#\d+ ", mine, re.M)) == 10


def test_88_gives_totals_per_status_first_then_the_latest(ask):
    reply = ask(FINANCE, "88")
    assert reply.startswith("付款共 10000 笔：") and "……还有 9980 笔更早的" in reply and "更多" not in reply


def test_85_counts_lotteries_by_state_then_the_latest(ask):
    reply = ask(ADMIN, "85")
    assert reply.startswith("抽奖共 32 个（进行中 2，已开奖 30），最近的 10 个：") and "……还有 22 个更早的" in reply


def test_6_shows_a_few_open_lotteries_in_full_and_counts_the_rest(ask, member):
    for n in range(20):
        assert "已发起抽奖" in ask(ADMIN, f"84 周五{n} 后天 16:00 奶茶券x3")
    reply = ask(member, "6")
    assert reply.startswith("进行中的抽奖（22 个）：") and reply.count("  奖品：") == 3
    assert "……还有 7 个开奖更晚的，发送 6 编号 查看或参加" in reply and "更多" not in reply


@pytest.mark.parametrize("who, text", [
    ("member", "0"), ("member", "1 12.5 奶茶"), ("member", "2"), ("member", "7"), ("member", "5 12.5 奶茶"),
    ("member", "5"), ("member", "6 31"), (ADMIN, "83 500"), (ADMIN, "85 31"), (ADMIN, "87"), (ADMIN, "0"),
    (FINANCE, "0"), (FINANCE, "86"),
])
def test_every_other_reply_at_the_centre_fits_or_is_paged(ask, member, who, text):
    reply = ask(member if who == "member" else who, text)      # ask() checks the 2,048 bytes
    assert "出错了" not in reply
    if "更多" in reply:
        assert " 2/" in ask(member if who == "member" else who, "更多") or "（2/" in reply


# --- the queries behind the commands ----------------------------------------------------------------------------

def _walk(member, team, last_batch):
    """What a member, the admin and finance send in a day (each command, and the confirmations that change
    data), in an order that leaves something for the next."""
    return [
        (member, "0"), (member, "1 12.5 奶茶"), (member, "1 12.5 奶茶"), (member, "取消"), (member, "2"),
        (member, "3"), (member, "4"), (member, "7"), (member, "7 {own}"), (member, "5 12.5 奶茶"), (member, "5"),
        (member, "6"), (member, "6 31"), (member, "6 31 退出"), ("o-newcomer", "9 {team} 新同事"),
        (ADMIN, "81"), (ADMIN, "81 {team}"), (ADMIN, "81 全部"), (ADMIN, "取消"), (ADMIN, "82"),
        (FINANCE, "82 {team}"), (ADMIN, "82 全部"), (ADMIN, "取消"), (ADMIN, "82 {team}"), (ADMIN, "确认"),
        (ADMIN, "83"), (FINANCE, "83 {team}"), (ADMIN, f"83 {last_batch}"), (ADMIN, f"83 {last_batch} 撤销"),
        (ADMIN, "确认"), (ADMIN, "88"), (ADMIN, "84 周五下午茶 后天 16:00 奶茶券x3"), (ADMIN, "85"),
        (ADMIN, "85 31"), (ADMIN, "87"), (FINANCE, "86"), (ADMIN, "更多"),
    ]


def _scans(plan, sql):
    """The lines of `sql`'s plan that read the whole expenses table, a whole index of it, or a team's whole history
    (an index searched by team alone: every record the team ever had)."""
    names = {"expenses"} | set(re.findall(r"\bexpenses\s+(?:AS\s+)?(\w+)", sql, re.I)) - {"WHERE", "ON", "SET"}
    return [line for line in plan if re.match(r"(SCAN (\w+)|SEARCH \w+ .*\(group_id=\?\)$)", line)
            and line.split()[1] in names]


@pytest.fixture
def traced(centre_config):
    """(app on the seeded centre, run(who, text, msg_id) -> [(sql, plan lines)] of the expense statements that
    message ran in this thread), planned on a second connection."""
    app = App(centre_config, sender=lambda openid, text: None).setup()
    statements, me = [], threading.get_ident()
    app.store._shared_db().conn.set_trace_callback(
        lambda sql: statements.append(sql) if threading.get_ident() == me else None)
    plan_db = sqlite3.connect(centre_config["database"])

    def run(who, text, msg_id):
        statements.clear()
        reply = app.handle_text(who, text, msg_id=msg_id)
        assert "出错了" not in reply, reply
        return reply, [(sql, [row[3] for row in plan_db.execute("EXPLAIN QUERY PLAN " + sql)]) for sql in statements
                       if re.match(r"\s*(SELECT|UPDATE|DELETE|INSERT|WITH)\b", sql, re.I) and "expenses" in sql]
    yield app, run
    plan_db.close()


def test_the_queries_behind_the_chat_commands_never_scan_expenses(traced, facts, member, team):
    app, run = traced
    own = app.store.one("SELECT MAX(id) AS n FROM expenses WHERE openid = :o AND status = 'open'", {"o": member})["n"]
    assert _scans(["SCAN expenses USING COVERING INDEX expenses_group_status_amount"], "SELECT COUNT(*) FROM expenses")
    assert _scans(["SEARCH e USING COVERING INDEX expenses_group_status_amount (group_id=?)"], "FROM expenses e")
    found, replies, checked = [], [], 0
    for n, (who, text) in enumerate(_walk(member, team, facts["last_batch"])):
        reply, plans = run(who, text.format(team=team, own=own), f"walk-{n}")
        replies.append(reply)
        checked += len(plans)
        found += [(text, line, " ".join(sql.split())[:160]) for sql, plan in plans for line in _scans(plan, sql)]
    assert any("已结算" in r for r in replies) and any("已撤销结算" in r for r in replies)
    assert checked > 20 and found == []


def test_my_totals_and_the_duplicate_check_read_only_the_members_index(traced, member):
    _, run = traced
    _, plans = run(member, "2", "m-2")
    assert any("USING COVERING INDEX expenses_openid_status_amount_batch (openid=?)" in line
               for sql, plan in plans if "settled" in sql for line in plan)
    _, plans = run(member, "1 12.5 奶茶", "m-1")      # the last 10 minutes of the member, not every 12.5 they paid
    assert any("USING INDEX expenses_likely_duplicate (openid=? AND amount_fen=? AND note=? AND recorded_at>?)" in line
               for sql, plan in plans if "recorded_at >=" in sql for line in plan)
