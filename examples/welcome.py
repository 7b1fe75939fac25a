"""Greet every new customer with the outbound client.

    .venv/bin/python examples/welcome.py

The demo starts a FakeWeComAPI, serves the app under uvicorn, sends itself a signed
add_external_contact callback and prints what WeCom's API received. In production, give
the app your corp id and the customer-contact secret (or ``WECOM_CORP_ID`` and
``WECOM_SECRET``), and drop ``api_base_url``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from wecom_callback import WeComApp
from wecom_callback.client import WeComClient
from wecom_callback.models import AddExternalContactEvent
from wecom_callback.testing import FakeWeComAPI, Simulator, serving

TOKEN = "WelcomeToken"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


def build_app(corp_id: str, secret: str, api_base_url: str) -> WeComApp:
    """The app: it owns a client for ``corp_id``; handlers get it by parameter name."""
    app = WeComApp(
        TOKEN,
        AES_KEY,
        corp_id,
        inbox="memory://",
        corp_id=corp_id,
        secret=secret,
        api_base_url=api_base_url,
    )

    @app.on("change_external_contact", change_type="add_external_contact")
    async def welcome(ev: AddExternalContactEvent, client: WeComClient) -> None:
        """The welcome code is valid for 20 seconds: answer at once."""
        if ev.welcome_code:
            await client.external_contact.send_welcome_msg(ev.welcome_code, text="Welcome! 👋")

    return app


async def demo() -> list[dict[str, Any]]:
    """Run the scenario; the bodies send_welcome_msg received."""
    async with FakeWeComAPI() as api:
        callback = Simulator(TOKEN, AES_KEY, api.corp_id).callback(
            {
                "ToUserName": api.corp_id,
                "FromUserName": "sys",
                "CreateTime": 1700000000,
                "MsgType": "event",
                "Event": "change_external_contact",
                "ChangeType": "add_external_contact",
                "UserID": "zhangsan",
                "ExternalUserID": "wmcustomer01",
                "WelcomeCode": "WELCOME-CODE-1",
            }
        )
        app = build_app(api.corp_id, api.secret, api.base_url)
        async with serving(app) as url, httpx.AsyncClient() as http:
            answer = await http.post(callback.url(url), content=callback.body)
            print(f"callback answered HTTP {answer.status_code}")
        return [call.json for call in api.calls_to("externalcontact/send_welcome_msg")]


if __name__ == "__main__":
    for body in asyncio.run(demo()):
        print("WeCom received send_welcome_msg:", body)
