from conftest import ADMIN, FINANCE


def test_my_status_for_stranger_pending_and_member(say, member):
    assert "未注册" in say("o-x", "2")
    say("o-p", "9 研发一组 王五")
    assert "注册待审核：王五 → 申请小组 研发一组" in say("o-p", "2")
    openid = member("张三")
    say(openid, "1 86.5 奶茶")
    say(openid, "1 13.5 蛋糕")
    reply = say(openid, "2")
    assert "张三，研发一组（已通过）" in reply and "未报销 2 笔，合计 100.00 元" in reply and "#2" in reply


def test_team_totals_per_member(say, member):
    a, b, c = member("张三"), member("李四"), member("王五", "研发二组")
    say(a, "1 10 奶茶")
    say(a, "1 5.5 奶茶")
    say(b, "1 20 水果")
    say(c, "1 99 蛋糕")
    reply = say(a, "3")
    assert "研发一组 未报销合计 35.50 元（3 笔）" in reply
    assert "李四：20.00 元（1 笔）" in reply and "张三：15.50 元（2 笔）" in reply and "王五" not in reply


def test_centre_totals_for_members_admin_and_finance(say, member):
    a, c = member("张三"), member("王五", "研发二组")
    say(a, "1 10 奶茶")
    say(c, "1 0.99 糖")
    for who in (a, ADMIN, FINANCE):
        reply = say(who, "4")
        assert reply.startswith("全中心合计：10.99 元（2 笔）")
        assert "研发一组 10.00 元 1 笔" in reply and "研发二组 0.99 元 1 笔" in reply


def test_centre_totals_name_the_teams_with_nothing_open_on_one_line(say, member):
    say(member("张三"), "1 10 奶茶")
    reply = say(ADMIN, "4")
    assert "研发一组 10.00 元 1 笔" in reply and reply.endswith("没有未报销：研发二组")


def test_voided_records_leave_totals(say, member):
    a = member("张三")
    say(a, "1 10 奶茶")
    say(a, "1 20 奶茶")
    say(a, "7 1")
    assert "全中心合计：20.00 元（1 笔）" in say(a, "4")


def test_my_status_shows_reimbursed_total_and_batch(say, member):
    a = member("张三")
    say(a, "1 10 奶茶")
    say(ADMIN, "82 研发一组")
    say(ADMIN, "确认")
    assert "已报销 1 笔，合计 10.00 元（最近一次结算 #1" in say(a, "2")
