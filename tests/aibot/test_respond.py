"""``AIBotApp.respond``: the long connection's way in (decrypted bodies, plaintext replies)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from wecom_callback.aibot import AIBotApp, AIBotTextMessage, StreamReply, TemplateCard
from wecom_callback.aibot.streams import INTERRUPTED
from wecom_callback.errors import ConfigurationError

TOKEN = "QDG6eK"
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
runs: list[str] = []


def bot() -> AIBotApp:
    app = AIBotApp(TOKEN, KEY, inbox="memory://")

    async def words() -> AsyncIterator[str]:
        for word in ("a ", "b ", "c"):
            yield word
            await asyncio.sleep(0.6)

    @app.on("text", content="stream")
    def stream(message: AIBotTextMessage) -> StreamReply:
        runs.append(message.msgid or "")
        return StreamReply(words(), images=[PNG])

    @app.on("text", content="quiet")
    def quiet() -> None:
        return None

    @app.on("enter_chat")
    def welcome() -> TemplateCard:
        return TemplateCard("text_notice", main_title={"title": "hi"})

    return app


def text(content: str, msgid: str) -> dict[str, Any]:
    return {
        "msgid": msgid,
        "aibotid": "B",
        "chattype": "single",
        "from": {"userid": "u"},
        "msgtype": "text",
        "text": {"content": content},
    }


async def test_a_stream_yields_growing_frames_without_images_over_the_long_connection() -> None:
    async with bot() as app:
        frames = [body async for body in app.respond(text("stream", "m1"), mode="ws")]
        again = [body async for body in app.respond(text("stream", "m1"), mode="ws")]
    streams = [f["stream"] for f in frames]
    assert [s["finish"] for s in streams] == [False] * (len(streams) - 1) + [True]
    assert streams[-1]["content"] == "a b c" and len({s["id"] for s in streams}) == 1
    for before, after in itertools.pairwise(streams):
        assert after["content"].startswith(before["content"]) and after != before
    assert len(streams) >= 3  # seen growing, not only at the end
    assert all("msg_item" not in s for s in streams)  # the long connection takes none
    # A duplicate runs nothing and yields the stream as it stands: finished.
    assert again == [frames[-1]] and runs.count("m1") == 1


async def test_the_webhook_mode_keeps_the_images_and_other_kinds_yield_one_body() -> None:
    async with bot() as app:
        frames = [body async for body in app.respond(text("stream", "m2"))]
        quiet = [body async for body in app.respond(text("quiet", "m3"))]
        enter = {"msgid": "e1", "msgtype": "event", "from": {"userid": "u"}}
        enter["event"] = {"eventtype": "enter_chat"}
        welcome = [body async for body in app.respond(enter, mode="ws")]
    assert frames[-1]["stream"]["msg_item"][0]["msgtype"] == "image"
    assert quiet == []
    assert welcome == [
        {"msgtype": "template_card", "template_card": {"card_type": "text_notice",
                                                      "main_title": {"title": "hi"}}}
    ]  # fmt: skip


async def test_a_bot_starts_again_after_it_stopped(tmp_path: Path) -> None:
    app = AIBotApp(TOKEN, KEY, inbox=f"sqlite:///{tmp_path / 'bot.db'}")

    @app.on("text")
    def one_shot() -> str:
        return "again"

    for msgid in ("r1", "r2"):
        async with app:
            [body] = [body async for body in app.respond(text("x", msgid))]
            assert body["stream"]["content"] == "again"


def test_stream_options_are_checked_where_they_are_given() -> None:
    with pytest.raises(ConfigurationError, match="stream_window"):
        AIBotApp(TOKEN, KEY, inbox="memory://", stream_window=400)
    with pytest.raises(ConfigurationError, match="stream_lease"):
        AIBotApp(TOKEN, KEY, inbox="memory://", stream_lease=0)


async def test_a_stream_cut_by_a_restart_is_answered_from_the_stored_snapshot(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    app = AIBotApp(TOKEN, KEY, inbox=url)

    async def endless() -> AsyncIterator[str]:
        yield "begun "
        await asyncio.Event().wait()

    @app.on("text")
    def stream() -> StreamReply:
        return StreamReply(endless())

    async with app:
        replies = cast(AsyncGenerator[dict[str, Any]], app.respond(text("x", "restart-1")))
        first = await anext(replies)
        await replies.aclose()
    assert first["stream"] == {"id": first["stream"]["id"], "finish": False, "content": "begun "}
    again = AIBotApp(TOKEN, KEY, inbox=url)  # the replica after its restart
    async with again:
        [frame] = [f async for f in again.respond(refresh(first["stream"]["id"]))]
    assert frame["stream"]["finish"] is True
    assert frame["stream"]["content"] == "begun " + INTERRUPTED


def refresh(stream_id: str) -> dict[str, Any]:
    return {"msgid": "r", "msgtype": "stream", "stream": {"id": stream_id}, "from": {"userid": "u"}}
