"""The ``kf`` endpoint of ``wecom.toml``: pull new 微信客服 messages with its own client."""

from __future__ import annotations

import logging

from wecom_callback import Router
from wecom_callback.client import WeComClient
from wecom_callback.models import KfMsgOrEvent

log = logging.getLogger("kf")
router = Router("kf")


@router.on("kf_msg_or_event")
async def pull(event: KfMsgOrEvent, client: WeComClient) -> None:
    """Read what arrived since the stored cursor (kept in the endpoint's store)."""
    if event.open_kf_id is None:
        return
    async for message in client.kf.iter_messages(event.open_kf_id, token=event.token):
        log.info("kf message %s", message.msgid)
