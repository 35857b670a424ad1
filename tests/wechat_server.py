"""A fake of WeChat's server APIs on loopback for tests: access tokens, custom menu, customer-service and template
messages, OAuth2 (the authorize page and the code exchange). It checks what WeChat checks and records every call.

    from wechat_server import wechat         # the fixture: a running server, the token cache cleared around it
    server = WeChatServer().start()          # or: with WeChatServer() as server: ...
    config["wechat"].update(api_base=server.base, app_id=APP_ID, app_secret=SECRET,
                            oauth_authorize_url=server.authorize_url)
    ...
    server.paths()                           # ["/cgi-bin/stable_token", "/cgi-bin/menu/create", ...]
    server.calls_to("/cgi-bin/menu/create")[0].body
    server.fail_next("/cgi-bin/message/custom/send", 45015)   # the next call of that path answers 45015
    server.expire_tokens()                   # every token issued so far is refused with 40001 from now on
    code = server.issue_code("o-zs")         # an OAuth2 code for that openid (single use, expires)
    server.media["media-1"] = ("image/jpeg", jpeg_bytes)     # what GET /cgi-bin/media/get?media_id=media-1 serves
    server.stop()

Behaviour (from WeChat's documentation, ../shared/PROTOCOL.md):
- POST /cgi-bin/stable_token {grant_type: client_credential, appid, secret, force_refresh}: appid and secret are
  checked (40013 / 40125); it answers the current token while it is valid (a stable token is shared, not
  reissued), a new one after expire_tokens() or with force_refresh.
- Every access_token API answers 40001 to a missing, unknown or expired token, before anything else.
- POST /cgi-bin/menu/create validates the body the way WeChat does (see MENU_ERRORS) and stores the menu;
  GET /cgi-bin/menu/get and /cgi-bin/get_current_selfmenu_info return it (46003 when there is none);
  GET /cgi-bin/menu/delete drops it.
- POST /cgi-bin/message/custom/send: 45015 for an openid outside `window` (when `window` is a set), 43004 for one
  not in `followers` (when it is a set); the message is recorded in `customer_messages`.
- POST /cgi-bin/message/template/send: 40037 for a template_id not in `template_ids` (when it is a set), 43004 as
  above; {touser, template_id, data: {key: {value}}} is checked; answers a msgid; recorded in `template_messages`.
- GET /connect/oauth2/authorize (the page WeChat shows inside its browser): redirects to redirect_uri with a code
  for `authorize_as` (the openid of "the user in WeChat") and the same state.
- GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code: 40029 for an unknown or expired
  code, 40163 for a code already used, 40013 / 40125 for a wrong appid / secret; answers the code's openid.
- GET /cgi-bin/media/get?access_token&media_id: the bytes registered in `media` with their Content-Type and a
  Content-disposition, as WeChat serves temporary media; 40007 "invalid media_id" for one not registered.
- fail_next(path, answer): the next call of `path` (after the token check) answers `answer` instead: an errcode
  (int), "http500" (an HTTP 500 with a non-JSON body) or "slow" (answers normally after `slow_seconds`).
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

APP_ID = "wx-test-app"
SECRET = "test-app-secret"

TOKEN_PATHS = {
    "/cgi-bin/menu/create", "/cgi-bin/menu/get", "/cgi-bin/get_current_selfmenu_info", "/cgi-bin/menu/delete",
    "/cgi-bin/message/custom/send", "/cgi-bin/message/template/send", "/cgi-bin/media/get",
}

# WeChat's menu limits and the errcodes it answers when one is broken (global return codes).
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_NAME_BYTES, MAX_SUB_NAME_BYTES, MAX_KEY_BYTES, MAX_URL_BYTES = 16, 60, 128, 1024
MENU_ERRORS = {
    40016: "invalid button size", 40017: "invalid button type", 40018: "invalid button name size",
    40019: "invalid button key size", 40020: "invalid button url size", 40022: "invalid sub menu level",
    40023: "invalid sub button size",
    40024: "invalid sub button type", 40025: "invalid sub button name size", 40026: "invalid sub button key size",
    40027: "invalid sub button url size", 40054: "invalid sub button url domain",
    40055: "invalid button url domain", 44002: "empty post data", 47001: "data format error",
}
# What WeChat says with the errcodes tests usually inject with fail_next.
ERRMSGS = {
    -1: "system error", 40001: "invalid credential, access_token is invalid or not latest",
    42001: "access_token expired", 43004: "require subscribe",
    45015: "response out of time limit or subscription is canceled", 45009: "reach max api daily quota limit",
    48001: "api unauthorized", 40037: "invalid template_id", 40029: "invalid code", 40163: "code been used",
    40007: "invalid media_id",
}
KEY_TYPES = {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin",
             "location_select"}
BUTTON_TYPES = KEY_TYPES | {"view", "media_id", "article_id", "article_view_limited", "miniprogram"}


@dataclass
class Call:
    method: str
    path: str
    query: dict
    body: object = None          # the parsed JSON body (None for a GET or a body that is not JSON)
    raw: bytes = b""
    headers: dict = field(default_factory=dict)


class MenuError(Exception):
    def __init__(self, errcode):
        super().__init__(errcode)
        self.errcode = errcode


def _nbytes(value):
    return len(str(value).encode("utf-8"))


def _check_button(button, sub):
    """Raise MenuError for a button WeChat refuses. `sub`: a sub-button (its own errcodes)."""
    if not isinstance(button, dict):
        raise MenuError(47001)
    name = button.get("name")
    if not isinstance(name, str) or not name or _nbytes(name) > (MAX_SUB_NAME_BYTES if sub else MAX_NAME_BYTES):
        raise MenuError(40025 if sub else 40018)
    children = button.get("sub_button")
    if children and not sub:
        if not isinstance(children, list) or len(children) > MAX_SUB_BUTTONS:
            raise MenuError(40023)
        if any(k in button for k in ("type", "key", "url")):
            raise MenuError(40017)      # a button that opens sub-buttons has no action of its own
        for child in children:
            if isinstance(child, dict) and child.get("sub_button"):
                raise MenuError(40022)      # only two levels
            _check_button(child, sub=True)
        return
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise MenuError(40024 if sub else 40017)
    if kind in KEY_TYPES:
        key = button.get("key")
        if not isinstance(key, str) or not key or _nbytes(key) > MAX_KEY_BYTES:
            raise MenuError(40026 if sub else 40019)
    if kind == "view":
        url = button.get("url")
        if not isinstance(url, str) or not url or _nbytes(url) > MAX_URL_BYTES:
            raise MenuError(40027 if sub else 40020)
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise MenuError(40054 if sub else 40055)


def check_menu(body):
    """None when WeChat would accept this menu/create body, else its errcode."""
    if body is None:
        return 47001
    if not isinstance(body, dict) or not isinstance(body.get("button"), list):
        return 47001
    buttons = body["button"]
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        return 40016
    try:
        for button in buttons:
            _check_button(button, sub=False)
    except MenuError as exc:
        return exc.errcode
    return None


def _error(errcode, errmsg=None):
    return {"errcode": errcode,
            "errmsg": errmsg or MENU_ERRORS.get(errcode) or ERRMSGS.get(errcode) or f"error {errcode}"}


class WeChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app_id=APP_ID, secret=SECRET, token_expires_in=7200, code_seconds=300):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app_id, self.secret = app_id, secret
        self.token_expires_in = token_expires_in
        self.code_seconds = code_seconds
        self.lock = threading.RLock()
        self.calls = []
        self.tokens_issued = []         # every token handed out, in order
        self.valid_tokens = set()
        self.current_token = None
        self.answers = {}               # path -> [answer, ...] for fail_next
        self.slow_seconds = 0.3
        self.menu = None                # the body of the last accepted menu/create
        self.window = None              # a set of openids within the 48-hour window, or None: everyone
        self.followers = None           # a set of openids that follow the account, or None: everyone
        self.template_ids = None        # a set of template ids the account has, or None: any
        self.customer_messages = []     # accepted custom/send bodies
        self.template_messages = []     # accepted template/send bodies
        self.codes = {}                 # code -> {"openid", "expires", "used"}
        self.authorize_as = None        # the openid the fake authorize page signs in
        self.media = {}                 # media_id -> (content type, bytes) for media/get
        self._thread = None
        self._next_msgid = 1000

    # --- running ---------------------------------------------------------------------------------------------

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def authorize_url(self):
        """What wechat.oauth_authorize_url should be for the fake authorize page."""
        return self.base + "/connect/oauth2/authorize"

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- what tests tell it and ask it -----------------------------------------------------------------------

    def paths(self):
        with self.lock:
            return [c.path for c in self.calls]

    def calls_to(self, path):
        with self.lock:
            return [c for c in self.calls if c.path == path]

    def fail_next(self, path, answer, times=1):
        with self.lock:
            self.answers.setdefault(path, []).extend([answer] * times)

    def expire_tokens(self):
        """Every token issued so far is expired (40001); the next stable_token call issues a new one."""
        with self.lock:
            self.valid_tokens.clear()
            self.current_token = None

    def issue_code(self, openid, seconds=None):
        """An OAuth2 code for `openid`, as WeChat appends to the redirect_uri; single use."""
        code = "code-" + secrets.token_urlsafe(12)
        with self.lock:
            self.codes[code] = {"openid": openid, "used": False,
                                "expires": time.monotonic() + (self.code_seconds if seconds is None else seconds)}
        return code

    def expire_code(self, code):
        with self.lock:
            self.codes[code]["expires"] = 0

    # --- handlers (called with the lock held) ----------------------------------------------------------------

    def _new_token(self):
        token = f"tok-{len(self.tokens_issued) + 1}-{secrets.token_hex(4)}"
        self.tokens_issued.append(token)
        self.valid_tokens.add(token)
        self.current_token = token
        return token

    def stable_token(self, body):
        if not isinstance(body, dict) or body.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if body.get("appid") != self.app_id:
            return _error(40013, "invalid appid")
        if body.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        token = self.current_token
        if token is None or body.get("force_refresh"):
            token = self._new_token()
        return {"access_token": token, "expires_in": self.token_expires_in}

    def menu_create(self, body):
        if body is None:
            return _error(44002)
        errcode = check_menu(body)
        if errcode:
            return _error(errcode)
        self.menu = body
        return {"errcode": 0, "errmsg": "ok"}

    def menu_get(self):
        if self.menu is None:
            return _error(46003, "menu no exist")
        buttons = [dict(b, sub_button=list(b.get("sub_button") or [])) for b in self.menu["button"]]
        return {"menu": {"button": buttons}}

    def selfmenu_info(self):
        if self.menu is None:
            return {"is_menu_open": 0}
        buttons = []
        for button in self.menu["button"]:
            if button.get("sub_button"):
                buttons.append({"name": button["name"], "sub_button": {"list": list(button["sub_button"])}})
            else:
                buttons.append(dict(button))
        return {"is_menu_open": 1, "selfmenu_info": {"button": buttons}}

    def menu_delete(self):
        self.menu = None
        return {"errcode": 0, "errmsg": "ok"}

    def _reachable(self, openid, window):
        if not isinstance(openid, str) or not openid:
            return _error(40003, "invalid openid")
        if self.followers is not None and openid not in self.followers:
            return _error(43004, "require subscribe")
        if window and self.window is not None and openid not in self.window:
            return _error(45015, "response out of time limit or subscription is canceled")
        return None

    def custom_send(self, body):
        if not isinstance(body, dict):
            return _error(47001)
        refused = self._reachable(body.get("touser"), window=True)
        if refused:
            return refused
        if body.get("msgtype") == "text":
            content = (body.get("text") or {}).get("content")
            if not isinstance(content, str) or not content:
                return _error(44003, "empty news data")
            if _nbytes(content) > 2048:
                return _error(45002, "content size out of limit")
        self.customer_messages.append(body)
        return {"errcode": 0, "errmsg": "ok"}

    def template_send(self, body):
        if not isinstance(body, dict):
            return _error(47001)
        refused = self._reachable(body.get("touser"), window=False)
        if refused:
            return refused
        template_id = body.get("template_id")
        if not isinstance(template_id, str) or not template_id or (
                self.template_ids is not None and template_id not in self.template_ids):
            return _error(40037, "invalid template_id")
        data = body.get("data")
        if not isinstance(data, dict) or not all(
                isinstance(v, dict) and isinstance(v.get("value"), str) for v in data.values()):
            return _error(47001)
        if "url" in body and urlsplit(str(body["url"])).scheme not in ("http", "https"):
            return _error(40039, "invalid url size")
        self.template_messages.append(body)
        self._next_msgid += 1
        return {"errcode": 0, "errmsg": "ok", "msgid": self._next_msgid}

    def oauth_exchange(self, query):
        if query.get("grant_type") != "authorization_code":
            return _error(40002, "invalid grant_type")
        if query.get("appid") != self.app_id:
            return _error(40013, "invalid appid")
        if query.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        entry = self.codes.get(query.get("code") or "")
        if entry is None or entry["expires"] < time.monotonic():
            return _error(40029, "invalid code")
        if entry["used"]:
            return _error(40163, "code been used")
        entry["used"] = True
        return {"access_token": "oauth-" + secrets.token_hex(8), "expires_in": 7200,
                "refresh_token": "refresh-" + secrets.token_hex(8), "openid": entry["openid"],
                "scope": "snsapi_base"}

    def authorize(self, query):
        """WeChat's authorize page: straight back to redirect_uri with a code for `authorize_as` (snsapi_base asks
        the user nothing)."""
        if query.get("appid") != self.app_id or query.get("response_type") != "code" or not query.get(
                "redirect_uri") or query.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
            return None
        if self.authorize_as is None:
            return None
        code = self.issue_code(self.authorize_as)
        parts = urlsplit(query["redirect_uri"])
        extra = urlencode({"code": code, "state": query.get("state", "")})
        return urlunsplit(parts._replace(query=(parts.query + "&" if parts.query else "") + extra))


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type="application/json; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data):
        self._send(200, json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method):
        server = self.server
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = None
        slow = False
        with server.lock:
            server.calls.append(Call(method, url.path, query, body, raw, dict(self.headers)))
            if url.path == "/connect/oauth2/authorize" and method == "GET":
                target = server.authorize(query)
                if target is None:
                    return self._send(400, "参数错误".encode("utf-8"), "text/plain; charset=utf-8")
                return self._send(302, b"", "text/plain", headers=[("Location", target)])
            if url.path == "/cgi-bin/stable_token" and method == "POST":
                return self._json(server.stable_token(body))
            if url.path == "/sns/oauth2/access_token" and method == "GET":
                answer = self._queued(url.path)
                if answer is None:
                    return self._json(server.oauth_exchange(query))
            elif url.path in TOKEN_PATHS:
                if query.get("access_token") not in server.valid_tokens:
                    return self._json(_error(40001, "invalid credential, access_token is invalid or not latest"))
                answer = self._queued(url.path)
                if answer is None and url.path == "/cgi-bin/media/get" and method == "GET":
                    return self._media(query.get("media_id", ""))
                if answer is None or answer == "slow":
                    slow = answer == "slow"
                    if not slow:
                        return self._json(self._route(method, url.path, body))
            else:
                return self._send(404, b'{"errcode": 404, "errmsg": "no such api"}')
        if slow:
            time.sleep(server.slow_seconds)
            with server.lock:
                return self._json(self._route(method, url.path, body))
        if answer == "http500":
            return self._send(500, b"<html>500 Internal Server Error</html>", "text/html")
        if answer == "slow":
            time.sleep(server.slow_seconds)
            with server.lock:
                return self._json(server.oauth_exchange(query))
        return self._json(_error(int(answer)))

    def _media(self, media_id):
        found = self.server.media.get(media_id)
        if found is None:
            return self._json(_error(40007))
        content_type, data = found
        return self._send(200, data, content_type,
                          headers=[("Content-disposition", f'attachment; filename="{media_id}.jpg"')])

    def _queued(self, path):
        queue = self.server.answers.get(path)
        return queue.pop(0) if queue else None

    def _route(self, method, path, body):
        server = self.server
        if path == "/cgi-bin/menu/create" and method == "POST":
            return server.menu_create(body)
        if path == "/cgi-bin/menu/get":
            return server.menu_get()
        if path == "/cgi-bin/get_current_selfmenu_info":
            return server.selfmenu_info()
        if path == "/cgi-bin/menu/delete":
            return server.menu_delete()
        if path == "/cgi-bin/message/custom/send" and method == "POST":
            return server.custom_send(body)
        if path == "/cgi-bin/message/template/send" and method == "POST":
            return server.template_send(body)
        return _error(43002, "require POST method")


@pytest.fixture
def wechat():
    """A running WeChatServer for one test; the process's access_token cache is empty before and after."""
    from bot import wechat_api
    wechat_api._tokens.clear()
    with WeChatServer() as server:
        yield server
    wechat_api._tokens.clear()
