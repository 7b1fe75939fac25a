"""Every exception wecom-callback raises, in one family tree.

```
WeComCallbackError                 base of everything below
├── RequestError                   the HTTP request cannot be a WeCom callback (4xx)
│   ├── MissingParameterError      a required query parameter is absent (400, -40001)
│   ├── AmbiguousRequestError      duplicate parameters, an encoded body (400, -40002)
│   ├── PayloadTooLargeError       the body is over the configured cap (413, -40002)
│   ├── BodyTimeoutError           the body did not arrive in time (408)
│   └── ReplayError                the signed timestamp is outside the replay window (403)
├── CryptoError                    WXBizMsgCrypt failures, each with WeCom's official code
│   ├── SignatureError             -40001 msg_signature does not match
│   ├── XMLParseError              -40002 body or plaintext is not acceptable XML
│   ├── JSONParseError             -40002 an AI bot's body or plaintext is not acceptable JSON
│   ├── ComputeSignatureError      -40003 the signature could not be computed
│   ├── AESKeyError                -40004 EncodingAESKey is not 43 base64 characters
│   ├── ReceiveIdError             -40005 the receive id is not on the allow-list
│   ├── EncryptError               -40006 AES encryption failed
│   ├── DecryptError               -40007 AES decryption or PKCS#7 padding failed
│   ├── PlaintextError             -40008 the decrypted buffer is malformed
│   ├── Base64EncodeError          -40009 base64 encoding failed
│   ├── Base64DecodeError          -40010 the ciphertext is not strict base64
│   ├── ReplyXMLError              -40011 the reply XML could not be generated
│   └── ProtocolTypeError          -40012 the body is not the wire format of the endpoint
├── HandlerError                   a handler signature or injection problem
├── ConfigurationError             settings are missing or invalid
├── InboxUnavailableError          the inbox cannot store or read now (answered 503)
├── LockTimeoutError               a store lock was not acquired in time
├── ClientClosedError              a WeComClient was used after it was closed
├── ResponseURLUsedError           an AI bot's response_url was posted to before (single use)
├── WeComTransportError            no usable answer from WeCom: network, timeout, HTTP 5xx, not JSON
└── WeComAPIError                  the outbound API answered errcode != 0 (errcode, errmsg, api)
    ├── WeComRateLimitError        45009, 45033: over a frequency or concurrency limit; back off
    └── WeComConfigError           40001, 40013, 48002, 60020, ...: fix the secret, permission
                                   or trusted IP (also a ConfigurationError)
```
"""

from __future__ import annotations

__all__ = [
    "AESKeyError",
    "AmbiguousRequestError",
    "Base64DecodeError",
    "Base64EncodeError",
    "BodyTimeoutError",
    "ClientClosedError",
    "ComputeSignatureError",
    "ConfigurationError",
    "CryptoError",
    "DecryptError",
    "EncryptError",
    "HandlerError",
    "InboxUnavailableError",
    "JSONParseError",
    "LockTimeoutError",
    "MissingParameterError",
    "PayloadTooLargeError",
    "PlaintextError",
    "ProtocolTypeError",
    "ReceiveIdError",
    "ReplayError",
    "ReplyXMLError",
    "RequestError",
    "ResponseURLUsedError",
    "SignatureError",
    "WeComAPIError",
    "WeComCallbackError",
    "WeComConfigError",
    "WeComRateLimitError",
    "WeComTransportError",
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
    """The HTTP request cannot be a WeCom callback; answered with a 4xx.

    ``code`` is the official code that fits the failure, where one does.
    """

    code: int | None = None


class MissingParameterError(RequestError):
    """A required query parameter (msg_signature, timestamp, nonce, echostr) is absent.

    Without them the signature cannot be checked: WeCom's SDKs report -40001 then.
    """

    code = -40001


class AmbiguousRequestError(RequestError):
    """The request could be read two ways: a parameter given twice, an encoded body."""

    code = -40002


class PayloadTooLargeError(RequestError):
    """The request body is larger than the configured cap."""

    status_code = 413
    code = -40002
    drained: bool = False
    """True when the body was read to its end (the connection can stay open)."""


class BodyTimeoutError(RequestError):
    """The body did not arrive within the read timeout (a slow or stalled sender)."""

    status_code = 408


class ReplayError(RequestError):
    """The signed timestamp is outside the replay window: too old to be new, or future."""

    status_code = 403


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


class JSONParseError(CryptoError):
    """An AI bot's body or decrypted plaintext is not acceptable JSON (the JSON samples' -40002)."""

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

    def __init__(self, reason: str, carried: str | None = None) -> None:
        super().__init__(reason)
        self.carried = carried
        """The receive id the payload named (not a secret: a CorpID or SuiteID), when
        decryption got that far."""


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


class ProtocolTypeError(CryptoError):
    """The body is another wire format than the endpoint's (XML sent to an AI bot's URL).

    ``-40012`` is the official JSON sample's IllegalProtocolType.
    """

    code = -40012


class HandlerError(WeComCallbackError):
    """A handler asks for a parameter that cannot be injected, or similar misuse."""


class ConfigurationError(WeComCallbackError):
    """Settings are missing or invalid."""


class InboxUnavailableError(WeComCallbackError):
    """The inbox cannot store or read records now (unreachable, too slow, file gone).

    Callbacks are then answered 503, so WeCom delivers them again later.
    """

    status_code = 503


class LockTimeoutError(WeComCallbackError):
    """A lock in a shared store was not acquired within its timeout (another holder kept it)."""


class ClientClosedError(WeComCallbackError):
    """A :class:`~wecom_callback.client.WeComClient` was used after ``aclose()``."""


class ResponseURLUsedError(WeComCallbackError):
    """An AI bot's ``response_url`` takes one answer; this one was posted to already."""


class WeComTransportError(WeComCallbackError):
    """WeCom gave no usable answer: a network failure, a timeout, HTTP 5xx, or a non-JSON body.

    ``api`` is the path called (``"message/send"``); ``http_status`` the HTTP status, if
    an answer arrived. The text never includes the request URL (it carries the token).
    """

    def __init__(self, reason: str, *, api: str, http_status: int | None = None) -> None:
        super().__init__(f"{api}: {reason}")
        self.api = api
        self.http_status = http_status


#: Codes that mean "over a limit": retrying at once only makes it worse (OUTBOUND.md 1.2).
_RATE_LIMIT_CODES = frozenset({45009, 45033})

#: Codes that mean "fix the configuration", with what to check.
_CONFIG_HINTS: dict[int, str] = {
    40001: "check the corp id and the secret: the secret may be wrong, reset, or its app disabled",
    40013: "check the corp id",
    40080: "check the suite secret",
    40083: "check the suite id",
    48002: "the secret's app lacks permission for this API"
    " (e.g. the contact-sync secret cannot send messages)",
    60020: "add this server's public IP to the app's trusted IP list (企业可信IP);"
    " third-party and customised apps need the provider's IP whitelist",
}

_RATE_HINTS: dict[int, str] = {
    45009: "over the API's frequency limit; WeCom blocks for the length of the exceeded window",
    45033: "too many concurrent calls of this API; lower the concurrency",
}


class WeComAPIError(WeComCallbackError):
    """WeCom's API answered with ``errcode != 0``.

    ``errcode`` and ``errmsg`` are WeCom's; ``api`` is the path called (``"message/send"``),
    or None. :meth:`from_response` picks :class:`WeComRateLimitError` or
    :class:`WeComConfigError` where the code calls for it.
    """

    def __init__(self, errcode: int, errmsg: str, api: str | None = None) -> None:
        where = f" from {api}" if api else ""
        hint = _CONFIG_HINTS.get(errcode) or _RATE_HINTS.get(errcode)
        text = f"WeCom API error {errcode}{where}: {errmsg}"
        super().__init__(f"{text} ({hint})" if hint else text)
        self.errcode = errcode
        self.errmsg = errmsg
        self.api = api

    @property
    def is_rate_limit(self) -> bool:
        """True for 45009 and 45033: back off before calling again."""
        return self.errcode in _RATE_LIMIT_CODES

    @classmethod
    def from_response(cls, errcode: int, errmsg: str, api: str | None = None) -> WeComAPIError:
        """The most specific error class for ``errcode``."""
        if errcode in _RATE_LIMIT_CODES:
            return WeComRateLimitError(errcode, errmsg, api)
        if errcode in _CONFIG_HINTS:
            return WeComConfigError(errcode, errmsg, api)
        return WeComAPIError(errcode, errmsg, api)


class WeComRateLimitError(WeComAPIError):
    """45009 (frequency limit) or 45033 (concurrency limit): back off, do not retry at once."""


class WeComConfigError(WeComAPIError, ConfigurationError):
    """A code no retry can fix (40001, 40013, 48002, 60020, ...); the text says what to check."""
