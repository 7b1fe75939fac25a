"""Every exception wecom-callback raises, in one family tree.

```
WeComCallbackError                 base of everything below
├── RequestError                   the HTTP request cannot be a WeCom callback (4xx)
│   ├── MissingParameterError      a required query parameter is absent (400)
│   └── PayloadTooLargeError       the body is over the configured cap (413)
├── CryptoError                    WXBizMsgCrypt failures, each with WeCom's official code
│   ├── SignatureError             -40001 msg_signature does not match
│   ├── XMLParseError              -40002 body or plaintext is not acceptable XML
│   ├── ComputeSignatureError      -40003 the signature could not be computed
│   ├── AESKeyError                -40004 EncodingAESKey is not 43 base64 characters
│   ├── ReceiveIdError             -40005 the receive id is not on the allow-list
│   ├── EncryptError               -40006 AES encryption failed
│   ├── DecryptError               -40007 AES decryption or PKCS#7 padding failed
│   ├── PlaintextError             -40008 the decrypted buffer is malformed
│   ├── Base64EncodeError          -40009 base64 encoding failed
│   ├── Base64DecodeError          -40010 the ciphertext is not strict base64
│   └── ReplyXMLError              -40011 the reply XML could not be generated
├── HandlerError                   a handler signature or injection problem
├── ConfigurationError             settings are missing or invalid
└── WeComAPIError                  the outbound API answered errcode != 0
```
"""

from __future__ import annotations

__all__ = [
    "AESKeyError",
    "Base64DecodeError",
    "Base64EncodeError",
    "ComputeSignatureError",
    "ConfigurationError",
    "CryptoError",
    "DecryptError",
    "EncryptError",
    "HandlerError",
    "MissingParameterError",
    "PayloadTooLargeError",
    "PlaintextError",
    "ReceiveIdError",
    "ReplyXMLError",
    "RequestError",
    "SignatureError",
    "WeComAPIError",
    "WeComCallbackError",
    "XMLParseError",
]


class WeComCallbackError(Exception):
    """Base class of every error raised by wecom-callback."""

    #: HTTP status the receiver answers with when this error ends a request.
    status_code: int = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RequestError(WeComCallbackError):
    """The HTTP request cannot be a WeCom callback; answered with a 4xx."""


class MissingParameterError(RequestError):
    """A required query parameter (msg_signature, timestamp, nonce, echostr) is absent."""


class PayloadTooLargeError(RequestError):
    """The request body is larger than the configured cap."""

    status_code = 413


class CryptoError(WeComCallbackError):
    """A WXBizMsgCrypt failure; ``code`` is WeCom's official error code."""

    code: int = 0
    status_code = 400

    def __str__(self) -> str:
        return f"[{self.code}] {self.reason}"


class SignatureError(CryptoError):
    """msg_signature does not match SHA1(sort(token, timestamp, nonce, encrypt))."""

    code = -40001
    status_code = 403


class XMLParseError(CryptoError):
    """The body or the decrypted plaintext is not acceptable XML (DTDs are refused)."""

    code = -40002


class ComputeSignatureError(CryptoError):
    """The signature could not be computed (an input is not text)."""

    code = -40003


class AESKeyError(CryptoError):
    """The EncodingAESKey is not 43 characters of [A-Za-z0-9]."""

    code = -40004


class ReceiveIdError(CryptoError):
    """The receive id inside the plaintext is not on the allow-list."""

    code = -40005
    status_code = 403


class EncryptError(CryptoError):
    """AES encryption failed."""

    code = -40006


class DecryptError(CryptoError):
    """AES decryption failed: bad block length or bad PKCS#7 padding."""

    code = -40007


class PlaintextError(CryptoError):
    """The decrypted buffer is malformed (length field out of bounds, bad UTF-8)."""

    code = -40008


class Base64EncodeError(CryptoError):
    """Base64 encoding failed."""

    code = -40009


class Base64DecodeError(CryptoError):
    """The ciphertext is not strict, canonical base64."""

    code = -40010


class ReplyXMLError(CryptoError):
    """The passive reply XML could not be generated."""

    code = -40011


class HandlerError(WeComCallbackError):
    """A handler asks for a parameter that cannot be injected, or similar misuse."""


class ConfigurationError(WeComCallbackError):
    """Settings are missing or invalid."""


class WeComAPIError(WeComCallbackError):
    """WeCom's API answered with ``errcode != 0``."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeCom API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
