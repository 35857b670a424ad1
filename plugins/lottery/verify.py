"""`run_bot.py lottery-verify 编号`: recompute a finished draw from the stored seed and entries."""

from bot.text import is_number

from . import plugin
from .draw import commitment, draw_winners
from .lotteries import OPENED, STATE_LABEL, lottery, names_with_team, prizes_text, winners


def verify(reader, lottery_id, out=print):
    """Recompute a finished draw from the stored seed and entries (read through `reader`); True if everything
    matches."""
    row = lottery(reader, lottery_id)
    if row is None:
        out(f"没有编号为 {lottery_id} 的抽奖")
        return False
    if row["state"] != OPENED:
        out(f"抽奖 #{lottery_id} 状态为 {row['state']}（{STATE_LABEL[row['state']]}），还没有可核对的开奖结果")
        return False
    ok = True
    out(f"抽奖 #{lottery_id} {row['title']}，种子 {row['seed']}")
    computed_commitment = commitment(row["seed"])
    if computed_commitment == row["commitment"]:
        out(f"承诺一致：sha256(种子) = {computed_commitment}")
    else:
        out(f"承诺不一致：sha256(种子) = {computed_commitment}，公布的承诺 = {row['commitment']}")
        ok = False
    entries = reader.query("SELECT join_no, openid FROM lottery_entries WHERE lottery_id = :i AND left_at IS NULL "
                           "ORDER BY join_no", {"i": lottery_id})
    people = [e["openid"] for e in entries]
    names = names_with_team(reader, people)
    out(f"参加者 {len(people)} 人（按加入序号排序，复算用的就是这个顺序）；开奖时记录 {row['participant_count']} 人")
    for e in entries:
        out(f"  {e['join_no']}. {e['openid']} {names[e['openid']] if names[e['openid']] != e['openid'] else ''}".rstrip())
    if len(people) != row["participant_count"]:
        out("参加人数与开奖时记录的不一致")
        ok = False
    expected = [(slot, name, openid) for slot, name, openid in draw_winners(row["seed"], people, row["prize_list"])]
    stored = [(w["prize_index"], w["prize_name"], w["openid"]) for w in winners(reader, lottery_id)]
    out(f"奖品：{prizes_text(row['prize_list'])}；复算得到 {len(expected)} 个中奖，库中记录 {len(stored)} 个")
    for slot in sorted({s for s, _, _ in expected} | {s for s, _, _ in stored}):
        want = next((e for e in expected if e[0] == slot), None)
        have = next((s for s in stored if s[0] == slot), None)
        if want != have:
            out(f"  第 {slot} 份不一致：复算 {want[1:] if want else '无'}，库中 {have[1:] if have else '无'}")
            ok = False
        else:
            out(f"  第 {slot} 份 {want[1]}：{want[2]} 一致")
    out("核对通过：中奖结果与种子、参加名单一致" if ok else "核对失败")
    return ok


@plugin.cli("lottery-verify", help="lottery-verify 编号：用公布的种子复算一次开奖，核对承诺和中奖名单")
def verify_cli(app, argv):
    """lottery-verify 编号：用公布的种子复算一次开奖，核对承诺和中奖名单"""
    if len(argv) != 1 or not is_number(argv[0].lstrip("#")):
        print("用法：python run_bot.py lottery-verify 编号")
        return 2
    return 0 if verify(app.store, int(argv[0].lstrip("#"))) else 1
