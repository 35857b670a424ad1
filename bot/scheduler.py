"""APScheduler wiring: one background scheduler in the configured timezone, started by `serve` only."""

import logging

from apscheduler.schedulers.background import BackgroundScheduler


def make_scheduler(app):
    """A scheduler whose jobs never overlap themselves and run once after a late wake-up, not once per miss."""
    return BackgroundScheduler(
        timezone=app.tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )


def start(app):
    """Create and start the scheduler, attach it to the app, add the jobs plugins declare (@plugin.job), then run
    their start hooks (which may add jobs whose times come from settings or the database)."""
    # APScheduler logs two INFO lines per run; minute-by-minute sweeps would drown the log. Failures still show.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler = make_scheduler(app)
    app.scheduler = scheduler
    scheduler.start()
    for plugin in app.plugins:
        if plugin.enabled(app.config):
            for job in plugin.jobs:
                scheduler.add_job(job.function, job.trigger, args=[app], id=job.id, replace_existing=True,
                                  **job.trigger_args)
            for hook in plugin.start_hooks:
                hook(app)
    return scheduler
