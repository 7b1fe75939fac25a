"""A third-party suite (服务商): instruction URL, data URL and install flow in one site.

The app runs in suite mode (``WECOM_SUITE_ID``, ``WECOM_SUITE_SECRET``): it keeps the
suite_ticket, exchanges auth codes, stores installations and follows change and cancel,
durably, before the handlers below. One app serves both URLs (they share the suite's
Token and EncodingAESKey); its data URL accepts every installed corp, and only those.

    WECOM_TOKEN=... WECOM_ENCODING_AES_KEY=... WECOM_SUITE_ID=ww... \\
    WECOM_SUITE_SECRET=... WECOM_PROVIDER_CORP_ID=ww... \\
    SUITE_PUBLIC_URL=https://suite.example.com uvicorn examples.suite:site

In the provider console: instruction URL ``<public>/wecom/instruction``, data URL
``<public>/wecom/data``; send admins to ``<public>/install/start`` to install from your
site. ``SUITE_INSTALL_BASE_URL`` points the install page elsewhere (a test server).
"""

from __future__ import annotations

import logging
import os

from starlette.applications import Starlette
from starlette.routing import Mount

from wecom_callback import CallbackContext, WeComApp
from wecom_callback.client import Text
from wecom_callback.models import CreateAuthEvent, TextMessage

log = logging.getLogger("suite")
PUBLIC_URL = os.environ.get("SUITE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

app = WeComApp.from_env()
flow = app.suite.install_flow(
    redirect_uri=f"{PUBLIC_URL}/install/callback",
    install_base_url=os.environ.get("SUITE_INSTALL_BASE_URL") or None,
)
site = Starlette(
    routes=[
        *app.routes("/wecom/instruction"),  # answered with or without the slash
        *app.routes("/wecom/data"),
        Mount("/install", flow),
    ],
    lifespan=app.lifespan,
)


@app.on(CreateAuthEvent)
async def installed(ev: CreateAuthEvent) -> None:
    """Runs after the built-in exchange: the installation is stored already."""
    for installation in await app.installations.list():
        log.info("installed in %s (%s)", installation.auth_corp_id, installation.corp_name)


@app.on(TextMessage)
async def echo(msg: TextMessage, ctx: CallbackContext) -> str:
    """A member of an installed corp wrote to the app: answer, and write back via the API."""
    installation = await app.installations.get(ctx.receive_id)
    if installation is not None and msg.from_user_name:
        corp = app.suite_client.for_corp(ctx.receive_id, agent_id=installation.agent_id)
        await corp.message.send(Text(content="thanks for writing"), touser=msg.from_user_name)
    return f"you said {msg.content}"
