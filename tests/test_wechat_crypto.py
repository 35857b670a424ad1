"""Safe-mode crypto against the published WeChat vectors, and safe mode end to end over real HTTP."""

import base64
import copy
import hashlib
import json
import time
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
import requests
from werobot.crypto import PrpCrypto
from werobot.utils import to_text

from bot.app import App
from bot.config import DEFAULTS
from bot.web import start_background
from bot.wechat_crypto import BadSignature, DecryptError, SafeModeCrypto
from bot.wechat_xml import parse_xml, render_text_reply

# CI clones the repo with shared/ beside it; a missing file must fail the run, not skip it.
VECTORS_PATH = Path(__file__).resolve().parent / "vectors" / "protocol_vectors.json"   # the official vectors, kept with the tests
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))["wechat_msg_crypto"]
ENCRYPT_VECTORS = [v for v in VECTORS if "random16" in v]
SIGNED_VECTORS = [v for v in VECTORS if v.get("msg_signature") or v.get("msg_signature_derived")]

TOKEN = "testtoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx2c2769f8efd9abc2"
US = "gh_teabot"


def crypto_for(vector):
    return SafeModeCrypto(vector["token"], vector["encoding_aes_key"], vector["appid"])


class FixedRandomPrp(PrpCrypto):
    """PrpCrypto with a chosen 16-byte prefix: deterministic ciphertexts for the published test vectors."""

    def __init__(self, key, random16):
        super().__init__(key)
        self._random16 = random16

    def get_random_string(self):
        return self._random16


def encrypt_body(encoding_aes_key, app_id, text, random16=None):
    """The base64 Encrypt value of a message WeChat sends (the bot encrypts only whole replies: encrypted_reply);
    random16 fixes the random prefix."""
    key = base64.b64decode(encoding_aes_key + "=")
    prp = PrpCrypto(key) if random16 is None else FixedRandomPrp(key, random16)
    return to_text(prp.encrypt(text, app_id))


def test_the_vector_file_has_every_kind_we_check():
    assert len(VECTORS) >= 5
    assert len(ENCRYPT_VECTORS) >= 3 and len(SIGNED_VECTORS) == len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_msg_signature_matches_vector(vector):
    expected = vector.get("msg_signature") or vector["msg_signature_derived"]
    assert crypto_for(vector).signature(vector["timestamp"], vector["nonce"], vector["encrypt"]) == expected


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_decrypt_matches_vector(vector):
    expected = vector.get("msg_signature") or vector["msg_signature_derived"]
    plaintext = crypto_for(vector).decrypt(vector["timestamp"], vector["nonce"], expected, vector["encrypt"])
    assert plaintext == vector["plaintext"]
    for fragment in vector.get("expect_contains", []):
        assert fragment in plaintext


@pytest.mark.parametrize("vector", ENCRYPT_VECTORS, ids=[v["id"] for v in ENCRYPT_VECTORS])
def test_encrypt_with_fixed_random_matches_vector(vector):
    encrypt = encrypt_body(vector["encoding_aes_key"], vector["appid"], vector["plaintext"], vector["random16"])
    assert encrypt == vector["encrypt"]


def test_official_sample_post_body_decrypts_to_its_plain_fields():
    vector = VECTORS[0]
    outer = parse_xml(vector["post_body"].encode("utf-8"))
    inner = parse_xml(crypto_for(vector).decrypt(vector["timestamp"], vector["nonce"], vector["msg_signature"],
                                                 outer["Encrypt"]).encode("utf-8"))
    assert inner["Content"] == outer["Content"] == "abcdteT"
    assert inner["MsgId"] == outer["MsgId"] and inner["FromUserName"] == outer["FromUserName"]


def test_random_prefix_round_trips_and_differs_each_time():
    crypto = SafeModeCrypto(TOKEN, AES_KEY, APP_ID)
    first, second = (parse_xml(crypto.encrypted_reply("<xml>下午茶</xml>", nonce="1").encode())["Encrypt"]
                     for _ in range(2))
    assert first != second
    assert crypto.decrypt_body(first) == crypto.decrypt_body(second) == "<xml>下午茶</xml>"


def test_wrong_msg_signature_raises_bad_signature():
    vector = VECTORS[0]
    with pytest.raises(BadSignature):
        crypto_for(vector).decrypt(vector["timestamp"], vector["nonce"], "0" * 40, vector["encrypt"])
    with pytest.raises(BadSignature):
        crypto_for(vector).decrypt(vector["timestamp"], vector["nonce"], "", vector["encrypt"])


@pytest.mark.parametrize("encrypt", ["not base64!!", "", "QUJD", "A" * 44])
def test_garbage_ciphertext_raises_decrypt_error(encrypt):
    with pytest.raises(DecryptError):
        SafeModeCrypto(TOKEN, AES_KEY, APP_ID).decrypt_body(encrypt)


def test_message_for_another_app_id_is_refused():
    vector = VECTORS[0]
    with pytest.raises(DecryptError, match="app id"):
        SafeModeCrypto(vector["token"], vector["encoding_aes_key"], "wxsomeoneelse").decrypt_body(vector["encrypt"])


def test_wrong_key_is_refused_not_crashed():
    vector = VECTORS[0]
    other_key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
    with pytest.raises(DecryptError):
        SafeModeCrypto(vector["token"], other_key, vector["appid"]).decrypt_body(vector["encrypt"])


@pytest.mark.parametrize("key", ["short", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!"])
def test_invalid_encoding_aes_key_is_a_clear_error(key):
    with pytest.raises(ValueError, match="encoding_aes_key"):
        SafeModeCrypto(TOKEN, key, APP_ID)


def test_text_reply_escapes_cdata_terminator_and_control_chars():
    xml = render_text_reply("o-user", US, "a]]>b\x00c & <d>")
    root = SafeET.fromstring(xml)
    assert root.find("Content").text == "a]]>bc & <d>"
    assert root.find("ToUserName").text == "o-user" and root.find("MsgType").text == "text"


# --- safe mode over real HTTP -----------------------------------------------------------------------------------

def sign(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


@pytest.fixture
def safe_server(tmp_path):
    cfg = copy.deepcopy(DEFAULTS)
    cfg["database"] = str(tmp_path / "teabot.db")
    cfg["exports_dir"] = str(tmp_path / "exports")
    cfg["wechat"].update(token=TOKEN, encoding_aes_key=AES_KEY, app_id=APP_ID)
    cfg["groups"] = ["测试组"]
    cfg["_path"] = "test"
    app = App(cfg, sender=lambda openid, text: None).setup()
    port, stop = start_background(app)
    yield app, f"http://127.0.0.1:{port}/wechat"
    stop()
    app.pusher.flush(5)


def encrypted_post(url, plaintext, *, tamper_signature=False, aes_key=AES_KEY, encrypt_type="aes"):
    timestamp, nonce = str(int(time.time())), "98765"
    encrypt = encrypt_body(aes_key, APP_ID, plaintext)
    body = f"<xml><ToUserName><![CDATA[{US}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    params = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
              "openid": "o-safe", "encrypt_type": encrypt_type,
              "msg_signature": "f" * 40 if tamper_signature else sign(TOKEN, timestamp, nonce, encrypt)}
    return requests.post(url, params=params, data=body.encode("utf-8"), timeout=10)


def text_message(content, msg_id, openid="o-safe"):
    return (f"<xml><ToUserName><![CDATA[{US}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def test_safe_mode_round_trip_decrypts_message_and_encrypts_reply(safe_server):
    app, url = safe_server
    response = encrypted_post(url, text_message("0", "5001"))
    assert response.status_code == 200, response.text
    outer = parse_xml(response.content)
    assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert outer["Nonce"] == "98765"
    assert outer["MsgSignature"] == sign(TOKEN, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
    inner = parse_xml(SafeModeCrypto(TOKEN, AES_KEY, APP_ID).decrypt_body(outer["Encrypt"]).encode("utf-8"))
    assert "可用命令" in inner["Content"]
    assert (inner["ToUserName"], inner["FromUserName"]) == ("o-safe", US)
    assert app.user("o-safe")["last_message_at"]


def test_safe_mode_registration_reply_is_chinese_after_decryption(safe_server):
    app, url = safe_server
    outer = parse_xml(encrypted_post(url, text_message("9 测试组 李四", "5002")).content)
    inner = parse_xml(SafeModeCrypto(TOKEN, AES_KEY, APP_ID).decrypt_body(outer["Encrypt"]).encode("utf-8"))
    assert "已提交注册：李四" in inner["Content"]
    assert app.user("o-safe")["status"] == "pending"


def test_safe_mode_bad_msg_signature_is_403_not_500(safe_server):
    app, url = safe_server
    response = encrypted_post(url, text_message("9 测试组 李四", "5003"), tamper_signature=True)
    assert response.status_code == 403
    assert app.user("o-safe") is None


def test_safe_mode_refuses_plaintext_posts(safe_server):
    app, url = safe_server
    response = encrypted_post(url, text_message("0", "5004"), encrypt_type="")
    assert response.status_code == 403


def test_safe_mode_message_under_another_key_is_400(safe_server):
    app, url = safe_server
    stranger = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
    assert encrypted_post(url, text_message("0", "5005"), aes_key=stranger).status_code == 400


def test_safe_mode_bomb_inside_the_ciphertext_is_400(safe_server):
    app, url = safe_server
    bomb = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            "<xml><FromUserName>o-safe</FromUserName><MsgType>text</MsgType><Content>&b;</Content></xml>")
    assert encrypted_post(url, bomb).status_code == 400
    assert app.user("o-safe") is None


def test_safe_mode_empty_reply_is_plain_success(safe_server):
    app, url = safe_server
    event = (f"<xml><ToUserName><![CDATA[{US}]]></ToUserName><FromUserName><![CDATA[o-safe]]></FromUserName>"
             f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
             "<Event><![CDATA[unsubscribe]]></Event></xml>")
    response = encrypted_post(url, event)
    assert (response.status_code, response.text) == (200, "success")


def test_healthz_reports_safe_mode_without_the_key(safe_server):
    app, url = safe_server
    response = requests.get(url.replace("/wechat", "/healthz"), timeout=10)
    assert response.json()["mode"] == "safe"
    assert AES_KEY not in response.text and TOKEN not in response.text
