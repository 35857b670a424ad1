"""The account's custom menu: WeChat's menu JSON from `wechat.menu` (or a default derived from the commands'
declarations), the checks `check` runs on it against WeChat's limits, and `run_bot.py menu push|show|delete`.

A `command` button becomes a CLICK button whose key is the chat text itself: bot/wechat.py runs a CLICK's EventKey
exactly as that text typed (roles, replies, de-duplication). `url: console` opens the console through WeChat's
OAuth2 sign-in (plugins/console/signin.py, /console/oauth); `photo: true` opens the camera or album, and the photo
arrives as an image message (a receipt for the sender's latest record)."""

import json

from .config import public_base_url
from .pages import byte_len
from .plugin import ANYONE, MEMBER
from .router import normalise, split_command

MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_NAME_BYTES, MAX_SUB_NAME_BYTES, MAX_KEY_BYTES, MAX_URL_BYTES = 16, 60, 128, 1024
CONSOLE = "console"
CONSOLE_OAUTH_PATH = "/console/oauth"
PHOTO_KEY = "receipt-photo"          # the pic_photo_or_album button's key (WeChat wants one; nothing reads it)
ACTIONS = ("command", "url", "sub", "photo")

# The default menu's labels (when wechat.menu is empty).
RECORD_LABEL, QUERY_LABEL, PHOTO_LABEL, CONSOLE_LABEL, HELP_LABEL = "记账", "查询", "拍小票", "控制台", "帮助"


def _button(raw):
    """A configured button with every key present (the declarations' defaults), or {} for something not a block."""
    if not isinstance(raw, dict):
        return {}
    return {"name": str(raw.get("name") or "").strip(), "command": str(raw.get("command") or "").strip(),
            "url": str(raw.get("url") or "").strip(), "photo": raw.get("photo") is True,
            "sub": [_button(b) for b in raw.get("sub") or []]}


def _actions(button):
    return [a for a in ACTIONS if button.get(a)]


def console_url(config):
    """Where a `url: console` button goes: the console's OAuth2 entry, or '' without server.public_base_url."""
    base = public_base_url(config)
    return base + CONSOLE_OAUTH_PATH if base else ""


def _takes_images(config, registry):
    return any(p.enabled(config) and "image" in p.message_hooks for p in registry.plugins)


def _bare_works(command):
    """The command does something useful sent as its number alone (a click cannot add arguments)."""
    return str(command.number) in [alt.strip() for alt in command.usage.split("|")]


def default_buttons(config, registry):
    """The menu when wechat.menu is empty, from the declarations: 记账 (the member commands that take an amount, a
    拍小票 photo button when a plugin takes images, then the other commands of those plugins), 查询 (the other member
    commands that work as their number alone), and 控制台 (the console through OAuth2, when it is served and
    server.public_base_url is set) or else 帮助 (0). A group of one is a button of its own."""
    commands = [c for c in registry.commands if c.plugin.enabled(config) and 1 <= c.number < 80
                and (MEMBER in c.roles or ANYONE in c.roles)]
    record = [c for c in commands if "金额" in c.usage]
    record_plugins = {c.plugin.name for c in record}
    record += [c for c in commands if c not in record and c.plugin.name in record_plugins and _bare_works(c)]
    query = [c for c in commands if c not in record and _bare_works(c)]
    record_buttons = [{"name": c.name, "command": str(c.number)} for c in sorted(record, key=lambda c: c.number)]
    if _takes_images(config, registry):
        record_buttons.insert(min(1, len(record_buttons)), {"name": PHOTO_LABEL, "photo": True})
    query_buttons = [{"name": c.name, "command": str(c.number)} for c in query]
    buttons = []
    for label, group in ((RECORD_LABEL, record_buttons), (QUERY_LABEL, query_buttons)):
        if len(group) == 1:
            buttons.append(group[0])
        elif group:
            buttons.append({"name": label, "sub": group[:MAX_SUB_BUTTONS]})
    if console_url(config) and registry.serves(config, CONSOLE_OAUTH_PATH):
        buttons.append({"name": CONSOLE_LABEL, "url": CONSOLE})
    elif registry.find("0"):
        buttons.append({"name": HELP_LABEL, "command": "0"})
    return [_button(b) for b in buttons[:MAX_BUTTONS]]


def buttons(config, registry):
    """The menu's buttons: wechat.menu as configured, or the default when it is empty."""
    configured = (config.get("wechat") or {}).get("menu") or []
    return [_button(b) for b in configured] if configured else default_buttons(config, registry)


def _wechat_button(button, config):
    """WeChat's form of a button; one that breaks the rules stays broken (push refuses it before WeChat would)."""
    out = {}
    if button["command"]:
        out = {"type": "click", "name": button["name"], "key": button["command"]}
    elif button["url"]:
        url = console_url(config) if button["url"] == CONSOLE else button["url"]
        out = {"type": "view", "name": button["name"], "url": url}
    elif button["photo"]:
        out = {"type": "pic_photo_or_album", "name": button["name"], "key": PHOTO_KEY}
    if button["sub"]:
        out.update(name=button["name"], sub_button=[_wechat_button(b, config) for b in button["sub"]])
    return out or {"name": button["name"]}


def wechat_menu(config, registry):
    """The body of /cgi-bin/menu/create."""
    return {"button": [_wechat_button(b, config) for b in buttons(config, registry)]}


def _button_problems(button, where, config, registry, sub):
    if not button:
        return [f"{where} 必须是一个按钮（name 加 command、url、sub 或 photo 之一）"]
    label = f"{where}（“{button['name']}”）" if button["name"] else where
    problems = []
    limit = MAX_SUB_NAME_BYTES if sub else MAX_NAME_BYTES
    if not button["name"]:
        problems.append(f"{where} 缺少 name（按钮上显示的文字）")
    elif byte_len(button["name"]) > limit:
        problems.append(f"{label}：名字有 {byte_len(button['name'])} 字节，微信规定{'子' if sub else '一级'}菜单按钮最多 "
                        f"{limit} 字节（一个汉字 3 字节，即最多 {limit // 3} 个汉字）")
    actions = _actions(button)
    if sub and button["sub"]:
        return problems + [f"{label}：子菜单里不能再有 sub（微信只有两级菜单）"]
    if len(actions) != 1:
        return problems + [f"{label}：command、url、sub、photo 必须正好设置一个"
                           + (f"（现在设置了 {'、'.join(actions)}）" if actions else "")]
    if button["sub"]:
        if len(button["sub"]) > MAX_SUB_BUTTONS:
            problems.append(f"{label}：有 {len(button['sub'])} 个子菜单按钮，微信最多 {MAX_SUB_BUTTONS} 个")
        for i, child in enumerate(button["sub"], 1):
            problems += _button_problems(child, f"{where}.sub[{i}]", config, registry, sub=True)
    elif button["command"]:
        problems += _command_problems(button["command"], label, config, registry)
    elif button["url"]:
        problems += _url_problems(button["url"], label, config, registry)
    return problems


def _command_problems(text, label, config, registry):
    if byte_len(text) > MAX_KEY_BYTES:
        return [f"{label}：command 有 {byte_len(text)} 字节，微信规定按钮的 key 最多 {MAX_KEY_BYTES} 字节"]
    head, _ = split_command(normalise(text))
    command = registry.find(head) if head else None
    if command is None:
        return [f"{label}：command “{text}” 不是已有的命令（发送 0 可看全部命令编号）"]
    if not command.plugin.enabled(config):
        return [f"{label}：command “{text}” 属于插件 {command.plugin.name}，但 plugins.{command.plugin.name}.enabled "
                f"是 false"]
    return []


def _url_problems(url, label, config, registry):
    if url == CONSOLE:
        if not public_base_url(config):
            return [f"{label}：url: console 需要 server.public_base_url（控制台的公网地址，https://…）"]
        if not registry.serves(config, CONSOLE_OAUTH_PATH):
            return [f"{label}：url: console 需要控制台插件（plugins.console.enabled 是 false）"]
        url = console_url(config)
    elif not url.startswith("https://") or len(url) <= len("https://"):
        return [f"{label}：url 必须是 console 或以 https:// 开头的网址（现在是 “{url}”）"]
    if byte_len(url) > MAX_URL_BYTES:
        return [f"{label}：网址有 {byte_len(url)} 字节，微信规定最多 {MAX_URL_BYTES} 字节"]
    return []


def menu_problems(config, registry):
    """What `check` (and `serve`, and `menu push`) refuses in wechat.menu, or in the default derived when it is
    empty: WeChat's limits (3 buttons, 5 sub-buttons, names 16 / 60 bytes, key 128 bytes, url 1,024 bytes), exactly
    one action per button, commands that exist in an enabled plugin, urls that are `console` or https."""
    configured = (config.get("wechat") or {}).get("menu") or []
    source = "wechat.menu" if configured else "默认菜单（wechat.menu 为空时由命令生成）"
    menu = buttons(config, registry)
    problems = []
    if len(menu) > MAX_BUTTONS:
        problems.append(f"{source} 有 {len(menu)} 个按钮，微信最多 {MAX_BUTTONS} 个（更多的放进 sub）")
    for i, button in enumerate(menu, 1):
        problems += _button_problems(button, f"{source}[{i}]" if configured else f"默认菜单[{i}]", config, registry,
                                     sub=False)
    return problems


# --- run_bot.py menu push|show|delete -------------------------------------------------------------------------

USAGE = "用法：python run_bot.py menu push | show | delete"


def outline(menu):
    """WeChat's menu JSON (menu/create's body, or menu/get's `menu`) as lines a person reads."""
    lines = []

    def describe(button):
        kind = button.get("type")
        if kind == "click":
            return f"发送 “{button.get('key', '')}”"
        if kind == "view":
            return f"打开 {button.get('url', '')}"
        if kind == "pic_photo_or_album":
            return "拍照或从相册选图（小票）"
        return f"{kind or '？'}"

    for button in menu.get("button") or []:
        children = button.get("sub_button")
        children = children.get("list") if isinstance(children, dict) else children
        if children:
            lines.append(f"{button.get('name', '')}")
            lines += [f"  - {child.get('name', '')}：{describe(child)}" for child in children]
        else:
            lines.append(f"{button.get('name', '')}：{describe(button)}")
    return lines


def _refusal(exc):
    from .wechat_api import NETWORK_ERROR, NOT_CONFIGURED
    if exc.errcode == NOT_CONFIGURED:
        return "未配置 wechat.app_id / wechat.app_secret（或环境变量 WECHAT_APP_ID / WECHAT_APP_SECRET），无法调用菜单接口。", 2
    if exc.errcode == 48001:
        return ("微信拒绝了（48001 没有接口权限）：只有认证的公众号才有自定义菜单接口；未认证的订阅号请直接发送命令"
                "编号。", 1)
    if exc.errcode == NETWORK_ERROR:      # unreachable, or WeChat's own -1 "system busy"
        return f"微信接口暂时不可用（{exc.errmsg}），请稍后再试。", 1
    return f"微信拒绝了（{exc.errcode} {exc.errmsg}）。", 1


def run(config, registry, argv, problems, api=None, out=print):
    """`menu push` (refused while `check` finds problems), `menu show` (the account's menu now, and what push would
    send), `menu delete`. Exit code 0 done, 1 refused (problems, or WeChat said no), 2 wrong usage or no app_id."""
    from .wechat_api import PushError, WeChatAPI
    action = argv[0] if len(argv) == 1 else ""
    if action not in ("push", "show", "delete"):
        out(USAGE)
        return 2
    api = api or WeChatAPI(config)
    body = wechat_menu(config, registry)
    if action == "push":
        if problems:
            out(f"配置有 {len(problems)} 个问题，菜单没有推送（python run_bot.py check 可再看一遍）：")
            out("\n".join(f"- {p}" for p in problems))
            return 1
        try:
            api.call("/cgi-bin/menu/create", body)
        except PushError as exc:
            text, code = _refusal(exc)
            out(f"菜单没有推送。{text}")
            return code
        out(f"已推送自定义菜单（{len(body['button'])} 个按钮），微信客户端几分钟内更新：")
        out("\n".join(outline(body)))
        return 0
    if action == "delete":
        try:
            api.call("/cgi-bin/menu/delete", method="GET")
        except PushError as exc:
            text, code = _refusal(exc)
            out(f"菜单没有删除。{text}")
            return code
        out("已删除公众号的自定义菜单（微信客户端几分钟内更新）。需要时运行 python run_bot.py menu push 重新推送。")
        return 0
    code = 0
    try:
        current = api.call("/cgi-bin/menu/get", method="GET").get("menu") or {}
        out("公众号现在的菜单：")
        out("\n".join(outline(current)) or "（空）")
    except PushError as exc:
        if exc.errcode == 46003:
            out("公众号现在没有自定义菜单。")
            current = None
        else:
            text, code = _refusal(exc)
            out(f"读不到公众号现在的菜单。{text}")
            current = None
    out("")
    out("menu push 将推送：" + ("（与现在的一致）" if current is not None and _same(current, body) else ""))
    out("\n".join(outline(body)))
    out(json.dumps(body, ensure_ascii=False, indent=2))
    if problems:
        out(f"注意：配置有 {len(problems)} 个问题，修正之前 push 会被拒绝：")
        out("\n".join(f"- {p}" for p in problems))
    return code


def _same(current, body):
    """menu/get's menu equals what push would send (it adds empty sub_button lists)."""
    def plain(button):
        children = [plain(b) for b in button.get("sub_button") or []]
        return {**{k: v for k, v in button.items() if k != "sub_button"}, **({"sub_button": children} if children else {})}
    return [plain(b) for b in current.get("button") or []] == [plain(b) for b in body["button"]]
