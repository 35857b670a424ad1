import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, redacted, validate

ROOT = Path(__file__).resolve().parents[1]


def test_missing_default_file_means_embedded_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config["server"]["port"] == 8080 and config["database"] == "data/teabot.db"
    assert config["timezone"] == "Asia/Shanghai" and validate(config) == []


def test_environment_wins_over_the_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("wechat:\n  token: from-file\n  app_secret: {$env: MY_SECRET}\n", encoding="utf-8")
    config = load_config(str(path), environ={"WECHAT_TOKEN": "from-env", "MY_SECRET": "s3cret"})
    assert config["wechat"]["token"] == "from-env"
    assert config["wechat"]["app_secret"] == "s3cret"
    assert "s3cret" not in str(redacted(config)) and "from-env" not in str(redacted(config))


def test_teabot_config_variable_names_the_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("server:\n  port: 9999\n", encoding="utf-8")
    assert load_config(environ={"TEABOT_CONFIG": str(path)})["server"]["port"] == 9999


def test_missing_named_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(str(tmp_path / "nope.yaml"), environ={})


def test_validation_names_each_bad_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("server: {port: 70000}\ntimezone: Mars/Base\nwechat: {encoding_aes_key: short}\n"
                    "admins: nobody\nplugins: {x: {token: {$env: NOT_SET_ANYWHERE}}}\n", encoding="utf-8")
    problems = validate(load_config(str(path), environ={}))
    text = "\n".join(problems)
    for key in ("server.port", "timezone", "encoding_aes_key", "admins", "NOT_SET_ANYWHERE"):
        assert key in text


def test_check_command_reports_problems_and_passes_the_shipped_config(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("timezone: Nowhere/City\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "run_bot.py", "--config", str(bad), "check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "timezone" in result.stdout
    shipped = subprocess.run([sys.executable, "run_bot.py", "check"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60, env={"PATH": "/usr/bin:/bin", "WECHAT_TOKEN": "t0ken-value"})
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert "配置正确" in shipped.stdout and "t0ken-value" not in shipped.stdout


# --- issue 12 §4: `check` catches every mistake ---------------------------------------------------------------

def run_bot(config_file, *args, timeout=60, env=None):
    return subprocess.run([sys.executable, "run_bot.py", "--config", str(config_file), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


def write_config(tmp_path, text):
    """A config whose files live in tmp_path, plus the mistake under test."""
    path = tmp_path / "c.yaml"
    path.write_text(f"database: {tmp_path / 't.db'}\nexports_dir: {tmp_path / 'exports'}\n" + text, encoding="utf-8")
    return path


# (YAML with one mistake, the key the message must name, what it must suggest)
MISTAKES = {
    "misspelled server key": ("server: {prot: 8080}\n", "server.prot", "server.port"),
    "misspelled wechat key": ("wechat: {tokn: abc}\n", "wechat.tokn", "wechat.token"),
    "misspelled top-level key": ("databse: data/x.db\n", "databse", "database"),
    "plugin section at the top": ("pay: {provider: static}\n", "pay", "plugins.pay"),
    "misspelled plugin name": ("plugins: {lotery: {enabled: false}}\n", "plugins.lotery", "plugins.lottery"),
    "misspelled plugin key": ("plugins: {lottery: {enabeld: false}}\n", "plugins.lottery.enabeld",
                              "plugins.lottery.enabled"),
    "negative thread count": ("server: {threads: -3}\n", "server.threads", "1"),
    "port out of range": ("server: {port: 70000}\n", "server.port", "65535"),
    "a number where a list belongs": ("cos: {retry_delays: 5}\n", "cos.retry_delays", "列表"),
    "a string where a boolean belongs": ("plugins: {lottery: {enabled: \"false\"}}\n", "plugins.lottery.enabled",
                                         "true 或 false"),
    "an unquoted time": ("plugins: {export: {report_time: 12:30}}\n", "plugins.export.report_time", '"02:00"'),
    "a misplaced nested section": ("plugins: {smtp: {host: mail.example.com}}\n", "plugins.smtp",
                                   "plugins.export.smtp"),
    "a plugin others require turned off": ("plugins: {expense: {enabled: false}}\n", "plugins.settle",
                                           "plugins.expense.enabled"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_check_refuses_the_mistake_naming_the_key_and_the_fix(tmp_path, name):
    text, key, suggestion = MISTAKES[name]
    result = run_bot(write_config(tmp_path, text), "check")
    assert result.returncode != 0, result.stdout
    assert key in result.stdout and suggestion in result.stdout, result.stdout + result.stderr
    assert "配置正确" not in result.stdout and "Traceback" not in result.stderr


def test_check_lists_every_mistake_at_once(tmp_path):
    result = run_bot(write_config(tmp_path, "server: {prot: 8080, threads: -3}\nwechat: {tokn: abc}\ndatabse: x.db\n"
                                            "pay: {provider: static}\ncos: {retry_delays: 5}\nplugins:\n"
                                            "  lottery: {enabeld: false}\n  export: {report_time: 12:30}\n"), "check")
    assert result.returncode != 0
    for key in ("server.prot", "server.threads", "wechat.tokn", "databse", "plugins.pay", "plugins.lottery.enabeld",
                "cos.retry_delays", "plugins.export.report_time"):
        assert key in result.stdout, (key, result.stdout)


def test_serve_refuses_to_start_naming_each_problem(tmp_path):
    result = run_bot(write_config(tmp_path, "server: {prot: 8080, threads: -3}\nwechat: {tokn: abc}\n"
                                            "plugins: {lottery: {enabled: \"false\"}}\n"), "serve", timeout=20)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    for key in ("server.prot", "server.port", "server.threads", "wechat.tokn", "plugins.lottery.enabled"):
        assert key in result.stderr, (key, result.stderr)
    assert not (tmp_path / "t.db").exists(), "nothing started"


def test_serve_runs_the_plugin_checks_too(tmp_path):
    result = run_bot(write_config(tmp_path, "plugins: {pay: {provider: static}}\n"), "serve", timeout=20)
    assert result.returncode != 0 and "plugins.pay.static_url" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


SECRET = "S3cretValue-9f8e7d"


@pytest.mark.parametrize("text", [
    f"wechat: {{tokn: {SECRET}}}\n",
    f"wechat: {{app_secrt: {SECRET}}}\n",
    f"cos: {{secret_key: {SECRET}}}\n",
    f"plugins: {{pay: {{apiv3_kye: {SECRET}}}}}\n",
    f"plugins: {{export: {{smtp: {{password: {SECRET}}}}}}}\n",
    f"wechat: {{token: 12345678}}\n".replace("12345678", "98765432"),
])
def test_a_secret_under_a_wrong_key_or_of_a_wrong_type_is_never_printed(tmp_path, text):
    secret = SECRET if SECRET in text else "98765432"
    for command in ("check", "serve"):
        result = run_bot(write_config(tmp_path, text), command, timeout=20)
        assert result.returncode != 0
        assert secret not in result.stdout + result.stderr, result.stdout + result.stderr


def test_redacted_masks_secret_looking_keys_under_any_name():
    shown = str(redacted({"wechat": {"tokn": "value1"}, "plugins": {"x": {"my_password": "value2", "apiv3": "value3"}},
                          "cos": {"secret_kye": "value4"}, "server": {"port": 8080}}))
    assert "value" not in shown and "8080" in shown


def test_a_plugin_declares_its_settings_once_and_its_accessor_applies_the_defaults():
    from pydantic import Field

    from bot.config import PluginSettings
    from bot.plugin import Plugin

    class DemoSettings(PluginSettings):
        """A demo."""
        limit: int = Field(5, ge=1, description="at most this many")

    demo = Plugin("demo", "示例", settings_model=DemoSettings)
    assert demo.settings({}) == {"enabled": True, "limit": 5}
    assert demo.settings({"plugins": {"demo": {"limit": 7}}}) == {"enabled": True, "limit": 7}
    problems = validate({"plugins": {"demo": {"limit": 0, "limt": 1}}}, plugins=[demo])
    assert any("plugins.demo.limit" in p for p in problems)
    assert any("plugins.demo.limt" in p and "plugins.demo.limit" in p for p in problems)


def test_expense_declares_confirm_above_and_max_amount_fen():
    from bot.plugin import load_plugins
    expense = next(p for p in load_plugins() if p.name == "expense")
    assert expense.settings({})["confirm_above"] == 1000
    assert expense.settings({})["max_amount_fen"] == 10_000_000


def test_shipped_config_yaml_is_generated_from_the_declarations():
    result = subprocess.run([sys.executable, "run_bot.py", "config-template"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "config.yaml").read_text(encoding="utf-8"), \
        "config.yaml differs from the declarations: python run_bot.py config-template > config.yaml"


def test_every_key_in_config_yaml_has_a_comment():
    lines = (ROOT / "config.yaml").read_text(encoding="utf-8").splitlines()
    keys = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert keys and [line for line in keys if "#" not in line] == []
