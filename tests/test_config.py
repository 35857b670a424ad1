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
