"""Every typed API against the fake: the request WeCom gets, the model the caller gets."""

from __future__ import annotations

from typing import Any

import pytest

from wecom_callback.client import (
    Article,
    File,
    Image,
    Markdown,
    News,
    TemplateCard,
    Text,
    TextCard,
    WeComClient,
)
from wecom_callback.client.message import MessageBody
from wecom_callback.errors import WeComAPIError
from wecom_callback.testing import FakeWeComAPI


def last_json(api: FakeWeComAPI, path: str) -> dict[str, Any]:
    body: dict[str, Any] = api.calls_to(path)[-1].json
    return body


BODIES: list[tuple[MessageBody, dict[str, Any]]] = [
    (Text(content="hi\n<a href='x'>x</a>"), {"content": "hi\n<a href='x'>x</a>"}),
    (Markdown(content="**bold**"), {"content": "**bold**"}),
    (
        TextCard(title="T", description="D", url="https://x"),
        {"title": "T", "description": "D", "url": "https://x"},
    ),
    (Image(media_id="M1"), {"media_id": "M1"}),
    (File(media_id="M2"), {"media_id": "M2"}),
    (
        News(articles=[Article(title="A", url="https://a", picurl="https://p")]),
        {"articles": [{"title": "A", "url": "https://a", "picurl": "https://p"}]},
    ),
    (
        TemplateCard(card_type="text_notice", main_title={"title": "Hi"}, task_id="t1"),
        {"card_type": "text_notice", "main_title": {"title": "Hi"}, "task_id": "t1"},
    ),
]


@pytest.mark.parametrize(("body", "wire"), BODIES, ids=[b.MSGTYPE for b, _ in BODIES])
async def test_send_each_message_type(
    api: FakeWeComAPI, client: WeComClient, body: MessageBody, wire: dict[str, Any]
) -> None:
    result = await client.message.send(body, touser=["zhangsan", "lisi"])
    assert result.msgid and result.invaliduser == []
    sent = last_json(api, "message/send")
    assert sent["msgtype"] == body.MSGTYPE and sent[body.MSGTYPE] == wire
    assert sent["touser"] == "zhangsan|lisi" and sent["agentid"] == api.agent_id
    assert "toparty" not in sent and "safe" not in sent  # unset options are left out


async def test_send_to_parties_and_tags_with_options(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    await client.message.send(
        Text(content="hi"),
        toparty=["1", "2"],
        totag="3",
        safe=1,
        enable_duplicate_check=True,
        duplicate_check_interval=600,
    )
    sent = last_json(api, "message/send")
    assert (sent["toparty"], sent["totag"], sent["safe"]) == ("1|2", "3", 1)
    assert (sent["enable_duplicate_check"], sent["duplicate_check_interval"]) == (1, 600)
    assert "touser" not in sent


async def test_invaliduser_comes_as_a_pipe_string_from_send(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    result = await client.message.send(Text(content="hi"), touser="zhangsan|Ghost|Nobody")
    assert api.calls_to("message/send")[-1].answer["invaliduser"] == "ghost|nobody"
    assert result.invaliduser == ["ghost", "nobody"]


async def test_interactive_cards_return_a_response_code_for_updates(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    card = TemplateCard(card_type="button_interaction", task_id="t2", button_list=[])
    sent = await client.message.send(card, touser="zhangsan")
    assert sent.response_code
    updated = await client.message.update_template_card(
        sent.response_code, userids=["zhangsan", "ghost"], button_replace_name="Done"
    )
    assert api.calls_to("message/update_template_card")[-1].answer["invaliduser"] == ["ghost"]
    assert updated.invaliduser == ["ghost"]  # an array on the wire here
    request = last_json(api, "message/update_template_card")
    assert request["button"] == {"replace_name": "Done"} and request["agentid"] == api.agent_id
    with pytest.raises(ValueError, match="exactly one"):
        await client.message.update_template_card("code")


async def test_recall(api: FakeWeComAPI, client: WeComClient) -> None:
    sent = await client.message.send(Text(content="oops"), touser="zhangsan")
    assert sent.msgid is not None
    assert (await client.message.recall(sent.msgid)).errcode == 0
    with pytest.raises(WeComAPIError) as caught:
        await client.message.recall(sent.msgid)
    assert caught.value.errcode == 40058


async def test_send_needs_a_recipient_and_an_agent(api: FakeWeComAPI, client: WeComClient) -> None:
    with pytest.raises(ValueError, match="touser"):
        await client.message.send(Text(content="hi"))
    with pytest.raises(ValueError, match="agent id"):
        await client.with_secret(api.secret).message.send(Text(content="hi"), touser="zhangsan")


async def test_appchat(api: FakeWeComAPI, client: WeComClient) -> None:
    chatid = await client.appchat.create(["zhangsan", "lisi"], name="Ops", owner="zhangsan")
    chat = await client.appchat.get(chatid)
    assert (chat.chatid, chat.name, chat.owner, chat.userlist) == (
        chatid,
        "Ops",
        "zhangsan",
        ["zhangsan", "lisi"],
    )
    await client.appchat.send(chatid, Markdown(content="# up"))
    assert last_json(api, "appchat/send") == {
        "chatid": chatid,
        "msgtype": "markdown",
        "markdown": {"content": "# up"},
    }
    with pytest.raises(ValueError, match="template cards"):
        await client.appchat.send(chatid, TemplateCard(card_type="text_notice"))


async def test_external_contact(api: FakeWeComAPI, client: WeComClient) -> None:
    detail = await client.external_contact.get("wmcustomer01")
    assert detail.external_contact.external_userid == "wmcustomer01"
    assert detail.follow_user[0].userid == "zhangsan"
    await client.external_contact.send_welcome_msg(
        "CODE", text="Welcome!", attachments=[{"msgtype": "link", "link": {"title": "t"}}]
    )
    assert last_json(api, "externalcontact/send_welcome_msg") == {
        "welcome_code": "CODE",
        "text": {"content": "Welcome!"},
        "attachments": [{"msgtype": "link", "link": {"title": "t"}}],
    }
    chat = await client.external_contact.get_group_chat("wrchat01", need_name=True)
    assert chat.chat_id == "wrchat01" and [m.type for m in chat.member_list] == [1, 2]
    assert last_json(api, "externalcontact/groupchat/get") == {
        "chat_id": "wrchat01",
        "need_name": 1,
    }


async def test_approval_detail_takes_sp_no_as_a_string(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    info = await client.oa.get_approval_detail("202412200001")
    assert last_json(api, "oa/getapprovaldetail") == {"sp_no": "202412200001"}
    assert (info.sp_no, info.sp_status, info.applyer.userid) == ("202412200001", 2, "zhangsan")


async def test_agents(api: FakeWeComAPI, client: WeComClient) -> None:
    info = await client.agent.get()
    assert info.agentid == api.agent_id and info.name == "Fake app"
    assert [a.agentid for a in await client.agent.list()] == [api.agent_id]
    await client.agent.set(description="new")
    assert last_json(api, "agent/set") == {"agentid": api.agent_id, "description": "new"}


async def test_contacts(api: FakeWeComAPI, client: WeComClient) -> None:
    user = await client.contact.get_user("lisi")
    assert user.userid == "lisi" and user.department == [1]
    with pytest.raises(WeComAPIError) as caught:
        await client.contact.get_user("ghost")
    assert caught.value.errcode == 60111
    assert [d.id for d in await client.contact.list_departments()] == [1, 2]
    assert [d.id for d in await client.contact.list_departments(2)] == [2]


async def test_ip_lists(client: WeComClient) -> None:
    assert await client.get_callback_ip() == ["101.226.103.0/25", "182.254.11.176"]
    assert "182.254.78.66" in await client.get_api_domain_ip()


async def test_raw_calls_return_the_decoded_json(api: FakeWeComAPI, client: WeComClient) -> None:
    body = {"touser": "zhangsan", "msgtype": "text", "agentid": api.agent_id}
    answer = await client.call(
        "POST", "/cgi-bin/message/send", json={**body, "text": {"content": "x"}}
    )
    assert answer["errcode"] == 0 and answer["msgid"]
    assert api.calls_to("message/send")[-1].method == "POST"
