"""`run_bot.py export`, `report-file` (the server's child), `backup` and `restore`."""

import argparse
import json
import os
import sys
import time
from datetime import date

from bot.money import format_fen

from . import plugin
from .backup import KEPT_MARK, RestoreError, receipts_note, restore, restore_leftovers
from .jobs import report_path, run_backup, run_report
from .report import write_workbook

CHILD_NICE = 10                    # the child yields the core to the server's request threads


def _progress_printer(stream):
    state = {"last": 0.0}

    def show(title, done, total):
        now = time.monotonic()
        if done == 0 or done >= total or now - state["last"] >= 1.0:
            state["last"] = now
            percent = 100 * done // total if total else 100
            stream.write(f"{title}：{done}/{total} 行（{percent}%）\n")
            stream.flush()
    return show


@plugin.cli("export", "生成报表：export [--date YYYY-MM-DD]（同步运行，显示进度）")
def cli_export(app, argv):
    parser = argparse.ArgumentParser(prog="run_bot.py export")
    parser.add_argument("--date", help="报表文件的日期（默认今天）；内容总是截至运行时刻的数据")
    parser.add_argument("--progress-rows", type=int, default=5000, help="每多少行报告一次进度")
    args = parser.parse_args(argv)
    today = app.now().date()
    try:
        day = date.fromisoformat(args.date) if args.date else today
    except ValueError:
        print(f"日期格式应为 YYYY-MM-DD：{args.date}", file=sys.stderr)
        return 2
    if day > today:
        print(f"{day} 还没到，不能生成它的报表", file=sys.stderr)
        return 2
    print(f"生成报表 {report_path(app, day)} …", flush=True)
    row = run_report(app, day, trigger="manual", requested_by="", in_child=False,
                     progress=_progress_printer(sys.stdout), progress_every=args.progress_rows)
    if row["state"] != "done":
        print(f"失败：{row['error']}", file=sys.stderr)
        return 1
    print(f"完成：{row['rows']} 笔，未作废合计 {format_fen(row['total_fen'])} 元，{row['bytes']} 字节，"
          f"sha256 {row['sha256'][:12]}…，COS：{_upload_text(row)}")
    return 0


def _upload_text(row):
    return {"uploaded": f"已上传 {row['cos_key']}", "disabled": "未启用（文件只在本地）",
            "pending": f"上传失败，下次运行时重试（{row['error']}）", "failed": f"上传放弃（{row['error']}）"}[row["upload_state"]]


@plugin.cli("report-file", "（服务内部用）只写报表文件：report-file --date YYYY-MM-DD --out PATH，输出 JSON 数字")
def cli_report_file(app, argv):
    parser = argparse.ArgumentParser(prog="run_bot.py report-file")
    parser.add_argument("--date", required=True, help="报表日期")
    parser.add_argument("--out", required=True, help="写到哪个文件（先写临时名再改名）")
    args = parser.parse_args(argv)
    os.nice(CHILD_NICE)
    # Read from a private copy taken in one short step: a read transaction held on the live database for the
    # minutes the workbook takes would stop WAL checkpoints, and the server's writes would slow as the WAL grew.
    figures = write_workbook(app, args.out, date.fromisoformat(args.date), private_copy=True)
    print(json.dumps(figures, ensure_ascii=False))
    return 0


@plugin.cli("backup", "立即备份数据库（在线快照 + gzip，启用 COS 时上传）")
def cli_backup(app, argv):
    argparse.ArgumentParser(prog="run_bot.py backup").parse_args(argv)
    row = run_backup(app, trigger="manual")
    if row["state"] != "done":
        print(f"备份失败：{row['error']}", file=sys.stderr)
        return 1
    print(f"备份完成：{row['path']}（数据库 {row['bytes']} 字节），COS：{_upload_text(row)}")
    print(receipts_note(app))
    return 0


@plugin.cli("restore", "从备份恢复数据库：restore FILE [--force]（先停止服务）")
def cli_restore(app, argv):
    parser = argparse.ArgumentParser(prog="run_bot.py restore")
    parser.add_argument("file", help="备份文件（.db.gz 或 .db）")
    parser.add_argument("--force", action="store_true", help="覆盖已有数据的数据库（旧库另存为 .before-restore-时间）")
    args = parser.parse_args(argv)
    app.store.close()   # a caller may have opened the database; let go of it before replacing the file
    try:
        kept = restore(args.file, app.config["database"], force=args.force, now=app.now())
    except RestoreError as exc:
        print(f"恢复失败：{exc}", file=sys.stderr)
        return 1
    print(f"已从 {args.file} 恢复到 {app.config['database']}" + (f"；原数据库另存为 {kept}" if kept else ""))
    return 0


cli_restore.skip_setup = True   # run_bot.py: do not create or migrate the database a restore is about to replace


@plugin.before_serve
def interrupted_restore(config, log):
    """Why `serve` must not start when the database is missing but a restore's files are there (an interrupted
    restore, whose data must not be replaced by a new empty database); else None, after naming harmless
    leftovers in the log."""
    database = config["database"]
    leftovers = restore_leftovers(database)
    if leftovers and not os.path.exists(database):
        kept = sorted({n.removesuffix("-wal").removesuffix("-shm") for n in leftovers if KEPT_MARK in n})
        return (f"数据库 {database} 不存在，但有恢复（restore）留下的文件：\n"
                + "".join(f"- {name}\n" for name in leftovers)
                + "可能是上次恢复中途中断。为免在空库上启动，服务不启动。请：\n"
                "- 重新恢复：python run_bot.py restore 备份文件 --force；\n"
                + (f"- 或者用恢复前的旧库：把最新的 {kept[-1]}（连同同名的 -wal，如有）改名为 {database}；\n"
                   if kept else "")
                + "确实要从空库开始，请先把上面这些文件移到别处。")
    for name in leftovers:
        if KEPT_MARK not in name or os.path.samefile(name, database):
            log.warning("恢复中断时留下的文件（数据库未被替换，可删除）：%s", name)
    return None

