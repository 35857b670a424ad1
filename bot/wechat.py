"""The /wechat endpoint: checks each request's signature (and, in plaintext mode, replays of it), then answers a
message once per MsgId (bot.inbound) with a passive reply, encrypted in safe mode."""

import collections
import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass

from werobot.utils import get_signature

from .app import NON_TEXT_HINT  # noqa: F401  (re-exported: where the endpoint's callers have always found it)
from .money import space_glued_amount
from .timeutil import unix_seconds
from .wechat_crypto import BadSignature, DecryptError, SafeModeCrypto
from .wechat_xml import BadXML, parse_xml, render_text_reply

log = logging.getLogger("teabot.wechat")

SIGNATURES_KEPT = 100_000          # plaintext mode's replay memory, at most (about 30 MB; ~330 messages/s for 5 min)


# --- replayed signatures (plaintext mode) ---------------------------------------------------------------------

class SignatureMemory:
    """Plaintext mode signs token, timestamp and nonce, never the body: one captured query string (nginx logs
    whole URLs by default) would carry any body for as long as its timestamp is fresh. So each signature is
    remembered with a hash of its body until its timestamp leaves the clock-skew window: the same body again is
    a retry, another body is refused.

    Entries go in arrival order, and the oldest only once its timestamp is out of the window (so none goes
    early; a few may stay a little late). Past `capacity` the oldest go anyway, with a warning: the protection
    then covers less than the window."""

    def __init__(self, max_skew, capacity=SIGNATURES_KEPT, clock=time.time):
        self.max_skew, self.capacity, self.clock = max_skew, capacity, clock
        self._seen = collections.OrderedDict()    # signature -> (timestamp, body digest), oldest first
        self._lock = threading.Lock()
        self._warned_at = None

    def __len__(self):
        return len(self._seen)

    def admit(self, signature, timestamp, body):
        """True for a signature seen for the first time, or again with the same body; False with another body."""
        digest = hashlib.blake2b(body, digest_size=16).digest()
        now = self.clock()
        with self._lock:
            seen = self._seen
            known = seen.get(signature)
            if known is not None:
                return known[1] == digest
            seen[signature] = (timestamp, digest)
            while seen and next(iter(seen.values()))[0] < now - self.max_skew:
                seen.popitem(last=False)
            if len(seen) > self.capacity:
                seen.popitem(last=False)
                if self._warned_at is None or now - self._warned_at >= self.max_skew:
                    self._warned_at = now
                    log.warning("plaintext mode: %d signatures remembered, the most kept; older ones are forgotten "
                                "before their timestamps leave the %ds window, so a captured URL could be replayed "
                                "with another body sooner (safe mode signs the body)", self.capacity, self.max_skew)
            return True


# --- the endpoint ---------------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"
    why: str = ""                  # a refusal's reason, for the request's one log line (bot.web)


def _refuse(status, why):
    return Response(status, {400: "bad request", 403: "forbidden", 413: "request body too large"}[status], why=why)


class WeChatEndpoint:
    """GET /wechat (URL check) and POST /wechat (messages), independent of the web framework."""

    def __init__(self, app):
        self.app = app
        wechat = app.config.get("wechat") or {}
        self.token = wechat.get("token") or ""
        self.max_skew = int(wechat.get("max_clock_skew_seconds", 300))
        self.max_body = int((app.config.get("server") or {}).get("max_body_bytes", 65536))
        aes_key = wechat.get("encoding_aes_key") or ""
        self.crypto = SafeModeCrypto(self.token, aes_key, wechat.get("app_id") or "") if aes_key else None
        self.signatures = SignatureMemory(self.max_skew)
        self._warned_no_token = False

    @property
    def mode(self):
        return "safe" if self.crypto else "plaintext"

    def _check_query(self, query):
        """None if the request carries a valid, fresh signature; else the refusal."""
        if not self.token:
            if not self._warned_no_token:
                self._warned_no_token = True
                log.warning("wechat.token 未设置：/wechat 拒绝所有请求")
            return Response(403, "forbidden")
        timestamp, nonce, signature = query.get("timestamp", ""), query.get("nonce", ""), query.get("signature", "")
        seconds = unix_seconds(timestamp)
        if seconds is None:
            return _refuse(403, "timestamp missing or not a number")
        skew = abs(time.time() - seconds)
        if skew > self.max_skew:
            return _refuse(403, f"timestamp {skew:.0f}s away from now")
        if not (nonce and signature) or not hmac.compare_digest(
                get_signature(self.token, timestamp, nonce).encode(), signature.encode("utf-8", "replace")):
            return _refuse(403, "bad signature")
        return None

    def verify(self, query):
        """The URL check: echo `echostr` when the signature is right."""
        refusal = self._check_query(query)
        if refusal:
            return refusal
        return Response(200, query.get("echostr", ""))

    def handle(self, query, content_length, stream):
        """A message POST: query parameters, the Content-Length header (or None) and the body stream."""
        refusal = self._check_query(query)
        if refusal:
            return refusal
        try:
            declared = int(content_length) if content_length not in (None, "") else None
        except ValueError:
            return _refuse(400, "Content-Length is not a number")
        if declared is not None and declared > self.max_body:
            return _refuse(413, f"Content-Length {declared} > {self.max_body}")
        body = stream.read(self.max_body + 1 if declared is None else min(declared, self.max_body + 1))
        if len(body) > self.max_body:
            return _refuse(413, f"body over {self.max_body} bytes")
        if self.crypto is None and not self.signatures.admit(query["signature"], int(query["timestamp"]), body):
            return _refuse(403, "signature already used with another body (a replayed URL?)")
        try:
            message = parse_xml(body)
        except BadXML as exc:
            return _refuse(400, f"XML refused: {exc}")
        if self.crypto:
            if query.get("encrypt_type") != "aes":
                return _refuse(403, "safe mode is configured but the message is not encrypted")
            encrypt = message.get("Encrypt")
            if not isinstance(encrypt, str) or not encrypt:
                return _refuse(400, "no <Encrypt> in a safe-mode message")
            try:
                plaintext = self.crypto.decrypt(query.get("timestamp"), query.get("nonce"),
                                                query.get("msg_signature", ""), encrypt)
                message = parse_xml(plaintext.encode("utf-8"))
            except BadSignature:
                return _refuse(403, "bad msg_signature")
            except DecryptError as exc:
                return _refuse(400, f"cannot decrypt: {exc} (check encoding_aes_key and app_id)")
            except BadXML as exc:
                return _refuse(400, f"decrypted XML refused: {exc}")
        elif query.get("encrypt_type") == "aes":
            log.error("received an encrypted message but wechat.encoding_aes_key is not set")
            return Response(200, "success")
        openid, our_id = message.get("FromUserName"), message.get("ToUserName")
        if not isinstance(openid, str) or not openid or not isinstance(message.get("MsgType"), str):
            return _refuse(400, "message without FromUserName or MsgType")
        reply = self.reply_for(message)
        if not reply:
            return Response(200, "success")
        xml = render_text_reply(openid, our_id if isinstance(our_id, str) else "", reply)
        if self.crypto:
            xml = self.crypto.encrypted_reply(xml, nonce=query.get("nonce"))
        return Response(200, xml, "application/xml; charset=utf-8")

    def reply_for(self, message):
        """The reply text for a parsed message, computed once per MsgId (events: FromUserName:CreateTime) by the
        app (bot/inbound.py)."""
        openid = message["FromUserName"]
        msg_type = message["MsgType"].lower()
        msg_id = message.get("MsgId") if isinstance(message.get("MsgId"), str) else ""
        key = msg_id if msg_type != "event" and msg_id else f"{openid}:{message.get('CreateTime', '')}"
        log.debug("wechat %s from %s (key %s)", msg_type, openid, key)
        if msg_type == "text":
            content = message.get("Content")
            return self.app.handle_text(openid, content if isinstance(content, str) else "", msg_id or None, key=key)
        if msg_type == "voice" and _text_field(message, "Recognition"):
            # WeChat's speech recognition (when the account turns it on): the words are the command, as if typed
            # it writes no spaces ('记账八十六块五奶茶。'): an amount with a unit after a command word is spaced off
            text = space_glued_amount(_text_field(message, "Recognition"), self.app.registry.by_key)
            return self.app.handle_text(openid, text, msg_id or key, key=key)
        if msg_type == "event":
            event = message.get("Event").lower() if isinstance(message.get("Event"), str) else ""
            if event == "click" and _text_field(message, "EventKey"):
                # a custom-menu button (bot/menu.py): its key is the chat text it stands for, run as that text is
                return self.app.handle_text(openid, _text_field(message, "EventKey"), key, key=key)
            return self.app.handle_event(openid, event, message, key=key)
        return self.app.handle_message(openid, msg_type, message, key=key)


def _text_field(message, name):
    """A message field as stripped text, '' when absent or not text."""
    value = message.get(name)
    return value.strip() if isinstance(value, str) else ""


def make_wechat_handler(app):
    """The /wechat endpoint for an app (bot.web wires it to bottle)."""
    return WeChatEndpoint(app)
