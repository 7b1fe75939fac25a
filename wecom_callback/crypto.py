"""WeCom's WXBizMsgCrypt scheme: signatures, AES-256-CBC, 32-byte PKCS#7, receive ids.

Stricter than the official samples: constant-time signature comparison, canonical
base64 only, every padding byte checked, the length field bounded, the random prefix
treated as opaque bytes and the receive id checked against an explicit allow-list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Container, Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ._wire.json_envelope import dump_json
from ._wire.writer import cdata, document
from .errors import (
    AESKeyError,
    Base64DecodeError,
    ComputeSignatureError,
    DecryptError,
    EncryptError,
    PlaintextError,
    ReceiveIdError,
    SignatureError,
)

__all__ = [
    "EncryptedEnvelope",
    "Plaintext",
    "WeComCrypto",
    "cdata",
    "generate_key",
    "generate_token",
    "signature",
]

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def generate_key() -> str:
    """A fresh random 43-character EncodingAESKey."""
    return "".join(secrets.choice(_ALNUM) for _ in range(43))


def generate_token() -> str:
    """A fresh random callback Token (WeCom allows up to 32 letters and digits)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


_BLOCK = 32  # WeCom pads to 32-byte multiples, not AES's 16
_KEY_RE = re.compile(r"[A-Za-z0-9]{43}")
_PADS = tuple(bytes((n,)) * n for n in range(_BLOCK + 1))  # _PADS[n]: n bytes of value n


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """Return ``hex(sha1(sorted(token, timestamp, nonce, encrypt) joined))``, lowercase."""
    try:
        parts = sorted((token, timestamp, nonce, encrypt))
        return hashlib.sha1("".join(parts).encode()).hexdigest()
    except (TypeError, UnicodeEncodeError) as exc:
        raise ComputeSignatureError(f"cannot compute signature: {exc}") from None


@dataclass(frozen=True, slots=True)
class EncryptedEnvelope:
    """An encrypted passive reply: what goes back to WeCom in the response body."""

    encrypt: str
    msg_signature: str
    timestamp: str
    nonce: str

    def to_xml(self) -> str:
        """The reply envelope with WeCom's official tags."""
        # The official samples write the timestamp bare, the other values in CDATA.
        stamp: int | str = int(self.timestamp) if self.timestamp.isdigit() else self.timestamp
        fields = {"Encrypt": self.encrypt, "MsgSignature": self.msg_signature}
        return document(fields | {"TimeStamp": stamp, "Nonce": self.nonce})

    def to_json(self) -> bytes:
        """The JSON reply envelope (AI bots): ``encrypt, msgsignature, timestamp, nonce``."""
        # The AI bot document's example writes the timestamp as a number.
        stamp: int | str = int(self.timestamp) if self.timestamp.isdigit() else self.timestamp
        fields = {"encrypt": self.encrypt, "msgsignature": self.msg_signature}
        return dump_json(fields | {"timestamp": stamp, "nonce": self.nonce})


@dataclass(frozen=True, slots=True)
class Plaintext:
    """A decrypted payload and the receive id it was addressed to."""

    message: bytes
    receive_id: str


class WeComCrypto:
    """Verify, decrypt and encrypt WeCom callbacks for one token, key and receive-id list.

    ``receive_ids`` is one id or several (a CorpID, a SuiteID, the provider's CorpID).
    The empty string is accepted only when it is listed explicitly (individual providers
    and AI bots use it). The AES key schedule is built once here, not per message.

    ``more_receive_ids`` is an optional live container consulted only when an id is not
    in ``receive_ids`` (a suite's installed corps, which change while the app runs). Its
    ``in`` must be fast and must not block: it runs on every such callback.
    """

    __slots__ = (
        "_cbc_decryptor",
        "_dec_lock",
        "_iv",
        "_key",
        "_token",
        "more_receive_ids",
        "receive_ids",
    )

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        receive_ids: str | Iterable[str],
        *,
        more_receive_ids: Container[str] | None = None,
    ) -> None:
        if not isinstance(encoding_aes_key, str) or not _KEY_RE.fullmatch(encoding_aes_key):
            raise AESKeyError("EncodingAESKey must be exactly 43 characters of [A-Za-z0-9]")
        if not token:
            raise ValueError("token must not be empty")
        key = base64.b64decode(encoding_aes_key + "=")
        ids = (receive_ids,) if isinstance(receive_ids, str) else tuple(receive_ids)
        if not ids:
            raise ValueError("at least one receive id is required")
        self._token = token
        self._key = key
        self._iv = key[:16]
        self.receive_ids: frozenset[str] = frozenset(ids)
        self.more_receive_ids = more_receive_ids
        # One CBC context (one key schedule) serves every message: building a Cipher per
        # message costs more than decrypting it. The lock keeps the context single-user.
        self._cbc_decryptor = Cipher(algorithms.AES(key), modes.CBC(self._iv)).decryptor()
        self._dec_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WeComCrypto(receive_ids={sorted(self.receive_ids)!r}, token=***, key=***)"

    # -- verification -------------------------------------------------------------

    def check_signature(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Raise :class:`SignatureError` unless ``msg_signature`` is right (constant time)."""
        expected = signature(self._token, timestamp, nonce, encrypt)
        try:
            # compare_digest takes ASCII str as is; it raises TypeError for other text.
            ok = hmac.compare_digest(expected, msg_signature)
        except TypeError:
            ok = False
        if not ok:
            raise SignatureError("msg_signature does not match the request")

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """Check a URL-verification GET and return the echostr plaintext to answer with."""
        plain = self.unseal(msg_signature, timestamp, nonce, echostr)
        try:
            return plain.message.decode("utf-8")
        except UnicodeDecodeError:
            raise PlaintextError("echostr plaintext is not UTF-8") from None

    def decrypt(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> bytes:
        """Verify and decrypt a POST's ``Encrypt`` field; return the plaintext XML bytes."""
        return self.unseal(msg_signature, timestamp, nonce, encrypt).message

    def unseal(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> Plaintext:
        """Like :meth:`decrypt`, also returning which receive id the payload named."""
        self.check_signature(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt_unsigned(encrypt)

    def decrypt_unsigned(self, encrypt: str) -> Plaintext:
        """Decrypt ``encrypt`` without a signature check (the caller has done it)."""
        raw = self._b64decode(encrypt)
        if len(raw) < 32 or len(raw) % 16:
            raise DecryptError(f"ciphertext length {len(raw)} is not a multiple of 16 >= 32")
        with self._dec_lock:
            # CBC's chaining value after a block is that ciphertext block, so decrypting
            # the IV as a throwaway block restarts the shared context at the IV.
            self._cbc_decryptor.update(self._iv)
            buf = self._cbc_decryptor.update(raw)
        pad = buf[-1]
        if not 1 <= pad <= _BLOCK or not buf.endswith(_PADS[pad]):
            raise DecryptError("bad PKCS#7 padding")
        end = len(buf) - pad
        if end < 20:
            raise PlaintextError("decrypted buffer is shorter than its 20-byte header")
        msg_len = int.from_bytes(buf[16:20], "big")
        if 20 + msg_len > end:
            raise PlaintextError(f"length field {msg_len} runs past the buffer")
        try:
            receive_id = buf[20 + msg_len : end].decode("utf-8")
        except UnicodeDecodeError:
            raise ReceiveIdError("receive id is not UTF-8") from None
        if receive_id not in self.receive_ids and not self._more(receive_id):
            raise ReceiveIdError("receive id is not on the allow-list", carried=receive_id)
        return Plaintext(buf[20 : 20 + msg_len], receive_id)

    def decrypt_media(self, data: bytes) -> bytes:
        """Decrypt a file an AI bot's media URL serves (webhook mode): AES-256-CBC, 32-byte PKCS#7.

        The key and IV are the callbacks' own; there is no header, length or receive id.
        """
        if len(data) < 16 or len(data) % 16:
            raise DecryptError(f"media length {len(data)} is not a positive multiple of 16")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).decryptor()
        buf = decryptor.update(data) + decryptor.finalize()
        pad = buf[-1]
        if not 1 <= pad <= _BLOCK or not buf.endswith(_PADS[pad]):
            raise DecryptError("bad PKCS#7 padding in the media")
        return buf[:-pad]

    def encrypt_media(self, data: bytes) -> bytes:
        """The inverse of :meth:`decrypt_media` (what WeCom serves; used by tests and fakes)."""
        pad = _BLOCK - len(data) % _BLOCK
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).encryptor()
        return encryptor.update(data + bytes((pad,)) * pad) + encryptor.finalize()

    def _more(self, receive_id: str) -> bool:
        # Only reached when the static set missed: the common case costs one lookup.
        more = self.more_receive_ids
        return more is not None and receive_id in more

    @staticmethod
    def _b64decode(text: str) -> bytes:
        if len(text) % 4:
            raise Base64DecodeError("ciphertext is not strict base64")
        try:
            # strict_mode refuses characters outside the alphabet (whitespace included),
            # padding anywhere but at the end, and excess padding, in one C pass.
            raw = binascii.a2b_base64(text, strict_mode=True)
        except binascii.Error:
            raise Base64DecodeError("ciphertext is not strict base64") from None
        except ValueError:  # a str with non-ASCII characters
            raise Base64DecodeError("ciphertext is not ASCII base64") from None
        # Non-canonical encodings (stray bits in the last symbol) are refused too. Only the
        # final quantum can carry such bits, so re-encoding its 1-3 bytes is enough.
        if raw:
            tail = raw[-(len(raw) % 3 or 3) :]
            if binascii.b2a_base64(tail, newline=False) != text[-4:].encode("ascii"):
                raise Base64DecodeError("ciphertext is not canonical base64")
        return raw

    # -- encryption ---------------------------------------------------------------

    def encrypt_raw(
        self, plaintext: bytes, *, receive_id: str | None = None, random_prefix: bytes | None = None
    ) -> str:
        """Encrypt ``plaintext`` into the base64 ``Encrypt`` value (no signature)."""
        rid = self._pick_receive_id(receive_id)
        prefix = random_prefix if random_prefix is not None else _random_prefix()
        if len(prefix) != 16:
            raise EncryptError("random prefix must be 16 bytes")
        body = prefix + len(plaintext).to_bytes(4, "big") + plaintext + rid.encode("utf-8")
        pad = _BLOCK - len(body) % _BLOCK
        body += bytes((pad,)) * pad
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).encryptor()
        sealed = encryptor.update(body) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def encrypt(
        self,
        plaintext: bytes | str,
        timestamp: str | int | None = None,
        nonce: str | None = None,
        *,
        receive_id: str | None = None,
        random_prefix: bytes | None = None,
    ) -> EncryptedEnvelope:
        """Encrypt and sign ``plaintext``; ``.to_xml()`` of the result is the reply body."""
        data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nc = nonce if nonce is not None else str(secrets.randbelow(9_000_000_000) + 1_000_000_000)
        enc = self.encrypt_raw(data, receive_id=receive_id, random_prefix=random_prefix)
        return EncryptedEnvelope(enc, signature(self._token, ts, nc, enc), ts, nc)

    def _pick_receive_id(self, receive_id: str | None) -> str:
        if receive_id is None:
            if len(self.receive_ids) == 1:
                return next(iter(self.receive_ids))
            raise ReceiveIdError("several receive ids are configured: name one to encrypt for")
        if receive_id not in self.receive_ids and not self._more(receive_id):
            raise ReceiveIdError("receive id is not on the allow-list")
        return receive_id


def _random_prefix() -> bytes:
    # ASCII like the official encoders, in case a peer decodes the prefix as text.
    return secrets.token_urlsafe(12).encode("ascii")
