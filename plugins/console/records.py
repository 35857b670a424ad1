"""记录: every record of the centre, filtered (team, member, status, spending dates, text), 50 a page, with the
totals of the whole filtered set; the filtered set as an xlsx download (the daily report's sheet writer); and,
for the admin, voiding an open record with a reason (plugins.expense.domain.void_expense, which tells the member).

The filters, all optional, combined with AND (what the page and the download read alike, from the query string):
- `q`: text in the record's note or in the member's registered name (cleaned as notes and names are stored:
  full-width letters folded, spaces collapsed; case-insensitive for Latin letters; `%` and `_` are plain
  characters); `#123` means record 123 as well.
- `team`: a team id (the select lists every team).
- `member`: a member's registered name, exactly (every member of that name; with `team` to tell two apart). Each
  row's name links to its member's records: the page and its links never name an openid.
- `status`: open / settled / void; blank is all three.
- `from`, `to`: the spending date (spent_on, the local date of the record), YYYY-MM-DD, both ends included.
A filter that is not valid (a date that is not YYYY-MM-DD or does not exist, `from` after `to`, an unknown team
or status) lists nothing: the page says what is wrong instead of showing totals of some other set."""

import math
import os
import re
from datetime import date
from urllib.parse import urlencode

import bottle
from openpyxl import Workbook

from bot.ledger import all_groups, display_names
from bot.money import format_fen
from bot.plugin import ADMIN, Refusal
from bot.text import clean_name
from bot.timeutil import local_text
from plugins.expense.domain import void_expense
from plugins.quota import quota_for
from plugins.expense.receipts import receipt_counts, receipts_of
from plugins.export.report import RECEIPT_CHUNK, STATUS_TEXT, SheetWriter, Snapshot, run_folder, text_width

from .receipts import failed_receipts, gallery, may_see, SHOWN
from .web import console_page, EVERYONE, form_value, is_number, query_value, refuse_page, render, STAFF

PER_PAGE = 50
MAX_TEXT = 100
EXPORT_LIMIT = 100_000        # rows in one download (about a quarter of a centre): more is the daily report's job
STATUSES = ("open", "settled", "void")
FILTER_NAMES = ("q", "team", "member", "status", "from", "to")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Filters:
    """The filters of one request: `values` as given (for the form and the links), `where`/`params` for SQL on
    `expenses e`, `problem`: why they cannot be applied (then nothing is listed)."""

    def __init__(self, values, problem, where, params):
        self.values, self.problem, self.where, self.params = values, problem, where, params

    def query_string(self, **extra):
        """The filters that are set, plus `extra`, as a URL query ('' when none)."""
        values = {**self.values, **extra}
        pairs = [(name, values[name]) for name in (*FILTER_NAMES, *(n for n in extra if n not in FILTER_NAMES))
                 if values[name] not in (None, "")]
        return "?" + urlencode(pairs) if pairs else ""

    def description(self, teams):
        """The filters in words, for the download's last line."""
        names = {str(t["id"]): t["name"] for t in teams}
        words = []
        for name, label in (("q", "文字"), ("team", "小组"), ("member", "组员"), ("status", "状态"),
                            ("from", "从"), ("to", "到")):
            value = self.values[name]
            if name == "team":
                value = names.get(value, value)
            elif name == "status":
                value = STATUS_TEXT.get(value, value)
            if value:
                words.append(f"{label}：{value}")
        return "，".join(words) or "全部记录"


def _like(text):
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _date(text, label):
    """(date or None, problem or None) for a YYYY-MM-DD field."""
    if not text:
        return None, None
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text), None
        except ValueError:
            pass
    return None, f"{label}“{text}”不是有效日期，请写成 YYYY-MM-DD，例如 2026-03-01。"


def read_filters(app):
    """The request's filters (its query string, on a GET and a POST alike)."""
    values = {name: query_value(name)[:MAX_TEXT] for name in FILTER_NAMES}
    values["q"], values["member"] = clean_name(values["q"]), clean_name(values["member"])
    where, params, problems = [], {}, []
    if values["q"]:
        params["q"] = _like(values["q"])
        text = ["e.note LIKE :q ESCAPE '\\'",
                "e.openid IN (SELECT openid FROM users WHERE name LIKE :q ESCAPE '\\')"]
        number = re.fullmatch(r"#(\d{1,18})", values["q"])
        if number:
            text.append("e.id = :q_id")
            params["q_id"] = int(number.group(1))
        where.append("(" + " OR ".join(text) + ")")
    if values["team"]:
        team = values["team"]
        if not is_number(team) or app.store.one("SELECT id FROM groups WHERE id = :g", {"g": int(team)}) is None:
            problems.append(f"没有编号为“{team}”的小组，请在列表里选。")
        else:
            where.append("e.group_id = :team")
            params["team"] = int(team)
    if values["member"]:
        where.append("e.openid IN (SELECT openid FROM users WHERE name = :member)")
        params["member"] = values["member"]
    if values["status"]:
        if values["status"] not in STATUSES:
            problems.append(f"没有“{values['status']}”这种状态，请在列表里选。")
        else:
            where.append("e.status = :status")
            params["status"] = values["status"]
    start, problem_start = _date(values["from"], "开始日期")
    end, problem_end = _date(values["to"], "结束日期")
    problems += [p for p in (problem_start, problem_end) if p]
    if start and end and start > end:
        problems.append(f"开始日期 {start} 晚于结束日期 {end}。")
    if start:
        where.append("e.spent_on >= :start")
        params["start"] = start.isoformat()
    if end:
        where.append("e.spent_on <= :end")
        params["end"] = end.isoformat()
    return Filters(values, " ".join(problems), " AND ".join(where) or "1", params)


_SUMS = ", ".join(f"COUNT(CASE WHEN e.status = '{s}' THEN 1 END) AS {s}_count, "
                 f"COALESCE(SUM(CASE WHEN e.status = '{s}' THEN e.amount_fen END), 0) AS {s}_fen" for s in STATUSES)


def totals(reader, filters):
    """{status: {"count", "fen"}} of the whole filtered set, every status present: one SQL SUM, in one pass (from
    the covering index (group_id, status, amount_fen) when no other filter needs the rows)."""
    row = reader.query(f"SELECT {_SUMS} FROM expenses e WHERE {filters.where}", filters.params)[0]
    return {status: {"count": row[f"{status}_count"], "fen": row[f"{status}_fen"]} for status in STATUSES}


def _page_number(pages):
    text = query_value("page", "1")
    number = int(text) if is_number(text) and len(text) < 10 else 1
    return min(max(number, 1), max(pages, 1))


def _records(app, filters, page):
    """One page of the filtered records, newest first: the page's ids from the filter (no row beyond them read
    for the listing), then their rows. `member`: the registered name its link filters by ('' for none)."""
    rows = app.store.query(
        f"""SELECT e.id, e.spent_on, e.openid, e.amount_fen, e.note, e.status, e.settlement_id, g.name AS group_name,
                   COALESCE(u.name, '') AS member
            FROM expenses e JOIN groups g ON g.id = e.group_id LEFT JOIN users u ON u.openid = e.openid
            WHERE e.id IN (SELECT e.id FROM expenses e WHERE {filters.where} ORDER BY e.id DESC
                           LIMIT :limit OFFSET :offset)
            ORDER BY e.id DESC""",
        {**filters.params, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE})
    names = display_names(app.store, app.config, [r["openid"] for r in rows])
    for row in rows:
        row["name"] = names[row.pop("openid")]
    return rows, gallery(app.store, [r["id"] for r in rows])


def _page(app, visitor, filters, status=200, notice=None, problem=None):
    """The page for `filters`: totals, one page of rows, the forms; nothing listed when the filters have a
    problem (it is shown with `problem`)."""
    figures, rows, receipts, page, pages = None, [], {}, 1, 1
    problems = [p for p in (problem, filters.problem) if p]
    if not filters.problem:
        figures = totals(app.store, filters)
        pages = max(1, math.ceil(sum(f["count"] for f in figures.values()) / PER_PAGE))
        page = _page_number(pages)
        rows, receipts = _records(app, filters, page)
    return render("records.tpl", visitor, status=status, money=format_fen, filters=filters.values,
                  quota=None if filters.problem else _team_quota(app, filters.values.get("team")),
                  teams=all_groups(app.store), figures=figures, records=rows, receipts=receipts, shown=SHOWN,
                  page=page, pages=pages,
                  status_text=STATUS_TEXT, statuses=STATUSES, can_void=visitor.is_(ADMIN), notice=notice,
                  problem=" ".join(problems) or None,
                  here_url="/console/records" + filters.query_string(page=page if page > 1 else None),
                  export_url="/console/records.xlsx" + filters.query_string(),
                  page_url=lambda n: "/console/records" + filters.query_string(page=n),
                  member_url=lambda name: "/console/records" + filters.query_string(member=name))


def _team_quota(app, team_id):
    """The filtered team's allowance, used and left this quarter (plugins/quota: what `3` and the 概览 give), or
    None without a team filter or a quota for that team."""
    if not team_id or not is_number(str(team_id)):
        return None
    group = app.store.one("SELECT id, name FROM groups WHERE id = ?", [int(team_id)])
    return quota_for(app.store, app, group, app.now().date()) if group else None


@console_page("/console/records", roles=STAFF, methods=("GET", "POST"))
def records_page(app, visitor):
    notice = problem = None
    if bottle.request.method == "POST":
        if not visitor.is_(ADMIN):
            return refuse_page(visitor, 403, "没有权限", "只有管理员可以作废记录；没有执行任何操作。")
        notice, problem = _void(app, visitor)
    return _page(app, visitor, read_filters(app), notice=notice, problem=problem)


def _void(app, visitor):
    """The admin's void form: (notice, problem)."""
    if form_value("action") != "void":
        return None, "不认识这个操作，没有执行任何操作。"
    number = form_value("id").lstrip("#")
    if not is_number(number) or len(number) > 18:
        return None, "请写要作废的记录编号。"
    reason = form_value("reason")
    if not reason:
        return None, f"作废记录 #{number} 需要写原因（会告诉记录人），没有执行任何操作。"
    try:
        with app.transaction() as tx:
            voided = void_expense(tx, int(number), visitor.openid, is_admin=True, reason=reason)
    except Refusal as refusal:
        return None, str(refusal)
    told = "，已通知记录人" if voided.owner != visitor.openid else ""
    return voided.text() + told + "。", None


# --- one record ----------------------------------------------------------------------------------------------


def _void_reason(app, record):
    """The reason given when `record` was voided ('' for none): the audit row void_expense wrote."""
    detail = app.store.one("SELECT detail FROM audit WHERE action = 'expense.void' AND target = :t "
                           "ORDER BY id DESC LIMIT 1", {"t": str(record["id"])})
    prefix = f"{record['amount_fen']} {record['note']} 原因："
    return detail["detail"][len(prefix):] if detail and detail["detail"].startswith(prefix) else ""


@console_page("/console/records/<record_id>", roles=EVERYONE)
def record_page(app, visitor, record_id):
    """One record: its fields, status, batch, who voided it and why, and its receipts (thumbnails linking to the
    images; pending ones as 待取回; those given up on, with their reason and what to do). A member may open only
    their own records (403 for anyone else's, whatever the id), staff every one; an unknown id is 404."""
    record = None
    if is_number(record_id):
        record = app.store.one(
            "SELECT e.*, g.name AS group_name FROM expenses e JOIN groups g ON g.id = e.group_id WHERE e.id = :id",
            {"id": int(record_id)})
    if record is None:
        return refuse_page(visitor, 404, "没有这条记录",
                           "没有这个编号的记录。" + ("请在“记录”页查找。" if visitor.staff else "请在“我的”页查看你的记录。"))
    if not may_see(visitor, record["openid"]):
        return refuse_page(visitor, 403, "没有权限", "这条记录不是你的，你没有权限查看。请在“我的”页查看你的记录。")
    names = display_names(app.store, app.config, [record["openid"], record["voided_by"]])
    record.update(name=names[record["openid"]], recorded=local_text(record["recorded_at"], app.tz),
                  voided=local_text(record["voided_at"], app.tz), voided_name=names.get(record["voided_by"], ""),
                  reason=_void_reason(app, record) if record["status"] == "void" else "")
    receipts = receipts_of(app.store, record["id"])
    return render("record.tpl", visitor, record=record, money=format_fen, status_text=STATUS_TEXT,
                  stored=[r for r in receipts if r["status"] == "stored"],
                  pending=[r for r in receipts if r["status"] == "pending"],
                  failed=failed_receipts(app.store, record["id"]), resend=_resend(visitor, record),
                  back=("/console/records", "记录") if visitor.staff else ("/console/me", "我的"))


def _resend(visitor, record):
    """What to do about a receipt that could not be fetched, for whoever looks at `record`: send it again (after
    `7 N 小票`, the image window being long gone by now) while the record is open; nothing can be attached after."""
    if record["status"] == "settled":
        return "这条记录已报销，不能再附小票。"
    if record["status"] == "void":
        return "这条记录已作废，不能再附小票。"
    again = f"在公众号发送 7 {record['id']} 小票，再重新发送图片"
    return f"请{again}。" if record["openid"] == visitor.openid else f"请让垫付人{again}。"


# --- the download ---------------------------------------------------------------------------------------------

HEADER = ["编号", "消费日期", "记录时间", "小组", "垫付人", "金额", "说明", "状态", "结算批次", "小票"]
RECEIPTS = HEADER.index("小票")


@console_page("/console/records.xlsx", roles=STAFF)
def records_download(app, visitor):
    """The filtered set as a one-sheet workbook, streamed through the report's SheetWriter (write-only openpyxl):
    the report's 明细 columns (小票: the record's stored receipts, read RECEIPT_CHUNK records a query as the rows
    stream), money as exact Decimal yuan in its number format, text never a formula, voided rows grey and outside
    the sums, then the totals rows (with their receipts) and the filters in words. One snapshot for rows, receipts
    and totals alike."""
    filters = read_filters(app)
    if filters.problem:
        return _page(app, visitor, filters, status=400, problem="没有导出。")
    count = sum(f["count"] for f in totals(app.store, filters).values())
    if count > EXPORT_LIMIT:
        return _page(app, visitor, filters, status=400,
                     problem=f"没有导出：筛选出 {count} 笔，超过一次导出的上限 {EXPORT_LIMIT} 笔。请缩小筛选范围，"
                             "或在“报表”下载每日报表（含全部记录）。")
    stamp = app.now().strftime("%Y%m%d-%H%M%S")
    filename = f"teabot-records-{stamp}.xlsx"
    with run_folder(app.config["database"]) as folder:
        path = os.path.join(folder, filename)
        snapshot = Snapshot(app.config["database"], app)
        try:
            _write_records(snapshot, path, folder, filters)
        finally:
            snapshot.close()
        download = open(path, "rb")       # the folder goes when this block ends; the open file stays readable
    size = os.fstat(download.fileno()).st_size
    bottle.response.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="{filename}"')
    bottle.response.set_header("Content-Length", str(size))
    bottle.response.set_header("Cache-Control", "no-store")
    bottle.response.set_header("X-Content-Type-Options", "nosniff")
    return download


def _write_records(reader, path, folder, filters):
    teams = reader.query("SELECT id, name FROM groups ORDER BY id")
    # everyone's name (a few thousand people): which of them the filter holds would take a pass over the rows
    names = display_names(reader, reader.app.config, [row[0] for row in reader.execute("SELECT openid FROM users")])
    widest = lambda texts: min(30, max([10] + [text_width(t) for t in texts]))   # noqa: E731
    spec = {"title": "记录", "header": HEADER, "money_columns": [5], "date_columns": [1], "datetime_columns": [2],
            "widths": {3: widest(t["name"] for t in teams), 4: widest(names.values()), 6: 44, RECEIPTS: 8}}
    book = Workbook(write_only=True)
    sheet = SheetWriter(book, reader.app.tz, spec, folder)
    fen = {status: 0 for status in STATUSES}
    count = {status: 0 for status in STATUSES}
    receipts = {status: 0 for status in STATUSES}
    cursor = reader.execute(
        f"""SELECT e.id, e.spent_on, e.recorded_at, g.name, e.openid, e.amount_fen, e.note, e.status, e.settlement_id
            FROM expenses e JOIN groups g ON g.id = e.group_id WHERE {filters.where} ORDER BY e.id""",
        filters.params)
    while rows := cursor.fetchmany(RECEIPT_CHUNK):      # a cursor: memory stays flat however many rows
        stored = {i: c["stored"] for i, c in receipt_counts(reader, [row[0] for row in rows]).items()}
        for row in rows:
            status = row[7]
            fen[status] += row[5]
            count[status] += 1
            receipts[status] += stored.get(row[0], 0)
            sheet.add([row[0], row[1], row[2], row[3], names.get(row[4], "未登记用户"), row[5], row[6],
                       STATUS_TEXT.get(status, status), row[8], stored.get(row[0], 0)], grey=status == "void")
    counted = count["open"] + count["settled"]
    sheet.total_row(f"合计（未报销 + 已报销，{counted} 笔）", {5: fen["open"] + fen["settled"]},
                    counts={RECEIPTS: receipts["open"] + receipts["settled"]})
    for status in ("open", "settled"):
        sheet.total_row(f"其中{STATUS_TEXT[status]}（{count[status]} 笔）", {5: fen[status]},
                        counts={RECEIPTS: receipts[status]})
    sheet.total_row(f"已作废（{count['void']} 笔，不计入合计）", {5: fen["void"]}, counts={RECEIPTS: receipts["void"]},
                    grey=True)
    sheet.total_row(f"筛选条件：{filters.description(teams)}", {}, grey=True)
    sheet.finish()
    book.save(path)
