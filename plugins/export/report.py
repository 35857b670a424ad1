"""The daily workbook: streams the ledger into a write-only openpyxl workbook with finance-grade formatting.

The ledger's own sheets (明细, 小组汇总, 结算记录) come first, then the sheets plugins declare
(`@plugin.report_sheet`, App.report_sheets(): by their order), then 说明. Every sheet reads one snapshot."""

import copy
import errno
import logging
import math
import os
import re
import shutil
import sqlite3
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Font as TextFont, Paragraph, ParagraphProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet import _writer as sheet_streams
from openpyxl.worksheet.page import PageMargins

from bot.ledger import display_names
from plugins.expense.ledger import quarter_totals
from plugins.quota import quarter_label, quotas_for_all

log = logging.getLogger("teabot.export")

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# A sans CJK font on every cell: without a name, LibreOffice draws bold Chinese in a serif fallback. This is the
# name fonts-noto-cjk registers; Excel on Windows, lacking it, substitutes its own CJK font.
FONT_NAME = "Noto Sans CJK SC"
BODY = Font(name=FONT_NAME)
BOLD = Font(name=FONT_NAME, bold=True)
GREY = Font(name=FONT_NAME, color="FF808080")           # rows that do not count: voided records, reversed batches
GREY_BOLD = Font(name=FONT_NAME, bold=True, color="FF808080")
LINK = Font(name=FONT_NAME, color="FF0563C1", underline="single")   # a hyperlink's text, as Excel shows one
LINE_HEIGHT = 15                                      # points, one line of FONT_NAME at 11 pt
HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LINE = Side(style="thin")
GRID = Border(left=_LINE, right=_LINE, top=_LINE, bottom=_LINE)      # the grid where none is printed (charts)
LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
TOP = Alignment(vertical="top")
WRAP = Alignment(vertical="top", wrap_text=True)     # text columns: a long note wraps instead of being cut off
# Text starting with one of these is a formula (or an error value) to Excel or LibreOffice when typed in; a note
# such as =HYPERLINK(...) must stay the text someone sent.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "#")
STATUS_TEXT = {"open": "未报销", "settled": "已报销", "void": "已作废"}
BATCH_STATUS_TEXT = {"active": "有效", "reversed": "已撤销"}
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


def text_width(text):
    """A column width that shows `text` in FONT_NAME, in the digit widths of Calibri that Excel measures column
    widths in: a CJK character is about 2.1 of them, a Latin letter or digit of this font 1.05 (digits 1.15)."""
    return round(sum(2.1 if ord(ch) > 0x2E7F else 1.05 for ch in str(text)) + 3)


def _put(cell, value):
    """Set a cell's value; text is always a text cell, never a formula or an error value, and text Excel would
    read as a formula gets the quote prefix, so it stays text when someone edits the cell. Every cell of the
    workbook gets its value here."""
    cell.value = value
    prefix = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    if isinstance(value, str):
        cell.data_type = "s"       # openpyxl infers a formula from a leading '=' and an error from '#N/A'
    if bool(cell.quotePrefix) != prefix:
        # the style array may be shared with cells already written (a reused column cell): change a copy
        cell._style = copy.copy(cell._style)
        cell.quotePrefix = prefix
    return cell


def _print_setup(ws):
    """A4 landscape, one page wide and as many pages tall as it takes, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"                     # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True                 # empty cells are not written, so they have no border
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"
    ws.oddFooter.center.font = FONT_NAME


def _stream_into(ws, folder):
    """Open the sheet's stream; return a generator that takes rows (lists of cells or None) and writes them.

    Unlike WriteOnlyWorksheet.append: the temp file openpyxl streams the sheet through is in the run's private
    folder, not the system temp folder (where a killed run leaves the whole sheet behind); and rows go straight
    to the writer (append() first tries each cell as a plain value and catches a ValueError with the cell's repr
    in it: with every cell styled, that doubled the report's time). Call it once the sheet's properties, views
    and columns are set: they are written first. This leans on openpyxl's WorksheetWriter (pinned version).
    """
    handle, path = tempfile.mkstemp(prefix="sheet-", suffix=".xml", dir=folder)
    os.close(handle)
    sheet_streams.ALL_TEMP_FILES.append(path)        # openpyxl removes the files it lists once the book is saved
    writer = ws._writer = sheet_streams.WorksheetWriter(ws, out=path)
    writer.write_top()

    def rows():
        xf = writer.xf.send(True)
        with xf.element("sheetData"):
            index = 1
            try:
                while True:
                    cells = [cell for cell in (yield) if cell is not None]
                    for cell in cells:
                        cell.row = index
                    writer.write_row(xf, cells, index)
                    index += 1
            except GeneratorExit:
                pass
        writer.xf.send(None)
    stream = rows()
    next(stream)
    ws._rows = stream                                 # the sheet's close() ends it, when the book is saved
    return stream


def _as_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class SheetWriter:
    """One formatted, print-ready sheet: header, typed rows (greyed when they do not count), bold totals rows."""

    def __init__(self, book, tz, spec, folder, progress=None, progress_every=5000):
        self.tz = tz
        self.title = _sheet_title(spec["title"], book)
        self.ws = book.create_sheet(self.title)
        self.header = list(spec["header"])
        self.money = set(spec.get("money_columns") or ())
        self.dates = set(spec.get("date_columns") or ())
        self.datetimes = set(spec.get("datetime_columns") or ())
        self.sums = {i: 0 for i in self.money}     # integer fen of the rows that count: the totals row is exact
        self.count = 0
        self.progress = progress
        self.progress_every = max(1, int(progress_every))
        widths = spec.get("widths") or {}
        self._wrapped = {}        # text column -> its width: a longer text wraps and its row is made taller
        for index, name in enumerate(self.header):
            width = widths.get(index) or self._width(index, name)
            self.ws.column_dimensions[get_column_letter(index + 1)].width = width
            if not self._format(index):
                self._wrapped[index] = width
        # write-only sheets must get their view settings before the first row
        self.ws.freeze_panes = "A2"
        _print_setup(self.ws)
        self._stream = _stream_into(self.ws, folder)
        header = [self._cell(h, font=BOLD, column=i) for i, h in enumerate(self.header)]
        for cell in header:
            cell.fill, cell.alignment = HEADER_FILL, CENTRE
        self.append(header)
        # a row is serialised at once, so one styled cell per column (and per shade) serves every row
        self._cells = {grey: [self._cell(None, self._format(i), font, column=i) for i in range(len(self.header))]
                       for grey, font in ((False, BODY), (True, GREY))}
        for cells in self._cells.values():
            for i, cell in enumerate(cells):
                cell.alignment = TOP if self._format(i) else WRAP

    def append(self, cells):
        """Write one row: cells made by _cell (their column set), or None for an empty, unstyled cell."""
        self._stream.send(cells)

    def _format(self, index):
        if index in self.money:
            return MONEY_FORMAT
        if index in self.datetimes:
            return DATETIME_FORMAT
        return DATE_FORMAT if index in self.dates else None

    def _width(self, index, name):
        if index in self.money:
            base = 15
        elif index in self.datetimes:
            base = 22
        elif index in self.dates:
            base = 13
        else:
            base = 10
        return max(base, text_width(name))

    def _cell(self, value, number_format=None, font=BODY, border=GRID, column=0):
        cell = WriteOnlyCell(self.ws)
        cell.column = column + 1
        if number_format:
            cell.number_format = number_format
        cell.font = font
        if border:
            cell.border = border
        return _put(cell, value)

    def add(self, values, grey=False):
        """One row; grey=True for a row that does not count (shown in grey, left out of the sums)."""
        cells = self._cells[grey]
        row = []
        for i, value in enumerate(values):
            if i in self.money and value not in (None, ""):
                if not isinstance(value, int):
                    raise TypeError(f"{self.title}: 第 {i + 1} 列的金额必须是整数分，得到 {value!r}")
                if not grey:
                    self.sums[i] += value
                value = yuan(value)
            elif i in self.dates:
                value = _as_date(value)
            elif i in self.datetimes:
                value = _local_naive(value, self.tz)
            row.append(None if value in (None, "") else _put(cells[i], value))
        self._fit_height(values)
        self.append(row)
        self.count += 1
        if self.progress and self.count % self.progress_every == 0:
            self.progress(self.title, self.count)

    def _fit_height(self, values):
        """Neither Excel nor LibreOffice grows a row for wrapped text on opening a file: give the row the height of
        its longest text (only long texts are measured, most rows cost one comparison per text column)."""
        lines = 1
        for i, width in self._wrapped.items():
            value = values[i] if i < len(values) else None
            if isinstance(value, str) and len(value) * 2.1 + 3 > width:
                lines = max(lines, math.ceil((text_width(value) - 3) / (width - 1)))
        if lines > 1:
            self.ws.row_dimensions[self.count + 2].height = LINE_HEIGHT * lines

    def total_row(self, label, sums=None, counts=None, grey=False):
        """A bold row: label in the first column, money sums (fen) and optional plain counts."""
        font = GREY_BOLD if grey else BOLD
        sums = self.sums if sums is None else sums
        # no border: the label runs on over the empty cells beside it, and a border would cut through it
        row = [self._cell(label, font=font, border=None)] + [None] * (len(self.header) - 1)
        for i, fen in sums.items():
            row[i] = self._cell(yuan(fen), MONEY_FORMAT, font, None, column=i)
        for i, number in (counts or {}).items():
            row[i] = self._cell(number, font=font, border=None, column=i)
        self.append(row)

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


# --- one snapshot, private temp files -------------------------------------------------------------------------


class Snapshot:
    """The database as of one moment, read-only: one connection holding one read transaction from the first
    sheet to the last. It reads as a transaction does (execute, query, one, value) and carries the app
    (`.app`), so the ledger helpers and the sheets plugins declare read through it and see the same moment as
    the detail."""

    def __init__(self, path, app):
        self.path, self.app = path, app
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA query_only = ON")
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()   # a deferred BEGIN snapshots at its first read

    def execute(self, sql, params=()):
        """A cursor: rows as tuples, read as they come (memory stays flat however big the ledger is)."""
        return self.conn.execute(sql, params or ())

    def query(self, sql, params=()):
        """Rows as dicts (nobody else uses this connection: no lock)."""
        cursor = self.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def one(self, sql, params=()):
        return (self.query(sql, params) or [None])[0]

    def value(self, sql, params=()):
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def close(self):
        self.conn.close()      # ends the read transaction


def private_dir(database):
    """<database folder>/tmp, mode 0700: snapshots and temp files of report runs. Never the exports folder, which
    is handed to finance and synced: a database copy there is every openid and every unpublished lottery seed."""
    folder = os.path.join(os.path.dirname(os.path.abspath(database)), "tmp")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


@contextmanager
def run_folder(database):
    """A folder of this run's own (report-<pid>-…, 0700), removed when the run ends, however it ends; a run killed
    with -9 leaves it for remove_leftovers."""
    folder = tempfile.mkdtemp(prefix=f"report-{os.getpid()}-", dir=private_dir(database))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# what runs left before they had a private folder: <report>.snapshot-PID.db[-wal|-shm], <report>.tmp-PID
_OLD_LEFTOVER = re.compile(r"teabot-\d{8}\.xlsx\.(?:snapshot-(\d+)\.db(?:-wal|-shm)?|tmp-(\d+))")


def remove_leftovers(database, exports_dir):
    """Remove what killed report runs left: their private folders and (from earlier versions, or a rename across
    file systems) snapshot and temp files in the exports folder. A run still alive keeps its files."""
    removed = []
    folder = private_dir(database)
    for name in sorted(os.listdir(folder)):
        match = re.fullmatch(r"report-(\d+)-.*", name)
        if match and not _alive(int(match.group(1))):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
            removed.append(os.path.join(folder, name))
    for name in sorted(os.listdir(exports_dir)) if os.path.isdir(exports_dir) else ():
        match = _OLD_LEFTOVER.fullmatch(name)
        if match and not _alive(int(match.group(1) or match.group(2))):
            os.remove(os.path.join(exports_dir, name))
            removed.append(os.path.join(exports_dir, name))
    if removed:
        log.warning("removed what interrupted report runs left: %s", ", ".join(removed))
    return removed


def copy_database(source, target):
    """A consistent copy in one step (SQLite's online backup: writers go on meanwhile)."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    live.close()
    copy.close()


def _move_into_place(tmp, path):
    """Rename the finished file over the report: readers see the old file or the new one, never half of one."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # the exports folder is on another file system: copy beside the report, then rename there
        partial = f"{path}.tmp-{os.getpid()}"
        try:
            shutil.copyfile(tmp, partial)
            os.replace(partial, path)
        finally:
            if os.path.exists(partial):
                os.remove(partial)


# --- the sheets of the ledger ---------------------------------------------------------------------------------


def _names(reader, sql):
    """{openid: name} for the openids the query returns: registered name, else role, never the openid."""
    return display_names(reader, reader.app.config, [row[0] for row in reader.execute(sql)])


def _widest(texts, least=10, most=30):
    return min(most, max([least] + [text_width(t) for t in texts]))


def _team_width(reader):
    return _widest(row[0] for row in reader.execute("SELECT name FROM groups"))


# Excel keeps at most 65,530 hyperlinks in a worksheet (its specifications and limits); the 明细 of a big ledger
# links its newest records only and says so below its totals.
DETAIL_LINKS = 65_530
RECEIPT_CHUNK = 500          # records whose receipt counts are read in one query as the sheet streams


def _write_details(reader, book, folder, progress, progress_every):
    """The 明细 sheet: every record, then the totals that count and the voided ones apart. 小票: how many receipts
    are stored for the record (pending ones not yet), read in chunks of RECEIPT_CHUNK records as the rows stream;
    with server.public_base_url, 链接: a hyperlink (never a formula) to the record's console page."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    from bot.config import public_base_url
    from plugins.expense.receipts import receipt_counts

    names = _names(reader, "SELECT DISTINCT openid FROM expenses")
    base = public_base_url(reader.app.config)
    header = ["编号", "消费日期", "记录时间", "小组", "垫付人", "金额", "说明", "状态", "结算批次", "小票"]
    link = len(header)               # the 链接 column's index, when there is one
    if base:
        header.append("链接")
    spec = {"title": "明细", "header": header, "money_columns": [5], "date_columns": [1], "datetime_columns": [2],
            "widths": {3: _team_width(reader), 4: _widest(names.values()), 6: 44, 9: 8, 10: 8}}
    sheet = SheetWriter(book, reader.app.tz, spec, folder, progress, progress_every)
    unlinked = 0                     # the oldest records, beyond Excel's hyperlinks per sheet, get none
    if base:
        unlinked = max(0, reader.value("SELECT COUNT(*) FROM expenses") - DETAIL_LINKS)
        sheet._cells[False][link].font = LINK
        letter = get_column_letter(link + 1)
    by_status = {"open": 0, "settled": 0, "void": 0}
    count_by_status = {"open": 0, "settled": 0, "void": 0}
    receipts_by_status = {"open": 0, "settled": 0, "void": 0}
    cursor = reader.execute(
        """SELECT e.id, e.spent_on, e.recorded_at, g.name, e.openid, e.amount_fen, e.note, e.status, e.settlement_id
           FROM expenses e JOIN groups g ON g.id = e.group_id ORDER BY e.id""")
    while rows := cursor.fetchmany(RECEIPT_CHUNK):   # a cursor, not fetchall: memory stays flat however big
        counts = receipt_counts(reader, [row[0] for row in rows])
        for row in rows:
            status = row[7]
            by_status[status] += row[5]
            count_by_status[status] += 1
            stored = counts[row[0]]["stored"] if row[0] in counts else 0
            receipts_by_status[status] += stored
            values = [row[0], row[1], row[2], row[3], names[row[4]], row[5], row[6], STATUS_TEXT.get(status, status),
                      row[8], stored]
            if base:
                # the row's own link on the column's one reused cell, set before the row is written (sheet.count
                # rows are below the header so far)
                cell = sheet._cells[status == "void"][link]
                if sheet.count < unlinked:
                    cell._hyperlink = None
                    values.append(None)
                else:
                    cell._hyperlink = Hyperlink(ref=f"{letter}{sheet.count + 2}",
                                                target=f"{base}/console/records/{row[0]}")
                    values.append("查看")
            sheet.add(values, grey=status == "void")
    counted = count_by_status["open"] + count_by_status["settled"]
    sheet.total_row(f"合计（未报销 + 已报销，{counted} 笔）", {5: by_status["open"] + by_status["settled"]},
                    counts={9: receipts_by_status["open"] + receipts_by_status["settled"]})
    for status in ("open", "settled"):
        sheet.total_row(f"其中{STATUS_TEXT[status]}（{count_by_status[status]} 笔）", {5: by_status[status]},
                        counts={9: receipts_by_status[status]})
    sheet.total_row(f"已作废（{count_by_status['void']} 笔，不计入合计）", {5: by_status["void"]},
                    counts={9: receipts_by_status["void"]}, grey=True)
    if unlinked:
        sheet.total_row(f"链接：Excel 一张表最多 {DETAIL_LINKS:,} 个链接，只有最新的 {DETAIL_LINKS:,} 笔有；更早的记录请打开 "
                        f"{base}/console/records/编号", {}, grey=True)
    sheet.finish()
    return {"rows": sheet.count, "total_fen": by_status["open"] + by_status["settled"], "by_status": by_status,
            "count_by_status": count_by_status}


def _write_summary(reader, book, folder, year, day=None):
    """The 小组汇总 sheet: per team its open and settled counts and totals, the four quarters of `year` (open and
    settled apart), and with quotas (plugins/quota) the allowance, used (open + settled) and left of the quarter of
    `day` (the report's day; None: today, or the last day of `year` if that is over), blank for a team without a
    quota; the totals row sums them. Every figure is read from the report's one snapshot."""
    rows = reader.query(
        """SELECT g.id, g.name,
                  COUNT(CASE WHEN e.status = 'open' THEN 1 END) AS open_count,
                  COALESCE(SUM(CASE WHEN e.status = 'open' THEN e.amount_fen END), 0) AS open_fen,
                  COUNT(CASE WHEN e.status = 'settled' THEN 1 END) AS settled_count,
                  COALESCE(SUM(CASE WHEN e.status = 'settled' THEN e.amount_fen END), 0) AS settled_fen
           FROM groups g LEFT JOIN expenses e ON e.group_id = g.id GROUP BY g.id ORDER BY g.id""")
    quarters = {(q["group_id"], q["quarter"]): q for q in quarter_totals(reader, year)}
    labels = [f"{year}Q{n}" for n in range(1, 5)]
    header = ["小组", "未报销笔数", "未报销金额", "已报销笔数", "已报销金额"]
    money = [2, 4]
    for label in labels:
        header += [f"{label} 未报销", f"{label} 已报销"]
        money += [len(header) - 2, len(header) - 1]
    day = day or min(reader.app.now().date(), date(year, 12, 31))
    quotas = quotas_for_all(reader, reader.app, day)
    if quotas:
        header += [f"{quarter_label(day)} {word}" for word in ("额度", "已用", "剩余")]
        money += [len(header) - 3, len(header) - 2, len(header) - 1]
    widths = {0: _team_width(reader), **{i: 13 for i in range(1, len(header))}}     # headers wrap onto two lines
    sheet = SheetWriter(book, reader.app.tz, {"title": "小组汇总", "header": header, "money_columns": money,
                                       "widths": widths}, folder)
    counts = {1: 0, 3: 0}
    for row in rows:
        values = [row["name"], row["open_count"], row["open_fen"], row["settled_count"], row["settled_fen"]]
        for label in labels:
            q = quarters.get((row["id"], label)) or {"open_fen": 0, "settled_fen": 0}
            values += [q["open_fen"], q["settled_fen"]]
        if quotas:
            quota = quotas.get(row["id"])
            values += [quota.allowance_fen, quota.used_fen, quota.left_fen] if quota else [None, None, None]
        counts[1] += row["open_count"]
        counts[3] += row["settled_count"]
        sheet.add(values)
    sheet.total_row("合计", counts=counts)
    sheet.finish()
    if rows:
        chart = BarChart()
        chart.type = "col"
        chart.title = "各小组未报销金额（元）"
        chart.y_axis.numFmt = MONEY_FORMAT
        chart.legend.position = "b"          # on the right it falls off the printed page
        chart.x_axis.delete = chart.y_axis.delete = False     # openpyxl 3.1 hides the axes in Excel otherwise
        _chart_font(chart)
        chart.add_data(Reference(sheet.ws, min_col=3, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
        chart.set_categories(Reference(sheet.ws, min_col=1, min_row=2, max_row=len(rows) + 1))
        chart.width, chart.height = max(16, 1.2 * len(rows)), 9
        sheet.ws.add_chart(chart, f"A{len(rows) + 4}")
        sheet.ws.print_options.gridLines = False      # it would print a grid behind the chart; no cell is empty
    return {"open_fen": sum(r["open_fen"] for r in rows), "settled_fen": sum(r["settled_fen"] for r in rows)}


def _chart_font(chart, size=900):
    """FONT_NAME for the chart's title, axes and legend (charts do not use the cells' fonts)."""
    def text(bold=False):
        props = CharacterProperties(latin=TextFont(typeface=FONT_NAME), ea=TextFont(typeface=FONT_NAME), sz=size,
                                    b=bold)
        return props, RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])
    for part in (chart.x_axis, chart.y_axis, chart.legend):
        part.txPr = text()[1]
    title, _ = text(bold=True)
    title.sz = 1200
    for paragraph in chart.title.tx.rich.p:
        paragraph.pPr = ParagraphProperties(defRPr=title)
        for run in paragraph.r or ():
            run.rPr = title


def _write_settlements(reader, book, folder):
    names = _names(reader, "SELECT created_by FROM settlements UNION SELECT reversed_by FROM settlements")
    people = _widest(names.values())
    spec = {"title": "结算记录",
            "header": ["结算号", "小组", "经办人", "结算时间", "笔数", "金额", "状态", "撤销时间", "撤销人"],
            "money_columns": [5], "datetime_columns": [3, 7], "widths": {1: _team_width(reader), 2: people, 8: people}}
    sheet = SheetWriter(book, reader.app.tz, spec, folder)
    fen = {"active": 0, "reversed": 0}
    batches = {"active": 0, "reversed": 0}
    records = {"active": 0, "reversed": 0}
    cursor = reader.execute(
        """SELECT s.id, g.name, s.created_by, s.created_at, s.record_count, s.total_fen, s.status, s.reversed_at,
                  s.reversed_by
           FROM settlements s JOIN groups g ON g.id = s.group_id ORDER BY s.id""")
    for row in cursor:
        row = list(row)
        status = row[6]
        fen[status] += row[5]
        batches[status] += 1
        records[status] += row[4]
        row[2], row[8] = names.get(row[2]), names.get(row[8])
        row[6] = BATCH_STATUS_TEXT.get(status, status)
        sheet.add(row, grey=status == "reversed")
    sheet.total_row(f"合计（有效，{batches['active']} 批）", {5: fen["active"]}, counts={4: records["active"]})
    sheet.total_row(f"已撤销（{batches['reversed']} 批，不计入合计，记录已恢复为未报销）", {5: fen["reversed"]},
                    counts={4: records["reversed"]}, grey=True)
    sheet.finish()
    return {"batches": sheet.count, "active_fen": fen["active"]}


# --- the sheets plugins declare -------------------------------------------------------------------------------


def _write_declared(reader, book, folder, day, notes):
    """Every sheet the plugins declare, by their order: its rows from its function while the plugin is enabled,
    else (or if the function fails, which the 说明 sheet notes) its header alone."""
    app = reader.app
    for sheet in app.report_sheets():
        spec = {}
        if sheet.plugin.enabled(app.config):
            try:
                spec = sheet.function(reader, day) or {}
            except Exception as exc:
                log.exception("report sheet %s of plugin %s failed", sheet.title, sheet.plugin.name)
                notes.append(f"{sheet.title} 出错：{type(exc).__name__}，该表只有表头")
        _write_sheet(reader, book, folder, {**spec, "title": sheet.title, "header": sheet.header})


def _write_sheet(reader, book, folder, spec):
    sheet = SheetWriter(book, reader.app.tz, spec, folder)
    for row in spec.get("rows") or ():
        sheet.add(row)
    sheet.total_row(f"合计（{sheet.count} 条）")
    sheet.finish()
    return sheet.count


def _write_about(app, book, folder, day, now, details, notes):
    sheet = SheetWriter(book, app.tz, {"title": "说明", "header": ["项目", "内容"], "widths": {0: 30, 1: 44}}, folder)
    by_status, count = details["by_status"], details["count_by_status"]
    local_now = now.astimezone(app.tz).replace(tzinfo=None, microsecond=0)
    for key, value, number_format in [
            ("报表日期", day, DATE_FORMAT), ("数据截至", local_now, DATETIME_FORMAT), ("时区", str(app.tz), None),
            ("明细笔数", details["rows"], None),
            ("合计（未报销 + 已报销，元）", yuan(details["total_fen"]), MONEY_FORMAT),
            (f"其中未报销（{count['open']} 笔，元）", yuan(by_status["open"]), MONEY_FORMAT),
            (f"其中已报销（{count['settled']} 笔，元）", yuan(by_status["settled"]), MONEY_FORMAT),
            ("已作废（不计入合计，元）", yuan(by_status["void"]), MONEY_FORMAT),
            ("金额单位", "元（数据库以分记账，换算精确到分）", None)] + [("提示", n, None) for n in notes]:
        label, cell = sheet._cell(key, font=BOLD), sheet._cell(value, number_format, column=1)
        label.alignment, cell.alignment = TOP, LEFT   # the value right beside its label, not at the column's far edge
        sheet.append([label, cell])


def write_workbook(app, path, day, progress=None, now=None, progress_every=5000, private_copy=False):
    """Write the report for `day` to `path`; return figures for the exports row.

    Every sheet, those other plugins declare too, is read from one snapshot (one read transaction), so the
    detail, the summary and the other sheets are the same moment of the ledger. private_copy=True reads a copy
    of the database taken in one step instead of holding the transaction on the live file (the server's child
    process: minutes of an open read there would stop WAL checkpoints). The copy, openpyxl's streams and the
    unfinished file live in a private folder beside the database, never in the exports folder; the finished
    file is renamed over `path`.
    """
    now = now or datetime.now(timezone.utc)
    database = app.config["database"]
    book = Workbook(write_only=True)
    notes = []
    started = time.monotonic()
    with run_folder(database) as folder:
        source = database
        if private_copy:
            source = os.path.join(folder, "snapshot.db")
            copy_database(database, source)
        snapshot = Snapshot(source, app)
        try:
            total_rows = snapshot.one("SELECT COUNT(*) AS n FROM expenses")["n"]
            if progress:
                progress("明细", 0, total_rows)
            details = _write_details(snapshot, book, folder, progress and (lambda t, n: progress(t, n, total_rows)),
                                     progress_every)
            summary = _write_summary(snapshot, book, folder, day.year, day=day)   # the quarters of the report's day
            _write_settlements(snapshot, book, folder)
            _write_declared(snapshot, book, folder, day, notes)
        finally:
            snapshot.close()
        _write_about(app, book, folder, day, now, details, notes)
        if details["total_fen"] != summary["open_fen"] + summary["settled_fen"]:
            raise RuntimeError("明细与小组汇总合计不一致")  # cannot happen inside one snapshot; refuse to ship if it does
        tmp = os.path.join(folder, os.path.basename(path))
        book.save(tmp)
        _move_into_place(tmp, path)
    return {"rows": details["rows"], "total_fen": details["total_fen"], "by_status": details["by_status"],
            "seconds": time.monotonic() - started, "notes": notes}
