"""WXBizMsgCrypt: the documentation's vectors, strictness, and properties."""

from __future__ import annotations

import base64
import contextlib
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import independent
from tests.vectors import DOC, PY, WECHATPY
from wecom_callback.crypto import WeComCrypto, signature
from wecom_callback.errors import (
    AESKeyError,
    Base64DecodeError,
    CryptoError,
    DecryptError,
    PlaintextError,
    ReceiveIdError,
    SignatureError,
)

TOKEN, KEY, RID = "tok3n", "a" * 43, "ww0123456789abcdef"


def query(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def test_doc_vector_get() -> None:
    crypto = WeComCrypto(DOC["token"], DOC["key"], DOC["receive_id"])
    q = query(DOC["get_path"])
    assert (
        crypto.verify_url(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
        == (DOC["echo"])
    )


def test_doc_vector_post_pad_30() -> None:
    crypto = WeComCrypto(DOC["token"], DOC["key"], DOC["receive_id"])
    plain = crypto.unseal(
        DOC["post_signature"], DOC["post_timestamp"], DOC["post_nonce"], DOC["encrypt"]
    )
    assert plain.message == DOC["plaintext"]
    assert plain.receive_id == DOC["receive_id"]


def test_python_sample_vector_utf8() -> None:
    crypto = WeComCrypto(PY["token"], PY["key"], PY["receive_id"])
    assert crypto.verify_url(*PY["get"]) == PY["echo"]
    message = crypto.decrypt(*PY["post"])
    assert message == PY["plaintext"]
    assert len(message) == 228


def test_wechatpy_vectors() -> None:
    crypto = WeComCrypto(WECHATPY["token"], WECHATPY["key"], WECHATPY["receive_id"])
    assert crypto.verify_url(*WECHATPY["echo_args"]) == WECHATPY["echo"]
    sig, ts, _, echostr = WECHATPY["echo_args"]
    with pytest.raises(SignatureError):
        crypto.verify_url(sig, ts, "437374424", echostr)
    message = crypto.decrypt(*WECHATPY["decrypt_args"])
    assert b"<Content><![CDATA[test]]></Content>" in message
    assert b"4363689963896700987" in message


def test_wechatpy_encrypt_byte_exact() -> None:
    crypto = WeComCrypto(WECHATPY["token"], WECHATPY["key"], WECHATPY["receive_id"])
    env = crypto.encrypt(
        WECHATPY["encrypt_plaintext"], "1411525903", "461056294", random_prefix=b"1234567890123456"
    )
    assert env.encrypt == WECHATPY["encrypt_expected"]
    assert env.msg_signature == WECHATPY["encrypt_signature"]
    xml = env.to_xml()
    assert "<TimeStamp>1411525903</TimeStamp>" in xml
    assert "<Nonce><![CDATA[461056294]]></Nonce>" in xml
    assert f"<MsgSignature><![CDATA[{WECHATPY['encrypt_signature']}]]></MsgSignature>" in xml


def test_binary_random_prefix_round_trip() -> None:
    prefix = bytes([0x21, 0xE3, 0x30, 0x70, 0xC5, 0x6D, 0x00, 0xFF, 0x80, 0x0A, 0, 1, 2, 3, 4, 5])
    crypto = WeComCrypto(TOKEN, KEY, RID)
    env = crypto.encrypt(b"<xml><A>1</A></xml>", "1700000000", "42", random_prefix=prefix)
    message, rid = independent.decrypt(KEY, env.encrypt)
    assert (message, rid) == (b"<xml><A>1</A></xml>", RID.encode())
    assert crypto.decrypt(env.msg_signature, "1700000000", "42", env.encrypt) == message
    key = base64.b64decode(KEY + "=")
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(env.encrypt)) + dec.finalize()
    assert plain[:16] == prefix


def test_key_must_be_43_alphanumerics() -> None:
    with pytest.raises(AESKeyError) as info:
        WeComCrypto(TOKEN, "a" * 42, RID)
    assert info.value.code == -40004
    with pytest.raises(AESKeyError):
        WeComCrypto(TOKEN, "a" * 42 + "+", RID)


def test_receive_id_allow_list() -> None:
    sender = WeComCrypto(TOKEN, KEY, "other-corp")
    env = sender.encrypt(b"<xml/>", "1", "2")
    receiver = WeComCrypto(TOKEN, KEY, [RID, "suite-id"])
    with pytest.raises(ReceiveIdError) as info:
        receiver.decrypt(env.msg_signature, "1", "2", env.encrypt)
    assert info.value.code == -40005


def test_empty_receive_id_only_when_configured() -> None:
    sender = WeComCrypto(TOKEN, KEY, "")
    env = sender.encrypt(b"<xml/>", "1", "2")
    with pytest.raises(ReceiveIdError):
        WeComCrypto(TOKEN, KEY, RID).decrypt(env.msg_signature, "1", "2", env.encrypt)
    assert (
        WeComCrypto(TOKEN, KEY, [RID, ""])
        .unseal(env.msg_signature, "1", "2", env.encrypt)
        .receive_id
        == ""
    )


def _sealed(body: bytes) -> str:
    """Encrypt raw bytes (already padded by the caller) with stock CBC."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(KEY + "=")
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(body) + enc.finalize()).decode()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"x" * 31 + b"\x00", DecryptError),  # pad 0
        (b"x" * 31 + b"\x21", DecryptError),  # pad 33 > 32
        (b"x" * 29 + b"\x01\x03\x03", DecryptError),  # unequal pad bytes
        (b"x" * 16 + b"\xff\xff\xff\xff" + b"y" * 11 + b"\x01", PlaintextError),  # length runs out
        (b"x" * 14 + b"\x12" * 18, PlaintextError),  # shorter than the header
    ],
)
def test_malformed_plaintext_is_refused(body: bytes, error: type[CryptoError]) -> None:
    crypto = WeComCrypto(TOKEN, KEY, RID)
    enc = _sealed(body)
    with pytest.raises(error):
        crypto.decrypt(signature(TOKEN, "1", "2", enc), "1", "2", enc)


@pytest.mark.parametrize("bad", ["abc", "ab=c" * 8, "a" * 43 + "B=", "é" * 44, "A" * 42 + "B="])
def test_non_canonical_base64_is_refused(bad: str) -> None:
    crypto = WeComCrypto(TOKEN, KEY, RID)
    with pytest.raises(Base64DecodeError) as info:
        crypto.decrypt(signature(TOKEN, "1", "2", bad), "1", "2", bad)
    assert info.value.code == -40010


def test_signature_is_checked_first() -> None:
    crypto = WeComCrypto(TOKEN, KEY, RID)
    with pytest.raises(SignatureError) as info:
        crypto.decrypt("0" * 40, "1", "2", "not even base64")
    assert info.value.code == -40001
    with pytest.raises(SignatureError):
        crypto.decrypt("ü" * 40, "1", "2", "x")


def test_repr_hides_secrets() -> None:
    text = repr(WeComCrypto("super-secret-token", KEY, RID))
    assert "super-secret-token" not in text and KEY not in text


@settings(max_examples=200, deadline=None)
@given(message=st.binary(max_size=3000), rid=st.text(max_size=40))
def test_encrypt_then_decrypt_is_identity(message: bytes, rid: str) -> None:
    crypto = WeComCrypto(TOKEN, KEY, rid)
    env = crypto.encrypt(message)
    plain = crypto.unseal(env.msg_signature, env.timestamp, env.nonce, env.encrypt)
    assert (plain.message, plain.receive_id) == (message, rid)
    assert independent.decrypt(KEY, env.encrypt) == (message, rid.encode())


_env = WeComCrypto(TOKEN, KEY, RID).encrypt(b"<xml><Content>hi</Content></xml>", "1700000000", "77")


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(["encrypt", "msg_signature", "timestamp", "nonce"]),
    position=st.integers(min_value=0, max_value=10_000),
    replacement=st.characters(codec="utf-8"),
    delete=st.booleans(),
)
def test_any_mutation_is_a_crypto_error(
    field: str, position: int, replacement: str, delete: bool
) -> None:
    values = {
        "encrypt": _env.encrypt,
        "msg_signature": _env.msg_signature,
        "timestamp": _env.timestamp,
        "nonce": _env.nonce,
    }
    original = values[field]
    i = position % len(original)
    mutated = original[:i] + ("" if delete else replacement) + original[i + 1 :]
    if mutated == original:
        return
    values[field] = mutated
    crypto = WeComCrypto(TOKEN, KEY, RID)
    with pytest.raises(CryptoError):
        crypto.decrypt(
            values["msg_signature"], values["timestamp"], values["nonce"], values["encrypt"]
        )


@settings(max_examples=300, deadline=None)
@given(data=st.binary(min_size=0, max_size=600))
def test_arbitrary_ciphertext_with_valid_signature_never_crashes(data: bytes) -> None:
    """Even correctly signed garbage only ever raises CryptoError."""
    crypto = WeComCrypto(TOKEN, KEY, RID)
    enc = base64.b64encode(data).decode()
    with contextlib.suppress(CryptoError):
        crypto.decrypt(signature(TOKEN, "1", "2", enc), "1", "2", enc)
