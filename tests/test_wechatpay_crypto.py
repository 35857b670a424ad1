"""WeChat Pay signing and decryption against the published vectors (wechatpay-go, wechatpay-java, wechatpy)."""

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from plugins.pay import wechatpay

VECTORS_FILE = Path(__file__).resolve().parent / "vectors" / "protocol_vectors.json"   # the official vectors, kept with the tests


def _load():
    # A missing vectors file must fail the suite, not skip it: these are the only outside ground truth.
    assert VECTORS_FILE.exists(), f"protocol vectors missing: {VECTORS_FILE}"
    data = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
    return {v["id"]: v for v in data["wechat_pay_v3"]}


V3 = _load()


def parse_authorization(header):
    """'WECHATPAY2-SHA256-RSA2048 k="v",...' -> dict, the way a server reads our header; {} when malformed."""
    schema, _, rest = (header or "").partition(" ")
    if schema != wechatpay.AUTH_SCHEMA:
        return {}
    fields = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or len(value) < 2 or value[0] != '"' or value[-1] != '"':
            return {}
        fields[key] = value[1:-1]
    return fields


def aead_encrypt(key, nonce, associated_data, plaintext):
    """AEAD_AES_256_GCM the way WeChat encrypts (base64 of ciphertext || tag), with `cryptography`, not with the
    pycryptodome code under test."""
    data = AESGCM(key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode() or None)
    return base64.b64encode(data).decode()


def test_sha256_rsa_signature_matches_wechatpay_go_signer():
    v = V3["wechatpay_go_signer"]
    key = wechatpay.load_private_key(v["private_key_pem"])
    assert wechatpay.rsa_sign(key, v["message"]) == v["signature"]
    assert wechatpay.rsa_verify(key.publickey(), v["message"], v["signature"])


@pytest.mark.parametrize("case", range(2))
def test_request_message_layout_matches_wechatpay_go(case):
    v = V3["wechatpay_go_authorization_header_format"]
    c = v["cases"][case]
    assert wechatpay.request_message(c["method"], c["url"], v["timestamp"], v["nonce_str"], c["body"]) == c["message"]


def test_authorization_header_matches_derived_example():
    v = V3["wechatpay_go_authorization_header_format"]
    key = wechatpay.load_private_key(V3["wechatpay_go_signer"]["private_key_pem"])
    c = v["cases"][0]
    header = wechatpay.authorization(v["mchid"], v["serial_no"], key, c["method"], c["url"], c["body"],
                                     timestamp=v["timestamp"], nonce=v["nonce_str"])
    assert header == v["derived_example"]["authorization"]
    fields = parse_authorization(header)
    assert fields["signature"] == v["derived_example"]["signature"]
    assert header == v["header_template"].format(**fields)


def test_request_signature_matches_wechatpy_calculate_signature():
    v = V3["wechatpy_v3_calculate_signature_rsa"]
    key = wechatpay.load_private_key(v["private_key_pem"])  # PKCS#1 'RSA PRIVATE KEY'
    message = wechatpay.request_message(v["method"], v["url"], v["timestamp"], v["nonce_str"], v["body"])
    assert message == v["message"]
    assert wechatpay.rsa_sign(key, message) == v["signature"]


def test_rsa_verifier_accepts_java_vector_with_certificate_and_rejects_other_message():
    v = V3["wechatpay_java_rsa_verifier"]
    public = wechatpay.load_public_key(v["certificate_pem"])
    assert wechatpay.certificate_serial(v["certificate_pem"]) == v["serial_no"]
    assert wechatpay.rsa_verify(public, v["message"], v["signature"])
    assert not wechatpay.rsa_verify(public, v["message"] + "!", v["signature"])
    assert not wechatpay.rsa_verify(public, v["message"], "not base64 !!")
    assert wechatpay.rsa_sign(wechatpay.load_private_key(v["private_key_pem"]), v["message"]) == v["signature"]


def _go_notify_keys():
    v = V3["wechatpay_go_notify"]
    keys = wechatpay.PlatformKeys()
    serial = keys.add_certificate(v["platform_cert_pem"])
    return v, keys, serial


def test_go_notify_verifies_and_decrypts_with_16_byte_key_as_aes_128_gcm():
    v, keys, serial = _go_notify_keys()
    assert serial == v["headers"]["Wechatpay-Serial"]
    now = int(v["headers"]["Wechatpay-Timestamp"]) + 10
    event, resource = wechatpay.parse_notify(keys, v["apiv3_key"], v["headers"], v["body"], now=now)
    assert event["event_type"] == "PAYSCORE.USER_OPEN_SERVICE"
    assert resource == json.loads(v["resource_plaintext"])


def test_go_notify_with_altered_body_is_refused():
    v, keys, _ = _go_notify_keys()
    now = int(v["headers"]["Wechatpay-Timestamp"])
    with pytest.raises(wechatpay.SignatureError) as error:
        wechatpay.parse_notify(keys, v["apiv3_key"], v["headers"], v["body"].replace("签约成功", "签约失败"), now=now)
    assert error.value.code == "BAD_SIGNATURE"


def test_go_notify_is_refused_when_timestamp_is_stale():
    v, keys, _ = _go_notify_keys()
    with pytest.raises(wechatpay.SignatureError) as error:
        wechatpay.parse_notify(keys, v["apiv3_key"], v["headers"], v["body"],
                               now=int(v["headers"]["Wechatpay-Timestamp"]) + 301)
    assert error.value.code == "STALE_TIMESTAMP"


def test_go_notify_is_refused_for_unknown_serial():
    v, keys, _ = _go_notify_keys()
    headers = dict(v["headers"], **{"Wechatpay-Serial": "0123ABCD"})
    with pytest.raises(wechatpay.SignatureError) as error:
        wechatpay.parse_notify(keys, v["apiv3_key"], headers, v["body"], now=int(v["headers"]["Wechatpay-Timestamp"]))
    assert error.value.code == "UNKNOWN_SERIAL"


def test_go_notify_with_wrong_apiv3_key_does_not_decrypt():
    v, keys, _ = _go_notify_keys()
    with pytest.raises(wechatpay.SignatureError) as error:
        wechatpay.parse_notify(keys, "testMchAPIv3Key1", v["headers"], v["body"],
                               now=int(v["headers"]["Wechatpay-Timestamp"]))
    assert error.value.code == "DECRYPT_FAILED"


def test_aead_aes_256_gcm_matches_java_vector_both_ways():
    v = V3["wechatpay_java_aead_aes_256_gcm"]
    assert wechatpay.aead_decrypt(v["apiv3_key"], v["nonce"], v["associated_data"], v["ciphertext"]) == b"message"
    assert aead_encrypt(v["apiv3_key"], v["nonce"], v["associated_data"], v["plaintext"]) == v["ciphertext"]
    with pytest.raises(wechatpay.SignatureError):
        wechatpay.aead_decrypt(v["apiv3_key"], v["nonce"], "otherData", v["ciphertext"])


def test_certificates_response_decrypts_to_certificate_with_announced_serial():
    v = V3["wechatpay_java_certificates_response"]
    pem = wechatpay.decrypt_resource(v["apiv3_key"], {"algorithm": "AEAD_AES_256_GCM", "nonce": v["nonce"],
                                                      "associated_data": v["associated_data"],
                                                      "ciphertext": v["ciphertext"]})
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert wechatpay.certificate_serial(pem) == v["serial_no"]


def test_jsapi_pay_sign_covers_appid_timestamp_nonce_package():
    key = wechatpay.load_private_key(V3["wechatpay_go_signer"]["private_key_pem"])
    params = wechatpay.jsapi_pay_params("wx8888888888888888", "wx201410272009395522657a690389285100", key,
                                        timestamp="1414561699", nonce="5K8264ILTKCH16CQ2502SI8ZNMTM67VS")
    assert params["package"] == "prepay_id=wx201410272009395522657a690389285100"
    assert params["signType"] == "RSA"
    message = "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n" + params["package"] + "\n"
    assert wechatpay.rsa_verify(key.publickey(), message, params["paySign"])
