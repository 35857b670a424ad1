"""The example plugin of docs/plugins.md, exactly as printed there, runs: its table, its command over real HTTP as
WeChat sends it (with a retry), its web route and its job."""

import re
import types
from pathlib import Path

from bot.plugin import load_plugins

from conftest import ADMIN, eventually
from test_wechat_endpoint import message_xml, reply_content, serve, wconfig  # noqa: F401  (fixtures)

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"


def guide_plugin():
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "the guide has one complete example"
    module = types.ModuleType("plugins.suggest")
    exec(compile(blocks[0], str(GUIDE), "exec"), module.__dict__)
    module.plugin.module = module
    return module.plugin


def test_the_guides_plugin_works_over_http(serve, sent):
    client = serve(plugins=[guide_plugin(), *load_plugins()])
    app = client.app
    app.pusher.sender = lambda openid, text: sent.append((openid, text))

    def post(openid, text, msg_id):
        return reply_content(client.post(message_xml(openid, text, msg_id)))["Content"]
    post("o-zs", "9 测试组 张三", "g1")
    request_id = app.store.one("SELECT id FROM registration_requests WHERE openid = 'o-zs'")["id"]
    assert "已通过" in post(ADMIN, f"81 {request_id}", "g2")
    assert "70 建议" in post("o-zs", "0", "g3")
    first = post("o-zs", "70 下次想喝柠檬茶", "g4")
    assert first == "已收到你的建议 #1，谢谢！"
    assert post("o-zs", "70 下次想喝柠檬茶", "g4") == first, "WeChat's retry: the same reply"
    assert "请写建议的内容" in post("o-zs", "70", "g5")
    assert client.get("/suggestions/count").json() == {"count": 1}
    expected = (ADMIN, "新建议 #1（张三）：下次想喝柠檬茶")
    assert eventually(lambda: expected in sent, True), sent
    assert sent.count(expected) == 1
    assert app.store.one("SELECT COUNT(*) AS n FROM audit WHERE action = 'suggest'")["n"] == 1
    job = next(j for p in app.plugins for j in p.jobs if j.id == "suggest.daily_summary")
    assert (job.trigger, job.trigger_args) == ("cron", {"hour": 9, "minute": 0})
    job.function(app)
    assert eventually(lambda: (ADMIN, "过去一天收到 1 条建议。") in sent, True), sent
