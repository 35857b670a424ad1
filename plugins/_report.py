"""The daily workbook: streams the ledger into a write-only openpyxl workbook with finance-grade formatting."""

import logging
import os
import time
from datetime import date, datetime, timezone
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot import ledger

log = logging.getLogger("teabot.export")

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
BOLD = Font(bold=True)
STATUS_TEXT = {"open": "未报销", "settled": "已报销", "void": "已作废"}
BATCH_STATUS_TEXT = {"active": "有效", "reversed": "已撤销"}
PAYMENTS_TITLE = "付款记录"
PAYMENTS_HEADER = ["编号", "时间", "小组", "付款人", "金额", "状态", "说明"]
_HUNDRED = Decimal(100)


def yuan(fen):
    """Integer fen -> exact Decimal yuan for a cell (never a float, never text)."""
    return Decimal(int(fen)) / _HUNDRED


def _local_naive(value, tz):
    """Stored UTC text or an aware datetime -> the local wall time Excel shows (Excel has no time zones)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value
        return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
    return value


def _as_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class SheetWriter:
    """One formatted sheet: header, typed rows, bold totals row (sums of the money columns above)."""

    def __init__(self, book, tz, spec, progress=None, progress_every=5000):
        self.tz = tz
        self.title = _sheet_title(spec["title"], book)
        self.ws = book.create_sheet(self.title)
        self.header = list(spec["header"])
        self.money = set(spec.get("money_columns") or ())
        self.dates = set(spec.get("date_columns") or ())
        self.datetimes = set(spec.get("datetime_columns") or ())
        self.sums = {i: 0 for i in self.money}     # integer fen: the totals row is exact
        self.count = 0
        self.progress = progress
        self.progress_every = max(1, int(progress_every))
        widths = spec.get("widths") or {}
        for index, name in enumerate(self.header):
            width = widths.get(index) or self._width(index, name)
            self.ws.column_dimensions[get_column_letter(index + 1)].width = width
        # write-only sheets must get their view settings before the first row
        self.ws.freeze_panes = "A2"
        self.ws.append([self._cell(h, font=BOLD) for h in self.header])
        # append() serialises the row at once, so one styled cell per typed column can be reused for every row
        self._money_cells = {i: self._cell(None, MONEY_FORMAT) for i in self.money}
        self._date_cells = {i: self._cell(None, DATE_FORMAT) for i in self.dates}
        self._datetime_cells = {i: self._cell(None, DATETIME_FORMAT) for i in self.datetimes}

    def _width(self, index, name):
        if index in self.money:
            base = 14
        elif index in self.datetimes:
            base = 20
        elif index in self.dates:
            base = 12
        else:
            base = 10
        return max(base, sum(2 if ord(ch) > 127 else 1 for ch in str(name)) + 4)

    def _cell(self, value, number_format=None, font=None):
        cell = WriteOnlyCell(self.ws, value=value)
        if number_format:
            cell.number_format = number_format
        if font:
            cell.font = font
        return cell

    def add(self, values):
        row = list(values)
        for i in self.money:
            fen = row[i]
            if fen is None or fen == "":
                row[i] = None
                continue
            if not isinstance(fen, int):
                raise TypeError(f"{self.title}: 第 {i + 1} 列的金额必须是整数分，得到 {fen!r}")
            self.sums[i] += fen
            cell = self._money_cells[i]
            cell.value = yuan(fen)
            row[i] = cell
        for i in self.dates:
            value = _as_date(row[i])
            cell = self._date_cells[i]
            cell.value = value
            row[i] = cell if value is not None else None
        for i in self.datetimes:
            value = _local_naive(row[i], self.tz)
            cell = self._datetime_cells[i]
            cell.value = value
            row[i] = cell if value is not None else None
        self.ws.append(row)
        self.count += 1
        if self.progress and self.count % self.progress_every == 0:
            self.progress(self.title, self.count)

    def total_row(self, label, sums=None, counts=None):
        """A bold row: label in the first column, money sums (fen) and optional plain counts."""
        sums = self.sums if sums is None else sums
        row = [self._cell(label, font=BOLD)] + [None] * (len(self.header) - 1)
        for i, fen in sums.items():
            row[i] = self._cell(yuan(fen), MONEY_FORMAT, BOLD)
        for i, number in (counts or {}).items():
            row[i] = self._cell(number, font=BOLD)
        self.ws.append(row)

    def finish(self):
        """Autofilter over the header and data rows (not the totals)."""
        last = get_column_letter(len(self.header))
        self.ws.auto_filter.ref = f"A1:{last}{self.count + 1}"


def _sheet_title(title, book):
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(title))[:31] or "Sheet"
    candidate, n = cleaned, 2
    while candidate in book.sheetnames:
        candidate = f"{cleaned[:28]}_{n}"
        n += 1
    return candidate


# --- the sheets of the ledger ---------------------------------------------------------------------------------


def _write_details(book, conn, tz, progress, progress_every):
    spec = {"title": "明细", "header": ["编号", "消费日期", "记录时间", "小组", "垫付人", "金额", "说明", "状态", "结算批次"],
            "money_columns": [5], "date_columns": [1], "datetime_columns": [2], "widths": {6: 30}}
    sheet = SheetWriter(book, tz, spec, progress, progress_every)
    by_status = {"open": 0, "settled": 0, "void": 0}
    count_by_status = {"open": 0, "settled": 0, "void": 0}
    cursor = conn.execute(
        """SELECT e.id, e.spent_on, e.recorded_at, g.name, COALESCE(NULLIF(u.name, ''), e.openid),
                  e.amount_fen, e.note, e.status, e.settlement_id
           FROM expenses e JOIN groups g ON g.id = e.group_id LEFT JOIN users u ON u.openid = e.openid
           ORDER BY e.id""")
    for row in cursor:   # a cursor, not fetchall: memory stays flat however big the ledger is
        status = row[7]
        by_status[status] += row[5]
        count_by_status[status] += 1
        sheet.add([row[0], row[1], row[2], row[3], row[4], row[5], row[6], STATUS_TEXT.get(status, status), row[8]])
    sheet.total_row(f"合计（{sheet.count} 笔，含作废）")
    for status in ("open", "settled", "void"):
        sheet.total_row(f"其中{STATUS_TEXT[status]}（{count_by_status[status]} 笔）", {5: by_status[status]})
    sheet.finish()
    return {"rows": sheet.count, "total_fen": by_status["open"] + by_status["settled"], "by_status": by_status,
            "count_by_status": count_by_status}


def _write_summary(book, store, tz, year):
    rows = store.query(
        """SELECT g.id, g.name,
                  COUNT(CASE WHEN e.status = 'open' THEN 1 END) AS open_count,
                  COALESCE(SUM(CASE WHEN e.status = 'open' THEN e.amount_fen END), 0) AS open_fen,
                  COUNT(CASE WHEN e.status = 'settled' THEN 1 END) AS settled_count,
                  COALESCE(SUM(CASE WHEN e.status = 'settled' THEN e.amount_fen END), 0) AS settled_fen
           FROM groups g LEFT JOIN expenses e ON e.group_id = g.id GROUP BY g.id ORDER BY g.id""")
    quarters = {(q["group_id"], q["quarter"]): q for q in ledger.quarter_totals(store, year)}
    labels = [f"{year}Q{n}" for n in range(1, 5)]
    header = ["小组", "未报销笔数", "未报销金额", "已报销笔数", "已报销金额"]
    money = [2, 4]
    for label in labels:
        header += [f"{label} 未报销", f"{label} 已报销"]
        money += [len(header) - 2, len(header) - 1]
    sheet = SheetWriter(book, tz, {"title": "小组汇总", "header": header, "money_columns": money, "widths": {0: 16}})
    counts = {1: 0, 3: 0}
    for row in rows:
        values = [row["name"], row["open_count"], row["open_fen"], row["settled_count"], row["settled_fen"]]
        for label in labels:
            q = quarters.get((row["id"], label)) or {"open_fen": 0, "settled_fen": 0}
            values += [q["open_fen"], q["settled_fen"]]
        counts[1] += row["open_count"]
        counts[3] += row["settled_count"]
        sheet.add(values)
    sheet.total_row("合计", counts=counts)
    sheet.finish()
    if rows:
        chart = BarChart()
        chart.type = "col"
        chart.title = "各小组未报销金额（元）"
        chart.y_axis.title = "元"
        chart.y_axis.numFmt = MONEY_FORMAT
        chart.add_data(Reference(sheet.ws, min_col=3, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
        chart.set_categories(Reference(sheet.ws, min_col=1, min_row=2, max_row=len(rows) + 1))
        chart.width, chart.height = max(16, 1.2 * len(rows)), 9
        sheet.ws.add_chart(chart, f"A{len(rows) + 4}")
    return {"open_fen": sum(r["open_fen"] for r in rows), "settled_fen": sum(r["settled_fen"] for r in rows)}


def _write_settlements(book, conn, tz):
    spec = {"title": "结算记录",
            "header": ["结算号", "小组", "经办人", "结算时间", "笔数", "金额", "状态", "撤销时间", "撤销人"],
            "money_columns": [5], "datetime_columns": [3, 7]}
    sheet = SheetWriter(book, tz, spec)
    active_fen = active_count = records = 0
    cursor = conn.execute(
        """SELECT s.id, g.name, COALESCE(NULLIF(u.name, ''), s.created_by), s.created_at, s.record_count,
                  s.total_fen, s.status, s.reversed_at, COALESCE(NULLIF(r.name, ''), s.reversed_by)
           FROM settlements s JOIN groups g ON g.id = s.group_id
           LEFT JOIN users u ON u.openid = s.created_by LEFT JOIN users r ON r.openid = s.reversed_by
           ORDER BY s.id""")
    for row in cursor:
        row = list(row)
        records += row[4]
        if row[6] == "active":
            active_fen += row[5]
            active_count += row[4]
        row[6] = BATCH_STATUS_TEXT.get(row[6], row[6])
        sheet.add(row)
    sheet.total_row(f"合计（{sheet.count} 批，含已撤销）", counts={4: records})
    sheet.total_row("其中有效", {5: active_fen}, counts={4: active_count})
    sheet.finish()
    return {"batches": sheet.count, "active_fen": active_fen}


def _write_provided(book, tz, spec):
    sheet = SheetWriter(book, tz, spec)
    for row in spec.get("rows") or ():
        sheet.add(row)
    sheet.total_row(f"合计（{sheet.count} 条）")
    sheet.finish()
    return sheet.count


def write_workbook(app, path, day, progress=None, now=None, progress_every=5000):
    """Write the report for `day` to `path` (a temp name, then os.replace); return figures for the exports row.

    Every sheet is read inside one read transaction, so the detail, the summary and the settlements agree.
    """
    now = now or datetime.now(timezone.utc)
    store = app.store
    conn = store.db.conn
    book = Workbook(write_only=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    notes = []
    started = time.monotonic()
    conn.execute("BEGIN")
    try:
        total_rows = conn.execute("SELECT COUNT(*) FROM expenses").fetchone()[0]
        if progress:
            progress("明细", 0, total_rows)
        details = _write_details(book, conn, app.tz, progress and (lambda t, n: progress(t, n, total_rows)),
                                 progress_every)
        summary = _write_summary(book, store, app.tz, now.astimezone(app.tz).year)
        _write_settlements(book, conn, app.tz)
    finally:
        conn.execute("ROLLBACK")
    sheets = []
    for provide in app.provided("report_sheet"):
        try:
            spec = provide(app, day)
        except Exception as exc:
            log.exception("report_sheet provider %s failed", getattr(provide, "__module__", provide))
            notes.append(f"{getattr(provide, '__module__', '?')} 出错：{type(exc).__name__}，该表缺失")
            continue
        if spec:
            sheets.append(spec)
    if not any(s["title"] == PAYMENTS_TITLE for s in sheets):
        sheets.append({"title": PAYMENTS_TITLE, "header": PAYMENTS_HEADER, "rows": [], "money_columns": [4],
                          "datetime_columns": [1]})
    order = {PAYMENTS_TITLE: 0, "抽奖记录": 1}
    sheets.sort(key=lambda spec: order.get(spec["title"], 2))   # stable: other sheets keep plugin order
    for spec in sheets:
        _write_provided(book, app.tz, spec)
    about = book.create_sheet("说明")
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 60
    local_now = now.astimezone(app.tz).replace(tzinfo=None, microsecond=0)
    for key, value in [("报表日期", day), ("数据截至", local_now), ("时区", str(app.tz)),
                       ("明细笔数", details["rows"]), ("未作废合计（元）", yuan(details["total_fen"])),
                       ("金额单位", "元（数据库以分记账，换算精确到分）")] + [("提示", n) for n in notes]:
        cell = WriteOnlyCell(about, value=value)
        if isinstance(value, datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        elif isinstance(value, Decimal):
            cell.number_format = MONEY_FORMAT
        about.append([WriteOnlyCell(about, value=key), cell])
    if details["total_fen"] != summary["open_fen"] + summary["settled_fen"]:
        raise RuntimeError("明细与小组汇总合计不一致")  # cannot happen inside one snapshot; refuse to ship if it does
    try:
        book.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return {"rows": details["rows"], "total_fen": details["total_fen"], "by_status": details["by_status"],
            "seconds": time.monotonic() - started, "notes": notes}
