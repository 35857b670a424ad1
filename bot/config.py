"""Load config.yaml, overlay secrets from the environment, validate, and fail fast with a clear message."""

import copy
import os
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

DEFAULTS = {
    "server": {"host": "127.0.0.1", "port": 8080, "threads": 32, "max_body_bytes": 65536},
    "wechat": {
        "token": "",
        "app_id": "",
        "app_secret": "",
        "encoding_aes_key": "",
        "api_base": "https://api.weixin.qq.com",
        "max_clock_skew_seconds": 300,
        "push_window_hours": 48,
    },
    "database": "data/teabot.db",
    "exports_dir": "exports",
    "timezone": "Asia/Shanghai",
    "admins": [],
    "finance": [],
    "groups": [],
    "plugins": {},
}

# Environment variables that win over the file: (env name, config path).
ENV_OVERRIDES = [
    ("WECHAT_TOKEN", ("wechat", "token")),
    ("WECHAT_APP_ID", ("wechat", "app_id")),
    ("WECHAT_APP_SECRET", ("wechat", "app_secret")),
    ("WECHAT_ENCODING_AES_KEY", ("wechat", "encoding_aes_key")),
]

# Keys whose values must never be printed or logged.
SECRET_KEYS = {"token", "app_secret", "encoding_aes_key", "secret_id", "secret_key", "apiv3_key", "password"}


class ConfigError(Exception):
    """The configuration cannot be used; the message lists every problem."""


def _merge(base, override):
    for key, value in (override or {}).items():
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
        if environ.get(env_name):
            config[section][key] = environ[env_name]
    config["_path"] = path
    config["_env_problems"] = problems
    return config


def validate(config):
    """Every problem with the config, as Chinese sentences naming the key; empty means usable."""
    problems = list(config.get("_env_problems", []))
    server = config.get("server", {})
    if not isinstance(server.get("port"), int) or not 0 < server["port"] < 65536:
        problems.append(f"server.port 必须是 1–65535 的整数，现在是 {server.get('port')!r}")
    if not isinstance(server.get("max_body_bytes"), int) or server["max_body_bytes"] < 1024:
        problems.append("server.max_body_bytes 必须是不小于 1024 的整数")
    try:
        ZoneInfo(str(config.get("timezone")))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone 不是有效的时区名：{config.get('timezone')!r}（例如 Asia/Shanghai）")
    wechat = config.get("wechat", {})
    aes_key = wechat.get("encoding_aes_key") or ""
    if aes_key and not re.fullmatch(r"[A-Za-z0-9]{43}", aes_key):
        problems.append("wechat.encoding_aes_key 必须是 43 位字母数字（留空为明文模式）")
    if aes_key and not wechat.get("app_id"):
        problems.append("安全模式（设置了 encoding_aes_key）需要 wechat.app_id")
    if not str(wechat.get("api_base", "")).startswith(("http://", "https://")):
        problems.append("wechat.api_base 必须以 http:// 或 https:// 开头")
    for key in ("admins", "finance", "groups"):
        if not isinstance(config.get(key), list):
            problems.append(f"{key} 必须是列表")
    if not isinstance(config.get("plugins"), dict):
        problems.append("plugins 必须是键值表")
    return problems


def redacted(config):
    """A copy safe to print: secret values replaced by '***' (or '(未设置)')."""
    def walk(node):
        if isinstance(node, dict):
            return {
                k: ("***" if v else "(未设置)") if k in SECRET_KEYS and not isinstance(v, dict) else walk(v)
                for k, v in node.items()
                if not k.startswith("_")
            }
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node
    return walk(config)
