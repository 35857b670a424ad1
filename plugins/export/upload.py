"""Uploads of finished files to COS: one try per run (bot.cos retries within it), the outcome recorded on the
run's row; a file COS refused stays 'pending' and every later run tries it again, up to max_upload_attempts.
The upload itself never runs inside a transaction: it may take minutes, and a transaction holds the write lock."""

import logging
import os

from bot.cos import Cos, CosError
from bot.timeutil import to_utc_text, utc_now

from . import settings
from .runs import export_row, update

log = logging.getLogger("teabot.export")


def upload(app, export_id, cos=None):
    """Upload one finished file; record the outcome. Returns the upload state."""
    cos = cos or Cos(app.config)
    row = export_row(app.store, export_id)
    if not cos.enabled:
        state, fields = "disabled", {}
    elif not os.path.exists(row["path"]):
        state, fields = "failed", {"error": f"本地文件已不存在：{row['path']}"}
    else:
        try:
            cos.upload(row["path"], row["cos_key"])
        except CosError as exc:
            attempts = row["attempts"] + 1
            state = "failed" if attempts >= int(settings(app)["max_upload_attempts"]) else "pending"
            fields = {"attempts": attempts, "error": str(exc)}
            log.warning("export %s: %s (%s)", export_id, exc, state)
        else:
            state = "uploaded"
            fields = {"attempts": row["attempts"] + 1, "error": "", "uploaded_at": to_utc_text(utc_now())}
    with app.transaction() as tx:
        update(tx, export_id, upload_state=state, **fields)
    return state


def retry_pending_uploads(app, cos=None, skip=None):
    """Upload every finished file still pending (COS was down on an earlier run); returns {id: state}."""
    cos = cos or Cos(app.config)
    if not cos.enabled:
        return {}
    rows = app.store.query("SELECT id FROM exports WHERE state = 'done' AND upload_state = 'pending' AND id != :s "
                           "ORDER BY id", {"s": skip or 0})
    return {r["id"]: upload(app, r["id"], cos) for r in rows}
