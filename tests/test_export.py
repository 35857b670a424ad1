"""The daily report: workbook content and formatting, COS upload and links, delivery, scheduling, CLI."""

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from pathlib import Path

import openpyxl
import pytest
import requests
import yaml

from bot.cos import Cos
from bot.plugin import Plugin
from bot.scheduler import make_scheduler
from conftest import ADMIN, FINANCE
from cos_server import S3Server, cos_config, create_bucket
from plugins.export import jobs, runs
from plugins.export.report import remove_leftovers

ROOT = Path(__file__).resolve().parents[1]
VECTORS = Path(__file__).parent / "vectors" / "protocol_vectors.json"     # a copy of the official vectors, kept with the tests


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
    say(li, "确认")                 # above 1,000 元: recorded once confirmed
    say(wang, "1 20 蛋糕")
    say(wang, "1 33.3 咖啡")
    void_id = app.store.one("SELECT id FROM expenses WHERE amount_fen = 1")["id"]
    assert "作废" in say(zhang, f"7 {void_id}")
    say(ADMIN, "82 研发二组")
    assert "已结算" in say(ADMIN, "确认")
    return app


def db_total(app, where="1"):
    return app.store.one(f"SELECT COALESCE(SUM(amount_fen), 0) AS t FROM expenses WHERE {where}")["t"]


def fen(value):
    return int(Decimal(str(value)) * 100)


def test_report_has_every_sheet_typed_cells_and_totals_equal_to_the_database(ledger):
    app = ledger
    row = jobs.run_report(app, date(2026, 11, 22))
    assert row["state"] == "done" and row["upload_state"] == "disabled"
    assert row["path"].endswith("teabot-20261122.xlsx")
    assert row["rows"] == 5 and row["total_fen"] == db_total(app, "status != 'void'")
    assert row["sha256"] == hashlib.sha256(Path(row["path"]).read_bytes()).hexdigest()
    book = openpyxl.load_workbook(row["path"])
    assert book.sheetnames[:4] == ["明细", "小组汇总", "结算记录", "付款记录"]

    detail = book["明细"]
    assert detail.freeze_panes == "A2"
    assert detail.auto_filter.ref == "A1:J6"
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
    assert total[0].font.b and fen(total[5].value) == db_total(app, "status != 'void'")
    breakdown = {detail.cell(r, 1).value.split("（")[0]: fen(detail.cell(r, 6).value) for r in range(8, 11)}
    assert breakdown == {"其中未报销": db_total(app, "status = 'open'"), "其中已报销": db_total(app, "status = 'settled'"),
                         "已作废": db_total(app, "status = 'void'")}
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


def test_sheets_declared_by_other_plugins_get_the_same_formatting(app, member, say):
    say(member("张三"), "1 10 奶茶")
    extra = Plugin("fake_extra", "测试")

    @extra.report_sheet("测试记录", order=30, header=["期号", "开奖日", "开奖时间", "奖金"])
    def extra_sheet(reader, day):
        return {"rows": iter([[1, "2026-11-20", "2026-11-20T10:00:00.000000+00:00", 1999],
                              [2, date(2026, 11, 21), None, 1]]),
                "money_columns": [3], "date_columns": [1], "datetime_columns": [2]}
    app.plugins.append(extra)
    row = jobs.run_report(app)
    sheet = openpyxl.load_workbook(row["path"])["测试记录"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D3"
    assert sheet.cell(2, 2).value == datetime(2026, 11, 20) and sheet.cell(2, 2).number_format == "yyyy-mm-dd"
    assert sheet.cell(2, 3).value == datetime(2026, 11, 20, 18, 0)      # shown in Asia/Shanghai
    assert sheet.cell(2, 4).value == 19.99 and sheet.cell(2, 4).number_format == "#,##0.00"
    assert sheet.cell(4, 4).value == 20 and sheet.cell(4, 4).font.b     # 19.99 + 0.01


def test_declared_sheets_follow_their_order_and_a_disabled_or_failing_plugins_sheet_has_its_header_only(app, config):
    late, early, off, broken = (Plugin(name, "测试") for name in ("fake_late", "fake_early", "fake_off", "fake_broken"))
    calls = []

    def declare(plugin, title, order):
        @plugin.report_sheet(title, order=order, header=["编号", "金额"])
        def sheet(reader, day):
            calls.append(title)
            if plugin is broken:
                raise RuntimeError("boom")
            return {"rows": [[1, 250]], "money_columns": [1]}
    for plugin, title, order in ((late, "晚表", 900), (early, "早表", 899), (off, "停用表", 901), (broken, "坏表", 902)):
        declare(plugin, title, order)
    app.plugins.extend([late, early, off, broken])      # 早表 comes first by its order, though listed later
    config["plugins"]["fake_off"] = {"enabled": False}
    row = jobs.run_report(app)
    assert row["state"] == "done" and "坏表 出错：RuntimeError" in row["error"]
    book = openpyxl.load_workbook(row["path"])
    assert book.sheetnames[-5:] == ["早表", "晚表", "停用表", "坏表", "说明"]
    assert sorted(calls) == ["坏表", "早表", "晚表"]                # a disabled plugin's function is not called
    assert [c.value for c in book["晚表"][2]] == [1, 2.5]
    for title in ("停用表", "坏表"):
        assert [c.value for c in book[title][1]] == ["编号", "金额"]
        assert book[title].cell(2, 1).value == "合计（0 条）" and book[title].max_row == 2
    about = {r[0].value: r[1].value for r in book["说明"].iter_rows()}
    assert about["提示"] == "坏表 出错：RuntimeError，该表只有表头"


def test_report_is_uploaded_and_finance_gets_a_link_that_downloads_the_same_bytes(app, config, member, say, sent, s3):
    config["cos"] = cos_config(s3.domain)
    say(member("张三"), "1 10 奶茶")
    row = jobs.run_report(app, date(2026, 11, 22))
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
    down = jobs.run_report(app, date(2026, 11, 21))
    assert down["state"] == "done" and down["upload_state"] == "pending"
    assert down["attempts"] == 1 and "失败" in down["error"] and Path(down["path"]).exists()
    assert runs.health(app)["export"]["pending_uploads"] == 1
    config["cos"] = cos_config(s3.domain)
    up = jobs.run_report(app, date(2026, 11, 22))
    assert up["upload_state"] == "uploaded"
    earlier = runs.export_row(app.store, down["id"])
    assert earlier["upload_state"] == "uploaded" and earlier["attempts"] == 2
    link = Cos(config).presigned_url(earlier["cos_key"], 60)
    assert requests.get(link, timeout=10).content == Path(down["path"]).read_bytes()
    assert runs.health(app)["export"]["pending_uploads"] == 0


def test_two_triggers_at_once_produce_one_daily_report(app):
    results = []
    threads = [threading.Thread(target=lambda: results.append(jobs.run_report(app, date(2026, 11, 22), "daily")))
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
    assert jobs.catch_up(app, today.replace(hour=1, minute=0)) == []      # before 02:00: the cron job will do it
    assert jobs.catch_up(app, today.replace(hour=3, minute=0)) == ["report", "backup"]
    assert jobs.catch_up(app, today.replace(hour=4, minute=0)) == []
    rows = app.store.query("SELECT kind, trigger, state FROM exports ORDER BY id")
    assert rows == [{"kind": "report", "trigger": "daily", "state": "done"},
                    {"kind": "backup", "trigger": "daily", "state": "done"}]


def test_a_failed_daily_run_can_be_claimed_again(app):
    day = date(2026, 11, 22)
    with app.transaction() as tx:
        first = runs.claim(tx, "report", day, "daily")
    with app.transaction() as tx:
        assert runs.claim(tx, "report", day, "daily") is None
        runs.update(tx, first, state="failed")
    with app.transaction() as tx:
        assert runs.claim(tx, "report", day, "daily") == first


def test_start_hook_schedules_both_jobs_at_the_configured_local_times(app, config):
    config["plugins"]["export"] = {"report_time": "02:00", "backup_time": "03:15"}
    app.scheduler = make_scheduler(app)
    jobs.schedule(app)
    jobs.join_background(app)
    app.scheduler.start(paused=True)
    try:
        scheduled = {job.id: job for job in app.scheduler.get_jobs()}
        assert set(scheduled) == {"export.report", "export.backup"}
        report, backup = scheduled["export.report"].next_run_time, scheduled["export.backup"].next_run_time
        assert (report.hour, report.minute) == (2, 0) and (backup.hour, backup.minute) == (3, 15)
        assert str(report.tzinfo) == "Asia/Shanghai"
    finally:
        app.scheduler.shutdown(wait=False)


def test_command_86_answers_at_once_and_pushes_when_the_file_is_ready(app, say, sent, member):
    say(member("张三"), "1 10 奶茶")
    shared = app.store._shared
    reply = say(FINANCE, "86")
    name = jobs.report_name(app.now().date())
    assert name in reply and "完成后" in reply
    jobs.join_background(app)
    assert app.store._shared is shared     # the export thread closed only its own connection, not the messages' one
    app.pusher.flush(5)
    assert any(openid == FINANCE and name in text and "已生成" in text for openid, text in sent)
    assert (Path(app.config["exports_dir"]) / name).exists()


def test_command_86_is_for_admin_and_finance_only(say, member):
    assert "只有" in say(member("张三"), "86")


def test_command_86_claims_its_run_with_the_reply_and_a_retry_of_the_message_starts_no_second_one(app, say):
    first = say(FINANCE, "86", msg_id="m-86")
    jobs.join_background(app)
    assert say(FINANCE, "86", msg_id="m-86") == first        # WeChat's retry: the saved reply, nothing run again
    jobs.join_background(app)
    rows = app.store.query("SELECT trigger, state, requested_by FROM exports WHERE kind = 'report'")
    assert rows == [{"trigger": "manual", "state": "done", "requested_by": FINANCE}]


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
        row = jobs.run_report(app)
    finally:
        controller.stop()
    assert row["error"] == ""
    [(recipients, content)] = inbox.messages
    assert recipients == ["finance@example.com"]
    message = message_from_bytes(content)
    [attachment] = [p for p in message.walk() if p.get_filename()]
    assert attachment.get_filename() == jobs.report_name(app.now().date())
    assert attachment.get_payload(decode=True) == Path(row["path"]).read_bytes()


def test_old_local_reports_are_pruned_after_keep_days(app, config):
    config["plugins"]["export"] = {"keep_days": 3}
    folder = Path(config["exports_dir"])
    folder.mkdir(parents=True)
    for day in ("20261118", "20261119", "20261120", "20261121"):
        (folder / f"teabot-{day}.xlsx").write_bytes(b"x")
    (folder / "notes.txt").write_text("keep me")
    jobs.run_report(app, date(2026, 11, 22))
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "teabot-20261120.xlsx", "teabot-20261121.xlsx",
                                                         "teabot-20261122.xlsx"]


def test_health_reports_last_runs_and_cos_state(app):
    from bot.web import health
    assert health(app)["export"] == {"cos_enabled": False, "last_report": None, "last_backup": None,
                                     "pending_uploads": 0, "failed_uploads": 0}
    jobs.run_report(app, date(2026, 11, 22))
    last = health(app)["export"]["last_report"]
    assert (last["state"], last["upload"], set(last)) == ("done", "disabled", {"state", "upload", "age_seconds"})
    assert 0 <= last["age_seconds"] < 60
    last = health(app, detailed=True)["export"]["last_report"]
    assert last["date"] == "2026-11-22" and last["path"].endswith("teabot-20261122.xlsx") and last["error"] is None


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
    monkeypatch.setattr(jobs, "write_workbook", not_here)
    ledger.handle_text(FINANCE, "86")
    jobs.join_background(ledger)
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
    Path(jobs.report_path(app, day)).mkdir(parents=True)      # a folder where the file should go: replace fails
    row = jobs.run_report(app, day, requested_by=ADMIN)
    app.pusher.flush(5)
    assert row["state"] == "failed" and "报表子进程退出码 1" in row["error"]
    assert any(openid == ADMIN and "生成失败" in text for openid, text in sent)


# --- a workbook finance can trust (issue 11) ---------------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/","x")'
CJK_FONT = "Noto Sans CJK SC"
SHEETS = ["明细", "小组汇总", "结算记录", "付款记录", "抽奖记录", "说明"]


@pytest.fixture
def trusted(app, config, say, member):
    """Every sheet has rows: expenses (one ¥100,000 typo voided), a settled and a reversed batch, both by an admin
    with no users row, a static payment confirmed by that admin, a drawn lottery."""
    config["plugins"]["pay"] = {"provider": "static", "static_url": "https://pay.example.com/qr.png"}
    zhang, li, wang = member("张三"), member("李四"), member("王五", "研发二组")

    def do(who, text):          # answers "确认" when the bot asks for it (large amounts)
        reply = say(who, text)
        return say(who, "确认") if "确认" in reply and "回复" in reply else reply
    for who, text in [(zhang, "1 86.5 奶茶"), (li, "1 12 水果"), (wang, "1 20 蛋糕"), (wang, "1 33.3 咖啡"),
                      (zhang, "1 100000 打错了")]:
        do(who, text)
    typo = app.store.one("SELECT id FROM expenses WHERE amount_fen = 10000000")["id"]
    assert "作废" in do(zhang, f"7 {typo}")
    assert "已结算" in do(ADMIN, "82 研发二组")
    assert "已结算" in do(ADMIN, "82 研发一组")
    assert "已撤销" in do(ADMIN, "83 2 撤销")
    do(zhang, "5 20 奶茶")
    order = app.store.one("SELECT out_trade_no FROM payments")["out_trade_no"]
    assert "已确认" in do(ADMIN, f"88 {order} 已收")
    soon = app.now().date() + timedelta(days=10)
    created = do(ADMIN, f"84 周五下午茶 {soon} 16:00 一等奖x1")
    lottery_id = int(re.search(r"已发起抽奖 #(\d+)", created).group(1))
    assert "已参加" in do(li, f"6 {lottery_id}")
    do(ADMIN, f"85 {lottery_id} 开奖")
    app.pusher.flush(5)
    return app


def text_cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    yield sheet.title, cell


def column(sheet, name):
    """The cells below the header cell `name` (data and totals rows)."""
    index = [c.value for c in sheet[1]].index(name) + 1
    return [sheet.cell(r, index) for r in range(2, sheet.max_row + 1)]


def data_rows(sheet):
    """Rows between the header and the first totals row."""
    rows = []
    for row in sheet.iter_rows(min_row=2):
        if isinstance(row[0].value, str) and (row[0].value.startswith("合计") or row[0].font.b):
            break
        rows.append(row)
    return rows


def test_text_that_looks_like_a_formula_is_written_as_text_in_every_sheet(trusted):
    app = trusted
    li = "o-李四"
    with app.transaction() as db:
        db.execute("UPDATE expenses SET note = ? WHERE id = 1", [EVIL])
        for expense_id, note in zip((2, 3, 4), ("+1", "-2", "@SUM(A1)")):
            db.execute("UPDATE expenses SET note = ? WHERE id = ?", [note, expense_id])
        db.execute("UPDATE expenses SET note = ? WHERE id = 5", ["\t=1+1"])
        db.execute("UPDATE lottery_winners SET prize_name = ?", ["\r=1+1"])
        db.execute("UPDATE users SET name = '=1+2' WHERE openid = ?", [li])
        db.execute("UPDATE groups SET name = '=2+3' WHERE name = '研发二组'")
        db.execute("UPDATE lotteries SET title = ?", [EVIL])
        db.execute("UPDATE payments SET note = '#N/A'")
    row = jobs.run_report(app)
    assert row["state"] == "done", row["error"]
    book = openpyxl.load_workbook(row["path"])
    assert book.sheetnames == SHEETS
    cells = list(text_cells(book))
    assert [(title, c.coordinate, c.value) for title, c in cells if c.data_type != "s"] == []
    where = {}
    for title, cell in cells:
        where.setdefault(cell.value, set()).add(title)
    assert where[EVIL] == {"明细", "抽奖记录"}
    assert {"明细", "抽奖记录"} <= where["=1+2"]
    assert {"明细", "小组汇总", "结算记录"} <= where["=2+3"]
    assert where["#N/A"] == {"付款记录"}
    assert {"+1", "-2", "@SUM(A1)", "\t=1+1"} <= set(where)
    evil = next(c for title, c in cells if title == "明细" and c.value == EVIL)
    assert evil.quotePrefix        # Excel keeps it text even when someone edits the cell
    with zipfile.ZipFile(row["path"]) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


def test_detail_leads_with_the_totals_that_count_and_shows_voided_records_apart_in_grey(trusted):
    app = trusted
    row = jobs.run_report(app)
    book = openpyxl.load_workbook(row["path"])
    detail = book["明细"]
    rows = data_rows(detail)
    assert len(rows) == 5
    totals = list(detail.iter_rows(min_row=len(rows) + 2))
    labels = [r[0].value for r in totals]
    assert labels[0].startswith("合计") and "作废" not in labels[0].replace("未作废", "")
    assert fen(totals[0][5].value) == db_total(app, "status != 'void'")
    by_label = {r[0].value.split("（")[0]: r for r in totals}
    assert fen(by_label["其中未报销"][5].value) == db_total(app, "status = 'open'")
    assert fen(by_label["其中已报销"][5].value) == db_total(app, "status = 'settled'")
    void_total = by_label["已作废"]
    assert "不计入" in void_total[0].value and fen(void_total[5].value) == 10_000_000
    grey = {c.font.color.rgb for c in void_total if c.value is not None}
    assert len(grey) == 1 and grey != {None}
    [voided] = [r for r in rows if r[7].value == "已作废"]
    assert {c.font.color.rgb for c in voided if c.value is not None} == grey
    assert all(c.font.color is None or c.font.color.rgb not in grey for r in rows if r is not voided for c in r)

    batches = book["结算记录"]
    rows = data_rows(batches)
    assert [r[6].value for r in rows] == ["有效", "已撤销"]
    assert {c.font.color.rgb for c in rows[1] if c.value is not None} == grey
    totals = list(batches.iter_rows(min_row=len(rows) + 2))
    assert totals[0][0].value.startswith("合计") and "撤销" not in totals[0][0].value
    assert fen(totals[0][5].value) == app.store.one(
        "SELECT SUM(total_fen) AS t FROM settlements WHERE status = 'active'")["t"]
    assert "已撤销" in totals[1][0].value and "不计入" in totals[1][0].value
    assert fen(totals[1][5].value) == app.store.one(
        "SELECT SUM(total_fen) AS t FROM settlements WHERE status = 'reversed'")["t"]
    about = {r[0].value: r[1].value for r in book["说明"].iter_rows()}
    assert fen(about["合计（未报销 + 已报销，元）"]) == db_total(app, "status != 'void'")
    assert fen(about["已作废（不计入合计，元）"]) == 10_000_000


def test_people_are_shown_by_name_never_by_openid_in_every_sheet(trusted):
    app = trusted
    with app.transaction() as db:      # registered once, name since cleared: still not shown as an openid
        db.execute("UPDATE users SET name = '' WHERE openid = 'o-王五'")
    row = jobs.run_report(app)
    book = openpyxl.load_workbook(row["path"])
    openids = {r["openid"] for r in app.store.query("SELECT openid FROM users")} | {ADMIN, FINANCE}
    assert [(t, c.coordinate, c.value) for t, c in text_cells(book) if any(o in c.value for o in openids)] == []
    batches = book["结算记录"]
    assert [c.value for c in column(batches, "经办人")][:2] == ["管理员", "管理员"]
    assert [c.value for c in column(batches, "撤销人")][:2] == [None, "管理员"]
    assert {c.value for c in column(book["明细"], "垫付人")} >= {"张三", "李四", "未登记用户"}
    payments = book["付款记录"]
    assert [c.value for c in column(payments, "组员")][0] == "张三"
    assert [c.value for c in column(payments, "确认人")][0] == "管理员"
    draws = book["抽奖记录"]
    assert [c.value for c in column(draws, "中奖人")][0] == "李四"
    assert [c.value for c in column(draws, "创建人")][0] == "管理员"
    assert [c.value for c in column(draws, "开奖人")][0] == "管理员"


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_every_page_in_a_cjk_font(trusted):
    row = jobs.run_report(trusted)
    book = openpyxl.load_workbook(row["path"])
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (sheet.title, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (sheet.title, "landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        fonts = {c.font.name for r in sheet.iter_rows() for c in r if c.value is not None}
        assert fonts == {CJK_FONT}, sheet.title
    about = book["说明"]
    assert all(r[0].value and r[1].value is not None for r in about.iter_rows())   # label beside its value
    [chart] = book["小组汇总"]._charts
    assert chart.legend is not None and chart.legend.position == "b"


@pytest.mark.skipif(not (shutil.which("libreoffice") and shutil.which("pdftotext") and shutil.which("pdffonts")),
                    reason="needs LibreOffice and poppler-utils")
def test_a_43_record_report_prints_on_few_pages_with_the_detail_in_one_piece(app, say, member, tmp_path):
    people = [member(name, group) for name, group in [("张三", "研发一组"), ("李四", "研发一组"), ("王五", "研发二组")]]
    for n in range(43):
        say(people[n % 3], f"1 {10 + n}.5 下午茶 奶茶与水果拼盘 第{n}次")
    say(ADMIN, "82 研发二组")
    assert "已结算" in say(ADMIN, "确认")
    row = jobs.run_report(app)
    subprocess.run(["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), row["path"]], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / Path(row["path"]).with_suffix(".pdf").name
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]
    assert len(pages) <= 8, len(pages)
    detail = [p for p in pages if "垫付人" in p]
    assert detail and all("消费日期" in p and "金额" in p and "说明" in p and "结算批次" in p for p in detail)
    assert sum(p.count("下午茶 奶茶与水果拼盘") for p in detail) == 43
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]}
    assert names and all(name.startswith("NotoSansCJK") for name in names), names


def test_report_reads_every_sheet_from_one_moment_while_expenses_are_recorded(app, member):
    zhang, wang = member("张三"), member("王五", "研发二组")
    teams = {r["name"]: r["id"] for r in app.store.query("SELECT id, name FROM groups")}
    people = [(zhang, teams["研发一组"]), (wang, teams["研发二组"])]
    now = "2026-11-20T02:00:00.000000+00:00"
    with app.transaction() as db:
        db.executemany("INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at) "
                       "VALUES (?, ?, ?, '种子', '2026-11-20', ?)",
                       [(*people[n % 2], 100 + n, now) for n in range(4000)])
    seen = []
    extra = Plugin("fake_count", "测试")

    @extra.report_sheet("测试", order=30, header=["笔数"])
    def counted(reader, day):
        seen.append(reader.one("SELECT COUNT(*) AS n, SUM(amount_fen) AS t FROM expenses WHERE status != 'void'"))
        return {"rows": []}
    app.plugins.append(extra)
    stop, written = threading.Event(), []

    def record():
        n = 0
        while not stop.is_set():
            openid, group_id = people[n % 2]
            with app.transaction() as db:
                db.execute("INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at) "
                           "VALUES (?, ?, ?, '并发', '2026-11-20', ?)", [openid, group_id, 1 + n % 97, now])
            n += 1
            written.append(n)
    writer = threading.Thread(target=record)
    writer.start()
    try:
        runs = [jobs.run_report(app, date(2026, 11, 20 + i), in_child=False) for i in range(3)]
    finally:
        stop.set()
        writer.join(30)
    assert len(written) > 20
    for run in runs:
        assert run["state"] == "done", run["error"]
        book = openpyxl.load_workbook(run["path"])
        ids = [r[0].value for r in data_rows(book["明细"])]
        last = max(ids)
        moment = app.store.one("SELECT COUNT(*) AS n, SUM(amount_fen) AS t FROM expenses WHERE id <= :i", {"i": last})
        assert ids == list(range(1, last + 1)) and moment["n"] == run["rows"] == len(ids)
        assert run["total_fen"] == moment["t"]
        summary = book["小组汇总"]
        summary_total = next(r for r in summary.iter_rows() if r[0].value == "合计")
        assert fen(summary_total[2].value) + fen(summary_total[4].value) == moment["t"]
        about = {r[0].value: r[1].value for r in book["说明"].iter_rows()}
        assert about["明细笔数"] == moment["n"]
    assert [(s["n"], s["t"]) for s in seen] == [(r["rows"], r["total_fen"]) for r in runs]
    assert app.store.one("SELECT COUNT(*) AS n FROM expenses")["n"] > runs[-1]["rows"]


def test_the_report_is_written_under_a_temp_name_in_a_private_folder_and_renamed_into_place(app, member, say,
                                                                                          monkeypatch):
    say(member("张三"), "1 10 奶茶")
    renames, real_replace = [], os.replace

    def recording(src, dst):
        renames.append((str(src), str(dst)))
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", recording)
    row = jobs.run_report(app)
    private = Path(app.config["database"]).parent / "tmp"
    assert [dst for _, dst in renames] == [row["path"]]
    [(src, _)] = renames
    assert Path(src).parent.parent == private and (private.stat().st_mode & 0o777) == 0o700
    assert list(private.iterdir()) == []            # the run's folder is gone once the report is in place
    assert os.listdir(app.config["exports_dir"]) == [Path(row["path"]).name]


def _big_ledger(app, rows):
    member = app.store.one("SELECT id FROM groups WHERE name = '研发一组'")["id"]
    with app.transaction() as db:
        db.execute("INSERT INTO users (openid, name, group_id, status, created_at) VALUES "
                   "('o-big', '张三', ?, 'member', '2026-11-20T02:00:00.000000+00:00')", [member])
        db.executemany("INSERT INTO expenses (openid, group_id, amount_fen, note, spent_on, recorded_at) "
                       "VALUES ('o-big', ?, ?, '奶茶与水果拼盘', '2026-11-20', '2026-11-20T02:00:00.000000+00:00')",
                       [(member, 100 + n) for n in range(rows)])
        db.execute("INSERT INTO lotteries (title, draw_at, prizes, seed, commitment, created_by, created_at) VALUES "
                   "('茶', '2026-11-20T02:00:00.000000+00:00', '[]', 'SECRET-SEED', 'c', ?, "
                   "'2026-11-20T02:00:00.000000+00:00')", [ADMIN])


@pytest.mark.parametrize("command", [["report-file", "--date", "2026-11-20", "--out", "{out}"],
                                     ["export", "--date", "2026-11-20", "--progress-rows", "1000"]],
                         ids=["in-server child", "cli export"])
def test_kill_9_mid_report_leaves_no_database_copy_in_exports_and_the_next_start_removes_leftovers(
        app, config, tmp_path, command):
    _big_ledger(app, 150_000)
    app.store.close()
    exports_dir = Path(app.config["exports_dir"])
    exports_dir.mkdir(exist_ok=True)
    out = jobs.report_path(app, date(2026, 11, 20))
    config_file = _config_file(tmp_path, app)

    def new_files():       # what the run made (the database's own -wal and -shm aside)
        return {p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                if p.is_file() and not p.name.startswith("teabot.db")} - before
    before = set()
    before = new_files()
    child = subprocess.Popen([sys.executable, "run_bot.py", "--config", config_file,
                              *[part.format(out=out) for part in command]],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not new_files() and child.poll() is None:
            time.sleep(0.02)
        time.sleep(1.5)    # well into streaming the workbook
        assert child.poll() is None, "the report finished before it could be killed: make the ledger bigger"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    left = new_files()
    assert [p for p in left if p.parts[0] == "exports"] == []         # no database copy, no partial file
    private = tmp_path / "tmp"
    assert left and all(p.parts[0] == "tmp" for p in left), left
    assert all(b"SECRET-SEED" not in p.read_bytes() for p in exports_dir.rglob("*") if p.is_file())
    app.scheduler = make_scheduler(app)
    config["plugins"]["export"] = {"report_time": "23:59", "backup_time": "23:59"}   # the start runs nothing else
    jobs.schedule(app)
    jobs.join_background(app)
    assert list(private.iterdir()) == []


def test_a_report_folder_on_another_file_system_still_gets_the_file_by_a_rename(app, member, say, monkeypatch):
    say(member("张三"), "1 10 奶茶")
    private, real_replace = Path(app.config["database"]).parent / "tmp", os.replace

    def across_devices(src, dst):
        if Path(src).parent.parent == private:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", across_devices)
    row = jobs.run_report(app)
    assert row["state"] == "done", row["error"]
    assert openpyxl.load_workbook(row["path"])["明细"].cell(2, 7).value == "奶茶"
    assert os.listdir(app.config["exports_dir"]) == [Path(row["path"]).name]


def test_leftovers_of_dead_runs_are_removed_and_those_of_live_runs_kept(app, config):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid, live_pid = int(dead.stdout), os.getpid()
    private = Path(app.config["database"]).parent / "tmp"
    exports_dir = Path(app.config["exports_dir"])
    exports_dir.mkdir(exist_ok=True)
    for pid in (dead_pid, live_pid):
        (private / f"report-{pid}-abc").mkdir(parents=True)
        (private / f"report-{pid}-abc" / "snapshot.db").write_bytes(b"SECRET-SEED")
        for name in (f"teabot-20261120.xlsx.snapshot-{pid}.db", f"teabot-20261120.xlsx.snapshot-{pid}.db-wal",
                     f"teabot-20261120.xlsx.tmp-{pid}"):
            (exports_dir / name).write_bytes(b"SECRET-SEED")
    (exports_dir / "teabot-20261119.xlsx").write_bytes(b"a finished report")
    remove_leftovers(app.config["database"], app.config["exports_dir"])
    assert sorted(p.name for p in private.iterdir()) == [f"report-{live_pid}-abc"]
    assert sorted(p.name for p in exports_dir.iterdir()) == sorted(
        ["teabot-20261119.xlsx", f"teabot-20261120.xlsx.snapshot-{live_pid}.db",
         f"teabot-20261120.xlsx.snapshot-{live_pid}.db-wal", f"teabot-20261120.xlsx.tmp-{live_pid}"])


def test_a_formula_looking_note_keeps_its_quote_prefix_when_a_later_row_reuses_the_cell(tmp_path):
    """Write-only sheets reuse one cell per column: the quote prefix of one row must not be undone by the next."""
    import re
    import zipfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from plugins.export.report import _put
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    cell = WriteOnlyCell(sheet)
    for value in ["=HYPERLINK(1)", "普通说明", "+1", "ok"]:
        sheet.append([_put(cell, value)])
    path = tmp_path / "x.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        cells = re.findall(r'<c r="A(\d)"(?: s="(\d+)")?', archive.read("xl/worksheets/sheet1.xml").decode())
        styles = re.findall(r"<xf [^>]*>", archive.read("xl/styles.xml").decode().split("<cellXfs", 1)[1])
    prefixed = {row for row, style in cells if style and 'quotePrefix="1"' in styles[int(style)]}
    assert prefixed == {"1", "3"}
