"""On the public internet: a corpus of hostile requests through a real uvicorn.

Every row is a request a stranger (or a broken proxy) could send, with the status and
WeCom code it must get. None may be a 5xx, none may reach a handler, and the server
must still answer a valid callback afterwards. A hypothesis test fuzzes the HTTP layer.
"""

from __future__ import annotations

import base64
import secrets
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from tests.conftest import CORP, KEY, TOKEN
from wecom_callback import WeComApp
from wecom_callback.crypto import signature
from wecom_callback.models import Callback
from wecom_callback.testing import LiveServer, Simulator

AES = base64.b64decode(KEY + "=")
NOW = str(int(time.time()))


def aes(buf: bytes) -> str:
    """AES-CBC of ``buf`` (already a multiple of 16) under the app's key, base64."""
    enc = Cipher(algorithms.AES(AES), modes.CBC(AES[:16])).encryptor()
    return base64.b64encode(enc.update(buf) + enc.finalize()).decode()


def pkcs7(buf: bytes) -> bytes:
    pad = 32 - len(buf) % 32
    return buf + bytes([pad]) * pad


def payload(message: bytes, receive_id: bytes = CORP.encode(), *, length: int | None = None) -> str:
    """A WeCom plaintext buffer (random, length, message, receive id), padded, encrypted."""
    size = len(message) if length is None else length
    return aes(pkcs7(secrets.token_bytes(16) + struct.pack(">I", size) + message + receive_id))


@dataclass(frozen=True)
class Hostile:
    """One request and what it must get."""

    name: str
    status: int
    code: int | None
    method: str = "POST"
    query: dict[str, str] | list[tuple[str, str]] | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    path: str = "/"


def signed(encrypt: str, *, timestamp: str = NOW, token: str = TOKEN) -> dict[str, str]:
    nonce = "n0nce"
    return {
        "msg_signature": signature(token, timestamp, nonce, encrypt),
        "timestamp": timestamp,
        "nonce": nonce,
    }


def envelope(encrypt: str) -> bytes:
    to = f"<ToUserName><![CDATA[{CORP}]]></ToUserName>"
    return f"<xml>{to}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()


def corpus() -> list[Hostile]:
    sim = Simulator(TOKEN, KEY, CORP)
    good = sim.callback({"ToUserName": CORP, "FromUserName": "u", "CreateTime": 1,
                         "MsgType": "text", "Content": "x", "MsgId": "1"})  # fmt: skip
    enc = good.body.decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    q = dict(good.query)
    plain = b"<xml><MsgType>text</MsgType><Content>x</Content></xml>"
    rows: list[Hostile] = []
    # -- query parameters -----------------------------------------------------------
    for missing in ("msg_signature", "timestamp", "nonce"):
        rest = {k: v for k, v in q.items() if k != missing}
        rows.append(Hostile(f"post without {missing}", 400, -40001, query=rest, body=good.body))
        rows.append(Hostile(f"post with empty {missing}", 400, -40001,
                            query={**q, missing: ""}, body=good.body))  # fmt: skip
    for name in ("msg_signature", "timestamp", "nonce"):
        twice = [*q.items(), (name, q[name])]
        rows.append(Hostile(f"{name} twice", 400, -40002, query=twice, body=good.body))
    bad_then_good = [("msg_signature", "0" * 40), *q.items()]
    rows.append(Hostile("bad signature, then the good one", 400, -40002,
                        query=bad_then_good, body=good.body))  # fmt: skip
    rows += [
        Hostile("wrong signature", 403, -40001, query={**q, "msg_signature": "0" * 40},
                body=good.body),
        Hostile("signature of another token", 403, -40001,
                query=signed(enc, token="another"), body=good.body),
        Hostile("signature in upper case", 403, -40001,
                query={**q, "msg_signature": q["msg_signature"].upper()}, body=good.body),
        Hostile("altered nonce", 403, -40001, query={**q, "nonce": q["nonce"] + "1"},
                body=good.body),
        Hostile("huge signature", 403, -40001, query={**q, "msg_signature": "a" * 8000},
                body=good.body),
        Hostile("non-ASCII nonce", 403, -40001, query={**q, "nonce": "ñøñçé"}, body=good.body),
    ]  # fmt: skip
    for missing in ("msg_signature", "timestamp", "nonce", "echostr"):
        get = {"msg_signature": "x", "timestamp": NOW, "nonce": "n", "echostr": "e"}
        del get[missing]
        rows.append(Hostile(f"GET without {missing}", 400, -40001, method="GET", query=get))
    rows.append(Hostile("GET with a bad signature", 403, -40001, method="GET",
                        query={"msg_signature": "0" * 40, "timestamp": NOW, "nonce": "n",
                               "echostr": "ZWNobw=="}))  # fmt: skip
    rows.append(Hostile("GET echostr twice", 400, -40002, method="GET",
                        query=[("msg_signature", "x"), ("timestamp", NOW), ("nonce", "n"),
                               ("echostr", "a"), ("echostr", "b")]))  # fmt: skip
    # -- methods and scopes --------------------------------------------------------------
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        rows.append(Hostile(f"{method}", 405, None, method=method, query=q, body=good.body))
    # -- bodies before the signature ----------------------------------------------------
    bodies: list[tuple[str, bytes]] = [
        ("empty body", b""),
        ("not XML", b"hello"),
        ("JSON", b'{"encrypt": "x"}'),
        ("no Encrypt", b"<xml><ToUserName>x</ToUserName></xml>"),
        ("empty Encrypt", b"<xml><Encrypt></Encrypt></xml>"),
        ("whitespace Encrypt", b"<xml><Encrypt>   </Encrypt></xml>"),
        ("two Encrypt", envelope(enc).replace(b"</xml>", b"<Encrypt>x</Encrypt></xml>")),
        ("wrong root", envelope(enc).replace(b"xml>", b"root>")),
        ("DOCTYPE", b'<!DOCTYPE xml [<!ENTITY e "x">]>' + envelope(enc)),
        ("XXE", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml>&e;</xml>'),
        ("entity bomb", b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml>&b;</xml>'),
        ("NUL byte", envelope(enc)[:10] + b"\0" + envelope(enc)[10:]),
        (
            "UTF-16 declared over a DTD",
            b'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x>' + envelope(enc),
        ),
        ("truncated", envelope(enc)[:-8]),
        ("junk after root", envelope(enc) + b"<xml/>"),
        ("deep nesting", b"<xml>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</xml>"),
        ("wide tree", b"<xml>" + b"<a/>" * 50000 + b"</xml>"),
        ("Encrypt nested", b"<xml><a><Encrypt>" + enc.encode() + b"</Encrypt></a></xml>"),
        ("markup in Encrypt", b"<xml><Encrypt>ab<b/>cd</Encrypt></xml>"),
        ("namespace", envelope(enc).replace(b"<xml>", b'<xml xmlns="urn:x">')),
        ("empty root", b"<xml/>"),
        ("HTML page", b"<html><body><Encrypt>x</Encrypt></body></html>"),
        (
            "SOAP envelope",
            b'<soap:Envelope xmlns:soap="urn:s"><Encrypt>x</Encrypt></soap:Envelope>',
        ),
        ("CDATA closed early", b"<xml><Encrypt><![CDATA[ab]]>cd]]></Encrypt></xml>"),
        ("unclosed CDATA", b"<xml><Encrypt><![CDATA[abcd</Encrypt></xml>"),
        ("thousand attributes", b"<xml " + b" ".join(b"a%d='1'" % i for i in range(1000)) + b">"),
        ("huge attribute", b"<xml a='" + b"x" * 500_000 + b"'><Encrypt>x</Encrypt></xml>"),
        ("many siblings first", b"<xml>" + b"<A>1</A>" * 200 + b"<Encrypt>x</Encrypt></xml>"),
        (
            "EBCDIC declared over a DTD",
            b'<?xml version="1.0" encoding="cp500"?><!DOCTYPE x>' + envelope(enc),
        ),
        ("bare text", b"Encrypt=" + enc.encode()),
    ]
    rows += [Hostile(f"body: {name}", 400, -40002, query=q, body=body) for name, body in bodies]
    rows.append(Hostile("body over the cap", 413, -40002, query=q, body=b"x" * (1 << 21)))
    rows.append(Hostile("gzip body", 400, -40002, query=q, body=good.body,
                        headers={"content-encoding": "gzip"}))  # fmt: skip
    rows.append(Hostile("deflate body", 400, -40002, query=q, body=good.body,
                        headers={"content-encoding": "deflate"}))  # fmt: skip

    # -- signed, but the ciphertext or the plaintext buffer is wrong ----------------------
    def sealed(name: str, encrypt: str, status: int, code: int) -> Hostile:
        return Hostile(name, status, code, query=signed(encrypt), body=envelope(encrypt))

    rows += [
        Hostile("entity in Encrypt: read, then not signed", 403, -40001, query=q,
                body=b"<xml><Encrypt>a&amp;b</Encrypt></xml>"),
        sealed("base64 with whitespace", enc[:10] + " " + enc[11:], 400, -40010),
        sealed("base64 not a multiple of 4", enc[:-1], 400, -40010),
        sealed("base64 bad characters", "*" * len(enc), 400, -40010),
        sealed("base64 inner padding", "AAAA====" + enc[8:], 400, -40010),
        sealed("base64 url-safe alphabet", enc.replace("+", "-").replace("/", "_")
               if ("+" in enc or "/" in enc) else "-_" + enc[2:], 400, -40010),
        sealed("ciphertext of 16 bytes", base64.b64encode(b"x" * 16).decode(), 400, -40007),
        sealed("ciphertext not whole blocks", base64.b64encode(b"x" * 40).decode(), 400, -40007),
        sealed("bad padding", aes(secrets.token_bytes(64)[:-1] + b"\x00"), 400, -40007),
        sealed("padding byte 33", aes(b"a" * 63 + b"\x21"), 400, -40007),
        sealed("padding bytes differ", aes(b"a" * 60 + b"\x01\x02\x03\x04"), 400, -40007),
        sealed("short buffer", aes(pkcs7(b"abc")), 400, -40008),
        sealed("length field too large", payload(plain, length=10_000), 400, -40008),
        sealed("length field max", payload(plain, length=0xFFFFFFFF), 400, -40008),
        sealed("wrong receive id", payload(plain, b"wwsomeoneelse00000"), 403, -40005),
        sealed("empty receive id", payload(plain, b""), 403, -40005),
        sealed("receive id not UTF-8", payload(plain, b"\xff\xfe"), 403, -40005),
        sealed("receive id with a NUL", payload(plain, CORP.encode() + b"\0"), 403, -40005),
        sealed("plaintext not XML", payload(b"hello"), 400, -40002),
        sealed("plaintext with DOCTYPE", payload(b"<!DOCTYPE x><xml/>"), 400, -40002),
        sealed("plaintext bomb", payload(b'<!DOCTYPE x [<!ENTITY a "a">]><xml>&a;</xml>'),
               400, -40002),
        sealed("plaintext truncated", payload(plain[:-3]), 400, -40002),
    ]  # fmt: skip
    # -- replay -------------------------------------------------------------------------
    old = str(int(time.time()) - 30 * 86400)
    future = str(int(time.time()) + 3600)
    for name, ts in (("a month old", old), ("an hour ahead", future), ("not a number", "soon")):
        encrypted = payload(plain)
        query = signed(encrypted, timestamp=ts)
        rows.append(Hostile(f"signed timestamp {name}", 403, None, query=query,
                            body=envelope(encrypted)))  # fmt: skip
    rows.append(Hostile("GET on the mount path without a slash", 403, -40001, method="GET",
                        path="/wecom", query={"msg_signature": "0" * 40, "timestamp": NOW,
                                              "nonce": "n", "echostr": "ZWNobw=="}))  # fmt: skip
    return rows


CORPUS = corpus()
HANDLED: list[Callback] = []


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")

    @app.on("*")
    def record(model: Callback) -> None:
        HANDLED.append(model)

    site = Starlette(routes=[*app.routes("/wecom"), *app.routes("/")], lifespan=app.lifespan)
    with LiveServer(site) as live:
        yield live


def send(server: LiveServer, row: Hostile) -> httpx.Response:
    query = urlencode(row.query or {})
    url = f"{server.url}{row.path}?{query}"
    return httpx.request(row.method, url, content=row.body, headers=row.headers, timeout=10)


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 80
    assert len({row.name for row in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("row", CORPUS, ids=lambda row: row.name)
def test_hostile_request(server: LiveServer, row: Hostile) -> None:
    before = len(HANDLED)
    r = send(server, row)
    assert r.status_code == row.status, r.text
    code = r.headers.get("x-wecom-error-code")
    assert code == (None if row.code is None else str(row.code))
    assert r.text.strip(), "every rejection says why"
    if row.status == 405:
        assert r.headers["allow"] == "GET, POST"
    assert len(HANDLED) == before


def test_websocket_upgrade_is_refused(server: LiveServer) -> None:
    headers = {
        "connection": "Upgrade",
        "upgrade": "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": base64.b64encode(secrets.token_bytes(16)).decode(),
    }
    for path in ("/", "/wecom/"):
        r = httpx.get(server.url + path, headers=headers)
        assert r.status_code == 403


def test_valid_callbacks_still_work_after_the_corpus(server: LiveServer) -> None:
    sim = Simulator(TOKEN, KEY, CORP)
    for path in ("/", "/wecom", "/wecom/"):
        fields = {"ToUserName": CORP, "FromUserName": "u", "CreateTime": 1, "MsgType": "text"}
        req = sim.callback({**fields, "Content": path, "MsgId": secrets.token_hex(4)})
        assert httpx.post(req.url(server.url + path), content=req.body).status_code == 200
        check = sim.verify_request()
        r = httpx.get(check.url(server.url + path))
        assert r.status_code == 200 and r.content == check.plaintext


def _requests() -> st.SearchStrategy[tuple[str, bytes, bytes]]:
    methods = st.sampled_from(["GET", "POST", "PUT", "HEAD"])
    names = st.sampled_from(["msg_signature", "timestamp", "nonce", "echostr", "x"])
    query = st.lists(st.tuples(names, st.text(max_size=50)), max_size=6)
    body = st.one_of(st.binary(max_size=2000), st.sampled_from([e.body for e in CORPUS[:40]]))
    return st.tuples(methods, query.map(lambda q: urlencode(q).encode()), body)


@settings(max_examples=150, deadline=None)
@given(request=_requests())
def test_fuzzed_requests_are_never_a_5xx(
    server: LiveServer, request: tuple[str, bytes, bytes]
) -> None:
    method, query, body = request
    before = len(HANDLED)
    r = httpx.request(method, f"{server.url}/?{query.decode()}", content=body, timeout=10)
    assert r.status_code < 500
    assert len(HANDLED) == before
