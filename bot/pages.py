"""WeChat's reply limit: a text reply (passive or pushed) holds at most 2,048 bytes of UTF-8, and WeChat refuses a
longer one ("该公众号提供的服务出现故障"). A long reply is cut at line boundaries into pages; the first page ends
with how to see the next, and “更多” returns the next page of that user's last long reply (kept 10 minutes in the
database, so a restart keeps it; a WeChat retry of the same “更多” gets the same page, bot/inbound.py)."""

import json
from datetime import timedelta

from .timeutil import to_utc_text, utc_now

REPLY_LIMIT_BYTES = 2048
MORE_WORD = "更多"
KEEP = timedelta(minutes=10)
_FOOTER_ROOM = 80            # bytes kept free on every page for the "发送“更多”…（12/34）" line


def byte_len(text):
    return len(text.encode("utf-8"))


def split_pages(text, limit=REPLY_LIMIT_BYTES - _FOOTER_ROOM):
    """Pages of at most `limit` bytes, cut between lines (a single longer line is cut between characters)."""
    pages, current, size = [], [], 0
    for line in text.split("\n"):
        while byte_len(line) > limit:            # a line longer than a page: cut it where it must be cut
            head = _prefix_within(line, limit)
            if current:
                pages.append("\n".join(current))
                current, size = [], 0
            pages.append(head)
            line = line[len(head):]
        extra = byte_len(line) + (1 if current else 0)
        if current and size + extra > limit:
            pages.append("\n".join(current))
            current, size = [], 0
            extra = byte_len(line)
        current.append(line)
        size += extra
    if current or not pages:
        pages.append("\n".join(current))
    return pages


def _prefix_within(line, limit):
    """The longest prefix of `line` whose UTF-8 fits in `limit` bytes."""
    encoded = line.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore")


def rest_line(hidden, unit, how):
    """The last line of a list cut short to fit one reply: how many were left out and how to see them."""
    return f"……还有 {hidden} {unit}，{how}"


def _with_footer(page, number, count):
    if number < count:
        return f"{page}\n发送“{MORE_WORD}”看下一页（{number}/{count}）"
    return f"{page}\n（第 {number}/{count} 页，完）" if count > 1 else page


class Pages:
    """Each user's last long reply, page by page, in the `reply_pages` table."""

    def __init__(self, store):
        self.store = store

    def first(self, tx, openid, text, full_list_url=""):
        """The reply to send: `text` itself when it fits, else its first page (the rest kept for “更多”, in the
        message's transaction `tx`). `full_list_url`: a web page holding the whole list, named on every page."""
        if byte_len(text) <= REPLY_LIMIT_BYTES:
            return text
        link = f"\n完整列表：{full_list_url}" if full_list_url else ""
        pages = [page + link for page in split_pages(text, REPLY_LIMIT_BYTES - _FOOTER_ROOM - byte_len(link))]
        now = utc_now()
        tx.execute(
            """INSERT INTO reply_pages (openid, pages, shown, shown_msg_id, created_at, expires_at)
               VALUES (?, ?, 0, NULL, ?, ?)
               ON CONFLICT(openid) DO UPDATE SET pages = excluded.pages, shown = 0, shown_msg_id = NULL,
                   created_at = excluded.created_at, expires_at = excluded.expires_at""",
            [openid, json.dumps(pages, ensure_ascii=False), to_utc_text(now), to_utc_text(now + KEEP)])
        return _with_footer(pages[0], 1, len(pages))

    def more(self, tx, openid):
        """The next page of this user's last long reply (a WeChat retry of the same “更多” gets its saved reply)."""
        row = tx.one("SELECT pages, shown, expires_at FROM reply_pages WHERE openid = ?", [openid])
        if row is None or row["expires_at"] < to_utc_text(utc_now()):
            return "没有更多内容了（长回复的后续页保留 10 分钟）。请重新发送原来的命令。"
        pages, shown = json.loads(row["pages"]), row["shown"]
        if shown + 1 >= len(pages):
            return f"已经是最后一页了（共 {len(pages)} 页）。"
        shown += 1
        tx.execute("UPDATE reply_pages SET shown = ? WHERE openid = ?", [shown, openid])
        return _with_footer(pages[shown], shown + 1, len(pages))
