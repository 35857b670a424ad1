"""Time: stored as UTC ISO strings, shown and bucketed in the configured timezone."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo


def utc_now():
    return datetime.now(timezone.utc)


def to_utc_text(moment):
    """The one storage format: '2026-11-22T07:30:00.123456+00:00'."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_utc_text(text):
    return datetime.fromisoformat(text)


def local(moment, tz):
    return moment.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def local_text(utc_text, tz, fmt="%Y-%m-%d %H:%M"):
    """Stored UTC text -> local time for a reply."""
    if not utc_text:
        return ""
    return local(from_utc_text(utc_text), tz).strftime(fmt)


def local_naive(utc_text, tz):
    """Stored UTC text -> local wall time without tzinfo, as Excel shows it (Excel has no time zones)."""
    if not utc_text:
        return None
    return local(from_utc_text(utc_text), tz).replace(tzinfo=None)


def unix_seconds(text):
    """A signed request's timestamp (seconds since the epoch, ASCII digits only, as WeChat and WeChat Pay send
    it) -> int, or None: no signs, spaces, other digits, or numbers too long to compare with the clock."""
    if not isinstance(text, str) or not (0 < len(text) <= 12 and text.isascii() and text.isdigit()):
        return None
    return int(text)
