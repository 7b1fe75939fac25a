"""Secure XML reading: WeCom's envelopes and plaintexts to xmltodict-shaped dicts.

Documents with a DTD are refused before any parsing, so entity expansion (XML bombs)
and external entities cannot happen. The reader uses the C ElementTree parser and
converts to exactly the shape ``xmltodict.parse`` gives, with one deliberate
difference: leaf text is kept verbatim (xmltodict strips it by default, which would
change a user's message), while whitespace between child elements is ignored.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLParser

from .errors import XMLParseError

__all__ = ["Envelope", "parse_xml", "read_envelope"]

_WS = b" \t\r\n"


def _check_prolog(data: bytes) -> None:
    """Refuse DOCTYPE (and any other ``<!`` declaration) before the root element.

    The scan reads ``data`` as UTF-8. Expat would still read UTF-16/32 from a BOM or
    from the byte pattern of ``<?``, where the scan cannot see a DOCTYPE; such text
    always has NUL bytes and UTF-8 XML never does, so NUL bytes are refused.
    """
    if b"\0" in data:
        raise XMLParseError("NUL bytes: the document is not UTF-8 XML")
    pos = 0
    if data.startswith(b"\xef\xbb\xbf"):
        pos = 3
    n = len(data)
    while True:
        while pos < n and data[pos] in _WS:
            pos += 1
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos + 2)
            if end < 0:
                raise XMLParseError("unterminated XML declaration")
            pos = end + 2
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
            if end < 0:
                raise XMLParseError("unterminated comment")
            pos = end + 3
        elif data.startswith(b"<!", pos):
            raise XMLParseError("DTDs and entity declarations are refused")
        else:
            return


def _convert(el: Element) -> dict[str, Any]:
    """An element with children or attributes as xmltodict's dict.

    Leaf children are read inline rather than through a recursive call: most elements
    are leaves, and the call is what costs. A bare leaf's value is its text or None.
    """
    attrs = el.items()
    out: dict[str, Any] = {"@" + k: v for k, v in attrs} if attrs else {}
    text = el.text
    if not len(el):
        if text:  # a leaf with attributes keeps its text verbatim
            out["#text"] = text
        return out
    # Is there text among the children? ``(x or " ")``: None and "" count as blank.
    mixed = not (text or " ").isspace()
    for child in el:
        value = _convert(child) if len(child) or child.keys() else child.text or None
        tag = child.tag
        if tag in out:
            prev = out[tag]
            # Values are str, dict or None, so a list here is one this loop made.
            if type(prev) is list:
                prev.append(value)
            else:
                out[tag] = [prev, value]
        else:
            out[tag] = value
        if not mixed:
            mixed = not (child.tail or " ").isspace()
    if mixed:
        # Text among the children (rare): kept whole, as xmltodict keeps it.
        parts = [text] + [child.tail for child in el]
        out["#text"] = "".join(p for p in parts if p)
    return out


def _parse_root(data: bytes | str) -> Element:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    _check_prolog(raw)
    # The prolog check reads bytes as UTF-8, so the parser must too: this overrides a
    # declared encoding (an EBCDIC one could hide a DOCTYPE from the check).
    parser = XMLParser(encoding="utf-8")
    try:
        parser.feed(raw)
        return parser.close()
    except ParseError as exc:
        raise XMLParseError(f"not well-formed XML: {exc}") from None


def parse_xml(data: bytes | str) -> dict[str, Any]:
    """Parse a WeCom XML document; return the root's children as xmltodict would.

    Raises :class:`~wecom_callback.errors.XMLParseError` for anything that is not a
    well-formed, DTD-free document with element children under its root.
    """
    root = _parse_root(data)
    if not len(root) and not root.keys():
        return {}
    try:
        return _convert(root)
    except RecursionError:
        raise XMLParseError("XML is nested too deeply") from None


class Envelope:
    """The outer, unencrypted XML of a callback POST."""

    __slots__ = ("agent_id", "encrypt", "to_user_name")

    def __init__(self, encrypt: str, to_user_name: str | None, agent_id: str | None) -> None:
        self.encrypt = encrypt
        self.to_user_name = to_user_name
        self.agent_id = agent_id


# An envelope is a flat run of simple elements; such a body is read with two regex
# passes instead of a parser. Anything else (attributes, comments, entities, nesting,
# a DTD) does not match and goes through the full, DTD-refusing parser.
_SIMPLE = rb"<([A-Za-z]{1,32})>(?:<!\[CDATA\[([^\]]*)\]\]>|([^<&\]]*))</\1>"
_FLAT_CHECK = re.compile(
    rb"\s*<xml>\s*(?:<([A-Za-z]{1,32})>(?:<!\[CDATA\[[^\]]*\]\]>|[^<&\]]*)</\1>\s*)*</xml>\s*"
)
_ELEMENT = re.compile(_SIMPLE)


def _read_flat(body: bytes) -> Envelope | None:
    if not _FLAT_CHECK.fullmatch(body):
        return None
    fields: dict[bytes, bytes] = {}
    for m in _ELEMENT.finditer(body):
        if m.group(1) in fields:
            return None  # a repeated tag: let the parser decide
        value = m.group(2) if m.group(2) is not None else m.group(3)
        fields[m.group(1)] = value
    encrypt = fields.get(b"Encrypt")
    if not encrypt or not encrypt.strip():
        return None
    try:
        to_user = fields.get(b"ToUserName")
        agent = fields.get(b"AgentID")
        return Envelope(
            encrypt.strip().decode("ascii"),
            None if to_user is None else to_user.decode("utf-8") or None,
            None if agent is None else agent.decode("utf-8") or None,
        )
    except UnicodeDecodeError:
        return None


def read_envelope(body: bytes) -> Envelope:
    """Read ``<xml><ToUserName/><AgentID/><Encrypt/></xml>``; ``Encrypt`` is required."""
    flat = _read_flat(body)
    if flat is not None:
        return flat
    root = _parse_root(body)
    encrypt = to_user = agent = None
    for child in root:
        tag = child.tag
        if tag == "Encrypt":
            encrypt = child.text
        elif tag == "ToUserName":
            to_user = child.text
        elif tag == "AgentID":
            agent = child.text
    if not encrypt:
        raise XMLParseError("the body has no <Encrypt> element")
    return Envelope(encrypt.strip(), to_user, agent)
