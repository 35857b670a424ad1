"""The daily report: workbook content and formatting, COS upload and links, delivery, scheduling, CLI."""

import hashlib
import json
import socket
import subprocess
import sys
import threading
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from pathlib import Path

import openpyxl
import pytest
import requests
import yaml

from bot.plugin import Plugin
from bot.scheduler import make_scheduler
from conftest import ADMIN, FINANCE
from cos_server import S3Server, cos_config, create_bucket
from plugins import export

ROOT = Path(__file__).resolve().parents[1]
VECTORS = Path(__file__).parents[2] / "shared" / "vectors" / "protocol_vectors.json"


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("COS_SECRET_ID", "AKIDtest")
    monkeypatch.setenv("COS_SECRET_KEY", "testkey")
    server = S3Server()
    create_bucket(server.domain)
    yield server
    server.stop()


@pytest.fixture
def ledger(app, say, member):
    """Five expenses in two teams; 研发二组 settled, one record voided."""
    zhang, li, wang = member("张三"), member("李四"), member("王五", "研发二组")
    say(zhang, "1 86.5 奶茶10杯")
    say(zhang, "1 0.01 找零")
    say(li, "1 1234.56 水果")
    say(wang, "1 20 蛋糕")
    say(wang, "1 33.3 咖啡")
    void_id = app.store.one("SELECT id FROM expenses WHERE amount_fen = 1")["id"]
    assert "作废" in say(zhang, f"7 {void_id}")
    assert "已结算" in say(ADMIN, "82 研发二组")
    return app


def db_total(app, where="1"):
    return app.store.one(f"SELECT COALESCE(SUM(amount_fen), 0) AS t FROM expenses WHERE {where}")["t"]


def fen(value):
    return int(Decimal(str(value)) * 100)


def test_report_has_every_sheet_typed_cells_and_totals_equal_to_the_database(ledger):
    app = ledger
    row = export.run_report(app, date(2026, 11, 22))
    assert row["state"] == "done" and row["upload_state"] == "disabled"
    assert row["path"].endswith("teabot-20261122.xlsx")
    assert row["rows"] == 5 and row["total_fen"] == db_total(app, "status != 'void'")
    assert row["sha256"] == hashlib.sha256(Path(row["path"]).read_bytes()).hexdigest()
    book = openpyxl.load_workbook(row["path"])
    assert book.sheetnames[:4] == ["明细", "小组汇总", "结算记录", "付款记录"]

    detail = book["明细"]
    assert detail.freeze_panes == "A2"
    assert detail.auto_filter.ref == "A1:I6"
    assert [c.value for c in detail[1]][:6] == ["编号", "消费日期", "记录时间", "小组", "垫付人", "金额"]
    first = [c for c in detail[2]]
    assert isinstance(first[1].value, datetime) and first[1].number_format == "yyyy-mm-dd"
    assert isinstance(first[2].value, datetime) and first[2].number_format == "yyyy-mm-dd hh:mm:ss"
    assert isinstance(first[5].value, (int, float)) and first[5].number_format == "#,##0.00"
    assert first[5].value == 86.5 and first[4].value == "张三"
    amounts = [detail.cell(r, 6).value for r in range(2, 7)]
    assert all(isinstance(a, (int, float)) for a in amounts)
    assert sum(fen(a) for a in amounts) == db_total(app)
    assert {detail.cell(r, 8).value for r in range(2, 7)} == {"未报销", "已报销", "已作废"}
    total = detail[7]
    assert total[0].font.b and fen(total[5].value) == db_total(app)
    breakdown = {detail.cell(r, 1).value.split("（")[0]: fen(detail.cell(r, 6).value) for r in range(8, 11)}
    assert breakdown == {"其中未报销": db_total(app, "status = 'open'"), "其中已报销": db_total(app, "status = 'settled'"),
                         "其中已作废": db_total(app, "status = 'void'")}
    recorded = app.store.one("SELECT recorded_at FROM expenses ORDER BY id LIMIT 1")["recorded_at"]
    local = datetime.fromisoformat(recorded).astimezone(app.tz).replace(tzinfo=None, microsecond=0)
    assert first[2].value == local

    summary = book["小组汇总"]
    teams = {summary.cell(r, 1).value: r for r in range(2, 4)}
    assert fen(summary.cell(teams["研发一组"], 3).value) == 8650 + 123456
    assert fen(summary.cell(teams["研发二组"], 5).value) == 2000 + 3330
    assert summary.cell(4, 1).value == "合计" and summary.cell(4, 1).font.b
    assert fen(summary.cell(4, 3).value) + fen(summary.cell(4, 5).value) == db_total(app, "status != 'void'")
    quarter_col = 6 + 2 * ((app.now().month - 1) // 3)
    assert summary.cell(1, quarter_col).value.endswith("未报销")
    assert fen(summary.cell(4, quarter_col).value) == db_total(app, "status = 'open'")
    with zipfile.ZipFile(row["path"]) as archive:
        assert any(name.startswith("xl/charts/chart") for name in archive.namelist())

    batches = book["结算记录"]
    assert batches.cell(2, 2).value == "研发二组" and batches.cell(2, 7).value == "有效"
    assert fen(batches.cell(2, 6).value) == 5330 and isinstance(batches.cell(2, 4).value, datetime)
    payments = book["付款记录"]
    assert payments.max_row == 2 and payments.cell(2, 1).value.startswith("合计")


def test_sheets_offered_by_other_plugins_get_the_same_formatting(app, member, say):
    say(member("张三"), "1 10 奶茶")
    extra = Plugin("fake_extra", "测试")

    @extra.provide("report_sheet")
    def extra_sheet(app_, day):
        return {"title": "测试记录", "header": ["期号", "开奖日", "开奖时间", "奖金"],
                "rows": iter([[1, "2026-11-20", "2026-11-20T10:00:00.000000+00:00", 1999],
                              [2, date(2026, 11, 21), None, 1]]),
                "money_columns": [3], "date_columns": [1], "datetime_columns": [2]}
    app.plugins.append(extra)
    row = export.run_report(app)
    sheet = openpyxl.load_workbook(row["path"])["测试记录"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D3"
    assert sheet.cell(2, 2).value == datetime(2026, 11, 20) and sheet.cell(2, 2).number_format == "yyyy-mm-dd"
    assert sheet.cell(2, 3).value == datetime(2026, 11, 20, 18, 0)      # shown in Asia/Shanghai
    assert sheet.cell(2, 4).value == 19.99 and sheet.cell(2, 4).number_format == "#,##0.00"
    assert sheet.cell(4, 4).value == 20 and sheet.cell(4, 4).font.b     # 19.99 + 0.01


def test_report_is_uploaded_and_finance_gets_a_link_that_downloads_the_same_bytes(app, config, member, say, sent, s3):
    config["cos"] = cos_config(s3.domain)
    say(member("张三"), "1 10 奶茶")
    row = export.run_report(app, date(2026, 11, 22))
    assert row["upload_state"] == "uploaded" and row["cos_key"] == "teabot/reports/teabot-20261122.xlsx"
    app.pusher.flush(5)
    finance_texts = [text for openid, text in sent if openid == FINANCE]
    assert len(finance_texts) == 1 and "下载" in finance_texts[0]
    link = finance_texts[0].split("：", 2)[-1].strip()
    assert link.startswith(f"http://{s3.domain}/teabot/reports/teabot-20261122.xlsx?") and "q-signature=" in link
    assert requests.get(link, timeout=10).content == Path(row["path"]).read_bytes()


def test_cos_down_keeps_the_file_pending_and_the_next_run_uploads_it(app, config, member, say, s3):
    say(member("张三"), "1 10 奶茶")
    config["cos"] = cos_config("127.0.0.1:9/nobucket")   # nothing listens on the discard port
    down = export.run_report(app, date(2026, 11, 21))
    assert down["state"] == "done" and down["upload_state"] == "pending"
    assert down["attempts"] == 1 and "失败" in down["error"] and Path(down["path"]).exists()
    assert export.health(app)["export"]["pending_uploads"] == 1
    config["cos"] = cos_config(s3.domain)
    up = export.run_report(app, date(2026, 11, 22))
    assert up["upload_state"] == "uploaded"
    earlier = export.export_row(app, down["id"])
    assert earlier["upload_state"] == "uploaded" and earlier["attempts"] == 2
    link = export.Cos(config).presigned_url(earlier["cos_key"], 60)
    assert requests.get(link, timeout=10).content == Path(down["path"]).read_bytes()
    assert export.health(app)["export"]["pending_uploads"] == 0


def test_two_triggers_at_once_produce_one_daily_report(app):
    results = []
    threads = [threading.Thread(target=lambda: results.append(export.run_report(app, date(2026, 11, 22), "daily")))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r is None for r in results) == [False, True]
    rows = app.store.query("SELECT * FROM exports WHERE kind = 'report'")
    assert len(rows) == 1 and rows[0]["state"] == "done"


def test_a_run_missed_while_down_happens_once_at_start(app):
    today = app.now()
    assert export.catch_up(app, today.replace(hour=1, minute=0)) == []      # before 02:00: the cron job will do it
    assert export.catch_up(app, today.replace(hour=3, minute=0)) == ["report", "backup"]
    assert export.catch_up(app, today.replace(hour=4, minute=0)) == []
    rows = app.store.query("SELECT kind, trigger, state FROM exports ORDER BY id")
    assert rows == [{"kind": "report", "trigger": "daily", "state": "done"},
                    {"kind": "backup", "trigger": "daily", "state": "done"}]


def test_a_failed_daily_run_can_be_claimed_again(app):
    day = date(2026, 11, 22)
    first = export.claim(app, "report", day, "daily")
    assert export.claim(app, "report", day, "daily") is None
    export._update(app, first, state="failed")
    assert export.claim(app, "report", day, "daily") == first


def test_start_hook_schedules_both_jobs_at_the_configured_local_times(app, config):
    config["plugins"]["export"] = {"report_time": "02:00", "backup_time": "03:15"}
    app.scheduler = make_scheduler(app)
    export.schedule(app)
    export.join_background(app)
    app.scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in app.scheduler.get_jobs()}
        assert set(jobs) == {"export.report", "export.backup"}
        assert (jobs["export.report"].next_run_time.hour, jobs["export.report"].next_run_time.minute) == (2, 0)
        assert (jobs["export.backup"].next_run_time.hour, jobs["export.backup"].next_run_time.minute) == (3, 15)
        assert str(jobs["export.report"].next_run_time.tzinfo) == "Asia/Shanghai"
    finally:
        app.scheduler.shutdown(wait=False)


def test_command_86_answers_at_once_and_pushes_when_the_file_is_ready(app, say, sent, member):
    say(member("张三"), "1 10 奶茶")
    shared = app.store._shared
    reply = say(FINANCE, "86")
    name = export.report_name(app.now().date())
    assert name in reply and "完成后" in reply
    export.join_background(app)
    assert app.store._shared is shared     # the export thread closed only its own connection, not the messages' one
    app.pusher.flush(5)
    assert any(openid == FINANCE and name in text and "已生成" in text for openid, text in sent)
    assert (Path(app.config["exports_dir"]) / name).exists()


def test_command_86_is_for_admin_and_finance_only(say, member):
    assert "只有" in say(member("张三"), "86")


def test_report_is_mailed_with_the_workbook_attached(app, config, member, say, monkeypatch):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content))
            return "250 OK"
    inbox = Inbox()
    with socket.socket() as probe:           # aiosmtpd's Controller needs a concrete port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config["plugins"]["export"] = {"mail_to": ["finance@example.com"],
                                       "smtp": {"host": "127.0.0.1", "port": port, "from": "teabot@example.com"}}
        say(member("张三"), "1 10 奶茶")
        row = export.run_report(app)
    finally:
        controller.stop()
    assert row["error"] == ""
    [(recipients, content)] = inbox.messages
    assert recipients == ["finance@example.com"]
    message = message_from_bytes(content)
    [attachment] = [p for p in message.walk() if p.get_filename()]
    assert attachment.get_filename() == export.report_name(app.now().date())
    assert attachment.get_payload(decode=True) == Path(row["path"]).read_bytes()


def test_old_local_reports_are_pruned_after_keep_days(app, config):
    config["plugins"]["export"] = {"keep_days": 3}
    folder = Path(config["exports_dir"])
    folder.mkdir(parents=True)
    for day in ("20261118", "20261119", "20261120", "20261121"):
        (folder / f"teabot-{day}.xlsx").write_bytes(b"x")
    (folder / "notes.txt").write_text("keep me")
    export.run_report(app, date(2026, 11, 22))
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "teabot-20261120.xlsx", "teabot-20261121.xlsx",
                                                         "teabot-20261122.xlsx"]


def test_health_reports_last_runs_and_cos_state(app):
    from bot.web import health
    assert health(app)["export"] == {"cos_enabled": False, "last_report": None, "last_backup": None,
                                     "pending_uploads": 0, "failed_uploads": 0}
    export.run_report(app, date(2026, 11, 22))
    last = health(app)["export"]["last_report"]
    assert last["date"] == "2026-11-22" and last["state"] == "done" and last["upload"] == "disabled"


@pytest.mark.parametrize("vector", json.loads(VECTORS.read_text(encoding="utf-8"))["cos_signature"],
                         ids=lambda v: v["id"])
def test_cos_sdk_signature_matches_the_documented_vectors(vector, monkeypatch):
    """The SDK's own signer (CosS3Auth) reproduces Tencent's documented examples.

    The examples sign the Date header, which the SDK's header filter leaves out of what it signs; so the signer
    is given exactly the example's header set (filter_headers -> identity), everything else is the SDK's own.
    """
    from qcloud_cos import CosConfig
    from qcloud_cos import cos_auth
    start, end = (int(t) for t in vector["key_time"].split(";"))
    monkeypatch.setattr(cos_auth.time, "time", lambda: start + 60)   # the SDK signs from now-60 s
    monkeypatch.setattr(cos_auth, "filter_headers", lambda headers: dict(headers))
    conf = CosConfig(Region="ap-beijing", SecretId=vector["secret_id"], SecretKey=vector["secret_key"])
    auth = cos_auth.CosS3Auth(conf, key=vector["path"], params=vector["params"], expire=end - start - 60)
    request = requests.Request(vector["method"].upper(), f"https://{vector['headers']['host']}/x",
                               headers=vector["headers"]).prepare()
    auth(request)
    fields = dict(part.split("=", 1) for part in request.headers["Authorization"].split("&"))
    assert fields["q-key-time"] == vector["key_time"]
    assert fields["q-header-list"] == ";".join(sorted(vector["headers"]))
    assert fields["q-url-param-list"] == ";".join(sorted(vector["params"]))
    assert fields["q-signature"] == vector["signature"]


def test_cli_export_writes_the_file_and_shows_progress(tmp_path, app, member, say):
    zhang = member("张三")
    for amount in ("1", "2", "3"):
        say(zhang, f"1 {amount} 奶茶")
    config_file = tmp_path / "teabot.yaml"
    config_file.write_text(yaml.safe_dump({"database": app.config["database"],
                                           "exports_dir": app.config["exports_dir"],
                                           "groups": ["研发一组", "研发二组"]}, allow_unicode=True), encoding="utf-8")
    result = subprocess.run([sys.executable, "run_bot.py", "--config", str(config_file), "export",
                             "--date", "2026-11-20", "--progress-rows", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "明细：0/3 行（0%）" in result.stdout and "明细：3/3 行（100%）" in result.stdout
    assert "完成：3 笔，未作废合计 6.00 元" in result.stdout
    book = openpyxl.load_workbook(Path(app.config["exports_dir"]) / "teabot-20261120.xlsx", read_only=True)
    assert "明细" in book.sheetnames
    book.close()


def test_cli_export_refuses_a_future_date(tmp_path, app):
    config_file = tmp_path / "teabot.yaml"
    config_file.write_text(yaml.safe_dump({"database": app.config["database"],
                                           "exports_dir": app.config["exports_dir"]}), encoding="utf-8")
    tomorrow = (app.now().date() + timedelta(days=2)).isoformat()
    result = subprocess.run([sys.executable, "run_bot.py", "--config", str(config_file), "export", "--date", tomorrow],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "还没到" in result.stderr


def _config_file(tmp_path, app):
    path = tmp_path / "teabot.yaml"
    path.write_text(yaml.safe_dump({"database": app.config["database"], "exports_dir": app.config["exports_dir"],
                                    "groups": ["研发一组", "研发二组"]}, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_in_server_report_is_written_by_a_child_process_and_recorded_here(ledger, config, tmp_path, sent,
                                                                          monkeypatch):
    config["_path"] = _config_file(tmp_path, ledger)

    def not_here(*args, **kwargs):
        raise AssertionError("the workbook must not be written in the server process")
    monkeypatch.setattr(export, "write_workbook", not_here)
    ledger.handle_text(FINANCE, "86")
    export.join_background(ledger)
    ledger.pusher.flush(5)
    row = ledger.store.one("SELECT * FROM exports WHERE kind = 'report'")
    assert (row["state"], row["rows"], row["total_fen"]) == ("done", 5, db_total(ledger, "status != 'void'"))
    assert row["sha256"] == hashlib.sha256(Path(row["path"]).read_bytes()).hexdigest()
    book = openpyxl.load_workbook(row["path"], read_only=True)
    assert sum(1 for _ in book["明细"].iter_rows()) >= 6       # header + 5 expenses (+ totals)
    book.close()
    assert any(openid == FINANCE and "已生成：5 笔" in text for openid, text in sent)


def test_a_failing_report_child_marks_the_run_failed_and_tells_the_requester(app, config, tmp_path, sent):
    config["_path"] = _config_file(tmp_path, app)
    day = app.now().date()
    Path(export.report_path(app, day)).mkdir(parents=True)      # a folder where the file should go: replace fails
    row = export.run_report(app, day, requested_by=ADMIN)
    app.pusher.flush(5)
    assert row["state"] == "failed" and "报表子进程退出码 1" in row["error"]
    assert any(openid == ADMIN and "生成失败" in text for openid, text in sent)
