"""An AI bot's webhook end to end: one real uvicorn serving two bots, SQLite inbox and store.

``/bot`` has the default stream window; ```/late`` a window of 0.2 seconds, so its
streams hand over to ``response_url`` (a real local server playing WeCom) at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from wecom_callback.aibot import (
    AIBotApp,
    AIBotClient,
    AIBotImageMessage,
    AIBotTextMessage,
    AIBotUnknownMessage,
    FeedbackEvent,
    StreamReply,
    TemplateCard,
    TemplateCardEvent,
    UpdateTemplateCard,
)
from wecom_callback.aibot.streams import HANDED_OVER, INTERRUPTED, UNKNOWN
from wecom_callback.errors import ResponseURLUsedError
from wecom_callback.testing import AIBotSimulator, FakeWeComAPI, LiveServer, SimulatedRequest

TOKEN = "QDG6eK"
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0" + b"\x01" * 30

seen: list[Any] = []


async def slowly(words: list[str], pause: float = 0.15) -> AsyncIterator[str]:
    for word in words:
        yield word
        await asyncio.sleep(pause)


def build(tmp: Path, window: float) -> AIBotApp:
    db = f"sqlite:///{tmp / f'bot-{window}.db'}"
    bot = AIBotApp(TOKEN, KEY, inbox=db, name=f"bot{int(window * 10)}", stream_window=window)

    @bot.on("text", content="one-shot")
    def one_shot(message: AIBotTextMessage) -> str:
        return f"hello {message.user_id}"

    @bot.on("text", content="stream")
    def stream(message: AIBotTextMessage) -> StreamReply:
        return StreamReply(slowly(["one ", "two ", "three"]), images=[PNG, JPG], feedback_id="fb-1")

    @bot.on("text", content="snapshots")
    def snapshots(message: AIBotTextMessage) -> StreamReply:
        return StreamReply(slowly(["a", "ab", "abc"]), snapshots=True)

    @bot.on("text", content="broken")
    def broken(message: AIBotTextMessage) -> StreamReply:
        async def source() -> AsyncIterator[str]:
            yield "half "
            await asyncio.sleep(0.1)
            raise RuntimeError("the model went away")

        return StreamReply(source())

    @bot.on("text", content="huge")
    def huge(message: AIBotTextMessage) -> StreamReply:
        return StreamReply(slowly(["界" * 4000, "界" * 4000], pause=0.05))

    @bot.on("text", content="card")
    def card(message: AIBotTextMessage) -> TemplateCard:
        return TemplateCard(
            "button_interaction",
            task_id="task-1",
            main_title={"title": "Deploy?"},
            button_list=[{"text": "Yes", "key": "yes"}],
        )

    @bot.on("image")
    def image(message: AIBotImageMessage) -> str:
        return f"got {message.image.url}"

    @bot.on("enter_chat")
    def welcome() -> str:
        return "welcome!"

    @bot.on("template_card_event", event_key="yes")
    def clicked(event: TemplateCardEvent) -> UpdateTemplateCard:
        seen.append(event)
        done = TemplateCard("text_notice", main_title={"title": f"done {event.task_id}"})
        return UpdateTemplateCard(done, userids=[event.user_id or ""])

    @bot.on("feedback_event")
    def rated(event: FeedbackEvent) -> None:
        seen.append(event)

    @bot.on("*")
    def everything(model: Any) -> None:
        if isinstance(model, AIBotUnknownMessage):
            seen.append(model)

    return bot


@pytest.fixture(scope="module")
def api() -> Iterator[FakeWeComAPI]:
    with FakeWeComAPI() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("aibot")
    bot, late = build(tmp, 330.0), build(tmp, 0.2)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        async with bot, late:
            yield

    site = Starlette(routes=[*bot.routes("/bot"), *late.routes("/late")], lifespan=lifespan)
    with LiveServer(site) as live:
        yield live.url


def call(url: str, request: SimulatedRequest, sim: AIBotSimulator) -> dict[str, Any]:
    answer = httpx.post(request.url(url), content=request.body, timeout=10)
    assert answer.status_code == 200, answer.text
    if answer.content:
        assert answer.headers["content-type"].startswith("application/json")
        envelope = answer.json()
        assert isinstance(envelope["timestamp"], int)  # as the AI bot document shows it
    return sim.decrypt_json_reply(answer.content, nonce=request.query["nonce"])


def follow(url: str, sim: AIBotSimulator, first: dict[str, Any]) -> list[dict[str, Any]]:
    """Refresh a stream as WeCom does until it finishes; every frame, first included."""
    frames = [first["stream"]]
    deadline = time.monotonic() + 10
    while not frames[-1]["finish"] and time.monotonic() < deadline:
        time.sleep(0.1)
        body = call(url, sim.refresh(first["stream"]["id"]), sim)
        assert body["msgtype"] == "stream" and body["stream"]["id"] == first["stream"]["id"]
        frames.append(body["stream"])
    assert frames[-1]["finish"] is True
    for before, after in itertools.pairwise(frames):
        assert after["content"].startswith(before["content"]), "snapshots only grow"
    return frames


def test_the_url_check_uses_the_empty_receive_id(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    request = sim.verify_request("1616140317555161061")
    answer = httpx.get(request.url(f"{server}/bot"))
    assert answer.status_code == 200 and answer.text == "1616140317555161061"


def test_the_refresh_vector_is_answered_from_the_store(server: str) -> None:
    # OUTBOUND.md 4.7: the stream-refresh callback as WeCom would post it.
    encrypt = (
        "sKqRbbiSUnDhFHOvPjtUMbbUQBr1h+f5tXSmfVXxirw6eQNClkAsiA07bLSwQowYDGLjq9ELW/Yy162wa8T2ujPdFKz"
        "AvUAAnrdRD1PEp1pQ0F2rG7kvcrT35JclSDT9dYyAKTeinvF1+v664eIqbHYzOuLJpOwQ6IQ5e5BSDZVCQ7kG81qmD"
        "V3dJ67gnnwFxFPxRlJDjA0wHIg9gQcGwQ=="
    )
    query = {
        "msg_signature": "c83dd80d4ade68ac46cc8db2151e7b15091df9ea",
        "timestamp": "1409659813",
        "nonce": "1372623149",
    }
    # The vector is from 2014: the replay window would refuse it, so it goes to a bot
    # without one, served for this test.
    bot = AIBotApp(TOKEN, KEY, inbox="memory://", replay_window=False)
    with LiveServer(bot) as live:
        answer = httpx.post(live.url, params=query, content=f'{{"encrypt":"{encrypt}"}}')
    assert answer.status_code == 200
    sim = AIBotSimulator(TOKEN, KEY)
    body = sim.decrypt_json_reply(answer.content, nonce="1372623149")
    assert body == {
        "msgtype": "stream",
        "stream": {"id": "STREAMID", "finish": True, "content": UNKNOWN},
    }


def test_enter_chat_gets_the_welcome_text(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    body = call(f"{server}/bot", sim.event("enter_chat"), sim)
    assert body == {"msgtype": "text", "text": {"content": "welcome!"}}


def test_a_str_is_a_finished_one_shot_stream(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY, user="lisi")
    body = call(f"{server}/bot", sim.text("one-shot"), sim)
    assert body["stream"]["finish"] is True and body["stream"]["content"] == "hello lisi"
    assert body["stream"]["id"]


def test_a_stream_grows_over_refreshes_and_ends_with_its_images(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    first = call(f"{server}/bot", sim.text("stream"), sim)
    assert first["stream"]["finish"] is False
    assert first["stream"]["feedback"] == {"id": "fb-1"}  # on the first reply only
    frames = follow(f"{server}/bot", sim, first)
    assert frames[-1]["content"] == "one two three"
    assert all("msg_item" not in f for f in frames[:-1])
    items = frames[-1]["msg_item"]
    assert [i["image"]["md5"] for i in items] == [
        hashlib.md5(PNG).hexdigest(),
        hashlib.md5(JPG).hexdigest(),
    ]
    assert all("feedback" not in f for f in frames[1:])
    # A refresh after the end answers the same final frame.
    again = call(f"{server}/bot", sim.refresh(first["stream"]["id"]), sim)
    assert again["stream"] == frames[-1]


def test_snapshot_sources_show_their_latest_snapshot(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    frames = follow(f"{server}/bot", sim, call(f"{server}/bot", sim.text("snapshots"), sim))
    assert frames[-1]["content"] == "abc"


def test_a_failing_source_ends_its_stream_with_a_note(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    frames = follow(f"{server}/bot", sim, call(f"{server}/bot", sim.text("broken"), sim))
    assert frames[-1]["content"] == "half " + INTERRUPTED


def test_content_is_capped_at_20480_bytes(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    frames = follow(f"{server}/bot", sim, call(f"{server}/bot", sim.text("huge"), sim))
    final = frames[-1]["content"]
    assert len(final.encode()) <= 20480 and final == "界" * (20480 // 3)


def test_a_duplicate_message_gets_the_same_first_frame(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    first = call(f"{server}/bot", sim.text("stream", msgid="dup-1"), sim)
    again = call(f"{server}/bot", sim.text("stream", msgid="dup-1"), sim)
    assert again == first
    follow(f"{server}/bot", sim, first)


def test_cards_and_card_updates(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY, user="wangwu")
    body = call(f"{server}/bot", sim.text("card"), sim)
    assert body["msgtype"] == "template_card"
    assert body["template_card"]["card_type"] == "button_interaction"
    assert body["template_card"]["task_id"] == "task-1"
    click = {"card_type": "button_interaction", "event_key": "yes", "task_id": "task-1"}
    update = call(f"{server}/bot", sim.event("template_card_event", click), sim)
    assert update == {
        "response_type": "update_template_card",
        "userids": ["wangwu"],
        "template_card": {"card_type": "text_notice", "main_title": {"title": "done task-1"}},
    }
    assert isinstance(seen[-1], TemplateCardEvent) and seen[-1].from_.corpid == "wpCORPID"


def test_events_without_a_reply_and_unknown_kinds_answer_empty(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    rating = {"id": "fb-1", "type": 2, "content": "meh", "inaccurate_reason_list": [2, 4]}
    assert call(f"{server}/bot", sim.event("feedback_event", rating), sim) == {}
    assert isinstance(seen[-1], FeedbackEvent)
    assert seen[-1].feedback_id == "fb-1" and seen[-1].inaccurate_reason_list == [2, 4]
    assert call(f"{server}/bot", sim.message("hologram", {"x": 1}), sim) == {}
    assert isinstance(seen[-1], AIBotUnknownMessage) and seen[-1].raw["hologram"] == {"x": 1}


def test_media_messages_and_quotes_are_typed(server: str) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    quote = {"msgtype": "text", "text": {"content": "earlier"}}
    request = sim.message("image", {"url": "https://example.invalid/i"}, quote=quote)
    body = call(f"{server}/bot", request, sim)
    assert body["stream"]["content"] == "got https://example.invalid/i"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"<xml><Encrypt>abc</Encrypt></xml>", 400, "-40012"),
        (b'{"encrypt": "abc", "encrypt": "abd"}', 400, "-40002"),
        (b'{"encrypt": 5}', 400, "-40002"),
        (b'{"encrypt": "abc", "extra": {"a": [[[]]]}}', 400, "-40002"),
        (b"[" * 100_000, 400, "-40012"),
        (b'{"encrypt": "abcd"}', 403, "-40001"),
    ],
)
def test_bad_bodies_are_refused_with_wecoms_codes(
    server: str, body: bytes, status: int, code: str
) -> None:
    sim = AIBotSimulator(TOKEN, KEY)
    query = sim.text("x").query
    answer = httpx.post(f"{server}/bot", params=query, content=body)
    assert answer.status_code == status and answer.text.startswith(code), answer.text


def test_past_the_window_the_answer_goes_to_response_url(server: str, api: FakeWeComAPI) -> None:
    sim = AIBotSimulator(TOKEN, KEY, response_url=api.response_url("late-1"))
    frames = follow(f"{server}/late", sim, call(f"{server}/late", sim.text("stream"), sim))
    assert frames[-1]["content"].endswith(HANDED_OVER)
    deadline = time.monotonic() + 15
    while not api.calls_to("aibot/response") and time.monotonic() < deadline:
        time.sleep(0.05)
    [posted] = api.calls_to("aibot/response")
    assert posted.params == {"response_code": "late-1"}
    assert posted.json == {"msgtype": "markdown", "markdown": {"content": "one two three"}}


async def test_response_url_is_single_use_and_media_decrypts(api: FakeWeComAPI) -> None:
    client = AIBotClient(KEY)
    try:
        url = api.response_url()
        card = TemplateCard("text_notice", main_title={"title": "later"})
        assert (await client.post_response_url(url, card))["errcode"] == 0
        with pytest.raises(ResponseURLUsedError):
            await client.post_response_url(url, "again")
        media = api.add_aibot_media(PNG * 3, KEY)
        assert await client.download_media(media) == PNG * 3
    finally:
        await client.aclose()


def test_logs_carry_no_payloads_or_secrets(server: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="wecom_callback")
    secret = "credit card 4111-1111-1111-1111"
    sim = AIBotSimulator(TOKEN, KEY, user=secret)
    assert call(f"{server}/bot", sim.text(secret), sim) == {}
    follow(f"{server}/bot", sim, call(f"{server}/bot", sim.text("broken"), sim))
    bad = sim.text(secret)
    forged = {**bad.query, "msg_signature": "f" * 40}
    assert httpx.post(f"{server}/bot", params=forged, content=bad.body).status_code == 403
    assert "its source raised RuntimeError" in caplog.text  # the failure is told...
    for never in (secret, TOKEN, KEY, bad.body.decode()):
        assert never not in caplog.text  # ...without what it was about
