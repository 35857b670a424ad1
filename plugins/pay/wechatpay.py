"""WeChat Pay API v3 client: request signing, response and notify verification, AEAD_AES_256_GCM decryption.

The pay plugin's own (it was bot/wechatpay.py), and generic (no teabot logic): keys come in as PEM text, time
and nonces can be passed in so the published test vectors reproduce exactly. Every answer from WeChat is
verified with the platform key it names before any of its content is returned; an unverifiable 2xx answer is
an error, never data.
"""

import base64
import json
import secrets
import time
from urllib.parse import quote, urlsplit

import requests
from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15

from bot.timeutil import unix_seconds

DEFAULT_API_BASE = "https://api.mch.weixin.qq.com"
AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
MAX_CLOCK_SKEW_SECONDS = 300


class WeChatPayError(Exception):
    """A request failed: transport, an error answer (status, WeChat's code and message) or a bad signature."""

    def __init__(self, message, status=None, code=""):
        super().__init__(message)
        self.status = status
        self.code = code or ""


class SignatureError(WeChatPayError):
    """A response or notify whose signature, serial or timestamp cannot be trusted."""


# --- keys ---------------------------------------------------------------------------------------------------

def load_private_key(pem):
    """PKCS#8 ('PRIVATE KEY') or PKCS#1 ('RSA PRIVATE KEY') PEM text -> RSA key."""
    return RSA.import_key(pem)


def load_public_key(pem):
    """A public key PEM or an X.509 certificate PEM -> RSA public key."""
    return RSA.import_key(pem)


def certificate_serial(cert_pem):
    """The certificate's serial number as WeChat writes it in Wechatpay-Serial: upper-case hex."""
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(cert_pem.encode() if isinstance(cert_pem, str) else cert_pem)
    return format(cert.serial_number, "X")


class PlatformKeys:
    """The platform keys we trust, by serial (platform public key ID or certificate serial)."""

    def __init__(self):
        self._keys = {}

    def add_public_key(self, key_id, pem):
        self._keys[key_id.upper()] = load_public_key(pem)
        return self

    def add_certificate(self, cert_pem):
        serial = certificate_serial(cert_pem)
        self._keys[serial.upper()] = load_public_key(cert_pem)
        return serial

    def get(self, serial):
        return self._keys.get((serial or "").upper())

    def __len__(self):
        return len(self._keys)


# --- signatures ---------------------------------------------------------------------------------------------

def _bytes(text):
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)


def rsa_sign(private_key, message):
    """SHA256withRSA (PKCS#1 v1.5), base64."""
    return base64.b64encode(pkcs1_15.new(private_key).sign(SHA256.new(_bytes(message)))).decode()


def rsa_verify(public_key, message, signature_b64):
    try:
        signature = base64.b64decode(signature_b64 or "", validate=True)
        pkcs1_15.new(public_key).verify(SHA256.new(_bytes(message)), signature)
        return True
    except (ValueError, TypeError):
        return False


def request_message(method, path_and_query, timestamp, nonce, body):
    """What a v3 request signature covers."""
    return f"{method.upper()}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp, nonce, body):
    """What a response or notify signature covers."""
    return f"{timestamp}\n{nonce}\n{body}\n"


def new_nonce():
    return secrets.token_hex(16).upper()


def authorization(mchid, serial_no, private_key, method, path_and_query, body="", timestamp=None, nonce=None):
    """The Authorization header of one request."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    signature = rsa_sign(private_key, request_message(method, path_and_query, timestamp, nonce, body))
    return (f'{AUTH_SCHEMA} mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",'
            f'serial_no="{serial_no}",signature="{signature}"')


def jsapi_pay_params(appid, prepay_id, private_key, timestamp=None, nonce=None):
    """The object for WeixinJSBridge.invoke('getBrandWCPayRequest', ...), signed with the merchant key."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    package = f"prepay_id={prepay_id}"
    return {
        "appId": appid, "timeStamp": timestamp, "nonceStr": nonce, "package": package, "signType": "RSA",
        "paySign": rsa_sign(private_key, f"{appid}\n{timestamp}\n{nonce}\n{package}\n"),
    }


def verify_signed(platform_keys, headers, body, now=None, max_skew=MAX_CLOCK_SKEW_SECONDS):
    """Check Wechatpay-Serial/-Signature/-Timestamp/-Nonce against body; raise SignatureError if untrusted.

    `headers` is any mapping with case-insensitive get (requests, bottle) or a plain dict with the usual names.
    """
    def header(name):
        return headers.get(name) or headers.get(name.lower()) or ""

    serial, signature = header("Wechatpay-Serial"), header("Wechatpay-Signature")
    timestamp, nonce = header("Wechatpay-Timestamp"), header("Wechatpay-Nonce")
    if not (serial and signature and timestamp and nonce):
        raise SignatureError("missing Wechatpay-* signature headers", status=400, code="MISSING_SIGNATURE")
    key = platform_keys.get(serial)
    if key is None:
        raise SignatureError(f"unknown platform serial {serial}", status=400, code="UNKNOWN_SERIAL")
    moment = unix_seconds(timestamp)
    if moment is None:
        raise SignatureError("bad Wechatpay-Timestamp", status=400, code="BAD_TIMESTAMP")
    now = time.time() if now is None else now
    if abs(now - moment) > max_skew:
        raise SignatureError(f"Wechatpay-Timestamp {timestamp} is more than {max_skew}s off",
                             status=400, code="STALE_TIMESTAMP")
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise SignatureError("body is not UTF-8", status=400, code="BAD_BODY") from None
    if not rsa_verify(key, response_message(timestamp, nonce, text), signature):
        raise SignatureError("Wechatpay-Signature does not verify", status=401, code="BAD_SIGNATURE")
    return serial


# --- AEAD ---------------------------------------------------------------------------------------------------

def aead_decrypt(key, nonce, associated_data, ciphertext_b64):
    """AEAD_AES_256_GCM as WeChat uses it: base64(ciphertext || 16-byte tag); key length picks AES-128/256."""
    data = base64.b64decode(ciphertext_b64)
    cipher = AES.new(_bytes(key), AES.MODE_GCM, nonce=_bytes(nonce))
    if associated_data:
        cipher.update(_bytes(associated_data))
    try:
        return cipher.decrypt_and_verify(data[:-16], data[-16:])
    except ValueError:
        raise SignatureError("resource does not decrypt (wrong APIv3 key or tampered)", status=400,
                             code="DECRYPT_FAILED") from None


def decrypt_resource(apiv3_key, resource):
    """A notify's (or certificate's) encrypted resource dict -> plaintext str."""
    if resource.get("algorithm", "AEAD_AES_256_GCM") != "AEAD_AES_256_GCM":
        raise SignatureError(f"unsupported algorithm {resource.get('algorithm')}", status=400, code="ALGORITHM")
    return aead_decrypt(apiv3_key, resource["nonce"], resource.get("associated_data", ""),
                        resource["ciphertext"]).decode("utf-8")


def parse_notify(platform_keys, apiv3_key, headers, body, now=None, max_skew=MAX_CLOCK_SKEW_SECONDS):
    """Verify a notify and return (event dict, decrypted resource dict); raise SignatureError if untrusted."""
    verify_signed(platform_keys, headers, body, now=now, max_skew=max_skew)
    try:
        event = json.loads(body)
        resource = json.loads(decrypt_resource(apiv3_key, event["resource"]))
        if not isinstance(event, dict) or not isinstance(resource, dict):
            raise TypeError("not an object")
    except SignatureError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SignatureError("notify body is not a v3 event", status=400, code="BAD_BODY") from None
    return event, resource


# --- the client ---------------------------------------------------------------------------------------------

class WeChatPayClient:
    """A merchant's v3 API: sign each request, verify each answer."""

    def __init__(self, *, mchid, serial_no, private_key, platform_keys, api_base=DEFAULT_API_BASE,
                 timeout=(3.05, 4), max_skew=MAX_CLOCK_SKEW_SECONDS, session=None):
        self.mchid = mchid
        self.serial_no = serial_no
        self.private_key = private_key
        self.platform_keys = platform_keys
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.max_skew = max_skew
        self.session = session or requests.Session()

    def request(self, method, path, body=None):
        """(status, parsed JSON or None) of a verified 2xx answer; WeChatPayError otherwise."""
        url = self.api_base + path
        text = "" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        parts = urlsplit(url)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Authorization": authorization(self.mchid, self.serial_no, self.private_key, method, signed_path, text),
            "Accept": "application/json",
            "User-Agent": "teabot-wechatpay/1",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.session.request(method, url, data=text.encode("utf-8") if text else None,
                                            headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise WeChatPayError(f"{method} {path}: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            try:
                data = response.json()
            except ValueError:
                data = {}
            code = data.get("code", "") if isinstance(data, dict) else ""
            message = data.get("message", "") if isinstance(data, dict) else ""
            raise WeChatPayError(f"{method} {path}: HTTP {response.status_code} {code} {message}".strip(),
                                 status=response.status_code, code=code)
        verify_signed(self.platform_keys, response.headers, response.content, max_skew=self.max_skew)
        if not response.content:
            return response.status_code, None
        try:
            return response.status_code, response.json()
        except ValueError:
            raise WeChatPayError(f"{method} {path}: answer is not JSON", status=response.status_code) from None

    # The calls teabot needs; bodies follow the v3 reference.
    def jsapi(self, order):
        return self.request("POST", "/v3/pay/transactions/jsapi", order)[1]

    def native(self, order):
        return self.request("POST", "/v3/pay/transactions/native", order)[1]

    def query_by_out_trade_no(self, out_trade_no):
        path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?mchid={quote(self.mchid)}"
        return self.request("GET", path)[1]

    def close(self, out_trade_no):
        self.request("POST", f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close",
                     {"mchid": self.mchid})
