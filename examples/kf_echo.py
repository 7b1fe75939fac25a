"""A WeChat customer-service (微信客服) echo bot: pull new messages, answer customers.

    .venv/bin/python examples/kf_echo.py

A kf_msg_or_event callback carries no message, only a token and the account: the
handler pulls with ``client.kf.iter_messages``, which resumes from the cursor in the
client's store and yields each message once, and answers only the customers (origin 3),
never the servicers or itself. Give the client ``store="sqlite:///wecom.db"`` (or Redis)
so the cursor survives restarts and is shared by replicas.

The demo starts a FakeWeComAPI with a backlog of three pages (one empty), serves the app,
sends itself two signed callbacks, and prints what the bot sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from wecom_callback import WeComApp
from wecom_callback.client import Text, WeComClient
from wecom_callback.models import KfMsgOrEvent
from wecom_callback.testing import FakeWeComAPI, Simulator, serving

TOKEN = "KfEchoToken"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
ACCOUNT = "wkfakekf0001"


def build_app(client: WeComClient) -> WeComApp:
    """The app: pull on every notification, echo what customers wrote."""
    app = WeComApp(TOKEN, AES_KEY, client.corp_id, client=client, inbox="memory://")

    @app.on("kf_msg_or_event")
    async def echo(ev: KfMsgOrEvent, client: WeComClient) -> None:
        if ev.open_kf_id is None:
            return
        async for message in client.kf.iter_messages(ev.open_kf_id, token=ev.token):
            if message.from_customer and message.text is not None:
                await client.kf.reply(message, Text(content=f"you said: {message.text.content}"))

    return app


async def demo() -> list[dict[str, Any]]:
    """Run the scenario; the bodies kf/send_msg received."""
    async with FakeWeComAPI() as api:
        api.add_kf_messages(
            ACCOUNT,
            [api.kf_text("m1", "hello"), api.kf_text("m2", "a servicer here", origin=5)],
            [],  # an empty page that still says has_more=1
            [api.kf_text("m3", "bye")],
        )
        sim = Simulator(TOKEN, AES_KEY, api.corp_id)
        client = WeComClient(api.corp_id, api.secret, base_url=api.base_url)
        async with client, serving(build_app(client)) as url, httpx.AsyncClient() as http:
            for token in ("SYNC-TOKEN-1", "SYNC-TOKEN-2"):  # the second finds nothing new
                callback = sim.callback(
                    {
                        "ToUserName": api.corp_id,
                        "FromUserName": "sys",
                        "CreateTime": 1700000000,
                        "MsgType": "event",
                        "Event": "kf_msg_or_event",
                        "Token": token,
                        "OpenKfId": ACCOUNT,
                    }
                )
                answer = await http.post(callback.url(url), content=callback.body)
                print(f"callback answered HTTP {answer.status_code}")
        print(f"sync_msg was called {len(api.calls_to('kf/sync_msg'))} times")
        return [call.json for call in api.calls_to("kf/send_msg")]


if __name__ == "__main__":
    for body in asyncio.run(demo()):
        print("WeCom received kf/send_msg:", body["touser"], body["text"])
