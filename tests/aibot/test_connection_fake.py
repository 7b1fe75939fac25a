"""FakeAIBotServer refuses what WeCom would, so a client's mistakes show in tests.

A bare websockets client speaks to it here, frame by frame.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from wecom_callback.testing import FakeAIBotServer

BOT = "aibotFAKE"


@pytest.fixture
async def server() -> AsyncIterator[FakeAIBotServer]:
    async with FakeAIBotServer(bot_id=BOT) as fake:
        yield fake


async def ask(ws: ClientConnection, cmd: str, body: Any = None, req_id: str = "r-1") -> Any:
    frame: dict[str, Any] = {"cmd": cmd, "headers": {"req_id": req_id}}
    if body is not None:
        frame["body"] = body
    await ws.send(json.dumps(frame))
    return json.loads(await ws.recv())


@pytest.fixture
async def client(server: FakeAIBotServer) -> AsyncIterator[ClientConnection]:
    async with connect(server.url) as ws:
        ack = await ask(ws, "aibot_subscribe", {"bot_id": BOT, "secret": server.secret})
        assert ack == {"headers": {"req_id": "r-1"}, "errcode": 0, "errmsg": "ok"}
        yield ws


async def test_the_first_frame_must_subscribe_with_the_right_bot(server: FakeAIBotServer) -> None:
    async with connect(server.url) as ws:
        assert (await ask(ws, "ping"))["errcode"] == 40058
    async with connect(server.url) as ws:
        ack = await ask(ws, "aibot_subscribe", {"bot_id": "other", "secret": server.secret})
        assert ack["errcode"] == 40001 and ack["errmsg"] == "invalid bot_id"
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    async with connect(server.url) as ws:
        await ws.send("not json")
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1003


@pytest.mark.parametrize(
    ("cmd", "body", "errmsg"),
    [
        ("aibot_respond_msg", {"msgtype": "stream", "stream": {"id": "s"}}, "not a callback"),
        ("aibot_send_msg", {"chatid": "u", "msgtype": "text", "text": {}}, "cannot be sent"),
        ("aibot_send_msg", {"msgtype": "markdown", "markdown": {}}, "chatid is required"),
        (
            "aibot_send_msg",
            {"chatid": "u", "chat_type": 3, "msgtype": "markdown", "markdown": {}},
            "chat_type is 1",
        ),
        ("aibot_unknown", {}, "unknown cmd"),
    ],
)
async def test_malformed_commands_are_refused(
    client: ClientConnection, cmd: str, body: dict[str, Any], errmsg: str
) -> None:
    ack = await ask(client, cmd, body)
    assert ack["errcode"] == 40058 and errmsg in ack["errmsg"]


@pytest.mark.parametrize(
    ("cmd", "body", "errmsg"),
    [
        ("aibot_respond_welcome_msg", {"msgtype": "text", "text": {}}, "does not answer"),
        ("aibot_respond_msg", {"msgtype": "stream_with_template_card"}, "not supported"),
        (
            "aibot_respond_msg",
            {"msgtype": "stream", "stream": {"id": "s", "msg_item": []}},
            "msg_item is not supported",
        ),
        (
            "aibot_respond_msg",
            {"msgtype": "stream", "stream": {"id": "s", "content": "x" * 20481}},
            "over 20480 bytes",
        ),
        ("aibot_respond_msg", {"msgtype": "stream", "stream": {}}, "stream.id is required"),
    ],
)
async def test_replies_the_long_connection_cannot_carry_are_refused(
    server: FakeAIBotServer, client: ClientConnection, cmd: str, body: Any, errmsg: str
) -> None:
    req_id = await server.push_message({"msgid": "m", "msgtype": "text", "text": {}})
    assert json.loads(await client.recv())["headers"]["req_id"] == req_id
    ack = await ask(client, cmd, body, req_id=req_id)
    assert ack["errcode"] == 40058 and errmsg in ack["errmsg"]


async def test_a_finished_stream_takes_no_more_frames(
    server: FakeAIBotServer, client: ClientConnection
) -> None:
    req_id = await server.push_message({"msgid": "m", "msgtype": "text", "text": {}})
    await client.recv()
    done = {"msgtype": "stream", "stream": {"id": "s", "finish": True, "content": "x"}}
    assert (await ask(client, "aibot_respond_msg", done, req_id=req_id))["errcode"] == 0
    assert (await ask(client, "aibot_respond_msg", done, req_id=req_id))["errcode"] == 846608


async def test_a_second_subscription_kicks_the_first(
    server: FakeAIBotServer, client: ClientConnection
) -> None:
    async with connect(server.url) as second:
        ack = await ask(second, "aibot_subscribe", {"bot_id": BOT, "secret": server.secret})
        assert ack["errcode"] == 0
        kicked = json.loads(await client.recv())
        assert kicked["body"]["event"]["eventtype"] == "disconnected_event"
        with pytest.raises(ConnectionClosed):
            await client.recv()
        assert (await ask(second, "ping", req_id="p-1"))["errcode"] == 0
    assert server.connections == 2
