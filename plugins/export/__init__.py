"""Daily Excel report and database backups: written locally, uploaded to Tencent COS, delivered to finance.

The package, by concern: runs.py (the `exports` table: one row per run, claimed once, and what /healthz says of
it), report.py (the workbook, read from one snapshot), backup.py (the database snapshot and the checked restore),
upload.py (COS, retried on later runs), delivery.py (pushes and mail to finance), jobs.py (a report or backup
run from claim to delivery, the daily schedule, the catch-up at start), commands.py (`86`), cli.py (`export`,
`report-file`, `backup`, `restore`).

The report's ledger sheets read the expense and settle plugins' tables; the other sheets are those plugins
declare (`@plugin.report_sheet`, listed by App.report_sheets())."""

import os

from bot.config import ClockTime, PluginSettings, Section, setting
from bot.cos import check_cos_config
from bot.plugin import Plugin


class SmtpSettings(Section):
    host: str = setting("", "SMTP 服务器")
    port: int = setting(25, "端口（SSL 一般 465，STARTTLS 一般 587）", ge=1, le=65535)
    ssl: bool = setting(False, "直接 SSL（465）；与 starttls 二选一")
    starttls: bool = setting(False, "先明文再 STARTTLS（587）")
    user: str = setting("", "登录名，空为不登录")
    password_env: str = setting("SMTP_PASSWORD", "存放 SMTP 密码的环境变量名")
    sender: str = setting("teabot@localhost", "发件人", alias="from")
    timeout: float = setting(30, "连接超时（秒）", gt=0)


class ExportSettings(PluginSettings):
    report_time: ClockTime = setting("02:00", "每日报表时间（本地时区 HH:MM）")
    backup_time: ClockTime = setting("02:30", "每日备份时间（本地时区 HH:MM）")
    keep_days: int = setting(30, "本地保留最近多少天的报表文件", ge=1)
    backup_keep: int = setting(14, "本地和 COS 上各保留最近多少份备份", ge=1)
    backups_dir: str = setting("", "备份目录，空为数据库所在目录下的 backups/")
    link_expiry_hours: float = setting(72, "推送给财务的下载链接有效期（小时）", gt=0)
    max_upload_attempts: int = setting(10, "累计失败多少次后不再重试上传（文件仍在本地）", ge=1)
    write_in_child: bool = setting(
        True, "服务内生成报表时在 nice 过的子进程里写工作簿，不拖慢消息处理；false 为在后台线程里写")
    mail_to: list[str] = setting([], "报表邮件收件人，例如 [finance@example.com]；空为不发邮件")
    smtp: SmtpSettings = setting(SmtpSettings(), "发报表邮件用的 SMTP 服务器")


plugin = Plugin("export", "报表", "每日 Excel 报表（上传 COS、推送财务）与数据库备份", settings_model=ExportSettings,
                requires=("expense", "settle"))


def settings(app):
    return plugin.settings(app.config)


@plugin.check_config
def check(config):
    problems = check_cos_config(config)
    conf = plugin.settings(config)
    smtp = conf["smtp"]
    if conf["mail_to"] and not smtp["host"]:
        problems.append("设置了 plugins.export.mail_to，但没有 plugins.export.smtp.host")
    password_env = smtp["password_env"]
    if conf["mail_to"] and smtp["user"] and password_env and password_env not in os.environ:
        problems.append(f"plugins.export.smtp.password_env 指向的环境变量 {password_env} 未设置")
    return problems


from . import cli, commands, jobs, runs  # noqa: E402,F401  (they declare the table, command, jobs and CLI on `plugin`)
