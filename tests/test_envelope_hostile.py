"""Hostile envelopes: what a stranger can send before the signature is checked.

Every body here reaches :func:`read_envelope` unauthenticated. Each one either yields
exactly one envelope that every XML reader reads the same way, or is refused with
:class:`XMLParseError` (-40002, answered 400) and a reason; and the work spent on it
is bounded by small caps, not by the body's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import CORP, KEY, TOKEN
from tests.test_xml import BOMB, XXE
from wecom_callback import WeComApp
from wecom_callback._wire import xml as _xml
from wecom_callback._wire.xml import (
    Envelope,
    _check_prolog,
    _EnvelopeScanner,
    _read_flat,
    read_envelope,
)
from wecom_callback.errors import XMLParseError
from wecom_callback.models import Callback
from wecom_callback.testing import Simulator

MiB = 1 << 20
ENC = b"<Encrypt>abc=</Encrypt>"
TO = b"<ToUserName>ww1</ToUserName>"


def xml(*children: bytes) -> bytes:
    return b"<xml>" + b"".join(children) + b"</xml>"


@dataclass(frozen=True)
class Refused:
    """The expected refusal: a substring of the reason."""

    reason: str


NOT_WELL_FORMED = Refused("not well-formed")
ATTRS_40 = b"<xml" + b"".join(b" a%d=''" % i for i in range(40)) + b">" + ENC + b"</xml>"
EBCDIC = b'<?xml version="1.0" encoding="cp037"?>' + xml(ENC).decode().encode("cp037")
TOO_BIG = Refused("over 65536 bytes")

CASES: list[tuple[str, bytes, str | Refused]] = [
    # -- accepted, and read the same by every XML reader --
    ("flat", xml(ENC), "abc="),
    ("flat-cdata", xml(TO, b"<Encrypt><![CDATA[abc=]]></Encrypt><AgentID>7</AgentID>"), "abc="),
    ("indented", b"\n<xml>\n  " + TO + b"\n  " + ENC + b"\n</xml>\n\n", "abc="),
    ("crlf-between", b"<xml>\r\n" + ENC + b"\r\n</xml>\r\n", "abc="),
    ("utf8-bom", b"\xef\xbb\xbf" + xml(ENC), "abc="),
    ("xml-declaration", b'<?xml version="1.0" encoding="utf-8"?>' + xml(ENC), "abc="),
    ("declares-utf16-is-utf8", b'<?xml version="1.0" encoding="UTF-16"?>' + xml(ENC), "abc="),
    ("declares-ebcdic-is-utf8", b'<?xml version="1.0" encoding="cp037"?>' + xml(ENC), "abc="),
    ("comment-in-prolog", b"<!-- hi -->" + xml(ENC), "abc="),
    ("comment-between", xml(TO, b"<!-- c -->", ENC), "abc="),
    ("pi-between", xml(b"<?pi x?>", ENC), "abc="),
    ("encrypt-padded", xml(b"<Encrypt>\n\t abc= \n</Encrypt>"), "abc="),
    ("encrypt-char-ref", xml(b"<Encrypt>&#97;bc=</Encrypt>"), "abc="),
    ("encrypt-text-and-cdata", xml(b"<Encrypt>ab<![CDATA[c=]]></Encrypt>"), "abc="),
    ("encrypt-two-cdata", xml(b"<Encrypt><![CDATA[ab]]><![CDATA[c=]]></Encrypt>"), "abc="),
    ("cdata-hides-tags", xml(b"<A><![CDATA[<Encrypt>evil</Encrypt>]]></A>", ENC), "abc="),
    ("comment-hides-tags", xml(b"<!-- <Encrypt>evil</Encrypt> -->", ENC), "abc="),
    ("suite-extras", xml(TO, ENC, b"<AgentID>1</AgentID><AgentType>x</AgentType>"), "abc="),
    ("attribute-elsewhere", xml(b'<A k="v">1</A>', ENC), "abc="),
    ("attribute-on-encrypt", xml(b'<Encrypt k="v">abc=</Encrypt>'), "abc="),
    ("nested-unknown", xml(b"<A><B>x</B></A>", ENC), "abc="),
    ("end-tag-space", xml(b"<Encrypt>abc=</Encrypt >"), "abc="),
    ("31-children", xml(*[b"<F%d>x</F%d>" % (i, i) for i in range(30)], ENC), "abc="),
    ("huge-attribute", xml(b'<A k="' + b"x" * 60000 + b'"/>', ENC), "abc="),
    ("1mib-flat", xml(b"<Encrypt>" + b"A" * MiB + b"</Encrypt>"), "A" * MiB),
    # -- ambiguous: two readers could take different values --
    ("two-encrypt", xml(ENC, b"<Encrypt>xyz=</Encrypt>"), Refused("two <Encrypt>")),
    ("two-encrypt-one-empty", xml(ENC, b"<Encrypt/>"), Refused("two <Encrypt>")),
    ("two-encrypt-cdata", xml(ENC, b"<Encrypt><![CDATA[x]]></Encrypt>"), Refused("two <Encrypt>")),
    ("two-tousername", xml(TO, TO, ENC), Refused("two <ToUserName>")),
    ("two-agentid", xml(b"<AgentID>1</AgentID>", ENC, b"<AgentID>2</AgentID>"), Refused("two")),
    ("encrypt-nested-too", xml(b"<A>", ENC, b"</A>", ENC), Refused("not a child of <xml>")),
    ("encrypt-only-nested", xml(b"<A>", ENC, b"</A>"), Refused("not a child of <xml>")),
    ("root-not-xml", b"<root>" + ENC + b"</root>", Refused("root element is <root>")),
    ("root-upper", b"<XML>" + ENC + b"</XML>", Refused("root element is <XML>")),
    ("root-prefixed", b'<a:xml xmlns:a="u">' + ENC + b"</a:xml>", Refused("root element")),
    ("default-namespace", b'<xml xmlns="urn:x">' + ENC + b"</xml>", Refused("namespaces")),
    ("prefixed-encrypt", xml(b'<p:Encrypt xmlns:p="u">x</p:Encrypt>', ENC), Refused("namespace")),
    ("element-in-encrypt", xml(b"<Encrypt>ab<b/>c=</Encrypt>"), Refused("inside <Encrypt>")),
    ("comment-in-encrypt", xml(b"<Encrypt>ab<!-- x -->c=</Encrypt>"), Refused("inside <Encrypt>")),
    ("pi-in-encrypt", xml(b"<Encrypt>ab<?x y?>c=</Encrypt>"), Refused("inside <Encrypt>")),
    ("text-in-root", xml(b"junk", ENC), Refused("text directly inside <xml>")),
    ("tail-in-root", xml(ENC, b"junk"), Refused("text directly inside <xml>")),
    ("ideographic-space-in-root", xml(ENC, "\u3000".encode()), Refused("text directly")),
    ("text-after-root", xml(ENC) + b"junk", NOT_WELL_FORMED),
    ("second-root", xml(ENC) + xml(ENC), NOT_WELL_FORMED),
    ("comment-after-root", xml(ENC) + b"<!-- c -->", Refused("after </xml>")),
    ("pi-after-root", xml(ENC) + b"<?x y?>", Refused("after </xml>")),
    # -- empty Encrypt: a parse error (400), not a bad signature (403) --
    ("whitespace-encrypt", xml(b"<Encrypt> \t\r\n </Encrypt>"), Refused("only whitespace")),
    ("whitespace-cdata-encrypt", xml(b"<Encrypt><![CDATA[  ]]></Encrypt>"), Refused("empty")),
    ("empty-encrypt", xml(TO, b"<Encrypt></Encrypt>"), Refused("empty")),
    ("empty-cdata-encrypt", xml(b"<Encrypt><![CDATA[]]></Encrypt>"), Refused("empty")),
    ("self-closed-encrypt", xml(b"<Encrypt/>"), Refused("empty")),
    ("no-encrypt", xml(TO), Refused("no <Encrypt>")),
    ("empty-root", b"<xml/>", Refused("no <Encrypt>")),
    # -- work a stranger could make us do --
    ("deep", xml(b"<a>" * 5000, b"</a>" * 5000, ENC), Refused("nested deeper than 3")),
    ("wide", xml(b"<a/>" * 10000, ENC), Refused("more than 32")),
    ("32-children", xml(*[b"<F%d>x</F%d>" % (i, i) for i in range(31)], ENC), Refused("32")),
    ("many-before-encrypt", xml(b"<F>x</F>" * 40, ENC), Refused("more than 32")),
    ("many-comments", xml(b"<!---->" * 5000, ENC), Refused("more than 32")),
    ("many-pis", xml(b"<?p?>" * 5000, ENC), Refused("more than 32")),
    ("many-attributes", ATTRS_40, Refused("'='")),
    ("1mib-empty-elements", b"<a/>" * (MiB // 4), TOO_BIG),
    ("1mib-wide-under-root", xml(b"<a/>" * (MiB // 4)), TOO_BIG),
    ("1mib-deep", xml(b"<a>" * (MiB // 8), b"</a>" * (MiB // 8)), TOO_BIG),
    ("1mib-attributes", b"<xml" + b" a=''" * (MiB // 5) + b">" + ENC + b"</xml>", TOO_BIG),
    (
        "1mib-declared",
        b'<?xml version="1.0"?>' + xml(b"<Encrypt>" + b"A" * MiB + b"</Encrypt>"),
        TOO_BIG,
    ),
    # -- DTDs, entities, encodings --
    ("doctype", b"<!DOCTYPE xml>" + xml(ENC), Refused("DTD")),
    ("doctype-after-comment", b"<!-- c --><!DOCTYPE xml []>" + xml(ENC), Refused("DTD")),
    ("billion-laughs", BOMB, Refused("DTD")),
    ("external-entity", XXE, Refused("DTD")),
    ("undefined-entity", xml(b"<Encrypt>&lol;</Encrypt>"), NOT_WELL_FORMED),
    ("predefined-entity", xml(b"<Encrypt>a&amp;b</Encrypt>"), "a&b"),
    ("nul-char-ref", xml(b"<Encrypt>a&#0;</Encrypt>"), NOT_WELL_FORMED),
    ("nul-byte", xml(b"<Encrypt>a\0b</Encrypt>"), Refused("NUL")),
    ("utf16le-bom", "\ufeff<xml><Encrypt>abc=</Encrypt></xml>".encode("utf-16-le"), Refused("NUL")),
    ("utf16be", "<xml><Encrypt>abc=</Encrypt></xml>".encode("utf-16-be"), Refused("NUL")),
    ("utf32", "<xml><Encrypt>abc=</Encrypt></xml>".encode("utf-32"), Refused("NUL")),
    ("utf16-bom-no-nul", b"\xff\xfe<xml/>", NOT_WELL_FORMED),
    ("ebcdic", EBCDIC, NOT_WELL_FORMED),
    ("invalid-utf8", xml(b"<ToUserName>\xff</ToUserName>", ENC), NOT_WELL_FORMED),
    ("noncharacter", xml("<ToUserName>\ufffe</ToUserName>".encode(), ENC), NOT_WELL_FORMED),
    ("control-char", xml(b"<Encrypt>ab\x01c</Encrypt>"), NOT_WELL_FORMED),
    ("vertical-tab-between", b"<xml>\x0b" + ENC + b"</xml>", NOT_WELL_FORMED),
    ("cdata-end-in-text", xml(b"<Encrypt>ab]]>c</Encrypt>"), NOT_WELL_FORMED),
    # -- truncated and malformed --
    ("empty-body", b"", NOT_WELL_FORMED),
    ("whitespace-body", b" \n ", NOT_WELL_FORMED),
    ("garbage", b"hello", NOT_WELL_FORMED),
    ("truncated-end-tag", b"<xml><Encrypt>abc=</Encr", NOT_WELL_FORMED),
    ("truncated-root", b"<xml>" + ENC, NOT_WELL_FORMED),
    ("truncated-cdata", b"<xml><Encrypt><![CDATA[abc=", NOT_WELL_FORMED),
    ("unterminated-comment", b"<!-- c" + xml(ENC), Refused("unterminated comment")),
    ("mismatched-tags", b"<xml><Encrypt>abc=</AgentID></xml>", NOT_WELL_FORMED),
]


@pytest.mark.parametrize(("body", "expected"), [pytest.param(b, e, id=i) for i, b, e in CASES])
def test_hostile_envelope(body: bytes, expected: str | Refused) -> None:
    if isinstance(expected, Refused):
        with pytest.raises(XMLParseError) as info:
            read_envelope(body)
        assert expected.reason in info.value.reason
        assert (info.value.code, info.value.status_code) == (-40002, 400)
    else:
        assert read_envelope(body).encrypt == expected


def test_table_is_large_and_ids_are_unique() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)


def test_envelope_fields_are_read_verbatim() -> None:
    fast = xml(b"<ToUserName><![CDATA[ ww 1 ]]></ToUserName><AgentID>7</AgentID>", ENC)
    slow = b"<?xml version='1.0'?>" + fast
    for body in (fast, slow):
        env = read_envelope(body)
        assert (env.encrypt, env.to_user_name, env.agent_id) == ("abc=", " ww 1 ", "7")
    env = read_envelope(xml(b"<ToUserName></ToUserName>", ENC))
    assert (env.to_user_name, env.agent_id) == (None, None)


@pytest.mark.parametrize(
    "body",
    [
        xml(b"<ToUserName>a\rb</ToUserName>", ENC),
        xml(b"<ToUserName><![CDATA[a\r\nb]]></ToUserName>", ENC),
        xml(b"<Encrypt>ab\rc=</Encrypt>"),
    ],
)
def test_carriage_returns_in_text_are_read_as_expat_reads_them(body: bytes) -> None:
    # XML turns CR and CRLF in text into LF; the fast path leaves such text to expat.
    assert _read_flat(body) is None
    env = read_envelope(body)
    assert "\r" not in env.encrypt + (env.to_user_name or "")
    assert "\n" in env.encrypt + (env.to_user_name or "")


def test_the_app_answers_400_for_ambiguous_or_empty_envelopes() -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    handled: list[Callback] = []

    @app.on("*")
    def record(model: Callback) -> None:
        handled.append(model)

    signed = Simulator(TOKEN, KEY, CORP).callback({"MsgType": "text", "Content": "x", "MsgId": 1})
    encrypt = _read_flat(signed.body)
    assert encrypt is not None
    good = f"<Encrypt>{encrypt.encrypt}</Encrypt>".encode()
    bodies = {
        "whitespace": xml(TO, b"<Encrypt>  \n </Encrypt>"),
        "two, the signed one last": xml(TO, ENC, good),
        "two, the signed one first": xml(TO, good, ENC),
        "wrong root": b"<root>" + good + b"</root>",
    }
    with TestClient(app) as client:
        for name, body in bodies.items():
            answer = client.post(signed.url("/"), content=body)
            assert (answer.status_code, answer.text[:6]) == (400, "-40002"), name
        assert client.post(signed.url("/"), content=signed.body).status_code == 200
    assert len(handled) == 1  # only the unambiguous envelope reached the handler


# -- the work is bounded ------------------------------------------------------------


def test_scanner_stops_at_the_node_cap_within_the_first_chunk() -> None:
    scanner = _EnvelopeScanner()
    with pytest.raises(XMLParseError, match="more than 32"):
        scanner.scan(xml(b"<a/>" * (MiB // 4)))
    assert scanner.nodes == 33
    assert scanner.fed == 2048  # of a 1 MiB body


def test_scanner_stops_at_the_depth_cap_within_the_first_chunk() -> None:
    scanner = _EnvelopeScanner()
    with pytest.raises(XMLParseError, match="root element is <a>"):
        scanner.scan(b"<a>" * (MiB // 3))
    assert (scanner.nodes, scanner.fed) == (1, 2048)
    scanner = _EnvelopeScanner()
    with pytest.raises(XMLParseError, match="nested deeper"):
        scanner.scan(b"<xml>" + b"<a>" * (MiB // 3))
    assert (scanner.nodes, scanner.fed) == (4, 2048)


def test_a_large_body_that_is_not_flat_is_never_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoScan:
        def __init__(self) -> None:
            raise AssertionError("the scanner ran")

    monkeypatch.setattr(_xml, "_EnvelopeScanner", NoScan)
    with pytest.raises(XMLParseError, match="over 65536 bytes"):
        read_envelope(xml(b"<a/>" * (MiB // 4)))
    with pytest.raises(AssertionError, match="scanner ran"):
        read_envelope(xml(b"<a/>"))  # the stand-in is live for small bodies


def test_scanner_reads_a_long_text_to_the_end() -> None:
    scanner = _EnvelopeScanner()
    body = xml(b"<Encrypt>" + b"A" * 60000 + b"</Encrypt>")
    assert scanner.scan(body).encrypt == "A" * 60000
    assert scanner.fed == len(body)
    assert scanner.nodes == 2
    assert scanner.chunks == 5  # 2, 4, 8, 16, 32 KiB: a long token is re-read a few times


# -- properties: only Envelope or XMLParseError; every reader agrees ------------------

VALID = [b"<xml>", TO, b"<Encrypt>", b"<![CDATA[abc=]]>", b"</Encrypt>", b"<AgentID>1</AgentID>"]
VALID += [b"</xml>"]
MARKUP = st.sampled_from(
    [
        b"\n",
        b" \t\r\n",
        b"<!-- c -->",
        b"<?pi x?>",
        b"<A>x</A>",
        b"<A><B/></A>",
        b'<A k="v"/>',
        b"<Encrypt>xyz=</Encrypt>",
        b"<Encrypt/>",
        b"<ToUserName>u</ToUserName>",
        b"<![CDATA[x]]>",
        b"<![CDATA[ ]]>",
        b"&amp;",
        b"&#65;",
        b"junk",
        b"\xe4\xbd\xa0",
        b'<?xml version="1.0"?>',
        b"\xef\xbb\xbf",
        b"<!DOCTYPE x>",
        b"<a/>",
        b' xmlns="u"',
    ]
)
BYTES = st.sampled_from([bytes([c]) for c in b"<>/!?&;#[]=\"' \t\r\n\0x\x01\x0b\xff"])


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """The valid envelope with markup inserted, tokens dropped or repeated, bytes changed."""
    parts = list(VALID)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(parts)))
        edit = draw(st.sampled_from(["insert", "drop", "repeat"]))
        if edit == "insert" or i == len(parts):
            parts.insert(i, draw(MARKUP))
        elif edit == "drop":
            del parts[i]
        else:
            parts.insert(i, parts[i])
    body = b"".join(parts)
    if draw(st.booleans()):
        i = draw(st.integers(0, len(body)))
        j = draw(st.integers(i, min(len(body), i + 2)))
        body = body[:i] + draw(BYTES) + body[j:]
    return body


_NAMES = st.lists(
    st.sampled_from(["ToUserName", "AgentID", "A", "xml", "F_1"]), unique=True, max_size=3
)
_PLAIN = st.text(st.sampled_from(list("aZ9+/= \t\n>é")), min_size=1, max_size=6)
_GAPS = st.sampled_from(["", "\n", "\r\n", " \t"])
_TRICKY = ["\r", "]", "&", "<", "\ufffe", "\x01", "\x7f", "\x0b", "]]>", "\r\n", " ", "\u3000"]


@st.composite
def flat_like(draw: st.DrawFn) -> bytes:
    """The flat envelope's shape, at most one tricky character in a text or a gap."""
    names = draw(_NAMES)
    names.insert(draw(st.integers(0, len(names))), "Encrypt")
    texts = [draw(_PLAIN) for _ in names]
    gaps = [draw(_GAPS) for _ in range(len(names) + 3)]
    if draw(st.integers(0, 3)):
        tricky = draw(st.sampled_from(_TRICKY))
        slots = texts if draw(st.integers(0, 2)) else gaps
        i = draw(st.integers(0, len(slots) - 1))
        j = draw(st.integers(0, len(slots[i])))
        slots[i] = slots[i][:j] + tricky + slots[i][j:]
    children = []
    for name, text, gap in zip(names, texts, gaps, strict=False):
        value = f"<![CDATA[{text}]]>" if draw(st.booleans()) else text
        children.append(f"<{name}>{value}</{name}>{gap}")
    head, inner, tail = gaps[-3:]
    return f"{head}<xml>{inner}{''.join(children)}</xml>{tail}".encode()


def _outcome(body: bytes) -> Envelope | XMLParseError:
    try:
        env = read_envelope(body)
    except XMLParseError as exc:
        assert exc.code == -40002
        return exc
    assert isinstance(env, Envelope)
    assert env.encrypt and env.encrypt == env.encrypt.strip(" \t\r\n")
    return env


def _element_tree_reading(body: bytes) -> tuple[str, str | None, str | None] | None:
    """How ElementTree reads the body (held to UTF-8); None where it is ambiguous."""
    parser = ElementTree.XMLParser(encoding="utf-8")
    try:
        parser.feed(body)
        root = parser.close()
    except ElementTree.ParseError:
        return None
    encrypts = list(root.iter("Encrypt"))
    if root.tag != "xml" or len(encrypts) != 1:
        return None

    def text(tag: str) -> str | None:
        found = root.find(tag)
        return None if found is None else "".join(found.itertext()) or None

    return ((text("Encrypt") or "").strip(" \t\r\n"), text("ToUserName"), text("AgentID"))


@settings(max_examples=600, deadline=None)
@given(body=st.one_of(st.binary(max_size=200), mutated(), flat_like()))
def test_only_an_envelope_or_xml_parse_error(body: bytes) -> None:
    outcome = _outcome(body)
    if isinstance(outcome, Envelope):
        # An accepted body means the same to an independent reader.
        assert _element_tree_reading(body) == (
            outcome.encrypt,
            outcome.to_user_name,
            outcome.agent_id,
        )


@settings(max_examples=600, deadline=None)
@given(body=st.one_of(flat_like(), mutated()))
def test_fast_path_agrees_with_the_scanner(body: bytes) -> None:
    flat = _read_flat(body)
    if flat is None:
        return  # the scanner alone decides; the property test above covers it
    _check_prolog(body)
    scanned = _EnvelopeScanner().scan(body)
    assert (flat.encrypt, flat.to_user_name, flat.agent_id) == (
        scanned.encrypt,
        scanned.to_user_name,
        scanned.agent_id,
    )


def _same_reading(body: bytes) -> None:
    """The fast path either leaves ``body`` to the scanner or reads what it reads."""
    flat = _read_flat(body)
    if flat is None:
        return
    _check_prolog(body)
    scanned = _EnvelopeScanner().scan(body)
    assert (flat.encrypt, flat.to_user_name, flat.agent_id) == (
        scanned.encrypt,
        scanned.to_user_name,
        scanned.agent_id,
    ), body


def test_fast_path_agrees_with_the_scanner_on_every_tricky_character() -> None:
    accepted = 0
    for tricky in [*_TRICKY, "\t", "\n", "é", "\x00", "\xa0", "\ud7ff", "\U0001f600"]:
        for field in ("Encrypt", "ToUserName", "AgentID"):
            for text in (tricky + "ab=", "a" + tricky + "b=", "ab=" + tricky):
                for value in (text, f"<![CDATA[{text}]]>"):
                    fields = {"Encrypt": "abc=", "ToUserName": "ww1", field: value}
                    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
                    body = f"<xml>{inner}</xml>".encode("utf-8", "surrogatepass")
                    _same_reading(body)
                    accepted += _read_flat(body) is not None
        for gap in (tricky, "\n" + tricky, tricky + " "):
            _same_reading(f"{gap}<xml>{gap}<Encrypt>abc=</Encrypt>{gap}</xml>{gap}".encode())
    assert accepted > 100  # most of them the fast path reads itself
