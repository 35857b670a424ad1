"""The outbound WeChat API client: one cached stable access_token per account, customer-service text messages,
template messages, and temporary media (media/get)."""

import json
import logging
import re
import threading
import time

import requests

log = logging.getLogger("teabot.wechat_api")

TIMEOUT_SECONDS = 5
REFRESH_EARLY_SECONDS = 300
# The token was rejected: fetch the current one and try once more.
TOKEN_ERRORS = {40001, 40014, 42001}
NETWORK_ERROR = -1          # WeChat itself uses -1 for "system busy"; both are worth one more try later
NOT_CONFIGURED = -2
MEDIA_TOO_LARGE = -3       # ours: media/get answered more bytes than the caller accepts

# access_token, and OAuth's code exchange: the AppSecret and the user's code travel in its query string too
_TOKEN_IN_TEXT = re.compile(r"((?<![A-Za-z_])(?:access_token|secret|code)=)[^&\s'\"]+")

# One token per (api_base, app_id) for the whole process: every WeChatAPI instance shares it.
_tokens = {}
_tokens_lock = threading.Lock()


class PushError(Exception):
    """WeChat refused a call (errcode, errmsg), or it could not be reached (errcode -1)."""

    def __init__(self, errcode, errmsg):
        super().__init__(f"{errcode} {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def redact(text):
    """Strip access tokens from text that may carry a URL (requests' exception messages do)."""
    return _TOKEN_IN_TEXT.sub(r"\1***", str(text))


class _RedactTokens(logging.Filter):
    """urllib3 logs request URLs at DEBUG, and ours carry access_token in the query string."""

    def filter(self, record):
        message = record.getMessage()
        if "access_token=" in message or "secret=" in message:
            record.msg, record.args = redact(message), ()
        return True


_redact_filter = _RedactTokens()


class WeChatAPI:
    def __init__(self, config, session=None):
        urllib3_log = logging.getLogger("urllib3.connectionpool")
        if _redact_filter not in urllib3_log.filters:
            urllib3_log.addFilter(_redact_filter)
        wechat = config.get("wechat") or {}
        self.api_base = str(wechat.get("api_base") or "https://api.weixin.qq.com").rstrip("/")
        self.app_id = wechat.get("app_id") or ""
        self._app_secret = wechat.get("app_secret") or ""
        self.session = session or requests.Session()

    def __repr__(self):
        return f"WeChatAPI(api_base={self.api_base!r}, app_id={self.app_id!r})"

    # --- access token -----------------------------------------------------------------------------------------

    def _cache_key(self):
        return (self.api_base, self.app_id)

    def access_token(self, fresh=False):
        """The cached token, fetched from /cgi-bin/stable_token when missing, near expiry, or `fresh`."""
        if not self.app_id or not self._app_secret:
            raise PushError(NOT_CONFIGURED, "未配置 app_id/app_secret")
        with _tokens_lock:
            cached = _tokens.get(self._cache_key())
            if cached and not fresh and cached[1] > time.monotonic():
                return cached[0]
            data = self._post_json("/cgi-bin/stable_token", {
                "grant_type": "client_credential", "appid": self.app_id, "secret": self._app_secret,
                "force_refresh": False,
            })
            token = data.get("access_token")
            if not token:
                raise PushError(data.get("errcode", NETWORK_ERROR), data.get("errmsg") or "获取 access_token 失败")
            expires_in = int(data.get("expires_in") or 7200)
            refresh_at = time.monotonic() + max(expires_in - REFRESH_EARLY_SECONDS, expires_in // 2)
            _tokens[self._cache_key()] = (token, refresh_at)
            log.info("fetched access_token for %s (expires in %ss)", self.app_id, expires_in)
            return token

    def forget_token(self):
        with _tokens_lock:
            _tokens.pop(self._cache_key(), None)

    # --- calls ----------------------------------------------------------------------------------------------

    def _post_json(self, path, payload, params=None):
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            response = self.session.post(
                self.api_base + path, params=params, data=body, timeout=TIMEOUT_SECONDS,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            # The message may contain the URL with the token: redact before it reaches a log or the database.
            raise PushError(NETWORK_ERROR, f"请求微信接口失败：{redact(exc)}") from None

    def _get_json(self, path, params):
        try:
            response = self.session.get(self.api_base + path, params=params, timeout=TIMEOUT_SECONDS)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise PushError(NETWORK_ERROR, f"请求微信接口失败：{redact(exc)}") from None

    def get_plain(self, path, params):
        """GET an API that takes no access_token (OAuth2's code exchange: appid + secret + code); raises PushError
        with WeChat's errcode when it answers one."""
        data = self._get_json(path, {"appid": self.app_id, "secret": self._app_secret, **params})
        if int(data.get("errcode") or 0):
            raise PushError(int(data["errcode"]), data.get("errmsg") or "")
        return data

    def call(self, path, payload=None, method="POST"):
        """POST `payload` (or GET, for menu/get and menu/delete) to an access_token API; retry once with a fresh token
        when WeChat says ours is stale."""
        def once(token):
            data = (self._get_json(path, {"access_token": token}) if method == "GET"
                    else self._post_json(path, payload, params={"access_token": token}))
            return (data, None) if int(data.get("errcode") or 0) == 0 else (None, data)
        return self._with_token(path, once)

    def _with_token(self, path, once):
        """once(token) -> (result, None), or (None, WeChat's error body): the result; a stale token (TOKEN_ERRORS)
        gets one more try with a fresh one, any other error raises PushError with its errcode."""
        for attempt in (1, 2):
            result, error = once(self.access_token(fresh=attempt == 2))
            if error is None:
                return result
            errcode = int(error.get("errcode") or 0) or NETWORK_ERROR
            if errcode in TOKEN_ERRORS and attempt == 1:
                log.info("access_token rejected (%s) by %s, fetching the current one and retrying", errcode, path)
                self.forget_token()
                continue
            raise PushError(errcode, error.get("errmsg") or "")
        raise AssertionError("unreachable")

    def send_text(self, openid, text):
        """A customer-service text message; raises PushError when WeChat does not accept it."""
        self.call("/cgi-bin/message/custom/send",
                  {"touser": openid, "msgtype": "text", "text": {"content": text}})

    def send_template(self, openid, template_id, values, url=""):
        """A template message (reaches followers outside the 48-hour window on verified service accounts): `values`
        is {template key: plain text}; raises PushError when WeChat does not accept it."""
        payload = {"touser": openid, "template_id": template_id,
                   "data": {key: {"value": value} for key, value in values.items()}}
        if url:
            payload["url"] = url
        self.call("/cgi-bin/message/template/send", payload)

    def get_media(self, media_id, max_bytes, timeout=(5, 15), deadline_seconds=60):
        """(content type, bytes) of a temporary media file (/cgi-bin/media/get; WeChat keeps them 3 days), read as
        a stream and refused past `max_bytes` or `deadline_seconds`. A JSON body is WeChat's error: PushError with
        its errcode (40001 and the like: once more with a fresh token; 40007: an unknown or expired media_id).
        PushError(MEDIA_TOO_LARGE) past the cap, PushError(NETWORK_ERROR) when WeChat cannot be reached."""
        def once(token):
            content_type, data = self._get_media_once(token, media_id, max_bytes, timeout, deadline_seconds)
            return ((content_type, data), None) if content_type is not None else (None, data)
        return self._with_token("/cgi-bin/media/get", once)

    def _get_media_once(self, token, media_id, max_bytes, timeout, deadline_seconds):
        """(content type, bytes), or (None, the JSON error body)."""
        deadline = time.monotonic() + float(deadline_seconds)
        try:
            response = self.session.get(self.api_base + "/cgi-bin/media/get", stream=True, timeout=timeout,
                                        params={"access_token": token, "media_id": media_id})
            with response:
                response.raise_for_status()
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise PushError(MEDIA_TOO_LARGE, f"超过 {max_bytes} 字节")
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > max_bytes:
                        raise PushError(MEDIA_TOO_LARGE, f"超过 {max_bytes} 字节")
                    if time.monotonic() > deadline:
                        raise PushError(NETWORK_ERROR, "读取媒体文件超时（总时长）")
        except requests.RequestException as exc:
            raise PushError(NETWORK_ERROR, f"请求微信接口失败：{redact(exc)}") from None
        if content_type in ("application/json", "text/plain") or data[:1] == b"{":
            try:
                body = json.loads(bytes(data).decode("utf-8"))
            except ValueError:
                body = None
            if isinstance(body, dict) and "errcode" in body:
                return None, body
        return content_type, bytes(data)
