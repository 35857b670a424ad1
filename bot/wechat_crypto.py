"""WeChat's safe-mode message crypto: msg_signature, decrypting a message and encrypting a reply, with the checks
WeRoBot skips."""

import base64
import binascii
import hmac
import secrets
import struct
import time

from werobot.crypto import MessageCrypt
from werobot.crypto.exceptions import UnvalidEncodingAESKey
from werobot.utils import get_signature


class BadSignature(Exception):
    """msg_signature does not match: not from WeChat (or the token is wrong)."""


class DecryptError(ValueError):
    """The signature was right but the ciphertext does not decrypt to a message for our app id."""


class SafeModeCrypto:
    """WeChat's message crypto (AES-256-CBC, IV = key[:16], PKCS#7 to 32 bytes) on top of WeRoBot's MessageCrypt,
    with the checks WeRoBot skips: constant-time signature compare, padding, length and app id validation."""

    def __init__(self, token, encoding_aes_key, app_id):
        try:
            base64.b64decode((encoding_aes_key or "") + "=", validate=True)   # MessageCrypt would skip non-base64
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

    def encrypted_reply(self, xml, nonce, timestamp=None):
        """Our reply wrapped as WeChat expects in safe mode (Encrypt, MsgSignature, TimeStamp, Nonce)."""
        return self._message_crypt.encrypt_message(xml, timestamp=str(timestamp or int(time.time())),
                                                   nonce=str(nonce or secrets.token_hex(5)))
