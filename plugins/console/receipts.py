"""小票: a record's receipt images, to those allowed to see the record, and what the record lists show of them.

`/console/receipts/<id>` serves the image, `/console/receipts/<id>/thumb` its thumbnail (a JPEG of at most 240
px, made when the image was stored). Who may: the record's member, and the admin and finance (who see every
record). Anyone else signed in gets 403 whatever the id, an unknown id 404, a receipt not (yet) stored or whose
file is gone 404 with a page saying so. The file is the one the receipts row names, inside the receipts folder
(plugins/expense/receipts.py receipt_file / thumb_file); nothing of the request names a path. The Content-Type is
the row's, and only one of the image types the bot stores; `nosniff` and `Content-Disposition: inline` keep the
browser from reading it as anything else, and the sandbox CSP keeps it from running anything if it ever did."""

import logging
import os
import re

import bottle

from plugins.expense.receipts import receipt_file, receipts_dir, receipts_for, thumb_file

from .web import console_page, EVERYONE, is_number, refuse_page, SECURITY_HEADERS

log = logging.getLogger("teabot.console")

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
MAX_AGE = 3600            # seconds a browser may keep an image (a receipt's bytes never change; its id names them)
SHOWN = 3                 # thumbnails in a list row; the record's page has them all
IMAGE_HEADERS = {
    **SECURITY_HEADERS,
    "Cache-Control": f"private, max-age={MAX_AGE}",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Vary": "Cookie",
}


def may_see(visitor, owner):
    """Whether `visitor` may see a record of `owner` (an openid) and its receipts: their own, or staff (all)."""
    return visitor.staff or visitor.openid == owner


def gallery(reader, expense_ids):
    """{expense_id: {"stored": [receipt ids], "pending": count}} of the records that have stored or pending
    receipts (others absent), for the thumbnails of a list page (its 50 records read in one query)."""
    return {expense_id: {"stored": [r["id"] for r in rows if r["status"] == "stored"],
                         "pending": sum(1 for r in rows if r["status"] == "pending")}
            for expense_id, rows in receipts_for(reader, expense_ids).items()}


# a reason's parenthesised Python exception name, e.g. 连接图片服务器失败（ConnectionError）: not words for a reader
_EXCEPTION_NAME = re.compile(r"[（(]\s*[A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Timeout|Exit|Interrupt)\s*[）)]")
REASON_CHARS = 80


def plain_reason(error):
    """The `error` of a receipt given up on, in plain words for a page: its first line, without an exception's class
    name in brackets, at most REASON_CHARS characters; '原因没有记录' for none, '内部错误' for a traceback."""
    text = str(error or "").strip()
    if not text:
        return "原因没有记录"
    if text.startswith("Traceback") or "File \"" in text:
        return "内部错误"
    text = _EXCEPTION_NAME.sub("", text.splitlines()[0]).strip(" 。.：:")
    if not text:
        return "内部错误"
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"


def failed_receipts(reader, expense_id):
    """[(reason in plain words, how many)] of the record's receipts whose fetch was given up on (status 'failed'),
    one entry per reason in the order they first failed: one seek in the receipts_expense index."""
    groups = {}
    for row in reader.query("SELECT error FROM receipts WHERE expense_id = ? AND status = 'failed' ORDER BY id",
                            [int(expense_id)]):
        reason = plain_reason(row["error"])
        groups[reason] = groups.get(reason, 0) + 1
    return list(groups.items())


def _not_found(visitor, message):
    return refuse_page(visitor, 404, "没有这张小票", message)


def _serve(app, visitor, receipt_id, thumb):
    row = None
    if is_number(receipt_id) and len(receipt_id) <= 18:
        row = app.store.one("SELECT r.*, e.openid AS owner FROM receipts r JOIN expenses e ON e.id = r.expense_id "
                            "WHERE r.id = :id", {"id": int(receipt_id)})
    if row is None:
        return _not_found(visitor, "没有这个编号的小票。请从记录页面点开小票。")
    if not may_see(visitor, row["owner"]):
        return refuse_page(visitor, 403, "没有权限", "这张小票属于别人的记录，你没有权限查看。")
    back = f"请回到记录 #{row['expense_id']} 的页面查看。"
    if row["status"] != "stored":
        waiting = "还没有取回（稍后会自动重试）" if row["status"] == "pending" else "没有保存"
        return _not_found(visitor, f"这张小票{waiting}。{back}")
    if row["content_type"] not in IMAGE_TYPES:      # a row the bot did not store as an image: neither file is served
        log.warning("receipt %s has content type %r, not served", row["id"], row["content_type"])
        return _not_found(visitor, f"这张小票的文件类型不对，没有显示。{back}")
    path = (thumb_file if thumb else receipt_file)(app.config, row)
    folder = receipts_dir(app.config).resolve()
    handle = None
    if path is not None and path.resolve().is_relative_to(folder):
        try:
            handle = open(path.resolve(), "rb")
        except OSError:
            handle = None
    if handle is None:
        log.warning("receipt %s: its %s file is not in %s", row["id"], "thumbnail" if thumb else "image", folder)
        return _not_found(visitor, f"这张小票的{'缩略图' if thumb else '图片'}文件不在服务器上。{back}")
    tag = f'"{row["sha256"]}{"-thumb" if thumb else ""}"'
    for name, value in IMAGE_HEADERS.items():
        bottle.response.set_header(name, value)
    bottle.response.set_header("ETag", tag)
    if tag in [t.strip() for t in bottle.request.headers.get("If-None-Match", "").split(",")]:
        handle.close()
        bottle.response.status = 304
        return ""
    content_type = "image/jpeg" if thumb else row["content_type"]      # a thumbnail is always a JPEG
    name = f"receipt-{row['id']}{'-thumb' if thumb else ''}.{IMAGE_TYPES[content_type]}"
    bottle.response.content_type = content_type
    bottle.response.set_header("Content-Disposition", f'inline; filename="{name}"')
    bottle.response.set_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
    return handle                      # bottle sends it and closes it


@console_page("/console/receipts/<receipt_id>", roles=EVERYONE)
def receipt_image(app, visitor, receipt_id):
    return _serve(app, visitor, receipt_id, thumb=False)


@console_page("/console/receipts/<receipt_id>/thumb", roles=EVERYONE)
def receipt_thumb(app, visitor, receipt_id):
    return _serve(app, visitor, receipt_id, thumb=True)
