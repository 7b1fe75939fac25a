"""The secure XML reader: xmltodict's shape, no DTDs, clear errors."""

from __future__ import annotations

import pytest
import xmltodict

from wecom_callback._wire.xml import parse_xml, read_envelope
from wecom_callback.errors import XMLParseError

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><Encrypt>&lol9;</Encrypt></xml>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><Encrypt>&e;</Encrypt></xml>"""


def reference(xml: bytes) -> object:
    """xmltodict, keeping leaf text verbatim, ignoring whitespace between elements."""

    def clean(node: object) -> object:
        if isinstance(node, dict):
            return {
                k: clean(v)
                for k, v in node.items()
                if not (k == "#text" and isinstance(v, str) and not v.strip())
            }
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    return clean(xmltodict.parse(xml, strip_whitespace=False)["xml"])


SAMPLES = [
    b"<xml><A><![CDATA[ spaced ]]></A>\n<B/>\n<C></C><D>1</D></xml>",
    b"<xml><L><item><X>1</X></item><item><X>2</X></item></L><One><item>a</item></One></xml>",
    b"<xml><N><M><K>deep</K></M></N><R>x</R><R>y</R><R>z</R></xml>",
    b'<?xml version="1.0" encoding="utf-8"?><!-- hi --><xml><A t="1">v</A></xml>',
    "<xml><Content>你好 ]]&gt; &amp;</Content></xml>".encode(),
]


@pytest.mark.parametrize("xml", SAMPLES)
def test_same_shape_as_xmltodict(xml: bytes) -> None:
    assert parse_xml(xml) == reference(xml)


@pytest.mark.parametrize("doc", [BOMB, XXE, b"<!DOCTYPE xml><xml/>", b"  <!ENTITY x 'y'><xml/>"])
def test_dtd_refused_before_parsing(doc: bytes) -> None:
    # Refused by the prolog check, before the parser could expand anything.
    with pytest.raises(XMLParseError, match="DTD") as info:
        parse_xml(doc)
    assert info.value.code == -40002


def test_doctype_text_inside_cdata_is_fine() -> None:
    data = parse_xml(b"<xml><Content><![CDATA[<!DOCTYPE html> <!ENTITY x>]]></Content></xml>")
    assert data == {"Content": "<!DOCTYPE html> <!ENTITY x>"}


@pytest.mark.parametrize(
    "doc", [b"", b"garbage", b"<xml>", b"<xml><A>&undefined;</A></xml>", b"\xff\xfe<x/>"]
)
def test_malformed_is_xml_parse_error(doc: bytes) -> None:
    with pytest.raises(XMLParseError):
        parse_xml(doc)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    doc = b"<xml>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</xml>"
    with pytest.raises(XMLParseError):
        parse_xml(doc)


def test_envelope() -> None:
    env = read_envelope(
        b"<xml><ToUserName><![CDATA[ww1]]></ToUserName>\n<AgentID>7</AgentID>"
        b"<Encrypt><![CDATA[abc=]]></Encrypt></xml>"
    )
    assert (env.encrypt, env.to_user_name, env.agent_id) == ("abc=", "ww1", "7")
    with pytest.raises(XMLParseError, match="Encrypt"):
        read_envelope(b"<xml><ToUserName>x</ToUserName></xml>")


ENVELOPES = [
    b"<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt>"
    b"<AgentID><![CDATA[218]]></AgentID></xml>",
    b"<xml>\n<ToUserName>ww1</ToUserName>\n<AgentID>1000002</AgentID>\n"
    b"<Encrypt>abc=</Encrypt>\n</xml>\n",
    b"<xml><Encrypt><![CDATA[abc=]]></Encrypt><AgentID></AgentID></xml>",
    "<xml><ToUserName>企业</ToUserName><Encrypt>abc=</Encrypt></xml>".encode(),
]


@pytest.mark.parametrize("body", ENVELOPES)
def test_envelope_fast_path_agrees_with_the_parser(body: bytes) -> None:
    from wecom_callback._wire.xml import _parse_root, _read_flat

    flat = _read_flat(body)
    assert flat is not None
    root = _parse_root(body)
    assert flat.encrypt == (root.findtext("Encrypt") or "").strip()
    assert flat.to_user_name == (root.findtext("ToUserName") or None)
    assert flat.agent_id == (root.findtext("AgentID") or None)


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE x><xml><Encrypt>a</Encrypt></xml>",
        b"<xml><Encrypt>&lol;</Encrypt></xml>",
        b"<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
        b"<xml><A><B>x</B></A><Encrypt>a</Encrypt></xml>",
        b'<xml><Encrypt a="1">a</Encrypt></xml>',
        b"<xml><Encrypt>a</Encrypt></xml>trailing",
        b"<xml><!-- c --><Encrypt>a</Encrypt></xml>",
    ],
)
def test_unusual_envelopes_take_the_full_parser(body: bytes) -> None:
    from wecom_callback._wire.xml import _read_flat

    assert _read_flat(body) is None
