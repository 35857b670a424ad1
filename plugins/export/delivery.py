"""Telling finance a report is ready: a push with the download link (or where the file is) to finance and the
requester, and the workbook by mail when configured. The pushes are recorded in a transaction and sent once it
has committed; the mail goes after it, outside any transaction."""

import logging
import os
import smtplib
from email.message import EmailMessage

from bot.money import format_fen
from bot.plugin import FINANCE

from . import settings
from .runs import export_row, update

log = logging.getLogger("teabot.export")

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _describe(app, row, cos):
    name = os.path.basename(row["path"])
    head = f"报表 {name} 已生成：{row['rows']} 笔，未作废合计 {format_fen(row['total_fen'])} 元。"
    if row["upload_state"] == "uploaded":
        hours = settings(app)["link_expiry_hours"]
        link = cos.presigned_url(row["cos_key"], float(hours) * 3600)
        return head + f"\n下载（{hours} 小时内有效）：{link}", link
    if row["upload_state"] == "disabled":
        return head + f"\n未启用 COS，文件在服务器：{row['path']}", None
    return head + f"\n上传 COS 暂未成功（下次运行时重试），文件在服务器：{row['path']}", None


def deliver(app, row, cos):
    """Push the link (or where the file is) to finance and the requester; mail the file if configured."""
    error = ""
    try:
        text, link = _describe(app, row, cos)
    except Exception as exc:
        log.exception("export %s: could not build the download link", row["id"])
        text, link = f"报表 {os.path.basename(row['path'])} 已生成，文件在服务器：{row['path']}", None
        error = f"下载链接生成失败：{type(exc).__name__}"
    recipients = list(dict.fromkeys(app.users_with_role(FINANCE) + ([row["requested_by"]] if row["requested_by"] else [])))
    with app.transaction() as tx:
        if error:
            update(tx, row["id"], error=error)
        for openid in recipients:
            tx.push(openid, text, kind="export", notice="report",
                    fields={"name": os.path.basename(row["path"]), "count": row["rows"],
                            "amount": format_fen(row["total_fen"] or 0), "status": "已生成"})
    mail_to = settings(app)["mail_to"]
    if mail_to:
        try:
            send_mail(app, row, text, mail_to)
        except Exception as exc:
            log.warning("export %s: mail to %s failed: %s", row["id"], ", ".join(mail_to), type(exc).__name__)
            with app.transaction() as tx:
                previous = export_row(tx, row["id"])["error"]
                update(tx, row["id"], error="；".join(filter(None, [previous, f"邮件发送失败：{type(exc).__name__}"])))
    return text, link


def send_mail(app, row, text, mail_to):
    smtp = settings(app)["smtp"]
    if not smtp["host"]:
        raise ValueError("plugins.export.smtp.host 未设置")
    message = EmailMessage()
    message["Subject"] = f"teabot 报表 {row['date']}"
    message["From"] = smtp["from"]
    message["To"] = ", ".join(mail_to)
    message.set_content(text + f"\nSHA-256：{row['sha256']}")
    with open(row["path"], "rb") as handle:
        message.add_attachment(handle.read(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                               filename=os.path.basename(row["path"]))
    connect = smtplib.SMTP_SSL if smtp["ssl"] else smtplib.SMTP
    with connect(smtp["host"], int(smtp["port"]), timeout=smtp["timeout"]) as server:
        if smtp["starttls"]:
            server.starttls()
        if smtp["user"]:
            server.login(smtp["user"], os.environ.get(smtp["password_env"] or "", ""))
        server.send_message(message)
