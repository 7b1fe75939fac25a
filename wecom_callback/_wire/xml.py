"""Secure XML reading: WeCom's envelopes and plaintexts to xmltodict-shaped dicts.

Documents with a DTD are refused before any parsing, so entity expansion (XML bombs)
and external entities cannot happen. :func:`parse_xml` (decrypted, authenticated
plaintext) uses the C ElementTree parser and converts to exactly the shape
``xmltodict.parse`` gives, with one deliberate difference: leaf text is kept verbatim
(xmltodict strips it by default, which would change a user's message), while
whitespace between child elements is ignored.

:func:`read_envelope` runs before the signature is checked, on whatever a stranger
sends, so it builds no tree: a regex reads the flat envelope WeCom sends, and a
streaming expat scan with small caps reads anything else or says why it is refused.
It accepts only bodies every XML reader reads as the same single envelope.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLParser
from xml.parsers.expat import ExpatError, ParserCreate

from ..errors import XMLParseError

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


# The envelope is read before its signature is checked, so anyone can send one: every
# bound below is on work a stranger can make us do. WeCom sends ToUserName, Encrypt and
# AgentID (a suite's may carry a couple more), flat, without attributes or nesting.
_MAX_NODES = 32  # elements, comments and processing instructions
_MAX_DEPTH = 3  # <xml> is depth 1
_SLOW_PATH_MAX = 64 * 1024  # larger bodies must be the flat envelope
_MAX_EQUALS = 32  # every attribute needs an "=", and expat pays per attribute
_FIRST_CHUNK = 2048  # fed to expat first: a hostile body is refused inside it
_XML_WS = " \t\r\n"
_FIELDS = ("Encrypt", "ToUserName", "AgentID")

# The flat envelope is read by a few anchored regex matches instead of a parser. They
# only match what every XML reader reads the same way: the root <xml> and at most
# _MAX_NODES - 1 simple children whose text has no markup, entities, "]", CR (expat
# would rewrite it) or characters XML forbids (expat would refuse them); the whole body
# must be UTF-8. Anything else goes to the scanner, so a body the fast path accepts
# reads the same through both. The byte classes are positive (a bitmap: about five
# times faster than a negated class on a long text) and possessive (no backtracking).
_WS_RE = rb"[ \t\r\n]*+"
_HEAD = re.compile(_WS_RE + rb"<xml>" + _WS_RE)
_CHILD = re.compile(
    rb"<([A-Za-z_][A-Za-z0-9_]{0,31}+)>(?:"
    rb"<!\[CDATA\[([\t\n\x20-\x5c\x5e-\xff]*+)\]\]>"  # all but "]"
    rb"|([\t\n\x20-\x25\x27-\x3b\x3d-\x5c\x5e-\xff]*+)"  # all but "&", "<", "]"
    rb")</\1>" + _WS_RE
)
_TAIL = re.compile(rb"</xml>" + _WS_RE)


def _read_flat(body: bytes) -> Envelope | None:
    """The flat envelope by regex; None when the body needs the scanner's verdict."""
    m = _HEAD.match(body)
    if m is None:
        return None
    pos = m.end()
    fields: dict[bytes, bytes] = {}
    child = _CHILD.match
    while (m := child(body, pos)) is not None:
        name = m.group(1)
        if name in fields or len(fields) == _MAX_NODES - 1:
            return None  # a repeated tag or too many: the scanner says why it is refused
        value = m.group(2)
        fields[name] = value if value is not None else m.group(3)
        pos = m.end()
    if _TAIL.fullmatch(body, pos) is None:
        return None
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if b"\xef\xbf\xbe" in body or b"\xef\xbf\xbf" in body:
            return None  # U+FFFE, U+FFFF: valid UTF-8, but not XML characters
    encrypt = fields.get(b"Encrypt", b"").strip(b" \t\r\n")
    if not encrypt:
        return None
    to_user = fields.get(b"ToUserName")
    agent = fields.get(b"AgentID")
    return Envelope(
        encrypt.decode("utf-8"),
        None if to_user is None else to_user.decode("utf-8") or None,
        None if agent is None else agent.decode("utf-8") or None,
    )


class _EnvelopeScanner:
    """Stream a body through expat and stop at the first sign it is not one envelope.

    No tree is built: the handlers count nodes and depth and keep only the text of
    ``Encrypt``, ``ToUserName`` and ``AgentID``. The body is fed in growing chunks, so
    a refusal stops expat within the chunk where it happened, while a large token (a
    long text) is re-tokenized only a few times. ``nodes``, ``fed`` (bytes given to
    expat) and ``chunks`` tell how far the scan got, for tests and benchmarks.
    """

    def __init__(self) -> None:
        self.nodes = 0
        self.fed = 0
        self.chunks = 0
        self._depth = 0
        self._closed = False
        self._fields: dict[str, list[str]] = {}
        self._sink: list[str] | None = None
        self._sink_name = ""

    def scan(self, body: bytes) -> Envelope:
        """Read ``body`` (already through :func:`_check_prolog`) as one envelope."""
        parser = ParserCreate("utf-8")  # held to UTF-8, as the prolog check reads it
        parser.buffer_text = True
        parser.ordered_attributes = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.CommentHandler = self._comment
        parser.ProcessingInstructionHandler = self._pi
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        view = memoryview(body)
        size = _FIRST_CHUNK
        try:
            while self.fed < len(body):
                chunk = view[self.fed : self.fed + size]
                self.fed += len(chunk)
                self.chunks += 1
                parser.Parse(chunk, False)
                size *= 2
            parser.Parse(b"", True)
        except ExpatError as exc:
            raise XMLParseError(f"not well-formed XML: {exc}") from None
        return self._envelope()

    def _envelope(self) -> Envelope:
        fields = {name: "".join(parts) for name, parts in self._fields.items()}
        encrypt = fields.get("Encrypt")
        if encrypt is None:
            raise XMLParseError("the body has no <Encrypt> element")
        encrypt = encrypt.strip(_XML_WS)
        if not encrypt:
            raise XMLParseError("the <Encrypt> element is empty or only whitespace")
        return Envelope(encrypt, fields.get("ToUserName") or None, fields.get("AgentID") or None)

    def _count(self, what: str) -> None:
        self.nodes += 1
        if self.nodes > _MAX_NODES or self._closed or self._sink is not None:
            self._refuse_node(what)

    def _refuse_node(self, what: str) -> None:
        if self.nodes > _MAX_NODES:
            raise XMLParseError(f"more than {_MAX_NODES} elements and comments: not an envelope")
        where = "after </xml>" if self._closed else f"inside <{self._sink_name}>"
        raise XMLParseError(f"{what} {where}")

    def _start(self, name: str, attrs: list[str]) -> None:
        self.nodes += 1
        if self.nodes > _MAX_NODES or self._sink is not None:
            self._refuse_node(f"element <{name}>")
        self._depth += 1
        depth = self._depth
        if depth > _MAX_DEPTH:
            raise XMLParseError(f"elements nested deeper than {_MAX_DEPTH}: not an envelope")
        if depth == 1 and name != "xml":
            raise XMLParseError(f"the root element is <{name}>, not <xml>")
        if ":" in name or (attrs and any(k.startswith("xmlns") for k in attrs[::2])):
            # Namespace-aware readers would see other names than we do.
            raise XMLParseError("XML namespaces are not part of the envelope")
        if name in _FIELDS:
            if depth != 2:
                raise XMLParseError(f"<{name}> is not a child of <xml>")
            if name in self._fields:
                raise XMLParseError(f"two <{name}> elements: the envelope is ambiguous")
            self._sink = self._fields[name] = []
            self._sink_name = name

    def _end(self, name: str) -> None:
        self._depth -= 1
        if self._depth == 1:
            self._sink = None
        elif not self._depth:
            self._closed = True

    def _text(self, data: str) -> None:
        if self._sink is not None:
            self._sink.append(data)
        elif self._depth == 1 and data.strip(_XML_WS):
            raise XMLParseError("text directly inside <xml>, between its elements")

    def _comment(self, data: str) -> None:
        self._count("a comment")

    def _pi(self, target: str, data: str) -> None:
        self._count("a processing instruction")

    @staticmethod
    def _doctype(*args: object) -> None:
        # Unreachable past the prolog check; kept so a gap in it cannot open a DTD.
        raise XMLParseError("DTDs and entity declarations are refused")

    _entity = _doctype


def read_envelope(body: bytes) -> Envelope:
    """Read ``<xml><ToUserName/><AgentID/><Encrypt/></xml>``; ``Encrypt`` is required.

    The body is not yet authenticated, so the work is bounded: the flat envelope WeCom
    sends is read by regex; anything else only if it is at most 64 KiB, by a streaming
    scan that gives up past 32 nodes or 3 levels. Raises
    :class:`~wecom_callback.errors.XMLParseError` for anything that is not exactly one
    envelope: another root, two ``Encrypt`` (or ``ToUserName``, ``AgentID``) elements,
    an empty ``Encrypt``, text or markup where the envelope has none, a DTD, NUL bytes,
    or XML that is not well formed.
    """
    flat = _read_flat(body)
    if flat is not None:
        return flat
    if len(body) > _SLOW_PATH_MAX:
        raise XMLParseError(
            f"a body over {_SLOW_PATH_MAX} bytes must be the flat <xml> envelope of simple elements"
        )
    _check_prolog(body)
    if body.count(b"=") > _MAX_EQUALS:
        raise XMLParseError(f"more than {_MAX_EQUALS} '=': more attributes than an envelope has")
    return _EnvelopeScanner().scan(body)
