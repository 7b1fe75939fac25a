"""The ``hr`` endpoint of ``wecom.toml``: contact changes, on a Router the endpoint includes."""

from __future__ import annotations

import logging

from wecom_callback import Router
from wecom_callback.models import UpdateUserEvent

log = logging.getLogger("hr")
router = Router("hr")


@router.on("change_contact", change_type="update_user")
async def member_changed(event: UpdateUserEvent) -> None:
    """Note who changed (the handler's own log line; never the payload)."""
    log.info("member %s changed", event.user_id)
