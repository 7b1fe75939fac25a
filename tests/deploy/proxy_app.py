"""An app that answers each text message with the client address it saw."""

from __future__ import annotations

from wecom_callback import CallbackContext, WeComApp
from wecom_callback.models import TextMessage

app = WeComApp.from_env(inbox="memory://")


@app.on("text")
def who(msg: TextMessage, ctx: CallbackContext) -> str:
    return f"client={ctx.client_addr}"
