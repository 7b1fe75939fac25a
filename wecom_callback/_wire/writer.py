"""The one XML writer: CDATA, values, elements from dicts, and whole ``<xml>`` documents.

Every XML this project sends (passive replies, reply envelopes, simulated callbacks) is
written here, so they all agree on the details:

- text goes in CDATA, with any ``]]>`` split so it cannot close the section; characters
  XML 1.0 cannot carry at all are refused (:class:`ValueError`), never sent;
- integers and floats are bare (``<AgentID>1000002</AgentID>``), booleans are the bare
  words ``true`` and ``false``; ``None`` is an empty element;
- a mapping nests, a list or tuple repeats the element once per item;
- element names must be plain XML names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["cdata", "document", "element", "xml_safe"]

#: Characters XML 1.0 cannot carry at all, not even in CDATA.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def xml_safe(text: str) -> str:
    """``text`` itself, or :class:`ValueError` if it holds characters XML cannot carry."""
    if _ILLEGAL.search(text):
        raise ValueError("text contains characters that XML cannot carry")
    return text


def cdata(text: str) -> str:
    """Wrap ``text`` in CDATA so that no ``]]>`` inside it can close the section."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return cdata(xml_safe(str(value)))


def element(tag: str, value: Any) -> str:
    """``<tag>value</tag>`` by the rules in the module doc (mappings nest, lists repeat)."""
    if not _TAG.fullmatch(tag):
        raise ValueError(f"{tag!r} is not a valid XML element name")
    if isinstance(value, list | tuple):
        return "".join(element(tag, item) for item in value)
    if isinstance(value, Mapping):
        return f"<{tag}>{''.join(element(k, v) for k, v in value.items())}</{tag}>"
    return f"<{tag}>{_value(value)}</{tag}>"


def document(fields: Mapping[str, Any]) -> str:
    """A whole ``<xml>...</xml>`` document from tag -> value, in order."""
    return "<xml>" + "".join(element(tag, value) for tag, value in fields.items()) + "</xml>"
