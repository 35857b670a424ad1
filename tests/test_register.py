from conftest import ADMIN


def test_register_then_approve_makes_a_member(app, say, sent):
    assert "等待管理员审核" in say("o-zs", "9 研发一组 张三")
    assert app.user("o-zs")["status"] == "pending"
    assert any(o == ADMIN and "张三" in t for o, t in sent) or app.pusher.flush(5) is None
    listing = say(ADMIN, "81")
    assert "#1 张三 → 研发一组" in listing
    assert "已通过 #1：张三 → 研发一组" in say(ADMIN, "81 1")
    app.pusher.flush(5)
    user = app.user("o-zs")
    assert (user["status"], user["name"], app.group(user["group_id"])["name"]) == ("member", "张三", "研发一组")
    assert any(o == "o-zs" and "注册已通过" in t for o, t in sent)
    actions = [r["action"] for r in app.store.query("SELECT action FROM audit ORDER BY id")]
    assert "register" in actions and "approve" in actions


def test_register_unknown_group_lists_groups(say):
    reply = say("o-x", "9 不存在组 张三")
    assert "没有名为“不存在组”的小组" in reply and "研发一组" in reply


def test_register_needs_group_and_name(say):
    assert "用法：9 组名 姓名" in say("o-x", "9 研发一组")


def test_approve_all_and_reject(app, say, sent):
    say("o-a", "9 研发一组 甲")
    say("o-b", "9 研发二组 乙")
    say("o-c", "9 研发二组 丙")
    assert "已拒绝 #3：丙 → 研发二组（原因：不是本中心员工）" in say(ADMIN, "81 3 拒绝 不是本中心员工")
    assert app.user("o-c")["status"] == "rejected"
    asked = say(ADMIN, "81 全部")
    assert "将通过以下 2 个注册申请" in asked and "#1 甲" in asked and "#2 乙" in asked and "确认" in asked
    assert app.user("o-a")["status"] == "pending"
    assert "已通过 2 个注册" in say(ADMIN, "确认")
    assert "没有待审核" in say(ADMIN, "81")
    app.pusher.flush(5)
    assert any(o == "o-c" and "未通过" in t and "原因：不是本中心员工" in t for o, t in sent)


def test_approve_out_of_range_number(say):
    say("o-a", "9 研发一组 甲")
    assert "没有编号 #5" in say(ADMIN, "81 5")


def test_member_moving_team_stays_member_until_approved(app, say, member):
    openid = member("张三")
    assert "换组申请" in say(openid, "9 研发二组 张三")
    assert app.user(openid)["status"] == "member"
    assert "已记录" in say(openid, "1 10 奶茶")
    say(ADMIN, "81 2")
    assert app.group(app.user(openid)["group_id"])["name"] == "研发二组"


def test_re_registering_same_team_is_harmless(say, member):
    openid = member("张三")
    assert "无需重复注册" in say(openid, "9 研发一组 张三")


def test_admin_lists_and_creates_teams(say):
    assert "研发一组（0 人）" in say(ADMIN, "87")
    assert "已创建小组“市场组”" in say(ADMIN, "87 市场组")
    assert "已存在" in say(ADMIN, "87 市场组")
    assert "市场组" in say(ADMIN, "87")


def test_subscribe_event_welcomes_and_unsubscribe_is_recorded(app):
    assert "9 组名 姓名" in app.handle_event("o-new", "subscribe")
    assert app.handle_event("o-new", "unsubscribe") == ""
    assert app.user("o-new")["subscribed"] == 0
    assert [r["action"] for r in app.store.query("SELECT action FROM audit WHERE target = 'o-new' ORDER BY id")] == \
        ["subscribe", "unsubscribe"]
