"""A self-built app: echo text, greet new customers, follow approvals.

    WECOM_TOKEN=... WECOM_ENCODING_AES_KEY=... WECOM_RECEIVE_ID=ww... \
        uvicorn examples.quickstart:app
"""

from __future__ import annotations

import logging

from wecom_callback import CallbackContext, TextReply, WeComApp
from wecom_callback.models import (
    AddExternalContactEvent,
    Callback,
    SysApprovalChangeEvent,
    TextMessage,
)

log = logging.getLogger("quickstart")
app = WeComApp.from_env()


@app.on("text")
async def echo(msg: TextMessage) -> TextReply:
    """Answer within the 5 seconds with an encrypted passive reply."""
    return TextReply(content=f"you said {msg.content}")


@app.on("change_external_contact", change_type="add_external_contact")
def new_customer(ev: AddExternalContactEvent, ctx: CallbackContext) -> None:
    """Sync handlers run in a worker thread; a slow one is finished in the background."""
    log.info("customer %s added by %s (key %s)", ev.external_user_id, ev.user_id, ctx.dedupe_key)


@app.on(SysApprovalChangeEvent)
async def approval(ev: SysApprovalChangeEvent) -> None:
    """Nested approval data is typed all the way down."""
    info = ev.approval_info
    if info is not None:
        log.info("approval %s is now %s", info.sp_no, info.sp_status)


@app.on("*")
def audit(model: Callback) -> None:
    """Every callback, including kinds this version does not type (see ``model.raw``)."""
    log.debug("received %s", model.kind)
