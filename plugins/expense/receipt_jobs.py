"""Receipts in the background: a pending receipt is fetched right after its message commits (a few worker
threads per process), and a sweep fetches every pending one whose next_attempt_at has passed (retries with
backoff; after a crash or restart, the ones that were in flight) and uploads the stored ones COS is still owed.
Network and disk work never happen inside a transaction; each outcome is recorded in a short one.

Nothing is lost on a crash: a row is 'pending' until the transaction that records its outcome commits, and the
sweep picks up any pending row that is due. Two workers on one row cannot both record it (the outcome is written
only while the row is still pending; the file is content-addressed, so writing it twice is harmless)."""

import logging
import queue
import threading
import weakref
from datetime import timedelta

from bot.cos import Cos, CosError
from bot.timeutil import to_utc_text, utc_now

from . import plugin
from .receipt_fetch import FetchError, fetch, fetch_media, media_configured, store
from .receipts import receipts_dir, settings

log = logging.getLogger("teabot.receipts")

WORKERS = 3                  # fetches at once per process (a slow image server holds one)
IDLE_SECONDS = 10            # a worker with nothing to do ends; the next receipt starts one again
SWEEP_BATCH = 100
COS_BATCH = 200              # uploads per sweep, and receipts stored while COS was off queued per sweep


class _Workers:
    """One process's fetch queue for one app, its worker threads, and the receipt ids being worked on."""

    def __init__(self):
        self.queue = queue.Queue()
        self.lock = threading.Lock()
        self.alive = 0
        self.in_flight = set()


_workers = weakref.WeakKeyDictionary()     # app -> _Workers
_workers_lock = threading.Lock()


def _of(app):
    with _workers_lock:
        workers = _workers.get(app)
        if workers is None:
            workers = _workers[app] = _Workers()
        return workers


def fetch_soon(app, receipt_id):
    """Queue the receipt for a worker thread (called after the message that made it committed)."""
    workers = _of(app)
    with workers.lock:
        workers.queue.put(receipt_id)
        if workers.alive < WORKERS:
            workers.alive += 1
            threading.Thread(target=_work, args=(app, workers), name="teabot-receipts", daemon=True).start()


def _work(app, workers):
    try:
        while True:
            try:
                receipt_id = workers.queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with workers.lock:
                    if workers.queue.empty():
                        workers.alive -= 1
                        return
                continue
            try:
                process(app, receipt_id)
            except Exception:
                log.exception("receipt %s: background fetch failed", receipt_id)
            finally:
                workers.queue.task_done()
    finally:
        app.store.close_thread()


def wait_idle(app, timeout=30):
    """Block until the queued receipts are done (tests; shutdown). True if they were within `timeout`."""
    workers = _of(app)
    done = threading.Event()

    def join():
        workers.queue.join()
        done.set()
    threading.Thread(target=join, daemon=True).start()
    return done.wait(timeout)


# --- one receipt ------------------------------------------------------------------------------------------------

def process(app, receipt_id):
    """Fetch, store and record one pending receipt, then upload it to COS if enabled. Returns its status
    afterwards (None when another thread of this process is on it)."""
    workers = _of(app)
    with workers.lock:
        if receipt_id in workers.in_flight:
            return None
        workers.in_flight.add(receipt_id)
    try:
        row = app.store.one("SELECT * FROM receipts WHERE id = :i", {"i": receipt_id})
        if row is None or row["status"] != "pending":
            status = row and row["status"]
        else:
            status = _fetch_and_record(app, row)
        if status == "stored":
            upload(app, receipt_id)
        return status
    finally:
        with workers.lock:
            workers.in_flight.discard(receipt_id)


def _fetch_and_record(app, row):
    conf = settings(app.config)
    folder = str(receipts_dir(app.config))
    try:
        try:
            fields = store(folder, fetch(row["pic_url"], conf))
        except FetchError as exc:
            if not _falls_back(app.config, row, exc, conf):
                raise
            fields = _from_media(app.config, row, exc, conf, folder)
    except FetchError as exc:
        return _record_failure(app, row, str(exc), exc.permanent, conf)
    except OSError as exc:
        log.error("receipt %s: cannot write the image: %s", row["id"], exc)
        return _record_failure(app, row, f"保存图片失败（{type(exc).__name__}）", False, conf)
    except Exception:
        log.exception("receipt %s: unexpected error", row["id"])
        return _record_failure(app, row, "内部错误", False, conf)
    return _record_stored(app, row, fields)


def _falls_back(config, row, exc, conf):
    """Whether the PicUrl failure is for good (refused, a 404/410, or the last attempt) and the message's MediaId can
    be fetched from WeChat instead (app_id and app_secret set)."""
    final = exc.permanent or exc.status in (403, 404, 410) or row["attempts"] + 1 > len(list(conf["retry_minutes"]))
    return final and bool(row["media_id"]) and media_configured(config)


def _from_media(config, row, pic_error, conf, folder):
    """Store the bytes of the message's MediaId (media/get); a failure names both reasons, and is for good only when
    both were."""
    log.info("receipt %s: PicUrl failed (%s), fetching its MediaId from WeChat", row["id"], pic_error)
    try:
        return store(folder, fetch_media(config, row["media_id"], conf))
    except FetchError as exc:
        raise FetchError(f"{pic_error}；{exc}", permanent=pic_error.permanent and exc.permanent) from None


def _record_stored(app, row, fields):
    cos = Cos(app.config)
    now = to_utc_text(utc_now())
    with app.transaction() as tx:
        if tx.value("SELECT status FROM receipts WHERE id = ?", [row["id"]]) != "pending":
            return tx.value("SELECT status FROM receipts WHERE id = ?", [row["id"]])
        earlier = tx.value("SELECT id FROM receipts WHERE expense_id = ? AND sha256 = ? AND status = 'stored' "
                           "AND id != ?", [row["expense_id"], fields["sha256"], row["id"]])
        status = "duplicate" if earlier else "stored"
        uploading = cos.enabled and status == "stored"
        # COS off: a stored row is marked owed (cos_status 'none' with cos_next_attempt_at set), which the sweep
        # finds through receipts_to_upload once COS is enabled; duplicates and failures are never owed.
        owed_since = now if status == "stored" else None
        voided = _voided(tx, row["expense_id"])
        tx.execute(
            "UPDATE receipts SET status = ?, sha256 = ?, content_type = ?, size_bytes = ?, path = ?, thumb_path = ?, "
            "attempts = attempts + 1, next_attempt_at = NULL, error = '', stored_at = ?, cos_key = ?, cos_status = ?, "
            "cos_next_attempt_at = ? WHERE id = ?",
            [status, fields["sha256"], fields["content_type"], fields["size_bytes"], fields["path"],
             fields["thumb_path"], now, cos.key("receipts", fields["path"]) if uploading else "",
             "pending" if uploading else "none", owed_since, row["id"]])
        if earlier and not voided:
            tx.push(row["openid"], f"刚才那张图片和记录 #{row['expense_id']} 已有的一张小票相同：这张小票已附在 "
                                   f"#{row['expense_id']}，不重复计算。", kind="receipt")
    log.info("receipt %s of record %s: %s (%s bytes)%s", row["id"], row["expense_id"], status, fields["size_bytes"],
             "; the record was voided meanwhile, the sender is not told" if voided else "")
    return status


def _voided(tx, expense_id):
    """The record was voided while its receipt was being fetched: the file is still kept (proof), the sender is not
    pushed about it."""
    return tx.value("SELECT status FROM expenses WHERE id = ?", [expense_id]) == "void"


def _record_failure(app, row, reason, permanent, conf):
    delays = list(conf["retry_minutes"])
    with app.transaction() as tx:
        current = tx.one("SELECT status, attempts FROM receipts WHERE id = ?", [row["id"]])
        if current["status"] != "pending":
            return current["status"]
        attempts = current["attempts"] + 1
        if permanent or attempts > len(delays):
            tx.execute("UPDATE receipts SET status = 'failed', attempts = ?, next_attempt_at = NULL, error = ? "
                       "WHERE id = ?", [attempts, reason[:500], row["id"]])
            if not _voided(tx, row["expense_id"]):
                tx.push(row["openid"], f"小票没能取回（记录 #{row['expense_id']}）：{reason}。请重新发送这张图片；超过 "
                                       f"{conf['window_minutes']} 分钟的话，先发送 7 {row['expense_id']} 小票 再发图片。",
                        kind="receipt")
            status = "failed"
        else:
            retry_at = utc_now() + timedelta(minutes=float(delays[attempts - 1]))
            tx.execute("UPDATE receipts SET attempts = ?, next_attempt_at = ?, error = ? WHERE id = ?",
                       [attempts, to_utc_text(retry_at), reason[:500], row["id"]])
            status = "pending"
    log.warning("receipt %s of record %s, attempt %s: %s (%s)", row["id"], row["expense_id"], attempts, reason,
                "given up" if status == "failed" else "will retry")
    return status


# --- COS ------------------------------------------------------------------------------------------------------------

def _single_try_cos(config):
    """A COS client that tries once per call: the receipts' own backoff (cos_retry_minutes) spaces the retries, so
    a worker is not held for the export's in-run retry delays while COS is down."""
    return Cos({**config, "cos": {**(config.get("cos") or {}), "retry_delays": []}})


def upload(app, receipt_id, cos=None):
    """Upload one COS-pending receipt's image; record the outcome. Returns the cos_status afterwards."""
    cos = cos or _single_try_cos(app.config)
    row = app.store.one("SELECT * FROM receipts WHERE id = :i", {"i": receipt_id})
    if row is None or row["cos_status"] != "pending":
        return row and row["cos_status"]
    conf = settings(app.config)
    error = ""
    if not cos.enabled:
        return "pending"            # COS turned off meanwhile: kept pending for when it is back
    if app.store.one("SELECT 1 AS y FROM receipts WHERE cos_key = :k AND cos_status = 'uploaded' LIMIT 1",
                     {"k": row["cos_key"]}):
        state = "uploaded"          # the same bytes (another record's receipt) are there already
    else:
        local = receipts_dir(app.config) / row["path"]
        try:
            if not local.is_file():
                raise CosError(f"本地文件已不存在：{row['path']}")
            cos.upload(str(local), row["cos_key"])
            state = "uploaded"
        except CosError as exc:
            error, state = str(exc), "pending"
    now = utc_now()
    with app.transaction() as tx:
        if state == "uploaded":
            tx.execute("UPDATE receipts SET cos_status = 'uploaded', cos_attempts = cos_attempts + 1, "
                       "cos_next_attempt_at = NULL WHERE id = ? AND cos_status = 'pending'", [receipt_id])
        else:
            attempts = row["cos_attempts"] + 1
            delays = list(conf["cos_retry_minutes"])
            state = "failed" if attempts >= int(conf["cos_max_attempts"]) else "pending"
            retry_at = now + timedelta(minutes=float(delays[min(attempts, len(delays)) - 1]))
            tx.execute("UPDATE receipts SET cos_status = ?, cos_attempts = ?, cos_next_attempt_at = ?, error = ? "
                       "WHERE id = ? AND cos_status = 'pending'",
                       [state, attempts, None if state == "failed" else to_utc_text(retry_at), error[:500], receipt_id])
            log.warning("receipt %s: COS upload attempt %s failed: %s (%s)", receipt_id, attempts, error, state)
    return state


# --- the sweep ------------------------------------------------------------------------------------------------------

def sweep(app, now=None):
    """Fetch every pending receipt that is due (oldest first, at most SWEEP_BATCH); with COS enabled, hand the next
    COS_BATCH stored receipts it is owed (stored while COS was off) to the upload queue, then upload every
    COS-pending one that is due (at most COS_BATCH). Returns {"fetched": {id: status}, "uploaded": {id: cos_status}}."""
    now = to_utc_text(now or utc_now())
    due = app.store.query("SELECT id FROM receipts WHERE status = 'pending' AND next_attempt_at <= :n "
                          "ORDER BY next_attempt_at LIMIT :l", {"n": now, "l": SWEEP_BATCH})
    fetched = {r["id"]: process(app, r["id"]) for r in due}
    uploaded = {}
    cos = _single_try_cos(app.config)
    if cos.enabled:
        queue_owed(app, cos, now)
        owed = app.store.query("SELECT id FROM receipts WHERE cos_status = 'pending' AND cos_next_attempt_at <= :n "
                               "ORDER BY cos_next_attempt_at LIMIT :l", {"n": now, "l": COS_BATCH})
        uploaded = {r["id"]: upload(app, r["id"], cos) for r in owed}
    return {"fetched": fetched, "uploaded": uploaded}


OWED = ("SELECT id, path FROM receipts WHERE cos_status = 'none' AND cos_next_attempt_at >= '' "
        "ORDER BY cos_next_attempt_at LIMIT :l")


def queue_owed(app, cos, now):
    """Receipts stored while COS was off (cos_status 'none', cos_next_attempt_at set when stored) become COS-pending,
    due now, with their key under the current cos.prefix: at most COS_BATCH per call, found through the
    receipts_to_upload index (a range seek: rows COS is not owed have cos_next_attempt_at NULL). Returns how many."""
    rows = app.store.query(OWED, {"l": COS_BATCH})          # a read: no write lock while nothing is owed
    if not rows:
        return 0
    with app.transaction() as tx:
        for row in rows:
            tx.execute("UPDATE receipts SET cos_status = 'pending', cos_key = ?, cos_next_attempt_at = ? "
                       "WHERE id = ? AND cos_status = 'none' AND status = 'stored'",
                       [cos.key("receipts", row["path"]), now, row["id"]])
    log.info("receipts: %s stored while COS was off queued for upload", len(rows))
    return len(rows)


@plugin.job("receipts", "interval", seconds=30)
def sweep_job(app):
    """Retries of receipts whose fetch or COS upload failed, and those in flight when the server stopped."""
    sweep(app)


@plugin.on_start
def sweep_at_start(app):
    """After a start (a crash included), fetch at once what was pending rather than in the first interval."""
    def run():
        try:
            sweep(app)
        except Exception:
            log.exception("receipts sweep at start failed")
        finally:
            app.store.close_thread()
    threading.Thread(target=run, name="teabot-receipts-start", daemon=True).start()
