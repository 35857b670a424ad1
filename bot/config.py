"""Load config.yaml, overlay secrets from the environment, check it against the declared settings (every key known,
every value of its type and range), and fail fast with a clear Chinese message naming each problem."""

import copy
import difflib
import functools
import json
import os
import re
import string
import typing
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, ValidationError, create_model,
                      model_validator)
from pydantic_core import PydanticCustomError

from .money import AmountError, yuan_setting_to_fen

# --- how settings are declared --------------------------------------------------------------------------------


class Section(BaseModel):
    """A block of settings. Unknown keys are refused, values must have the declared type (YAML's "false" in quotes
    is a string, not a boolean), and a block left empty in YAML (null) takes every default."""
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _empty_block_means_defaults(cls, data):
        return {} if data is None else data


# The settings every plugin has; a plugin declares its own as a subclass (`Plugin(..., settings_model=...)`). A
# settings class's docstring, if it has one, is printed above its block in config.yaml: write it for operators.
class PluginSettings(Section):
    enabled: bool = Field(True, description="false 关闭这个插件：它的命令、页面和定时任务都不再运行（数据保留）")


def setting(default, comment, **constraints):
    """One declared key: its default, the comment config.yaml shows for it, and pydantic constraints (ge=1, …)."""
    return Field(default, description=comment, **constraints)


def _refuse(kind, message):
    raise PydanticCustomError(kind, message)


def _clock_time(value):
    if not isinstance(value, str) or not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value.strip()):
        _refuse("clock_time", '必须是加引号的 "HH:MM"，例如 "02:00"（不加引号 YAML 会把 02:00 读成数字）')
    return value


def _timezone(value):
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        _refuse("timezone", "不是有效的时区名（例如 Asia/Shanghai）")
    return value


def _http_base(value):
    if not value.startswith(("http://", "https://")):
        _refuse("http_base", "必须以 http:// 或 https:// 开头")
    return value


def _yuan(value):
    try:
        yuan_setting_to_fen(value, 0)
    except (AmountError, TypeError) as exc:
        _refuse("yuan", f"必须是金额（元），例如 1000：{exc}")
    return value


ClockTime = Annotated[str, PlainValidator(_clock_time)]     # local "HH:MM"
Timezone = Annotated[str, AfterValidator(_timezone)]
HttpBase = Annotated[str, AfterValidator(_http_base)]
Yuan = Annotated[int | float | str, PlainValidator(_yuan)]   # an amount in 元, read with the chat's amount grammar
Seconds = Annotated[float, Field(ge=0)]

# --- the core sections ------------------------------------------------------------------------------------------


class ServerSettings(Section):
    host: str = setting("127.0.0.1", "listen address; keep 127.0.0.1 behind nginx")
    port: int = setting(8080, "listen port", ge=1, le=65535)
    threads: int = setting(32, "waitress worker threads (a slow call, e.g. to WeChat Pay, holds one; writers waiting "
                               "for the shared fsync hold one each)", ge=1, le=1024)
    max_body_bytes: int = setting(65536, "POST bodies larger than this are refused with 413", ge=1024)
    max_request_body_bytes: int = setting(1 << 20, "waitress drops any request body larger than this before a route "
                                                   "sees it (at least max_body_bytes)", ge=1024)
    connection_limit: int = setting(1000, "open connections waitress accepts (its own default, 100, leaves "
                                          "keep-alive clients unserved)", ge=1)
    public_base_url: str = setting("", "the address people open, e.g. https://tea.example.com: console and pay "
                                       "links start with it (plugins.pay.public_base_url overrides it for pay)")


class MenuButton(Section):
    """One button of the account's custom menu (issue 16; bot/menu.py builds WeChat's JSON from it). Exactly one of
    `command` (a chat text such as "2"), `url` ("console" for the console, or an https URL), `sub` (up to 5
    buttons) or `photo` (true: a pic_photo_or_album button, for receipts)."""
    name: str = setting("", "the button's label (WeChat counts bytes: 16 for a top button, 60 for a sub-button)")
    command: str = setting("", "chat text the button sends, e.g. \"2\"")
    url: str = setting("", "\"console\" or an https URL the button opens")
    photo: bool = setting(False, "true: the button opens the camera / album (a receipt)")
    sub: list["MenuButton"] = setting([], "sub-buttons (up to 5)")


# The fields each kind of notice fills its template with (the push call sites give them; `time` is always the
# moment the notice was made, in the configured timezone). A template's {field} must be one of its kind's: `check`
# refuses any other. docs/notices.md describes them for operators.
NOTICE_FIELDS = {
    "settlement": {"name": "垫付人姓名", "group": "小组", "count": "笔数", "amount": "金额（元，如 82.00）",
                   "batch": "结算编号", "status": "已结算 / 已撤销", "time": "通知时间"},
    "approval": {"name": "姓名", "group": "小组", "status": "待审核 / 已通过 / 未通过 / 姓名已修改 / 已换组 / 已离开",
                 "note": "说明（原因、变动）", "time": "通知时间"},
    "payment": {"amount": "金额（元）", "order": "订单号", "status": "已支付 / 下单失败 / 付款异常",
                "note": "付款说明或异常原因", "time": "通知时间"},
    "lottery": {"number": "抽奖编号", "title": "抽奖名称", "result": "你的结果（中奖：奖品 / 未中奖 / 已开奖）",
                "count": "参加人数", "time": "通知时间"},
    "report": {"name": "报表名", "count": "笔数", "amount": "未作废合计（元）", "status": "已生成 / 生成失败",
               "time": "通知时间"},
}
TEMPLATE_VALUE_CHARS = 200      # a template value's length, in characters, as written and once filled
_TEMPLATE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def template_placeholders(text):
    """The field names a template value names with {field}, in order; ValueError (in Chinese) for anything but a
    plain {name}: no attribute, index, conversion or format spec, no lone brace ({{ and }} are literal braces)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValueError("花括号不成对（字面的花括号写成 {{ 或 }}）") from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not re.fullmatch(r"[a-z_]+", name) or spec or conversion:
            raise ValueError(f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} "
                             "不是占位符：只能写 {字段名}，例如 {amount}")
        names.append(name)
    return names


class TemplateNotice(Section):
    """A template message for one kind of notice (issue 16): sent when the customer-service message cannot reach
    the user (outside the 48-hour window)."""
    template_id: str = setting("", "the template's ID in the official account backend")
    data: dict[str, str] = setting({}, "template key -> text with {field} placeholders (fields: docs/notices.md)")
    url: str = setting("", "optional link the notice opens (\"console\" for the console)")

    def problems(self, kind, where):
        """What is wrong with this notice for `kind` (one of NOTICE_FIELDS), each naming its key under `where`."""
        found = []
        if not _TEMPLATE_ID.fullmatch(self.template_id):
            found.append(f"{where}.template_id " + ("不能为空：填公众号后台“模板消息”里的模板 ID" if not self.template_id
                                                    else "不是模板 ID（字母、数字、- 和 _）"))
        if not self.data:
            found.append(f"{where}.data 不能为空：写模板的每个键，例如 first: \"…{{name}}…\"")
        fields = NOTICE_FIELDS[kind]
        for key, text in self.data.items():
            if not _TEMPLATE_KEY.fullmatch(key):
                found.append(f"{where}.data 的键 {key!r} 不是模板的键（如 first、keyword1、thing2、remark）")
                continue
            if len(text) > TEMPLATE_VALUE_CHARS:
                found.append(f"{where}.data.{key} 太长（最多 {TEMPLATE_VALUE_CHARS} 个字）")
            try:
                names = template_placeholders(text)
            except ValueError as exc:
                found.append(f"{where}.data.{key}：{exc}")
                continue
            unknown = [n for n in dict.fromkeys(names) if n not in fields]
            if unknown:
                found.append(f"{where}.data.{key}：{'、'.join('{' + n + '}' for n in unknown)} 不是 {kind} 通知的字段"
                             f"（可用：{'、'.join('{' + f + '}' for f in fields)}，见 docs/notices.md）")
        if self.url and self.url != "console" and not re.fullmatch(r"https?://[^\s]+", self.url):
            found.append(f"{where}.url 必须是 console 或 http(s):// 开头的网址")
        return found


class TemplateSettings(Section):
    settlement: TemplateNotice | None = setting(None, "报销（结算、撤销）")
    approval: TemplateNotice | None = setting(None, "注册审核结果、人员变动")
    payment: TemplateNotice | None = setting(None, "付款结果")
    lottery: TemplateNotice | None = setting(None, "抽奖结果")
    report: TemplateNotice | None = setting(None, "每日报表（财务）")

    @model_validator(mode="after")
    def _fields_are_the_kinds_own(self):
        found = [problem for kind in NOTICE_FIELDS if (notice := getattr(self, kind)) is not None
                 for problem in notice.problems(kind, f"wechat.templates.{kind}")]
        if found:
            _refuse("template", "；".join(found))
        return self


class WeChatSettings(Section):
    token: str = setting("", "the Token set in the official account backend (better: WECHAT_TOKEN)")
    app_id: str = setting("", "AppID (WECHAT_APP_ID); needed for safe mode and pushes")
    app_secret: str = setting("", "AppSecret (WECHAT_APP_SECRET); needed for pushes")
    encoding_aes_key: str = setting("", "EncodingAESKey (WECHAT_ENCODING_AES_KEY); empty = plaintext mode")
    api_base: HttpBase = setting("https://api.weixin.qq.com", "WeChat API base URL (tests point it at loopback)")
    max_clock_skew_seconds: int = setting(300, "refuse signed requests whose timestamp is further off than this", ge=1)
    push_window_hours: float = setting(48, "customer-service pushes only reach users who wrote within this window",
                                       gt=0)
    menu: list[MenuButton] = setting([], "the custom menu (run_bot.py menu push): up to 3 buttons; empty = derived "
                                         "from the commands (docs/menu.md)")
    templates: TemplateSettings = setting(TemplateSettings(), "template messages for notices past the 48-hour window "
                                                              "(docs/notices.md)")
    oauth_authorize_url: HttpBase = setting("https://open.weixin.qq.com/connect/oauth2/authorize",
                                            "WeChat's OAuth2 page: the console button signs in through it (snsapi_base)")

    @model_validator(mode="after")
    def _safe_mode_is_complete(self):
        if self.encoding_aes_key and not re.fullmatch(r"[A-Za-z0-9]{43}", self.encoding_aes_key):
            _refuse("aes_key", "wechat.encoding_aes_key 必须是 43 位字母数字（留空为明文模式）")
        if self.encoding_aes_key and not self.app_id:
            _refuse("aes_key", "安全模式（设置了 wechat.encoding_aes_key）需要 wechat.app_id")
        return self


class CosSettings(Section):
    enabled: bool = setting(False, "false：报表和备份只留在本地（正常模式）")
    region: str = setting("", "存储桶所在地域，例如 ap-shanghai（设置了 domain 时可不填）")
    bucket: str = setting("", "存储桶名（含 APPID），例如 teabot-1250000000")
    prefix: str = setting("teabot/", "所有对象键的前缀：teabot/reports/…、teabot/backups/…")
    scheme: Literal["http", "https"] = setting("https", "http 或 https")
    domain: str = setting("", "可选：自定义/测试端点，例如 127.0.0.1:9000/teabot-1250000000")
    secret_id_env: str = setting("COS_SECRET_ID", "存放 SecretId 的环境变量名")
    secret_key_env: str = setting("COS_SECRET_KEY", "存放 SecretKey 的环境变量名")
    retry_delays: list[Seconds] = setting([2, 10, 30], "一次运行内上传失败后的重试间隔（秒）")
    timeout: float = setting(60, "单个 COS 请求超时（秒）", gt=0)


class CoreSettings(Section):
    server: ServerSettings = setting(ServerSettings(), "the HTTP server (/wechat, pay pages, /healthz)")
    wechat: WeChatSettings = setting(WeChatSettings(), "the official account (公众号) and its API")
    database: str = setting("data/teabot.db", "SQLite file (WAL mode); created with its folder on first start",
                            min_length=1)
    exports_dir: str = setting("exports", "where reports and backups are written", min_length=1)
    timezone: Timezone = setting("Asia/Shanghai", "days and quarters are counted in this timezone; storage is UTC")
    admins: list[str] = setting([], "openids of centre admins (approve, settle, lotteries)")
    finance: list[str] = setting([], "openids of finance staff (totals, reports)")
    groups: list[str] = setting([], "team names created at start if missing, e.g. [研发一组, 研发二组]")
    cos: CosSettings = setting(CosSettings(), "Tencent COS object storage for reports and backups "
                                                "(see docs/export.md)")


PLUGINS_COMMENT = "per-plugin settings; every plugin is enabled unless `enabled: false`"


def config_model(plugins):
    """The whole file's declaration: the core sections plus `plugins:` with each loaded plugin's settings."""
    sections = {f"plugin_{p.name}": (p.settings_model, Field(p.settings_model(), alias=p.name,
                                                             description=f"{p.title}：{p.description}".rstrip("：")))
                for p in plugins}
    plugins_model = create_model("PluginsSettings", __base__=Section, **sections)
    return create_model("Settings", __base__=CoreSettings,
                        plugins=(plugins_model, setting(plugins_model(), PLUGINS_COMMENT)))


def _is_section(annotation):
    return isinstance(annotation, type) and issubclass(annotation, Section)


@functools.cache
def declared_keys(model):
    """{path tuple: FieldInfo} of every key the model declares, nested sections included, as written in YAML."""
    keys = {}
    for name, field in model.model_fields.items():
        path = (field.alias or name,)
        keys[path] = field
        if _is_section(field.annotation):
            keys.update({path + sub: f for sub, f in declared_keys(field.annotation).items()})
    return keys


@functools.cache
def defaults_of(model):
    return model().model_dump(by_alias=True)


def _over(defaults, values):
    values = values if isinstance(values, dict) else {}
    merged = {**defaults, **values}
    for key, default in defaults.items():
        value = values.get(key)
        if isinstance(default, dict) and (value is None or isinstance(value, dict)):
            merged[key] = _over(default, value)
        elif isinstance(default, list) and key not in values:
            merged[key] = list(default)
    return merged


def with_defaults(model, values):
    """A section's values over the model's declared defaults (nested blocks merged key by key); values that are
    not a block at all (a mistake `check` reports) give the defaults."""
    return _over(defaults_of(model), values)


DEFAULTS = {**defaults_of(CoreSettings), "plugins": {}}

# Environment variables that win over the file: (env name, config path).
ENV_OVERRIDES = [
    ("WECHAT_TOKEN", ("wechat", "token")),
    ("WECHAT_APP_ID", ("wechat", "app_id")),
    ("WECHAT_APP_SECRET", ("wechat", "app_secret")),
    ("WECHAT_ENCODING_AES_KEY", ("wechat", "encoding_aes_key")),
]

# A key whose name holds one of these words (or a slip of one: tokn, secrt) has its value masked wherever it is.
SECRET_WORDS = ("secret", "token", "password", "passwd", "apiv3", "key")


def looks_secret(key):
    name = str(key).lower()
    return any(word in name for word in SECRET_WORDS) or any(
        difflib.get_close_matches(part, SECRET_WORDS, n=1, cutoff=0.75) for part in re.split(r"[^a-z0-9]+", name)
        if part)


class ConfigError(Exception):
    """The configuration cannot be used; the message lists every problem."""


# --- loading ----------------------------------------------------------------------------------------------------


def _merge(base, override):
    for key, value in (override or {}).items():
        if isinstance(base.get(key), dict) and value is None:
            continue                      # a block left empty in YAML keeps its defaults
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _resolve_env_refs(node, environ, problems, path=""):
    """Replace {"$env": "NAME"} with the variable's value, so the file names secrets without holding them."""
    if isinstance(node, dict):
        if set(node) == {"$env"}:
            name = node["$env"]
            if name not in environ:
                problems.append(f"{path}: 环境变量 {name} 未设置")
                return ""
            return environ[name]
        return {k: _resolve_env_refs(v, environ, problems, f"{path}.{k}" if path else k) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_env_refs(v, environ, problems, f"{path}[{i}]") for i, v in enumerate(node)]
    return node


def load_config(path=None, environ=None):
    """Read the YAML file (optional: a missing default file means embedded defaults) and the environment."""
    environ = os.environ if environ is None else environ
    path = path or environ.get("TEABOT_CONFIG") or "config.yaml"
    config = copy.deepcopy(DEFAULTS)
    problems = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            try:
                data = yaml.safe_load(handle) or {}
            except yaml.YAMLError as exc:
                raise ConfigError(f"{path} 不是合法的 YAML：{exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path} 的顶层必须是键值表")
        _merge(config, _resolve_env_refs(data, environ, problems))
    elif path != "config.yaml":
        raise ConfigError(f"找不到配置文件 {path}")
    for env_name, (section, key) in ENV_OVERRIDES:
        if environ.get(env_name) and isinstance(config.get(section), dict):
            config[section][key] = environ[env_name]
    config["_path"] = path
    config["_env_problems"] = problems
    return config


# --- checking ---------------------------------------------------------------------------------------------------

TYPE_MESSAGES = {
    "bool_type": "必须是 true 或 false（不加引号）",
    "int_type": "必须是整数",
    "float_type": "必须是数字",
    "string_type": "必须是字符串（数字或 true/false 当文字用时要加引号）",
    "model_type": "必须是键值表",
    "dict_type": "必须是键值表",
    "greater_than_equal": "必须不小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "必须不大于 {le}",
    "less_than": "必须小于 {lt}",
    "range": "必须在 {ge}–{le} 之间",
    "string_too_short": "不能为空",
}


def _number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _dotted(path):
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


def _unknown_key(path, keys):
    """Refuse a key nobody declared, saying what was probably meant: a close key at the same level (difflib), or
    where a key of that name belongs."""
    parent, name = path[:-1], str(path[-1])
    what = "未知的插件" if parent == ("plugins",) else "未知的键"
    siblings = [p[-1] for p in keys if p[:-1] == parent]
    close = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
    if close:
        return f"{what} {_dotted(path)}，是不是 {_dotted(parent + tuple(close))}？"
    elsewhere = [p for p in keys if p[-1] == name] or [
        p for p in keys if p[-1] in difflib.get_close_matches(name, {p[-1] for p in keys}, n=3, cutoff=0.8)]
    if elsewhere:
        return f"{what} {_dotted(path)}：应写在 {' 或 '.join(_dotted(p) for p in elsewhere[:3])}（移到那里）"
    return f"{what} {_dotted(path)}（{_dotted(parent) or '顶层'}可用的键：{'、'.join(siblings)}）"


def _problem(error, keys):
    """One pydantic error as a Chinese sentence naming the key, with the value found unless it may be a secret."""
    path, kind, value = error["loc"], error["type"], error.get("input")
    if kind == "extra_forbidden":
        return _unknown_key(path, keys)
    field = keys.get(tuple(p for p in path if not isinstance(p, int)))      # for a list item: the list's field
    bounds = {k: _number(v) for k, v in error.get("ctx", {}).items()}
    declared = {name: _number(getattr(m, name)) for m in getattr(field, "metadata", ()) for name in ("ge", "le")
                if hasattr(m, name)}
    if kind in ("greater_than_equal", "less_than_equal") and len(declared) == 2 and not isinstance(path[-1], int):
        kind, bounds = "range", declared
    if kind == "literal_error" and field is not None:
        message = "只能是 " + " / ".join(str(v) for v in typing.get_args(field.annotation))
    elif kind == "list_type" and field is not None:
        message = f"必须是列表，例如 {yaml_value(field.default if isinstance(value, dict) else [value])}"
    elif kind in TYPE_MESSAGES:
        message = TYPE_MESSAGES[kind].format(**bounds)
    else:
        message = error["msg"]
    if kind == "model_type" and path[:1] == ("plugins",) and len(path) == 2:
        message += f"（关闭插件请写 {_dotted(path)}.enabled: false）"
    where = _dotted(path)
    text = message if message.startswith(where) else f"{where} {message}"   # a block's own check names its keys
    if not isinstance(value, (dict, list)) and not any(looks_secret(p) for p in path):
        text += f"，现在是 {value!r}"
    return text


def validate(config, plugins=None):
    """Every problem with the config against the declarations (core sections and each plugin's), as Chinese
    sentences naming the key; empty means usable. Plugins' own `check_config` functions are not run here."""
    if plugins is None:
        from .plugin import load_plugins
        plugins = load_plugins()
    problems = list(config.get("_env_problems", []))
    model = config_model(plugins)
    try:
        model.model_validate({k: v for k, v in config.items() if not str(k).startswith("_")})
    except ValidationError as exc:
        keys = declared_keys(model)
        problems += [_problem(error, keys) for error in exc.errors()]
    return problems


def redacted(config):
    """A copy safe to print: values under secret-looking keys, declared or not, replaced by '***' (or '(未设置)')."""
    def walk(node):
        if isinstance(node, dict):
            return {k: ("***" if v else "(未设置)") if looks_secret(k) else walk(v)
                    for k, v in node.items() if not str(k).startswith("_")}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node
    return walk(config)


# --- config.yaml from the declarations ----------------------------------------------------------------------------

TEMPLATE_HEADER = """\
# teabot configuration, generated from the settings declared in bot/config.py and each plugin
# (python run_bot.py config-template). Every key is optional: the values below are the embedded defaults;
# `check` and `serve` refuse unknown keys and wrong types, naming the key meant.
# Secrets never live here: set them as environment variables (they win over this file):
#   {env}
# Any value may also be written as {{$env: VARIABLE_NAME}} to read it from the environment.
"""


def yaml_value(value):
    """A default as YAML flow text: plain where YAML reads it back unchanged, else a JSON (double-quoted) string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    if isinstance(value, str) and (not value or yaml.safe_load(value) != value or re.search(r"[#{}\[\],'\"]|: ", value)
                                   or value[0] in "-?:&*!|>%@`" or re.fullmatch(r"[\d:._-]+", value)):
        return json.dumps(value, ensure_ascii=False)
    return "null" if value is None else str(value)


def _template_lines(model, indent):
    """A block's lines: a key with its default (or a nested block) and its comment; a settings class's docstring
    opens its block. At the top level a blank line sets blocks apart."""
    lines, after_block = [], False
    pad = "  " * indent
    doc = model.__dict__.get("__doc__") if indent else None
    lines += [f"{pad}# {line.strip()}" for line in (doc or "").strip().splitlines()]
    for name, field in model.model_fields.items():
        key = field.alias or name
        comment = f"  # {field.description}" if field.description else ""
        block = _is_section(field.annotation)
        if not indent and (block or after_block):
            lines.append("")
        if block:
            lines.append(f"{pad}{key}:{comment}")
            lines += _template_lines(field.annotation, indent + 1)
        else:
            left = f"{pad}{key}: {yaml_value(field.default)}"
            lines.append(f"{left:<30}{comment}")
        after_block = block
    return lines


def config_template(plugins):
    """config.yaml as the declarations describe it: every key with its default and its comment."""
    header = TEMPLATE_HEADER.format(env=", ".join(name for name, _ in ENV_OVERRIDES))
    return header + "\n".join(_template_lines(config_model(plugins), 0)) + "\n"


def public_base_url(config, override=""):
    """The address links in replies start with (no trailing slash): a plugin's own setting if given, else
    server.public_base_url; '' when neither is set."""
    return str(override or ((config.get("server") or {}).get("public_base_url")) or "").rstrip("/")

