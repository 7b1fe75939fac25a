"""The long connection against a real WebSocket server playing WeCom, with a real AIBotApp.

The app's inbox is a real SQLite file; the server (FakeAIBotServer) checks what the
connection sends and answers as WeCom does. Nothing waits on a clock: every step
waits for the frame it expects.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import KEY, TOKEN
from wecom_callback.aibot import AIBotApp, StreamReply, TemplateCard, UpdateTemplateCard
from wecom_callback.aibot.connection import (
    AIBotConnection,
    AIBotConnectionError,
    AIBotKickedError,
    AIBotSubscribeError,
)
from wecom_callback.errors import ConfigurationError
from wecom_callback.models.aibot import AIBotTextMessage, TemplateCardEvent
from wecom_callback.testing import serving
from wecom_callback.testing._fake_aibot_ws import FakeAIBotServer, ReceivedFrame

BOT = "aibotTESTID"
RUNS: list[str] = []  # msgids, in the order the text handler ran them


def build_app(path: Path) -> AIBotApp:
    app = AIBotApp(TOKEN, KEY, inbox=f"sqlite:///{path / 'inbox.db'}")

    @app.on("text")
    async def text(msg: AIBotTextMessage) -> str | StreamReply:
        RUNS.append(str(msg.msgid))
        if msg.text.content.startswith("stream"):
            return StreamReply(_pieces(msg.text.content.split()[1:]))
        return f"you said {msg.text.content}"

    @app.on("enter_chat")
    async def welcome() -> str:
        return "welcome"

    @app.on("template_card_event")
    async def clicked(ev: TemplateCardEvent) -> UpdateTemplateCard:
        done = TemplateCard("text_notice", main_title={"title": f"chose {ev.event_key}"},
                            card_action={"type": 1, "url": "https://example.com"})  # fmt: skip
        return UpdateTemplateCard(done)

    return app


async def _pieces(words: list[str]) -> AsyncIterator[str]:
    for word in words:
        await asyncio.sleep(0.03)
        yield word


def message(msgid: str, content: str, user: str = "zhangsan") -> dict[str, Any]:
    return {"msgid": msgid, "aibotid": BOT, "chattype": "single", "from": {"userid": user},
            "msgtype": "text", "text": {"content": content}}  # fmt: skip


def event(msgid: str, eventtype: str, **fields: Any) -> dict[str, Any]:
    return {"msgid": msgid, "create_time": 1700000000, "aibotid": BOT, "chattype": "single",
            "from": {"userid": "zhangsan"}, "msgtype": "event",
            "event": {"eventtype": eventtype, eventtype: fields}}  # fmt: skip


def finished(frame: ReceivedFrame) -> bool:
    return bool(frame.body.get("stream", {}).get("finish"))


@pytest.fixture
async def server() -> AsyncIterator[FakeAIBotServer]:
    async with FakeAIBotServer(bot_id=BOT) as fake:
        yield fake


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AIBotApp]:
    RUNS.clear()
    async with build_app(tmp_path) as started:
        yield started


def connect(server: FakeAIBotServer, app: AIBotApp, **options: Any) -> AIBotConnection:
    options = {"heartbeat_interval": 60.0, "reconnect_delay": 0.01, **options}
    return AIBotConnection(server.bot_id, server.secret, app, url=server.url, **options)


async def test_subscribes_then_keeps_the_heartbeat(server: FakeAIBotServer, app: AIBotApp) -> None:
    async with connect(server, app, heartbeat_interval=0.02) as conn:
        pings = await server.wait_for("ping", count=3)
        assert conn.connected and conn.subscriptions == 1
    first = server.frames[0]
    assert first.cmd == "aibot_subscribe" and first.errcode == 0
    assert first.body == {"bot_id": BOT, "secret": server.secret}
    assert {p.errcode for p in pings} == {0} and len({p.req_id for p in pings}) == len(pings)
    assert not conn.connected


async def test_a_wrong_secret_is_one_clear_error(
    server: FakeAIBotServer, app: AIBotApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = AIBotConnection(BOT, "not-the-secret", app, url=server.url)
    with pytest.raises(AIBotSubscribeError) as info:
        await conn.start()
    assert info.value.errcode == 40001
    assert str(info.value).startswith(f"WeCom refused the long connection of bot {BOT!r}")
    assert "not-the-secret" not in str(info.value) + repr(conn) + caplog.text
    assert server.connections == 1  # a refused subscription is not dialled again


async def test_an_unreachable_endpoint_is_one_clear_error(app: AIBotApp) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conn = AIBotConnection(BOT, "s3cret", app, url=f"ws://127.0.0.1:{port}")
    with pytest.raises(AIBotConnectionError, match=f"cannot open ws://127.0.0.1:{port}"):
        await conn.start()


async def test_each_callback_is_answered_with_its_own_command(
    server: FakeAIBotServer, app: AIBotApp
) -> None:
    async with connect(server, app):
        said = await server.push_message(message("m-1", "hello"))
        streamed = await server.push_message(message("m-2", "stream one two three"))
        welcomed = await server.push_event(event("e-1", "enter_chat"))
        clicked = await server.push_event(
            event(
                "e-2",
                "template_card_event",
                card_type="button_interaction",
                event_key="yes",
                task_id="task-1",
            )
        )
        [reply] = await server.wait_for("aibot_respond_msg", req_id=said)
        frames = await server.wait_for("aibot_respond_msg", req_id=streamed, until=finished)
        [hello] = await server.wait_for("aibot_respond_welcome_msg", req_id=welcomed)
        [update] = await server.wait_for("aibot_respond_update_msg", req_id=clicked)
    assert reply.body["stream"] | {"id": ""} == {
        "id": "",
        "finish": True,
        "content": "you said hello",
    }
    assert [f.body["stream"]["finish"] for f in frames][-1] is True
    assert frames[-1].body["stream"]["content"] == "onetwothree"
    assert len({f.body["stream"]["id"] for f in frames}) == 1  # one stream, one id
    assert all(f.errcode == 0 for f in [reply, *frames, hello, update])
    assert hello.body == {"msgtype": "text", "text": {"content": "welcome"}}
    assert update.body["response_type"] == "update_template_card"
    assert update.body["template_card"]["main_title"] == {"title": "chose yes"}
    assert RUNS == ["m-1", "m-2"]


async def test_after_a_dropped_socket_it_reconnects_and_runs_nothing_twice(
    server: FakeAIBotServer, app: AIBotApp
) -> None:
    async with connect(server, app) as conn:
        first = await server.push_message(message("m-1", "before"))
        await server.wait_for("aibot_respond_msg", req_id=first)
        await server.drop()
        await server.wait_subscribed(2)
        again = await server.push_message(message("m-1", "before"))  # redelivered
        after = await server.push_message(message("m-2", "after"))
        [reply] = await server.wait_for("aibot_respond_msg", req_id=after)
        [repeated] = await server.wait_for("aibot_respond_msg", req_id=again)
        assert conn.subscriptions == 2
    assert reply.body["stream"]["content"] == "you said after"
    # The answer WeCom may have missed goes out again; the handler does not run again.
    assert repeated.body["stream"] == {"id": repeated.body["stream"]["id"], "finish": True,
                                       "content": "you said before"}  # fmt: skip
    assert RUNS == ["m-1", "m-2"]
    assert [f.connection for f in server.sent("aibot_subscribe")] == [1, 2]


async def test_unanswered_heartbeats_mean_a_dead_link(
    server: FakeAIBotServer, app: AIBotApp
) -> None:
    server.ignore_pings = True
    async with connect(server, app, heartbeat_interval=0.02, missed_heartbeats=2):
        await server.wait_subscribed(2)
        server.ignore_pings = False
        said = await server.push_message(message("m-1", "still there?"))
        await server.wait_for("aibot_respond_msg", req_id=said)
    first = [f for f in server.sent("ping") if f.connection == 1]
    assert len(first) == 2 and {f.errcode for f in first} == {None}


async def test_a_newer_connection_kicks_this_one_for_good(
    server: FakeAIBotServer, app: AIBotApp
) -> None:
    conn = connect(server, app)
    await conn.start()
    await server.kick()
    with pytest.raises(AIBotKickedError, match="one connection per bot"):
        await conn.wait_closed()
    assert server.connections == 1 and not conn.connected
    await conn.close()


async def test_an_expired_stream_stops_only_that_stream(
    server: FakeAIBotServer, app: AIBotApp, caplog: pytest.LogCaptureFixture
) -> None:
    async with connect(server, app):
        slow = "stream " + " ".join(f"w{i}" for i in range(30))  # about 1 s: 3 frames or more
        stream = await server.push_message(message("m-1", slow))
        await server.wait_for("aibot_respond_msg", req_id=stream)
        server.expire_stream(stream)
        await server.wait_for(
            "aibot_respond_msg", req_id=stream, until=lambda f: f.errcode == 846608
        )
        said = await server.push_message(message("m-2", "next"))
        [reply] = await server.wait_for("aibot_respond_msg", req_id=said)
    # Closing waited for every reply in flight: nothing followed the refused frame.
    codes = [f.errcode for f in server.sent("aibot_respond_msg", req_id=stream)]
    assert codes == [0, 846608] and reply.errcode == 0
    assert "846608" in caplog.text


async def test_a_command_conflict_is_sent_again(server: FakeAIBotServer, app: AIBotApp) -> None:
    server.conflict(times=2)
    async with connect(server, app):
        said = await server.push_message(message("m-1", "hello"))
        frames = await server.wait_for(
            "aibot_respond_msg", req_id=said, until=lambda f: f.errcode == 0
        )
    assert [f.errcode for f in frames] == [6000, 6000, 0]
    assert frames[0].body == frames[2].body


async def test_a_welcome_later_than_wecom_takes_it_is_not_sent(
    server: FakeAIBotServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slow = AIBotApp(TOKEN, KEY, inbox=f"sqlite:///{tmp_path / 'slow.db'}")

    @slow.on("enter_chat")
    async def welcome() -> str:
        await asyncio.sleep(0.2)
        return "welcome, finally"

    async with slow, connect(server, slow, answer_within=0.1):
        late = await server.push_event(event("e-1", "enter_chat"))
        async with asyncio.timeout(10):
            while "aibot_respond_welcome_msg is accepted within 0.1 s" not in caplog.text:
                await asyncio.sleep(0.01)
    assert server.sent(req_id=late) == []


async def test_junk_frames_are_ignored_and_lost_answers_reported(
    server: FakeAIBotServer, app: AIBotApp, caplog: pytest.LogCaptureFixture
) -> None:
    server.silent.add("aibot_respond_msg")
    async with connect(server, app, ack_timeout=0.2):
        await server.push_raw("not json")
        await server.push_raw('{"headers": {"req_id": "nobody-asked"}, "errcode": 0}')
        lost = await server.push_message(message("m-1", "hello"))
        await server.wait_for("aibot_respond_msg", req_id=lost)
        async with asyncio.timeout(10):
            while "no answer within 0.2 s" not in caplog.text:
                await asyncio.sleep(0.01)
        server.silent.clear()
        said = await server.push_message(message("m-2", "still fine"))
        [reply] = await server.wait_for("aibot_respond_msg", req_id=said)
    assert reply.errcode == 0
    assert "a frame that is not a JSON object was ignored" in caplog.text


async def test_an_unanswered_subscription_is_a_clear_error(
    server: FakeAIBotServer, app: AIBotApp
) -> None:
    server.silent.add("aibot_subscribe")
    conn = connect(server, app, ack_timeout=0.2)
    with pytest.raises(AIBotConnectionError, match="no answer to aibot_subscribe"):
        await conn.start()
    assert not conn.connected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ({"bot_id": ""}, "needs the bot id and its secret"),
        ({"secret": ""}, "needs the bot id and its secret"),
        ({"url": "https://x"}, "is ws:// or wss://, not 'https://x'"),
        ({"heartbeat_interval": 0}, "heartbeat_interval is a number of seconds above 0, not 0"),
        ({"missed_heartbeats": 0}, "missed_heartbeats is at least 1, not 0"),
    ],
)
def test_settings_are_checked_where_they_are_given(
    app: AIBotApp, given: dict[str, Any], reason: str
) -> None:
    options: dict[str, Any] = {"bot_id": BOT, "secret": "s", "app": app, **given}
    with pytest.raises(ConfigurationError, match=re.escape(reason)):
        AIBotConnection(**options)


async def test_a_connection_starts_once(server: FakeAIBotServer, app: AIBotApp) -> None:
    async with connect(server, app) as conn:
        with pytest.raises(RuntimeError, match="already started"):
            await conn.start()
    assert server.connections == 1


async def test_a_bot_of_the_long_connection_only(server: FakeAIBotServer, tmp_path: Path) -> None:
    bot = AIBotApp.long_connection(BOT, inbox=f"sqlite:///{tmp_path / 'inbox.db'}")

    @bot.on("text")
    async def echo(msg: AIBotTextMessage) -> str:
        return f"echo {msg.text.content}"

    assert bot.name == BOT and not bot.webhook
    async with bot, connect(server, bot):
        req_id = await server.push_message(message("w-1", "hi"))
        [reply] = await server.wait_for("aibot_respond_msg", req_id=req_id)
        async with serving(bot) as url, httpx.AsyncClient() as http:
            refused = await http.post(url, content=b'{"encrypt": "x"}')
    assert reply.body["stream"]["content"] == "echo hi"
    assert refused.status_code == 404 and b"long connection only" in refused.content
    with pytest.raises(ConfigurationError, match="needs the bot's id"):
        AIBotApp.long_connection("")
