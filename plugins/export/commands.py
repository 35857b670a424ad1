"""`86`: a report now, written in the background; the requester is told when it is ready."""

from bot.cos import Cos
from bot.plugin import ADMIN, FINANCE, Refusal

from . import plugin
from .jobs import in_background, report_name, report_path, run_report, running
from .runs import claim


@plugin.command(86, "导出报表", roles=(ADMIN, FINANCE), usage="86", example="86", aliases=("报表", "导出"))
def export_now(ctx):
    """导出报表：86 立即生成今天的 Excel 报表，完成后推送下载链接

    报表在后台生成（数据截至此刻），文件名 teabot-年月日.xlsx；启用 COS 时上传并推送下载链接，
    否则推送服务器上的文件位置。每天定时生成的报表会自动推送给财务。
    """
    app, day = ctx.app, ctx.now.date()
    cos = Cos(ctx.config)
    where = (f"完成后上传 COS（{cos.key('reports', report_name(day))}）并把下载链接推送给你"
             if cos.enabled else f"完成后文件在服务器 {report_path(app, day)}，并推送通知给你")
    if running(app, "report").locked():
        raise Refusal(f"报表正在生成中，{where}。")
    # the run is claimed with the reply, and starts once both are committed (a retry of the message starts none)
    export_id = claim(ctx.db, "report", day, "manual", ctx.openid)
    ctx.db.after_commit(lambda: in_background(app, run_report, day, trigger="manual", requested_by=ctx.openid,
                                              export_id=export_id))
    # records are never deleted (a voided one is kept): the highest id counts them without reading a whole index
    started = ctx.db.value("SELECT COALESCE(MAX(id), 0) FROM expenses")
    return (f"已开始生成报表 {report_name(day)}（{started} 笔明细，数据截至 {ctx.now:%H:%M}），"
            f"通常一分钟内完成；{where}。")
