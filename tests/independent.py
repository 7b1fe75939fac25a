"""A second, deliberately naive implementation of WXBizMsgCrypt, for cross-checking.

It shares no code with the package: stock CBC mode, manual unpadding, hashlib.
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def sign(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


def decrypt(encoding_aes_key: str, encrypt: str) -> tuple[bytes, bytes]:
    """Return (message, receive id)."""
    key = base64.b64decode(encoding_aes_key + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypt)) + dec.finalize()
    plain = plain[: -plain[-1]]
    length = int.from_bytes(plain[16:20], "big")
    return plain[20 : 20 + length], plain[20 + length :]


def open_reply(token: str, encoding_aes_key: str, body: bytes) -> tuple[bytes, bytes]:
    """Verify a reply envelope's signature and decrypt it: (message, receive id)."""
    root = ET.fromstring(body)
    enc = root.findtext("Encrypt") or ""
    sig = root.findtext("MsgSignature") or ""
    ts = root.findtext("TimeStamp") or ""
    nonce = root.findtext("Nonce") or ""
    assert sign(token, ts, nonce, enc) == sig, "reply signature does not verify"
    return decrypt(encoding_aes_key, enc)
