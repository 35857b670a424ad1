"""The HTTP side: a bottle app with /wechat, /healthz and the routes plugins declare, served by waitress."""

import json
import logging
import threading
import time
import urllib.parse
from http import HTTPStatus

import bottle
import waitress

from . import VERSION
from .dispatch import make_dispatcher
from .push import recent_counts
from .wechat import Response, make_wechat_handler

log = logging.getLogger("teabot.web")

MAX_REQUEST_BODY_BYTES = 1 << 20   # waitress refuses anything larger before it reaches any route
CONNECTION_LIMIT = 1000            # open connections waitress accepts (server.connection_limit)
SLOW_REQUEST_MS = 1000             # requests slower than this are logged at INFO
HEALTH_LOCK_WAIT_SECONDS = 0.5     # /healthz waits this long for the database's write lock before saying 'busy'
WHY = "teabot.why"                 # environ key: why a request was refused, said in its one log line


def _query():
    return {key: bottle.request.query.getunicode(key, default="") or "" for key in bottle.request.query.keys()}


def _answer(response):
    bottle.response.status = response.status
    bottle.response.content_type = response.content_type
    if response.why:
        bottle.request.environ[WHY] = response.why
    return response.body


def refuse(status, why):
    """For a route (a plugin's too): answer `status`, and say why in the request's one log line."""
    bottle.response.status = status
    bottle.request.environ[WHY] = why


def health(app, detailed=False):
    """The /healthz document: states, ages and counts only, since nginx makes it public (every request it passes
    comes from loopback): no path, no error text, no secret. detailed=True (`run_bot.py status`) adds them: the
    version, the config and database paths, the journal mode, the database's error text and what plugins'
    status hooks give.

    'status' is 'error' when the database cannot be read ('unavailable'), or a write would fail now: 'busy'
    (another connection holds the write lock) or 'full' (the last write found the disk full and none has got
    through since)."""
    database, details = {"ok": False}, {"path": app.store.path, "journal_mode": None}
    try:
        app.store.db.execute("SELECT 1").fetchone()
        details["journal_mode"] = app.store.db.execute("PRAGMA journal_mode").fetchone()[0]
        fault = app.store.write_fault(HEALTH_LOCK_WAIT_SECONDS)
        if fault is None:
            database["ok"] = True
        else:
            database["error"], details["detail"] = fault.kind, str(fault)
    except Exception as exc:
        log.error("health check: database unavailable (%s: %s)", type(exc).__name__, exc)
        database["error"], details["detail"] = "unavailable", f"{type(exc).__name__}: {exc}"
    wechat = app.config.get("wechat") or {}
    data = {
        "status": "ok" if database["ok"] else "error",
        "database": {**database, **details} if detailed else database,
        "mode": "safe" if wechat.get("encoding_aes_key") else "plaintext",
        "token_configured": bool(wechat.get("token")),
        "push_configured": bool(wechat.get("app_id") and wechat.get("app_secret")),
    }
    if database.get("error") != "unavailable":
        try:
            data["pushes"] = recent_counts(app.store)        # the last 7 days' pushes by outcome and channel
        except Exception as exc:
            log.error("health check: push counts unavailable (%s)", type(exc).__name__)
    if detailed:
        data.update(version=VERSION, config=app.config.get("_path"))
    for plugin in app.plugins:
        if not plugin.enabled(app.config):
            continue
        for hook in plugin.health_hooks + (plugin.status_hooks if detailed else []):
            try:
                for key, value in (hook(app) or {}).items():
                    both = isinstance(value, dict) and isinstance(data.get(key), dict)
                    data[key] = {**data[key], **value} if both else value
            except Exception:
                log.exception("health hook %s.%s failed", plugin.name, getattr(hook, "__name__", hook))
                data.setdefault("failed_health_hooks", []).append(plugin.name)
    return data


def _log_request(method, path, status, started, why=""):
    """One line per request: at INFO only when it failed or was slow (nginx in front keeps the access log), at
    WARNING with the reason when it was refused. Path only: the query string carries signatures and one-time
    values that logs do not need."""
    elapsed_ms = (time.monotonic() - started) * 1000
    level = (logging.WARNING if why else
             logging.INFO if status >= 400 or elapsed_ms >= SLOW_REQUEST_MS else logging.DEBUG)
    if log.isEnabledFor(level):
        log.log(level, "%s %s -> %s (%.0f ms)%s", method, path, status, elapsed_ms, f": {why}" if why else "")


def make_wsgi(app):
    """The WSGI application for `app`: POST /wechat directly, everything else through bottle."""
    endpoint = make_wechat_handler(app)
    web = _make_bottle(app, endpoint)

    def application(environ, start_response):
        # POST /wechat is the hot path (every message): it skips bottle's routing, request and response objects
        # and hooks, which cost about a sixth of a recorded expense.
        if environ.get("PATH_INFO") != "/wechat" or environ.get("REQUEST_METHOD") != "POST":
            return web(environ, start_response)
        started = time.monotonic()
        try:
            query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True,
                                                errors="replace"))
            response = endpoint.handle(query, environ.get("CONTENT_LENGTH"), environ["wsgi.input"])
        except Exception:
            log.exception("POST /wechat failed")
            response = Response(500, "internal error")
        body = response.body.encode("utf-8")
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}",
                       [("Content-Type", response.content_type), ("Content-Length", str(len(body)))])
        _log_request("POST", "/wechat", response.status, started, response.why)
        return [body]

    application.endpoint = endpoint
    return application


def _make_bottle(app, endpoint):
    """Everything but POST /wechat (which make_wsgi answers before bottle): the URL check, /healthz, plugin routes."""
    web = bottle.Bottle(catchall=True)

    @web.get("/wechat")
    def wechat_check():
        return _answer(endpoint.verify(_query()))

    @web.get("/healthz")
    def healthz():
        data = health(app)
        bottle.response.status = 200 if data["status"] == "ok" else 503
        bottle.response.content_type = "application/json; charset=utf-8"
        return json.dumps(data, ensure_ascii=False, default=str)

    for plugin in app.plugins:
        if not plugin.enabled(app.config):
            continue
        for method, path, function in plugin.routes:
            web.route(path, method.upper(), _plugin_callback(app, function),
                      name=f"{plugin.name}.{function.__name__}")

    @web.hook("before_request")
    def _start_clock():
        bottle.request.environ["teabot.started"] = time.monotonic()

    @web.hook("after_request")
    def _after_request():
        environ = bottle.request.environ
        _log_request(bottle.request.method, bottle.request.path, bottle.response.status_code,
                     environ.get("teabot.started", time.monotonic()), environ.get(WHY, ""))

    return web


def _plugin_callback(app, function):
    def callback(**url_args):
        return function(app, **url_args)
    callback.__name__ = function.__name__
    return callback


def _waitress_options(app, threads):
    server = app.config.get("server") or {}
    dispatcher = make_dispatcher(threads)
    return {
        **({"_dispatcher": dispatcher} if dispatcher else {}),    # bot/dispatch.py: why
        "threads": threads,
        "ident": "teabot",
        # poll(), not select(): select() fails outright once any descriptor number passes 1024, which 1000
        # connections plus the database files can reach.
        "asyncore_use_poll": True,
        # waitress stops accept()ing at 100 open connections (its default): keep-alive clients beyond that
        # would wait in the kernel's queue unserved.
        "connection_limit": int(server.get("connection_limit", CONNECTION_LIMIT)),
        "max_request_body_size": max(int(server.get("max_request_body_bytes", MAX_REQUEST_BODY_BYTES)),
                                     int(server.get("max_body_bytes", 65536))),
    }


def serve(app, host, port, threads=8):
    """Serve until interrupted (run_bot.py serve)."""
    # waitress warns "Task queue depth is N" for every queued request: noise (and cost) exactly under load.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    application = make_wsgi(app)
    waitress.serve(application, host=host, port=port, **_waitress_options(app, threads))


def start_background(app, host="127.0.0.1", port=0, threads=8):
    """Serve from a daemon thread (tests, benchmarks): returns (bound port, stop())."""
    application = make_wsgi(app)
    server = waitress.create_server(application, host=host, port=port, **_waitress_options(app, threads))
    stopping = threading.Event()

    def run():
        # Our own loop (not server.run) so that sockets are closed by the thread that polls them.
        while not stopping.is_set() and server._map:
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
        for channel in list(server._map.values()):
            try:
                channel.close()
            except OSError:
                pass

    thread = threading.Thread(target=run, name="teabot-web", daemon=True)
    thread.start()

    def stop():
        server.task_dispatcher.shutdown(timeout=2)     # let running requests finish first
        stopping.set()
        thread.join(2)

    return server.effective_port, stop
