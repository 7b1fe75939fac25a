"""What a receive id is: a CorpID, a SuiteID, a 代开发 template id, or the empty id.

CorpIDs and SuiteIDs look alike (both start ``ww``, older ones ``wx``), so the prefix
cannot tell them apart; the decrypted payload can: an instruction callback (``InfoType``)
names its ``SuiteId``, a data callback its corp in ``ToUserName``, a suite's corp-scoped
callback the authorizing corp in ``AuthCorpId``. Only 代开发 template ids have their own
prefix, ``dk``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["describe_configured", "describe_receive_id"]


def _named_by(receive_id: str, fields: Mapping[str, Any]) -> str | None:
    """What the payload's own fields call ``receive_id``, if they name it."""
    if fields.get("SuiteId") == receive_id:
        if receive_id.startswith("dk"):
            return "the SuiteID of a 代开发 template, as in its SuiteId"
        return "the SuiteID, as in its SuiteId: a suite's instruction callback"
    if fields.get("AuthCorpId") == receive_id:
        return "the authorizing corp's CorpID, as in its AuthCorpId"
    if fields.get("ToUserName") == receive_id:
        return "the CorpID, as in its ToUserName"
    return None


def describe_receive_id(receive_id: str, fields: Mapping[str, Any], *, url_check: bool) -> str:
    """A short phrase naming what the payload's receive id is."""
    if receive_id == "":
        return "the empty id: a suite of an individual provider, or an AI bot"
    named = _named_by(receive_id, fields)
    if named is not None:
        return named
    if url_check:
        return "on a URL check, the CorpID; a suite's URLs are checked with the provider's"
    if receive_id.startswith("dk"):
        return "a 代开发 template's SuiteID"
    if "InfoType" in fields:
        return "an instruction callback's id: the SuiteID, or the provider's CorpID"
    return "a CorpID or SuiteID"


def describe_configured(configured: tuple[str, ...], fields: Mapping[str, Any]) -> str:
    """The configured ids, each with what the payload calls it, if anything."""
    parts = []
    for receive_id in configured:
        named = _named_by(receive_id, fields)
        if named is not None:
            parts.append(f"{receive_id!r} ({named})")
        elif receive_id == "":
            parts.append("'' (the empty id)")
        else:
            parts.append(f"{receive_id!r}")
    return ", ".join(parts)
