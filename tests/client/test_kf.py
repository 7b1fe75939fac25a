"""The kf pull loop: every message once, past empty pages, resumable after a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.client.conftest import MakeClient
from wecom_callback.client import KfMessage, KfOrigin, Text, WeComClient
from wecom_callback.testing import FakeWeComAPI

KF = "wkfakekf0001"


def text(msgid: str, origin: int = 3) -> dict[str, object]:
    return FakeWeComAPI.kf_text(msgid, f"content of {msgid}", open_kfid=KF, origin=origin)


async def pull(client: WeComClient, token: str | None = None) -> list[str]:
    return [message.msgid async for message in client.kf.iter_messages(KF, token=token)]


def cursors(api: FakeWeComAPI) -> list[str | None]:
    return [call.json.get("cursor") for call in api.calls_to("kf/sync_msg")]


async def test_a_multi_page_backlog_is_pulled_exactly_once(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    # The third page is empty but says has_more=1: the loop must go on past it.
    api.add_kf_messages(KF, [text("m1"), text("m2")], [text("m3")], [], [text("m4"), text("m5")])
    assert await pull(client, token="callback-token") == ["m1", "m2", "m3", "m4", "m5"]
    pages = api.calls_to("kf/sync_msg")
    assert [call.answer["has_more"] for call in pages] == [1, 1, 1, 0]
    assert pages[2].answer["msg_list"] == []
    assert cursors(api) == [None, "c1", "c2", "c3"]
    assert all(call.json["token"] == "callback-token" for call in pages)
    assert all(call.json["open_kfid"] == KF for call in pages)
    assert await pull(client) == []  # nothing new: one call, from the saved cursor
    assert cursors(api)[-1] == "c4"


async def test_a_restart_resumes_from_the_stored_cursor(
    api: FakeWeComAPI, make_client: MakeClient, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'wecom.db'}"
    api.add_kf_messages(KF, [text("m1")], [text("m2")])
    async with make_client(store=store) as first:
        assert await pull(first) == ["m1", "m2"]
    api.add_kf_messages(KF, [text("m3")])
    api.clear_calls()
    async with make_client(store=store) as restarted:
        assert await pull(restarted) == ["m3"]
    assert cursors(api) == ["c2"]  # the restarted client began where the first stopped


async def test_leaving_the_loop_early_loses_and_repeats_nothing(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    api.add_kf_messages(KF, [text("m1"), text("m2"), text("m3")], [text("m4")])
    async for message in client.kf.iter_messages(KF):
        assert message.msgid == "m1"
        break  # the consumer stops half-way through the first page
    # The page is read again (its cursor was not passed), but m1 is not yielded again.
    assert await pull(client) == ["m2", "m3", "m4"]
    assert cursors(api) == [None, None, "c1"]


async def test_a_msgid_seen_before_is_skipped(api: FakeWeComAPI, client: WeComClient) -> None:
    api.add_kf_messages(KF, [text("m1")], [text("m1"), text("m2")])  # WeCom sent m1 twice
    assert await pull(client) == ["m1", "m2"]


async def test_concurrent_pulls_of_one_account_take_turns(
    api: FakeWeComAPI, client: WeComClient, make_client: MakeClient
) -> None:
    api.add_kf_messages(KF, *[[text(f"m{i}a"), text(f"m{i}b")] for i in range(5)])
    other = make_client(store=client.store)  # another client on the same store
    first, second = await asyncio.gather(pull(client), pull(other))
    assert sorted(first + second) == sorted(f"m{i}{s}" for i in range(5) for s in "ab")
    assert not set(first) & set(second)


async def test_messages_are_typed_and_say_who_sent_them(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    event = {
        "msgid": "e1",
        "send_time": 1700000001,
        "origin": 4,
        "msgtype": "event",
        "event": {
            "event_type": "enter_session",
            "open_kfid": KF,
            "external_userid": "wmcustomer02",
            "scene": "shop",
            "welcome_code": "W1",
            "wechat_channels": {"nickname": "n"},
        },
    }
    image = {**text("i1"), "msgtype": "image", "image": {"media_id": "MEDIA"}}
    image.pop("text")
    api.add_kf_messages(KF, [text("t1"), text("s1", origin=5), event, image])
    messages: list[KfMessage] = [m async for m in client.kf.iter_messages(KF)]
    t1, s1, e1, i1 = messages
    assert t1.from_customer and t1.origin == KfOrigin.CUSTOMER
    assert t1.text is not None and t1.text.content == "content of t1"
    assert not s1.from_customer and s1.origin == KfOrigin.SERVICER
    assert e1.event is not None and e1.event.event_type == "enter_session"
    assert e1.external_userid is None and e1.customer == "wmcustomer02" and e1.account == KF
    assert e1.event.model_extra == {"wechat_channels": {"nickname": "n"}}
    assert i1.image is not None and i1.image.media_id == "MEDIA" and i1.text is None


async def test_replies_go_to_the_customer_on_the_account(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    api.add_kf_messages(KF, [text("m1"), text("s1", origin=5)])
    async for message in client.kf.iter_messages(KF):
        if message.from_customer:
            await client.kf.reply(message, Text(content="hello"))
    sent = api.calls_to("kf/send_msg")
    assert len(sent) == 1
    body = sent[0].json
    assert (body["touser"], body["open_kfid"], body["msgtype"]) == ("wmcustomer01", KF, "text")
    assert body["text"] == {"content": "hello"} and len(body["msgid"]) <= 32


async def test_send_msg_on_event(api: FakeWeComAPI, client: WeComClient) -> None:
    msgid = await client.kf.send_msg_on_event("WELCOME", Text(content="hi"), msgid="mine-1")
    assert msgid == "mine-1"
    assert api.calls_to("kf/send_msg_on_event")[0].json["code"] == "WELCOME"
