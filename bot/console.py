"""The local console: a terminal conversation through the same router and database as the server."""

import sys

from .plugin import ADMIN, FINANCE

HELP = """本地对话：直接输入命令（如 0、9 研发一组 张三、1 86.5 奶茶）。
/as 名字      切换身份（/as admin 管理员，/as finance 财务，/as 张三 普通用户）
/who         当前身份
/quit        退出"""


def console_openid(name, config):
    """'admin' -> the first configured admin (or a local admin); other names -> a local openid."""
    if name == "admin":
        return (config.get("admins") or ["console-admin"])[0]
    if name == "finance":
        return (config.get("finance") or ["console-finance"])[0]
    return f"console-{name}"


def run(app, stdin=sys.stdin, stdout=sys.stdout, start_as="admin"):
    """Read lines until EOF or /quit; pushes to any user are printed as they would be delivered."""
    app.extra_roles.setdefault("console-admin", set()).add(ADMIN)
    app.extra_roles.setdefault("console-finance", set()).add(FINANCE)

    def show(text):
        stdout.write(text + "\n")
        stdout.flush()

    app.pusher.sender = lambda openid, text: show(f"[推送 → {openid}] {text}")
    current = console_openid(start_as, app.config)
    show(HELP)
    show(f"当前身份：{current}")
    counter = 0
    while True:
        stdout.write(f"{current}> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/who":
            show(f"当前身份：{current}，角色：{'、'.join(sorted(app.roles_of(current))) or '未注册'}")
            continue
        if line.startswith("/as"):
            name = line[3:].strip()
            if not name:
                show("用法：/as 名字")
                continue
            current = console_openid(name, app.config)
            show(f"当前身份：{current}")
            continue
        counter += 1
        show(app.handle_text(current, line, msg_id=None))
        app.pusher.flush(5)
    app.pusher.flush(5)
    return 0
