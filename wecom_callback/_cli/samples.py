"""The sample callbacks ``simulate`` sends: one realistic plaintext per kind in the catalogue.

They ship in the wheel under ``wecom_callback/testing/fixtures`` (a copy of the test suite's
``tests/fixtures/callbacks``, kept equal by a test). A sample is named after its file:
``text``, ``sys_approval_change``, ``change_external_contact.add_external_contact``, and
``suite_ticket.info`` for the InfoType form a suite receives.
"""

from __future__ import annotations

import re
import secrets
import time
from functools import cache
from importlib.resources import files

from ..errors import ConfigurationError
from ..testing import callback_xml

__all__ = ["bare_callback", "resolve", "sample_names", "sample_plaintext"]

_INFO = ".info"


@cache
def sample_names() -> tuple[str, ...]:
    """Every sample's name, sorted."""
    folder = files("wecom_callback.testing") / "fixtures"
    names = (entry.name for entry in folder.iterdir() if entry.name.endswith(".xml"))
    return tuple(sorted(name.removesuffix(".xml") for name in names))


def resolve(kind: str, *, info: bool = False) -> str | None:
    """The sample for ``kind``: a sample name, a kind, or a change type; ``None`` if none.

    A kind sent both as an Event and as an InfoType gives the Event form unless ``info``.
    """
    names = set(sample_names())
    forms = [kind + _INFO, kind] if info else [kind, kind + _INFO]
    for name in forms:
        if name in names:
            return name
    # A change type alone, as in "add_external_contact": unique among one form's samples.
    hits = sorted(
        name for name in names if name.split(".")[1:2] == [kind] and name.endswith(_INFO) == info
    )
    if len(hits) > 1:
        raise ConfigurationError(f"{kind!r} is ambiguous: {', '.join(hits)}")
    return hits[0] if hits else None


def _set(xml: str, tag: str, value: str | int) -> str:
    """``xml`` with the top-level ``tag`` (indented two spaces, as in the samples) set."""
    text = str(value) if isinstance(value, int) else f"<![CDATA[{value}]]>"
    pattern = re.compile(rf"^(  <{tag}>).*?(</{tag}>)$", re.M)
    return pattern.sub(lambda m: m[1] + text + m[2], xml, count=1)


def sample_plaintext(name: str, receive_id: str, content: str | None = None) -> bytes:
    """Sample ``name`` addressed to ``receive_id``, stamped now, with a fresh MsgId.

    ``content`` replaces the first of ``Content``, ``EventKey`` or ``State`` it carries.
    """
    folder = files("wecom_callback.testing") / "fixtures"
    xml = (folder / f"{name}.xml").read_text(encoding="utf-8")
    now = int(time.time())
    xml = _set(xml, "ToUserName", receive_id)
    if "<InfoType>" in xml:
        xml = _set(xml, "SuiteId", receive_id)  # an instruction callback names its SuiteID
    xml = _set(_set(xml, "CreateTime", now), "TimeStamp", now)
    xml = _set(xml, "MsgId", secrets.randbits(62))  # a fresh id: not a retry of the last one
    if content is not None:
        for tag in ("Content", "EventKey", "State"):
            if f"\n  <{tag}>" in xml:
                xml = _set(xml, tag, content.replace("]]>", "]]]]><![CDATA[>"))
                break
    return xml.encode("utf-8")


def bare_callback(kind: str, receive_id: str, content: str | None, *, info: bool) -> bytes:
    """A callback of a kind no sample has: an Event (or with ``info`` an InfoType) header."""
    now = int(time.time())
    if info:
        return callback_xml(
            {"SuiteId": receive_id, "InfoType": kind, "TimeStamp": now, "State": content}
        )
    fields = {
        "ToUserName": receive_id,
        "FromUserName": "zhangsan",
        "CreateTime": now,
        "MsgType": "event",
        "Event": kind,
        "EventKey": content,
        "AgentID": 1000002,
    }
    return callback_xml(fields)
