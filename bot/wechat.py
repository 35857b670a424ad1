"""The WeChat edge, and the only module that imports WeRoBot: signatures, safe-mode crypto, safe XML parsing,
deduplication of WeChat's retries, and passive replies."""

import base64
import binascii
import collections
import hashlib
import hmac
import logging
import re
import secrets
import sqlite3
import struct
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
import xml.etree.ElementTree
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree
from werobot.crypto import MessageCrypt, PrpCrypto
from werobot.crypto.exceptions import UnvalidEncodingAESKey
from werobot.utils import get_signature, to_text

from .db import store_fault
from .router import error_reply
from .timeutil import from_utc_text, to_utc_text, unix_seconds, utc_now

log = logging.getLogger("teabot.wechat")

NON_TEXT_HINT = "目前只支持文字命令，发送 0 查看菜单"
RETRY_WAIT_SECONDS = 4.5           # WeChat gives up on a request after 5 s
KEEP_INBOUND_DAYS = 2
RECENT_SECONDS = 300               # replies answered to retries from memory (WeChat retries within ~15 s)
SAVE_INTERVAL_SECONDS = 0.5        # replies no write transaction took along are saved this often
SAVER_IDLE_SECONDS = 10            # the saver thread ends after this long with nothing to save
SAVE_BATCH_ROWS = 100              # rows per transaction: a short hold of the database lock, not one long one
MAX_XML_DEPTH = 4                  # levels below <xml>: WeChat's deepest, SendPicsInfo/PicList/item/PicMd5Sum
SIGNATURES_KEPT = 100_000          # plaintext mode's replay memory, at most (about 30 MB; ~330 messages/s for 5 min)
_XML_INVALID_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- XML ------------------------------------------------------------------------------------------------------

class BadXML(ValueError):
    """The body is not a WeChat XML message (malformed, DTD/entities, wrong root, nested too deep)."""


def parse_xml(body):
    """WeChat XML -> dict of the root's children (nested elements become dicts); DTDs and entities refused.

    A body that begins with `<xml>` itself, as every WeChat message does, has no prolog: no DOCTYPE can come
    after the root element starts, so nothing can declare an entity (a bomb or an external file), and any
    `&name;` other than the five predefined ones is a parse error. Those bodies go straight to the C parser
    (a third of defusedxml's cost per message); everything else is parsed by defusedxml, which refuses DTDs.
    Elements nested more than MAX_XML_DEPTH levels below <xml> are refused (and never recursed into).
    """
    if not body:
        raise BadXML("empty body")
    try:
        if body.startswith(b"<xml>"):
            root = xml.etree.ElementTree.fromstring(body)
        else:
            root = defusedxml.ElementTree.fromstring(body, forbid_dtd=True, forbid_entities=True,
                                                     forbid_external=True)
    except (ParseError, defusedxml.DefusedXmlException, ValueError, TypeError) as exc:
        raise BadXML(f"{type(exc).__name__}: {exc}") from None
    if root.tag != "xml":
        raise BadXML(f"root element <{root.tag}>, expected <xml>")
    return {child.tag: _element_value(child, 1) for child in root}


def _element_value(element, depth):
    if len(element):
        if depth >= MAX_XML_DEPTH:
            raise BadXML(f"elements nested more than {MAX_XML_DEPTH} levels below <xml>")
        return {child.tag: _element_value(child, depth + 1) for child in element}
    return (element.text or "").strip() if element.tag != "Content" else (element.text or "")


def _cdata(text):
    text = _XML_INVALID_CHARS.sub("", str(text))
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text_reply(to_user, from_user, content, create_time=None):
    """A passive text reply (we render it ourselves: WeRoBot's TextReply does not escape ']]>')."""
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time or time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


# --- safe-mode crypto -----------------------------------------------------------------------------------------

class BadSignature(Exception):
    """msg_signature does not match: not from WeChat (or the token is wrong)."""


class DecryptError(ValueError):
    """The signature was right but the ciphertext does not decrypt to a message for our app id."""


class _FixedRandomPrp(PrpCrypto):
    """PrpCrypto with a chosen 16-byte prefix: deterministic ciphertexts for the published test vectors."""

    def __init__(self, key, random16):
        super().__init__(key)
        self._random16 = random16

    def get_random_string(self):
        return self._random16


class SafeModeCrypto:
    """WeChat's message crypto (AES-256-CBC, IV = key[:16], PKCS#7 to 32 bytes) on top of WeRoBot's MessageCrypt,
    with the checks WeRoBot skips: constant-time signature compare, padding, length and app id validation."""

    def __init__(self, token, encoding_aes_key, app_id):
        try:
            self._key = base64.b64decode((encoding_aes_key or "") + "=", validate=True)
            self._message_crypt = MessageCrypt(token, encoding_aes_key, app_id)
        except (UnvalidEncodingAESKey, binascii.Error, ValueError):
            raise ValueError("wechat.encoding_aes_key 无效：必须是 43 位字母数字") from None
        self.token = token
        self.app_id = app_id

    def signature(self, timestamp, nonce, encrypt):
        return get_signature(self.token, str(timestamp), str(nonce), encrypt)

    def decrypt(self, timestamp, nonce, msg_signature, encrypt):
        """Check msg_signature, then decrypt: the XML text. Raises BadSignature or DecryptError."""
        expected = self.signature(timestamp, nonce, encrypt)
        if not msg_signature or not hmac.compare_digest(expected, str(msg_signature)):
            raise BadSignature()
        return self.decrypt_body(encrypt)

    def decrypt_body(self, encrypt):
        try:
            ciphertext = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise DecryptError("Encrypt is not base64") from None
        if not ciphertext or len(ciphertext) % 32 != 0:
            raise DecryptError("ciphertext length is not a multiple of 32")
        decryptor = self._message_crypt.prp_crypto.cipher.decryptor()
        plain = decryptor.update(ciphertext) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad padding (wrong EncodingAESKey?)")
        content = plain[16:-pad]
        if len(content) < 4:
            raise DecryptError("too short")
        (length,) = struct.unpack(">I", content[:4])
        if 4 + length > len(content):
            raise DecryptError("length field beyond the data")
        from_app_id = content[4 + length:]
        if not hmac.compare_digest(from_app_id, self.app_id.encode("utf-8")):
            raise DecryptError("message is for another app id")
        try:
            return content[4:4 + length].decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError("plaintext is not UTF-8") from None

    def encrypt_body(self, text, random16=None):
        """The base64 Encrypt value for `text`; random16 fixes the random prefix (tests only)."""
        prp = self._message_crypt.prp_crypto if random16 is None else _FixedRandomPrp(self._key, random16)
        return to_text(prp.encrypt(text, self.app_id))

    def encrypted_reply(self, xml, nonce, timestamp=None):
        """Our reply wrapped as WeChat expects in safe mode (Encrypt, MsgSignature, TimeStamp, Nonce)."""
        return self._message_crypt.encrypt_message(xml, timestamp=str(timestamp or int(time.time())),
                                                   nonce=str(nonce or secrets.token_hex(5)))


# --- deduplication of WeChat's retries ------------------------------------------------------------------------

class _Flight:
    """One computation in progress; retries of it wait() until finish(). (A held lock as the latch: cheaper
    than a threading.Event, made once per message.)"""
    __slots__ = ("_latch", "reply")

    def __init__(self):
        self._latch = threading.Lock()
        self._latch.acquire()
        self.reply = None

    def wait(self, timeout):
        if not self._latch.acquire(timeout=timeout):
            return False
        self._latch.release()          # let the next waiter through
        return True

    def finish(self):
        self._latch.release()


class Inbound:
    """At most one computation per dedupe key; retries (even concurrent ones) get the same reply.

    A key being computed is claimed in memory (one server process per database); its reply is then kept in
    memory for RECENT_SECONDS (WeChat retries within about 15 s) and saved to the inbound table inside the next
    write transaction of any request (Store.before_commit: it shares that fsync), or by a background writer
    after SAVE_INTERVAL_SECONDS when no write comes; a restarted process loads the recent ones at start, so it
    answers a late retry with the same reply too. No request waits for that save: what a command changes is on
    disk before it replies (Store.write), and commands that change data record the MsgId themselves
    (expenses.source_msg_id, settlements.source_msg_id), so a retry that finds no saved reply (a crash before
    the save) computes again without recording twice.
    """

    def __init__(self, store, wait_seconds=RETRY_WAIT_SECONDS):
        self.store = store
        self.wait_seconds = wait_seconds
        self._flights = {}
        self._recent = collections.OrderedDict()   # key -> (time.monotonic(), reply), oldest first
        self._unsaved = []                    # inbound rows the saver has not written yet
        self._lock = threading.Lock()
        self._saver = None
        self._last_prune = 0.0
        store.before_commit(self._save_pending)
        self._load_recent()

    def _load_recent(self):
        """The replies saved in the last RECENT_SECONDS (by a process before this one): a retry of one of those
        is answered from memory like any other, so no message needs a database read to be deduplicated."""
        now_utc, now = utc_now(), time.monotonic()
        rows = self.store.query(
            "SELECT dedupe_key, received_at, reply FROM inbound WHERE state = 'done' AND received_at >= :since "
            "ORDER BY received_at", {"since": to_utc_text(now_utc - timedelta(seconds=RECENT_SECONDS))})
        for row in rows:
            age = max(0.0, (now_utc - from_utc_text(row["received_at"])).total_seconds())
            self._recent[row["dedupe_key"]] = (now - age, row["reply"] or "")

    def once(self, key, openid, compute):
        """compute() for the first arrival of `key`; a retry waits for and returns the same reply ('' if the
        first is still running after the wait: WeChat will retry again and the reply will be there)."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            with self._lock:
                recent = self._recent.get(key)
                if recent is not None:
                    log.info("retry of %s answered with the reply of the first attempt", key)
                    return recent[1]
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = _Flight()
                    claimed = True
                else:
                    claimed = False
            if claimed:
                return self._run(key, openid, flight, compute)
            if not flight.wait(max(0.0, deadline - time.monotonic())):
                log.warning("%s still processing after %.1fs; answering success so WeChat retries", key,
                            self.wait_seconds)
                return ""
            if flight.reply is not None:
                log.info("retry of %s answered with the reply of the first attempt", key)
                return flight.reply
            # the first attempt failed and let go: try ourselves

    def _run(self, key, openid, flight, compute):
        try:
            try:
                reply = compute() or ""
            except Exception as exc:         # nothing kept: a retry computes again
                fault = store_fault(exc)
                if fault is not None:        # expected (database busy, disk full): the reply says so
                    log.warning("handling %s not done (%s: %s)", key, fault.kind, fault)
                    return fault.reply
                error_id = secrets.token_hex(3)
                log.exception("handling %s failed, error id %s", key, error_id)
                return error_reply(error_id)
            flight.reply = reply
            with self._lock:
                now = time.monotonic()
                self._recent[key] = (now, reply)
                while next(iter(self._recent.values()))[0] < now - RECENT_SECONDS:
                    self._recent.popitem(last=False)          # oldest first: amortised O(1) per message
                self._unsaved.append([key, openid, to_utc_text(utc_now()), reply])
            self._start_saver()
            return reply
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.finish()

    # --- saving replies -----------------------------------------------------------------------------------------

    def _save_pending(self, db):
        """Store hook, run inside every write transaction before its COMMIT: the replies waiting to be saved ride
        along (usually the one or two of the messages just before), sharing that transaction's fsync."""
        with self._lock:
            batch, self._unsaved = self._unsaved[:SAVE_BATCH_ROWS], self._unsaved[SAVE_BATCH_ROWS:]
        if not batch:
            return
        try:
            db.conn.executemany(
                "INSERT INTO inbound (dedupe_key, openid, received_at, state, reply) VALUES (?, ?, ?, 'done', ?) "
                "ON CONFLICT(dedupe_key) DO UPDATE SET state = 'done', reply = excluded.reply", batch)
        except sqlite3.Error:
            log.exception("could not save %d inbound replies; kept for the next transaction", len(batch))
            with self._lock:
                self._unsaved[:0] = batch

    def _start_saver(self):
        if self._saver is None:
            with self._lock:
                if self._saver is None:
                    self._saver = threading.Thread(target=self._save_forever, name="teabot-inbound", daemon=True)
                    self._saver.start()

    def _save_forever(self):
        """For replies no write transaction took along (read-only commands): a transaction of their own every
        SAVE_INTERVAL_SECONDS. After SAVER_IDLE_SECONDS with nothing to save, end (the next reply starts a new
        saver), so an idle endpoint holds no thread and no reference to its store."""
        idle_since = time.monotonic()
        while True:
            time.sleep(SAVE_INTERVAL_SECONDS)
            with self._lock:
                if self._unsaved:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since >= SAVER_IDLE_SECONDS:
                    self._saver = None
                    return
            try:
                self.flush()
            except Exception:
                log.exception("could not save inbound replies")

    def flush(self):
        """Save the replies not yet saved (until a transaction saves none: the hook logged why); prune old rows
        hourly."""
        with self._lock:
            pending = len(self._unsaved)
        while pending:
            with self.store.write():
                pass                    # the hook saves (up to SAVE_BATCH_ROWS per transaction)
            with self._lock:
                pending, before = len(self._unsaved), pending
            if pending >= before:
                break
        if time.monotonic() - self._last_prune >= 3600:
            self._last_prune = time.monotonic()
            with self.store.write() as db:
                db.execute("DELETE FROM inbound WHERE state = 'done' AND received_at < ?",
                           [to_utc_text(utc_now() - timedelta(days=KEEP_INBOUND_DAYS))])


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
        self.inbound = Inbound(app.store)
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
        """The reply text for a parsed message, computed once per MsgId (events: FromUserName:CreateTime)."""
        openid = message["FromUserName"]
        msg_type = message["MsgType"].lower()
        msg_id = message.get("MsgId") if isinstance(message.get("MsgId"), str) else ""
        key = msg_id if msg_type != "event" and msg_id else f"{openid}:{message.get('CreateTime', '')}"
        log.debug("wechat %s from %s (key %s)", msg_type, openid, key)
        return self.inbound.once(key, openid, lambda: self._answer(openid, msg_type, msg_id, message))

    def _answer(self, openid, msg_type, msg_id, message):
        if msg_type == "text":
            content = message.get("Content")
            return self.app.handle_text(openid, content if isinstance(content, str) else "", msg_id or None)
        if msg_type == "event":
            event = message.get("Event")
            return self.app.handle_event(openid, event.lower() if isinstance(event, str) else "", message)
        self.app.touch(openid)         # any message opens the 48-hour push window
        return NON_TEXT_HINT


def make_wechat_handler(app):
    """The /wechat endpoint for an app (bot.web wires it to bottle)."""
    return WeChatEndpoint(app)
