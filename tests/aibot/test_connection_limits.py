"""Proactive sends over the long connection: the 24 h window and the per-conversation rates.

Limits are enforced before a frame leaves, with an error that says which one; the wall
clock is a parameter, so a day passes without waiting for it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.aibot.test_connection import BOT, build_app, message
from wecom_callback.aibot import AIBotApp
from wecom_callback.aibot._ws_protocol import ProactiveLimits
from wecom_callback.aibot.connection import (
    AIBotCommandError,
    AIBotConnection,
    AIBotConnectionError,
    AIBotLimitError,
)
from wecom_callback.testing._fake_aibot_ws import FakeAIBotServer

MARKDOWN = {"msgtype": "markdown", "markdown": {"content": "**build** finished"}}


class Clock:
    """Wall time that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def group_message(msgid: str, chatid: str) -> dict[str, Any]:
    return {**message(msgid, "@bot hello"), "chattype": "group", "chatid": chatid}


@pytest.fixture
async def server() -> AsyncIterator[FakeAIBotServer]:
    async with FakeAIBotServer(bot_id=BOT) as fake:
        yield fake


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AIBotApp]:
    async with build_app(tmp_path) as started:
        yield started


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def conn(
    server: FakeAIBotServer, app: AIBotApp, clock: Clock
) -> AsyncIterator[AIBotConnection]:
    connection = AIBotConnection(
        BOT, server.secret, app, url=server.url, reconnect_delay=0.01, clock=clock
    )
    async with connection:
        yield connection


async def wrote(server: FakeAIBotServer, body: dict[str, Any]) -> None:
    """The user's message reached the bot (and was answered)."""
    req_id = await server.push_message(body)
    await server.wait_for("aibot_respond_msg", req_id=req_id)


async def test_only_conversations_that_wrote_within_24_hours(
    server: FakeAIBotServer, conn: AIBotConnection, clock: Clock
) -> None:
    with pytest.raises(AIBotLimitError, match="no message from conversation 'zhangsan' in the"):
        await conn.send_message("zhangsan", MARKDOWN)
    assert server.sent("aibot_send_msg") == []
    await wrote(server, message("m-1", "hi"))
    ack = await conn.send_message("zhangsan", MARKDOWN)
    [sent] = server.sent("aibot_send_msg")
    assert ack["errcode"] == 0 and ack["headers"]["req_id"] == sent.req_id
    assert sent.body == {"chatid": "zhangsan", "chat_type": 1, **MARKDOWN}
    clock.now += 24 * 3600
    with pytest.raises(AIBotLimitError, match="24 h"):
        await conn.send_message("zhangsan", MARKDOWN)
    await wrote(server, message("m-2", "hi again"))
    await conn.send_message("zhangsan", MARKDOWN)
    assert len(server.sent("aibot_send_msg")) == 2


async def test_a_group_is_chat_type_2(server: FakeAIBotServer, conn: AIBotConnection) -> None:
    await wrote(server, group_message("m-1", "wrGROUP"))
    with pytest.raises(AIBotLimitError, match="'wrGROUP' is a group, not chat_type 1"):
        await conn.send_message("wrGROUP", MARKDOWN, chat_type=1)
    await conn.send_message("wrGROUP", MARKDOWN)
    await conn.send_message("wrGROUP", MARKDOWN, chat_type=2)
    assert [f.body["chat_type"] for f in server.sent("aibot_send_msg")] == [2, 2]


async def test_30_a_minute_per_conversation(
    server: FakeAIBotServer, conn: AIBotConnection, clock: Clock
) -> None:
    await wrote(server, message("m-1", "hi"))
    await wrote(server, message("m-2", "hi", user="lisi"))
    for _ in range(30):
        await conn.send_message("zhangsan", MARKDOWN)
        clock.now += 1
    with pytest.raises(
        AIBotLimitError, match="30 messages to conversation 'zhangsan' in 60 s"
    ) as info:
        await conn.send_message("zhangsan", MARKDOWN)
    assert info.value.retry_after == pytest.approx(30)
    await conn.send_message("lisi", MARKDOWN)  # another conversation has its own count
    clock.now += 30
    await conn.send_message("zhangsan", MARKDOWN)
    assert len(server.sent("aibot_send_msg")) == 32


def test_1000_an_hour_per_conversation() -> None:
    clock = Clock()
    limits = ProactiveLimits(clock=clock)
    limits.saw(message("m-1", "hi"))
    for n in range(1000):
        assert limits.reserve("zhangsan", None) == 1
        clock.now += 3.5 if n % 30 else 0.5  # under 30 a minute, 1000 in under an hour
    with pytest.raises(
        AIBotLimitError, match="1000 messages to conversation 'zhangsan' in 3600 s"
    ) as info:
        limits.reserve("zhangsan", 1)
    assert info.value.retry_after is not None and 0 < info.value.retry_after < 3600
    limits.release("zhangsan")  # a send that never left gives its place back
    clock.now += 60
    assert limits.reserve("zhangsan", 1) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"msgtype": "text", "text": {"content": "x"}}, "carries msgtype file, image"),
        ({"msgtype": "markdown"}, "needs its 'markdown' object"),
        ({**MARKDOWN, "chatid": "other"}, "as arguments, not in the body"),
        ({"msgtype": "markdown", "markdown": {"content": "长" * 7000}}, "over 20480 bytes"),
    ],
)
async def test_messages_the_mode_cannot_carry(
    server: FakeAIBotServer, conn: AIBotConnection, body: dict[str, Any], reason: str
) -> None:
    await wrote(server, message("m-1", "hi"))
    with pytest.raises(AIBotLimitError, match=reason):
        await conn.send_message("zhangsan", body)
    assert server.sent("aibot_send_msg") == []


async def test_a_refused_send_is_wecoms_error(
    server: FakeAIBotServer, conn: AIBotConnection
) -> None:
    await wrote(server, message("m-1", "hi"))
    server.conflict(times=conn.conflict_retries + 1)
    with pytest.raises(AIBotCommandError) as info:
        await conn.send_message("zhangsan", MARKDOWN)
    assert info.value.errcode == 6000 and info.value.api == "aibot_send_msg"
    assert len(server.sent("aibot_send_msg")) == conn.conflict_retries + 1


async def test_a_send_waits_out_a_reconnect(server: FakeAIBotServer, app: AIBotApp) -> None:
    conn = AIBotConnection(BOT, server.secret, app, url=server.url, reconnect_delay=0.2)
    async with conn:
        await wrote(server, message("m-1", "hi"))
        await server.drop()
        while conn.connected:  # until the connection saw the socket go
            await asyncio.sleep(0.005)
        ack = await conn.send_message("zhangsan", MARKDOWN)
    [sent] = server.sent("aibot_send_msg")
    assert ack["errcode"] == 0 and sent.connection == 2


async def test_a_send_without_a_connection_fails_clearly(
    server: FakeAIBotServer, app: AIBotApp
) -> None:
    conn = AIBotConnection(BOT, server.secret, app, url=server.url, max_reconnects=0,
                           ack_timeout=0.2)  # fmt: skip
    await conn.start()
    await wrote(server, message("m-1", "hi"))
    await server.close()
    with pytest.raises(AIBotConnectionError, match="gave up after 0 reconnects"):
        await conn.wait_closed()
    with pytest.raises(AIBotConnectionError, match=r"aibot_send_msg: not connected within 0\.2 s"):
        await conn.send_message("zhangsan", MARKDOWN)
    await conn.close()


async def test_media_is_uploaded_in_chunks_then_sent(
    server: FakeAIBotServer, conn: AIBotConnection
) -> None:
    await wrote(server, message("m-1", "hi"))
    data = bytes(range(256)) * 4100  # 1,049,600 bytes: three chunks of at most 512 KiB
    media_id = await conn.upload_media(data, kind="file", filename="report.pdf")
    assert server.media[media_id] == data
    [init] = server.sent("aibot_upload_media_init")
    assert init.body["total_size"] == len(data) and init.body["total_chunks"] == 3
    assert [f.body["chunk_index"] for f in server.sent("aibot_upload_media_chunk")] == [0, 1, 2]
    await conn.send_message("zhangsan", {"msgtype": "file", "file": {"media_id": media_id}})
    with pytest.raises(AIBotCommandError, match="unknown media_id") as info:
        await conn.send_message("zhangsan", {"msgtype": "image", "image": {"media_id": "nope"}})
    assert info.value.errcode == 40058
    assert [f.errcode for f in server.sent("aibot_send_msg")] == [0, 40058]


@pytest.mark.parametrize(
    ("size", "kind", "filename", "reason"),
    [
        (10, "pdf", "a.pdf", "media type is file, image, video, voice; not 'pdf'"),
        (10, "file", "", "an upload needs its file name"),
        (0, "file", "a.pdf", "an upload is 1 byte to 50 MiB (100 chunks of 512 KiB)"),
        (100 * 512 * 1024 + 1, "video", "a.mp4", "this one is 52428801 bytes"),
    ],
)
async def test_uploads_the_mode_cannot_carry(
    server: FakeAIBotServer, conn: AIBotConnection, size: int, kind: Any, filename: str,
    reason: str,
) -> None:  # fmt: skip
    with pytest.raises(AIBotLimitError, match=re.escape(reason)):
        await conn.upload_media(bytes(size), kind=kind, filename=filename)
    assert server.sent("aibot_upload_media_init") == []


def test_30_uploads_a_minute() -> None:
    clock = Clock()
    limits = ProactiveLimits(clock=clock)
    for _ in range(30):
        limits.reserve_upload()
    with pytest.raises(AIBotLimitError, match="30 media uploads in 60 s already"):
        limits.reserve_upload()
    clock.now += 60
    limits.reserve_upload()
