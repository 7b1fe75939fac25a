"""The Redis inbox's layout: its keys, the algorithm over them, and a record's encoding.

Keys, all under a configurable prefix (default ``wecom:inbox``) followed by the endpoint's
name: ``P`` below is ``wecom:inbox:<endpoint>``, so every endpoint has its own records,
stream and consumer group, and endpoints sharing one Redis never see each other's work.
(Records from before endpoints existed live under the bare prefix; :meth:`RedisInbox.adopt`
moves them.) ``<prefix>:endpoints`` is the set of endpoint names, for operators.

``P:dedupe:<key>``
    No longer written: the record's hash is its own marker (admission checks for it
    inside the script). Markers older versions wrote expire on their own, and purge,
    adoption and retry still treat the key as part of the record.
``P:rec:<key>``
    A hash with the record's fields, one ``h:<handler id>`` field per finished handler,
    and ``entry``, the id of the record's stream entry. No TTL while pending; it expires
    ``retention`` seconds after the record is done or dead.
``P:stream``
    A Stream with one entry (``key=<key>``) per unit of work, read through the consumer
    group ``workers``; each consumer is named after the lease owner.
``P:status:pending``, ``P:status:done``, ``P:status:dead``
    Sorted sets of keys scored by ``received_at``: for ``list``, ``stats`` and ``purge``.

Every state change of a record is one Lua script (atomic on the server): admission checks
for the hash, writes it, ``XADD``\\s the entry and indexes the key in one step.

The hash is the truth about leases; the stream's pending entries list (PEL) only says
*when to look again*. ``claim`` reads new entries (``XREADGROUP``) and entries idle
longer than a fixed horizon (``XAUTOCLAIM``: a dead consumer's work, a lease or backoff
that ran out), then per entry a script takes the lease only if the record is pending,
unleased (``lease_until <= now``) and due (``next_attempt_at <= now``). Finishing a
record (``complete``, or ``fail`` into a dead letter) acknowledges *and deletes* its
entry in the same script, so finished work, typically handled inline right after
admission and never read by the group, is never read again; an entry ``claim`` still
finds for a finished, purged or superseded record is acknowledged, deleted and skipped.
Whenever a script leaves an entry pending (on taking a lease, on renewing it, on finding
it leased or backing off) it sets the entry's idle time to *horizon minus the wait*
(``XCLAIM ... IDLE``), so the entry turns up in an ``XAUTOCLAIM`` exactly when the lease
or backoff ends, whatever lease lengths the replicas use. ``release``, ``fail`` with a
retry time and ``retry`` make it look idle since the epoch, so the next ``claim`` looks
at it at once.

The stream is trimmed (``XTRIM MINID``) to the retention window, but never past the
oldest unacknowledged or undelivered entry, so trimming can never lose work. (Only
entries whose record was finished are ever deleted before that, so the stream holds
little beyond live work.)

For Redis Cluster, give a hash-tagged prefix (``{wecom}:inbox``) so all keys share a slot.
Leases compare the replicas' own clocks, so keep them in sync (NTP).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from wecom_callback.inbox._base import InboxRecord, RecordStatus

__all__ = ["fields", "now", "record"]


def fields(flat: Sequence[bytes]) -> dict[bytes, bytes]:
    """A flat HGETALL reply as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()


def record(h: Mapping[Any, bytes]) -> InboxRecord:
    """The record a hash stores."""
    return InboxRecord(
        key=h[b"key"].decode(),
        receive_id=h[b"receive_id"].decode(),
        kind=h[b"kind"].decode(),
        plaintext=h[b"plaintext"],
        received_at=float(h[b"received_at"]),
        status=RecordStatus(h[b"status"].decode()),
        handlers_done=frozenset(k[2:].decode() for k in h if k.startswith(b"h:")),
        attempts=int(h.get(b"attempts", b"0")),
        last_error=_text(h.get(b"last_error")),
        reply=h.get(b"reply"),
        owner=_text(h.get(b"owner")),
        lease_until=float(h.get(b"lease_until", b"0")),
        next_attempt_at=float(h.get(b"next_attempt_at", b"0")),
        updated_at=float(h.get(b"updated_at", b"0")),
    )


def now() -> tuple[float, str, int]:
    """Now as a float, as the string the scripts store, and in ms (for ``XCLAIM IDLE``)."""
    now = time.time()
    return now, repr(now), int(now * 1000)
