import pytest

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


# --- issue 11: stable numbers, reasons, names ------------------------------------------------------------------

def test_81_n_names_the_request_not_a_position_that_moves(app, say):
    say("o-a", "9 研发一组 甲")
    say("o-b", "9 研发二组 乙")
    listing = say(ADMIN, "81")
    assert "#1 甲 → 研发一组" in listing and "#2 乙 → 研发二组" in listing
    say("o-a", "9 研发二组 甲")          # 甲 changes the request after the admin looked: it gets a new number
    assert "#3 甲 → 研发二组" in say(ADMIN, "81")
    changed = say(ADMIN, "81 1")
    assert "申请 #1 已被申请人修改，没有处理" in changed and "#3" in changed
    assert app.user("o-a")["status"] == "pending" and app.user("o-b")["status"] == "pending"
    assert "已通过 #2：乙 → 研发二组" in say(ADMIN, "81 2")
    assert app.user("o-a")["status"] == "pending"
    assert "已通过 #3：甲 → 研发二组" in say(ADMIN, "81 3")
    assert "已由 管理员 于" in say(ADMIN, "81 3")


def test_a_retry_of_81_n_after_a_crash_approves_nobody_else(config, sent):
    from bot.app import App
    app = App(config, sender=lambda *a: None).setup()
    app.handle_text("o-a", "9 研发一组 甲")
    app.handle_text("o-b", "9 研发一组 乙")
    first = app.handle_text(ADMIN, "81 1", msg_id="77")
    app.store.close()
    restarted = App(config, sender=lambda *a: None).setup()     # no in-memory dedupe: the MsgId decides
    assert restarted.handle_text(ADMIN, "81 1", msg_id="77") == first
    assert restarted.user("o-b")["status"] == "pending"
    actions = [r["action"] for r in restarted.store.query("SELECT action FROM audit WHERE action = 'approve'")]
    assert actions == ["approve"]


def test_a_rejection_reason_reaches_the_user_and_the_audit(app, say, sent):
    say("o-c", "9 研发二组 丙")
    assert "（原因：请用真实姓名）" in say(ADMIN, "81 1 拒绝 请用真实姓名")
    app.pusher.flush(5)
    assert any(o == "o-c" and "原因：请用真实姓名" in t for o, t in sent)
    detail = app.store.one("SELECT detail FROM audit WHERE action = 'reject'")["detail"]
    assert "请用真实姓名" in detail


def test_approve_all_lists_what_it_will_approve_and_takes_a_later_request_only_after_asking_again(app, say):
    say("o-a", "9 研发一组 甲")
    assert "将通过以下 1 个注册申请" in say(ADMIN, "81 全部")
    say("o-b", "9 研发一组 乙")          # arrives between the question and the confirmation
    again = say(ADMIN, "确认")
    assert again.startswith("情况有变") and "#2 乙" in again
    assert app.user("o-a")["status"] == "pending"
    assert "已通过 2 个注册" in say(ADMIN, "确认")


@pytest.mark.parametrize("name", ["全部", "所有", "拒绝", "撤销", "开奖", "退出", "已收", "确认", "取消", "更多",
                                  "123", "１２", "#3", "1.5", "¥5", "5元"])
def test_team_names_may_not_be_command_words_or_numbers(app, say, name):
    reply = say(ADMIN, f"87 {name}")
    assert "不能" in reply and "已创建" not in reply
    assert app.store.one("SELECT COUNT(*) AS n FROM groups")["n"] == 2


def test_82_all_still_means_every_team(app, say, member, confirmed):
    say(ADMIN, "87 全部")
    say(member("张三"), "1 10 奶茶")
    assert "结算 #1" in confirmed(ADMIN, "82 全部")


def test_config_check_refuses_a_reserved_team_name(config):
    from plugins.register import check_team_names
    config["groups"] = ["研发一组", "全部", "42"]
    problems = check_team_names(config)
    assert len(problems) == 2 and "全部" in problems[0] and "42" in problems[1]


def test_chinese_commas_separate_arguments(app, say):
    assert "已提交注册：李四，小组“研发二组”" in say("o-l", "9，研发二组，李四")
    assert "已提交注册：王五，小组“研发一组”" in say("o-w", "9、研发一组、王五")


def test_names_lose_bidi_controls_and_zero_width_characters(app, say):
    say("o-x", "9 研发一组 \u202e三张\u2066\u200d")
    assert app.store.one("SELECT name FROM registration_requests")["name"] == "三张"
    say(ADMIN, "87 新\u200b组")
    assert app.store.one("SELECT COUNT(*) AS n FROM groups WHERE name = '新组'")["n"] == 1
