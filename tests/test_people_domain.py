"""The people, teams and records rules as functions of a transaction (plugins/register/domain.py,
plugins/expense/domain.py): what the web console's 人员, 小组 and 记录 pages call, and chat calls too. Each is
driven through `app.transaction()` as a web request would be, and checked through chat."""

import pytest

from bot.plugin import Refusal
from conftest import ADMIN
from plugins.expense.domain import AlreadyVoid, Voided, void_expense
from plugins.register import (BadName, approve_request, create_team, mark_left, move_member, reject_request,
                              rename_member, rename_team)


def value(app, sql, **params):
    """The first column of the first row, read outside any transaction."""
    row = app.store.one(sql, params)
    return None if row is None else next(iter(row.values()))


def audit_rows(app, action):
    return app.store.query("SELECT actor, target, detail FROM audit WHERE action = :a ORDER BY id", {"a": action})


def pushed(app, sent, openid):
    app.pusher.flush(5)
    return [text for who, text in sent if who == openid]


def refused(app, function, *args):
    """The Refusal `function(tx, *args)` raises, after checking that nothing it wrote remains."""
    before = value(app, "SELECT COUNT(*) FROM audit")
    with pytest.raises(Refusal) as refusal:
        with app.transaction() as tx:
            function(tx, *args)
    assert value(app, "SELECT COUNT(*) FROM audit") == before
    return str(refusal.value)


def group_id(app, name):
    return value(app, "SELECT id FROM groups WHERE name = :n", n=name)


def expense_group(app, expense_id):
    return value(app, "SELECT g.name FROM expenses e JOIN groups g ON g.id = e.group_id WHERE e.id = :i",
                 i=expense_id)


# --- void -------------------------------------------------------------------------------------------------------

def test_an_admin_voids_a_record_with_a_reason_and_the_owner_is_told(app, say, member, sent):
    zhang = member("张三")
    say(zhang, "1 30 水果")
    with app.transaction() as tx:
        voided = void_expense(tx, 1, ADMIN, True, reason="重复记录")
    assert voided == Voided(1, zhang, 3000, "水果", "重复记录")
    assert voided.text() == "已作废记录 #1：30.00 元 水果（原因：重复记录）"
    row = app.store.one("SELECT status, voided_by FROM expenses WHERE id = 1")
    assert (row["status"], row["voided_by"]) == ("void", ADMIN)
    assert audit_rows(app, "expense.void") == [{"actor": ADMIN, "target": "1", "detail": "3000 水果 原因：重复记录"}]
    assert "管理员作废了你的记录 #1（30.00 元 水果）。原因：重复记录" in pushed(app, sent, zhang)
    assert "[已作废]" in say(zhang, "7")


def test_7_n_reason_passes_an_admins_reason_and_a_members_words_change_nothing(app, say, member, sent):
    zhang = member("张三")
    say(zhang, "1 30 水果")
    say(zhang, "1 12 奶茶")
    assert say(ADMIN, "7 1 记错了组") == "已作废记录 #1：30.00 元 水果（原因：记错了组）"
    assert "原因：记错了组" in pushed(app, sent, zhang)[-1]
    assert say(zhang, "7 2 不要了") == "已作废记录 #2：12.00 元 奶茶"
    assert [r["detail"] for r in audit_rows(app, "expense.void")] == ["3000 水果 原因：记错了组", "1200 奶茶"]
    assert not any("#2" in text for text in pushed(app, sent, zhang))      # their own record: nobody to tell


def test_void_refusals_are_7s_texts_and_change_nothing(app, say, member, confirmed):
    zhang, li = member("张三"), member("李四")
    say(zhang, "1 30 水果")
    say(zhang, "1 5 糖")
    assert refused(app, void_expense, 1, li, False) == "找不到你的记录 #1。发送 7 查看你的记录。"
    assert refused(app, void_expense, 99, ADMIN, True) == "找不到你的记录 #99。发送 7 查看你的记录。"
    confirmed(ADMIN, "82 研发一组")
    assert refused(app, void_expense, 1, ADMIN, True) == \
        "记录 #1 已报销（结算 #1），不能作废；如需更正请联系管理员撤销该结算。"
    assert "已撤销结算 #1" in confirmed(ADMIN, "83 1 撤销")
    say(zhang, "7 2")
    with pytest.raises(AlreadyVoid, match="记录 #2 已经作废过了。"):
        with app.transaction() as tx:
            void_expense(tx, 2, zhang, False)
    assert value(app, "SELECT status FROM expenses WHERE id = 1") == "open"


# --- registration requests ------------------------------------------------------------------------------------

def test_approve_and_reject_requests_as_81_does(app, say, sent):
    say("o-a", "9 研发一组 甲")
    say("o-b", "9 研发二组 乙")
    with app.transaction() as tx:
        approved = approve_request(tx, 1, ADMIN)
        rejected = reject_request(tx, 2, ADMIN, "  请用\u200b真实姓名 ")
    assert (approved["status"], approved["name"], approved["requested_group"]) == ("approved", "甲", "研发一组")
    assert (rejected["status"], rejected["reason"]) == ("rejected", "请用真实姓名")
    assert app.user("o-a")["status"] == "member" and app.user("o-b")["status"] == "rejected"
    assert audit_rows(app, "approve") == [{"actor": ADMIN, "target": "o-a", "detail": "#1 研发一组 甲"}]
    assert audit_rows(app, "reject") == [{"actor": ADMIN, "target": "o-b", "detail": "#2 研发二组 乙 请用真实姓名"}]
    assert any("你的注册已通过：甲" in t for t in pushed(app, sent, "o-a"))
    assert any("原因：请用真实姓名" in t for t in pushed(app, sent, "o-b"))
    assert "已通过" in say("o-a", "2")
    decided = refused(app, approve_request, 1, ADMIN)
    assert decided.startswith("申请 #1（甲 → 研发一组）已由 管理员 于") and decided.endswith("通过，无需再处理。")
    assert decided == say(ADMIN, "81 1")                          # chat and console say the same
    assert refused(app, reject_request, 7, ADMIN, "") == "没有编号 #7 的注册申请，发送 81 查看列表。"


def test_a_superseded_request_is_refused_with_the_newer_one(app, say):
    say("o-a", "9 研发一组 甲")
    say("o-a", "9 研发二组 甲")
    text = refused(app, approve_request, 1, ADMIN)
    assert "申请 #1 已被申请人修改，没有处理" in text and "#2" in text
    assert app.user("o-a")["status"] == "pending"


# --- rename -------------------------------------------------------------------------------------------------------

def test_rename_member_shows_in_2_and_3_and_tells_them(app, say, member, sent):
    zhang = member("张三")
    say(zhang, "1 30 水果")
    with app.transaction() as tx:
        renamed = rename_member(tx, zhang, " 张\u200b三丰 ", ADMIN)
    assert renamed == {"openid": zhang, "old_name": "张三", "name": "张三丰"}
    assert app.user(zhang)["name"] == "张三丰"
    assert audit_rows(app, "member.rename") == [{"actor": ADMIN, "target": zhang, "detail": "张三 → 张三丰"}]
    assert "管理员把你的姓名从“张三”改为“张三丰”。" in pushed(app, sent, zhang)
    assert say(zhang, "2").startswith("张三丰，研发一组（已通过）")
    assert "张三丰：30.00 元（1 笔）" in say(zhang, "3")


def test_rename_member_refusals(app, say, member):
    zhang = member("张三")
    say("o-p", "9 研发一组 待审")
    with pytest.raises(BadName, match="姓名不能为空"):
        with app.transaction() as tx:
            rename_member(tx, zhang, " \u200b ", ADMIN)
    assert refused(app, rename_member, zhang, "长" * 21, ADMIN) == "姓名最多 20 个字"
    assert refused(app, rename_member, zhang, "张三", ADMIN) == "姓名已经是“张三”了，没有修改。"
    assert "待审 还不是组员，不能改名" in refused(app, rename_member, "o-p", "新名", ADMIN)
    assert refused(app, rename_member, "o-nobody", "新名", ADMIN).startswith("找不到这个用户")
    assert "姓名最多 20 个字" in say("o-q", "9 研发一组 " + "长" * 21)       # `9` applies the same rule


# --- move ---------------------------------------------------------------------------------------------------------

def test_move_member_sends_new_records_to_the_new_team_and_old_ones_settle_with_the_old(
        app, say, member, confirmed, sent):
    zhang = member("张三")
    say(zhang, "1 30 水果")
    two = group_id(app, "研发二组")
    with app.transaction() as tx:
        moved = move_member(tx, zhang, two, ADMIN)
    assert (moved["from_group"], moved["group"], moved["group_id"]) == ("研发一组", "研发二组", two)
    assert audit_rows(app, "member.move") == [{"actor": ADMIN, "target": zhang, "detail": "研发一组 → 研发二组"}]
    assert any("调到了“研发二组”" in t and "仍由“研发一组”结算" in t for t in pushed(app, sent, zhang))
    assert "研发二组" in say(zhang, "1 20 奶茶")
    assert (expense_group(app, 1), expense_group(app, 2)) == ("研发一组", "研发二组")
    assert "研发二组 未报销合计 20.00 元（1 笔）" in say(zhang, "3")
    assert "已结算 研发一组：结算 #1，1 笔，合计 30.00 元" in confirmed(ADMIN, "82 研发一组")
    statuses = [r["status"] for r in app.store.query("SELECT status FROM expenses ORDER BY id")]
    assert statuses == ["settled", "open"]
    assert "已结算 研发二组：结算 #2，1 笔，合计 20.00 元" in confirmed(ADMIN, "82 研发二组")


def test_move_member_refusals(app, say, member):
    zhang = member("张三")
    say("o-p", "9 研发一组 待审")
    one = group_id(app, "研发一组")
    assert refused(app, move_member, zhang, one, ADMIN) == "张三 已经在“研发一组”，不用换组。"
    assert refused(app, move_member, zhang, 99, ADMIN) == "没有编号 99 的小组。现有小组：研发一组、研发二组"
    assert "还不是组员，不能换组" in refused(app, move_member, "o-p", one, ADMIN)
    with app.transaction() as tx:
        mark_left(tx, zhang, ADMIN)
    assert "张三 已离开，不能换组" in refused(app, move_member, zhang, group_id(app, "研发二组"), ADMIN)
    assert app.user(zhang)["group_id"] == one


# --- leave --------------------------------------------------------------------------------------------------------

def test_a_member_who_left_cannot_record_and_their_open_records_settle(app, say, member, confirmed, sent):
    zhang, li = member("张三"), member("李四")
    say(zhang, "1 30 水果")
    say(li, "1 10 糖")
    with app.transaction() as tx:
        left = mark_left(tx, zhang, ADMIN)
    assert (left["name"], left["group"]) == ("张三", "研发一组")
    assert app.user(zhang)["status"] == "left"
    assert audit_rows(app, "member.leave") == [{"actor": ADMIN, "target": zhang, "detail": "研发一组 张三"}]
    assert any("标记为离开“研发一组”" in t for t in pushed(app, sent, zhang))
    refusal = say(zhang, "1 20 奶茶")
    assert refusal.startswith("你已离开小组，不能再记账") and "9 组名 姓名" in refusal
    assert value(app, "SELECT COUNT(*) FROM expenses") == 2
    status = say(zhang, "2")
    assert status.startswith("张三，研发一组（已离开）：不能再记账") and "#1" in status and "30.00" in status
    assert "研发一组（1 人）" in say(ADMIN, "87")
    assert "张三：30.00 元（1 笔）" in say(li, "3")
    assert "已结算 研发一组：结算 #1，2 笔，合计 40.00 元" in confirmed(ADMIN, "82 研发一组")
    assert any("30.00 元已由" in t for t in pushed(app, sent, zhang))
    assert "已报销 1 笔，合计 30.00 元" in say(zhang, "2")          # history kept


def test_leaving_withdraws_a_pending_move_and_they_may_ask_again(app, say, member):
    zhang = member("张三")
    say(zhang, "9 研发二组 张三")
    with app.transaction() as tx:
        mark_left(tx, zhang, ADMIN)
    assert app.store.one("SELECT status, reason FROM registration_requests WHERE id = 2") == \
        {"status": "rejected", "reason": "已离开"}
    assert audit_rows(app, "member.leave")[0]["detail"] == "研发一组 张三 撤回申请 #2"
    assert "没有待审核" in say(ADMIN, "81")
    assert "已提交注册" in say(zhang, "9 研发二组 张三")
    assert "已通过 #3" in say(ADMIN, "81 3")
    assert app.user(zhang)["status"] == "member" and "已记录" in say(zhang, "1 5 糖")


def test_mark_left_refusals(app, say, member):
    zhang = member("张三")
    say("o-p", "9 研发一组 待审")
    assert "待审 还不是组员，不能标记离开" in refused(app, mark_left, "o-p", ADMIN)
    with app.transaction() as tx:
        mark_left(tx, zhang, ADMIN)
    assert refused(app, mark_left, zhang, ADMIN) == "张三 已经标记为离开了。"


# --- teams --------------------------------------------------------------------------------------------------------

def test_create_team_as_87_does(app, say):
    with app.transaction() as tx:
        group = create_team(tx, " 市场\u200b组", ADMIN)
    assert group["name"] == "市场组" and group["id"] == group_id(app, "市场组")
    assert audit_rows(app, "group.create")[-1] == {"actor": ADMIN, "target": "市场组", "detail": ""}
    assert refused(app, create_team, "市场组", ADMIN) == "小组“市场组”已存在。"
    assert say(ADMIN, "87 市场组") == "小组“市场组”已存在。"
    with pytest.raises(BadName, match="命令用词"):
        with app.transaction() as tx:
            create_team(tx, "全部", ADMIN)
    assert refused(app, create_team, "12", ADMIN) == "组名不能是数字或金额"
    assert "组名不能是数字或金额\n用法：87" in say(ADMIN, "87 12")        # chat adds the usage, as before


def test_rename_team_keeps_its_members_records_and_history(app, say, member, confirmed):
    say(ADMIN, "87 市场组")
    market = group_id(app, "市场组")
    wang = member("王五", "市场组")
    say(wang, "1 8 咖啡")
    with app.transaction() as tx:
        renamed = rename_team(tx, market, "市场部", ADMIN)
    assert renamed == {"id": market, "old_name": "市场组", "name": "市场部"}
    assert audit_rows(app, "group.rename") == [{"actor": ADMIN, "target": str(market), "detail": "市场组 → 市场部"}]
    assert "市场部（1 人）" in say(ADMIN, "87") and "市场组" not in say(ADMIN, "87")
    assert say(wang, "2").startswith("王五，市场部（已通过）")
    assert "已结算 市场部：结算 #1，1 笔，合计 8.00 元" in confirmed(ADMIN, "82 市场部")


def test_rename_team_refusals(app, say):
    say(ADMIN, "87 市场组")
    market, one = group_id(app, "市场组"), group_id(app, "研发一组")
    assert refused(app, rename_team, market, "市场组", ADMIN) == "小组已经叫“市场组”了，没有修改。"
    assert refused(app, rename_team, market, "研发二组", ADMIN) == "已有名为“研发二组”的小组，请换一个组名。"
    assert refused(app, rename_team, market, "取消", ADMIN).startswith("“取消”是命令用词")
    assert refused(app, rename_team, market, "市场 组", ADMIN) == "组名不能有空格、逗号或顿号"
    assert refused(app, rename_team, 99, "新组", ADMIN).startswith("没有编号 99 的小组")
    configured = refused(app, rename_team, one, "研发1组", ADMIN)          # config.yaml's groups: would recreate it
    assert "config.yaml 的 groups" in configured and "研发1组" in configured
    assert value(app, "SELECT name FROM groups WHERE id = :g", g=one) == "研发一组"
