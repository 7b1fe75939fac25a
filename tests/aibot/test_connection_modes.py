"""Both modes drive the same handlers: once as a webhook, once over the long connection.

One router of handlers is included in two AIBotApps, each on its own SQLite inbox.
The first is served by a real uvicorn and fed signed, encrypted callbacks (and, for the
stream, WeCom's refresh callbacks); the second is fed the same bodies by
FakeAIBotServer over a real WebSocket. The replies and the handlers' runs must agree.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import KEY, TOKEN
from wecom_callback.aibot import (
    AIBotApp,
    AIBotTextMessage,
    EnterChatEvent,
    Router,
    StreamReply,
    TemplateCard,
    TemplateCardEvent,
    UpdateTemplateCard,
)
from wecom_callback.aibot.connection import AIBotConnection
from wecom_callback.testing import AIBotSimulator, FakeAIBotServer, serving

BOT = "aibotMODES"
router = Router()
RUNS: list[str] = []  # the msgid of every handler run


@router.on("text")
async def answer(msg: AIBotTextMessage) -> str | StreamReply:
    RUNS.append(str(msg.msgid))
    words = msg.text.content.split()
    if words[0] == "stream":
        return StreamReply(_slowly(words[1:]))
    return f"you said {msg.text.content}"


@router.on("enter_chat")
async def welcome(ev: EnterChatEvent) -> str:
    RUNS.append(str(ev.msgid))
    return "welcome"


@router.on("template_card_event")
async def clicked(ev: TemplateCardEvent) -> UpdateTemplateCard:
    RUNS.append(str(ev.msgid))
    card = TemplateCard("text_notice", main_title={"title": f"chose {ev.event_key}"},
                        card_action={"type": 1, "url": "https://example.com"})  # fmt: skip
    return UpdateTemplateCard(card, userids=["zhangsan"])


async def _slowly(words: list[str]) -> AsyncIterator[str]:
    for word in words:
        await asyncio.sleep(0.05)
        yield word + " "


def bodies(sim: AIBotSimulator) -> list[dict[str, Any]]:
    """The callbacks both modes get, as plaintext bodies (the last one a redelivery)."""
    click = {"card_type": "button_interaction", "event_key": "yes", "task_id": "task-1"}
    requests = [
        sim.text("hello", msgid="m-1"),
        sim.text("stream one two three", msgid="m-2"),
        sim.event("enter_chat", msgid="e-1"),
        sim.event("template_card_event", click, msgid="e-2"),
        sim.text("hello", msgid="m-1"),
    ]
    return [json.loads(r.plaintext) for r in requests]


def app_for(path: Path, name: str) -> AIBotApp:
    app = AIBotApp(TOKEN, KEY, name=name, inbox=f"sqlite:///{path / name}.db")
    app.include_router(router)
    return app


def outcome(replies: list[dict[str, Any]]) -> list[Any]:
    """What the user sees: stream ids (chosen at random) left out, the last snapshot kept."""
    shown: list[Any] = []
    for reply in replies:
        stream = reply.get("stream")
        shown.append({k: v for k, v in stream.items() if k != "id"} if stream else reply)
    return shown


async def over_webhook(path: Path, sim: AIBotSimulator) -> list[Any]:
    replies: list[dict[str, Any]] = []
    async with app_for(path, "webhook") as app, serving(app) as url, httpx.AsyncClient() as http:
        for body in bodies(sim):
            request = sim.json_callback(body)
            response = await http.post(request.url(url), content=request.body)
            assert response.status_code == 200, response.text
            reply = sim.decrypt_json_reply(response.content)
            while reply.get("stream", {}).get("finish") is False:  # WeCom refreshes
                await asyncio.sleep(0.05)
                refresh = sim.refresh(reply["stream"]["id"])
                response = await http.post(refresh.url(url), content=refresh.body)
                reply = sim.decrypt_json_reply(response.content)
            replies.append(reply)
    return outcome(replies)


REPLY_COMMANDS = {
    "enter_chat": "aibot_respond_welcome_msg",
    "template_card_event": "aibot_respond_update_msg",
}


async def over_long_connection(path: Path, sim: AIBotSimulator) -> list[Any]:
    replies: list[dict[str, Any]] = []
    *first, again = bodies(sim)
    async with (
        app_for(path, "ws") as app,
        FakeAIBotServer(bot_id=BOT) as server,
        AIBotConnection(BOT, server.secret, app, url=server.url),
    ):
        for body in first:
            kind = body["event"]["eventtype"] if body["msgtype"] == "event" else "message"
            if kind == "message":
                req_id = await server.push_message(body)
            else:
                req_id = await server.push_event(body)
            cmd = REPLY_COMMANDS.get(kind, "aibot_respond_msg")
            frames = await server.wait_for(
                cmd, req_id=req_id, until=lambda f: f.body.get("stream", {}).get("finish", True)
            )
            assert all(f.errcode == 0 for f in frames)
            replies.append(frames[-1].body)
        redelivered = await server.push_message(again)
        frames = await server.wait_for("aibot_respond_msg", req_id=redelivered)
        replies.append(frames[-1].body)  # answered again, from the stored answer
    return outcome(replies)


async def test_webhook_and_long_connection_drive_the_same_handlers(tmp_path: Path) -> None:
    sim = AIBotSimulator(TOKEN, KEY, aibotid=BOT)
    RUNS.clear()
    webhook = await over_webhook(tmp_path, sim)
    webhook_runs = list(RUNS)
    RUNS.clear()
    ws = await over_long_connection(tmp_path, sim)
    assert webhook == ws  # the same answers to the same callbacks, the redelivery's too
    assert webhook[0] == {"finish": True, "content": "you said hello"}
    assert webhook[1] == {"finish": True, "content": "one two three "}
    assert webhook[2] == {"msgtype": "text", "text": {"content": "welcome"}}
    assert webhook[3]["template_card"]["main_title"] == {"title": "chose yes"}
    assert webhook[4] == webhook[0]  # a redelivery gets the stored answer again
    assert webhook_runs == RUNS == ["m-1", "m-2", "e-1", "e-2"]
