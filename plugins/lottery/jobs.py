"""Scheduled draws: a job per open lottery at its draw time, and a sweep (every sweep_seconds, and at once on
start) that draws whatever is due: past its time, full, or left in OPENING. Each draw is a unit of work of its
own (app.transaction()); the guard in draw_lottery makes the job, the sweep, `85 编号 开奖` and a second
process draw a lottery once between them."""

import logging
from datetime import datetime

from bot.timeutil import from_utc_text, to_utc_text, utc_now

from . import plugin
from .draw import draw_lottery, due_lotteries

log = logging.getLogger("teabot.lottery")


def draw(tx, lottery_id, actor):
    """draw_lottery in `tx`, as every trigger makes it: once it has committed, the lottery's draw job goes."""
    if not draw_lottery(tx, lottery_id, actor):
        return False
    unschedule(tx, lottery_id)
    return True


def draw_now(app, lottery_id, actor="scheduler"):
    """Draw in a transaction of its own; True only for the call that fixed the result."""
    with app.transaction() as tx:
        return draw(tx, lottery_id, actor)


def sweep(app):
    """Draw every lottery that is due; one failure does not stop the others (the next sweep retries it)."""
    drawn = []
    for lottery_id in due_lotteries(app.store):
        try:
            if draw_now(app, lottery_id):
                drawn.append(lottery_id)
        except Exception:
            log.exception("lottery %s: scheduled draw failed, the next sweep retries", lottery_id)
    return drawn


def _scheduled_draw(app, lottery_id):
    try:
        draw_now(app, lottery_id)
    except Exception:
        log.exception("lottery %s: scheduled draw failed, the sweep retries", lottery_id)


def _job_id(lottery_id):
    return f"lottery-draw-{lottery_id}"


def _add_job(app, lottery_id, draw_at_text):
    if app.scheduler is None:          # not serving (a test, a CLI command): the sweep at start draws it
        return
    app.scheduler.add_job(_scheduled_draw, "date", run_date=from_utc_text(draw_at_text), args=[app, lottery_id],
                          id=_job_id(lottery_id), replace_existing=True)


def _remove_job(app, lottery_id):
    # Not while the scheduler stops: APScheduler's shutdown(wait=True) holds the job-store lock while it waits for
    # running jobs, so a draw finishing then would wait on that lock forever (a test's teardown hung on it).
    if app.scheduler is None or not app.scheduler.running:
        return
    try:
        app.scheduler.remove_job(_job_id(lottery_id))
    except Exception:       # JobLookupError: already ran or never scheduled
        pass


def schedule_draw(tx, lottery_id, draw_at_text):
    """Once `tx` (which created the lottery) has committed, a job that draws it at draw_at (UTC text)."""
    tx.after_commit(lambda: _add_job(tx.app, lottery_id, draw_at_text))


def unschedule(tx, lottery_id):
    """Once `tx` (which drew or canceled the lottery) has committed, its draw job goes."""
    tx.after_commit(lambda: _remove_job(tx.app, lottery_id))


@plugin.on_start
def start_jobs(app):
    """A draw job per open lottery, plus a sweep that also runs now: draws missed while down happen at start."""
    rows = app.store.query("SELECT id, draw_at FROM lotteries WHERE state = 'INIT' AND draw_at > :now",
                           {"now": to_utc_text(utc_now())})
    for row in rows:            # overdue ones are left to the sweep below, which runs at once
        _add_job(app, row["id"], row["draw_at"])
    seconds = plugin.settings(app.config)["sweep_seconds"]
    app.scheduler.add_job(sweep, "interval", seconds=seconds, args=[app], id="lottery-sweep",
                          replace_existing=True, next_run_time=datetime.now(app.tz))
