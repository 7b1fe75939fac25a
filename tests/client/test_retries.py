"""Errors carry WeCom's code and message; retries only where WeCom and safety allow."""

from __future__ import annotations

import socket

import pytest

from tests.client.conftest import MakeClient
from wecom_callback.client import Text, WeComClient
from wecom_callback.errors import (
    ConfigurationError,
    WeComAPIError,
    WeComConfigError,
    WeComRateLimitError,
    WeComTransportError,
)
from wecom_callback.testing import FakeWeComAPI


async def test_errors_carry_errcode_errmsg_and_the_api(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    with pytest.raises(WeComAPIError) as caught:
        await client.message.send(Text(content="hi"), touser="nobody")
    error = caught.value
    assert type(error) is WeComAPIError
    assert error.errcode == 81013
    assert error.errmsg.startswith("user & party & tag all invalid")
    assert error.api == "message/send"
    assert "81013" in str(error) and "message/send" in str(error)


async def test_60020_says_to_check_the_trusted_ip_list(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    api.fail_next("message/send", errcode=60020, errmsg="not allow to access from your ip")
    with pytest.raises(WeComConfigError) as caught:
        await client.message.send(Text(content="hi"), touser="zhangsan")
    assert isinstance(caught.value, ConfigurationError)
    assert "trusted IP" in str(caught.value) and caught.value.errcode == 60020
    assert len(api.calls_to("message/send")) == 1


async def test_48002_names_the_missing_permission(api: FakeWeComAPI, client: WeComClient) -> None:
    api.fail_next("user/get", errcode=48002, errmsg="api forbidden")
    with pytest.raises(WeComConfigError, match="permission"):
        await client.contact.get_user("zhangsan")


@pytest.mark.parametrize("errcode", [45009, 45033])
async def test_rate_limits_are_raised_at_once(
    api: FakeWeComAPI, client: WeComClient, errcode: int
) -> None:
    api.fail_next("getcallbackip", errcode=errcode)
    with pytest.raises(WeComRateLimitError) as caught:
        await client.get_callback_ip()
    assert caught.value.is_rate_limit and caught.value.errcode == errcode
    assert len(api.calls_to("getcallbackip")) == 1


async def test_system_busy_is_retried_up_to_three_times(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    api.fail_next("message/send", errcode=-1, times=3)
    result = await client.message.send(Text(content="hi"), touser="zhangsan")
    assert result.msgid
    assert [call.errcode for call in api.calls_to("message/send")] == [-1, -1, -1, 0]


async def test_system_busy_four_times_is_an_error(api: FakeWeComAPI, client: WeComClient) -> None:
    api.fail_next("getcallbackip", errcode=-1, times=4)
    with pytest.raises(WeComAPIError) as caught:
        await client.get_callback_ip()
    assert caught.value.errcode == -1
    assert len(api.calls_to("getcallbackip")) == 4


async def test_a_5xx_on_a_get_is_retried(api: FakeWeComAPI, client: WeComClient) -> None:
    api.fail_next("getcallbackip", status=502)
    assert await client.get_callback_ip()
    assert [call.status for call in api.calls_to("getcallbackip")] == [502, 200]


async def test_a_5xx_on_a_send_is_not_retried(api: FakeWeComAPI, client: WeComClient) -> None:
    api.fail_next("message/send", status=503)
    with pytest.raises(WeComTransportError) as caught:
        await client.message.send(Text(content="hi"), touser="zhangsan")
    assert caught.value.http_status == 503 and caught.value.api == "message/send"
    assert len(api.calls_to("message/send")) == 1


async def test_a_kf_send_with_its_own_msgid_is_retried_with_the_same_msgid(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    api.fail_next("kf/send_msg", status=502)
    msgid = await client.kf.send_msg("wmcustomer01", "wkfakekf0001", Text(content="hi"))
    calls = api.calls_to("kf/send_msg")
    assert [call.status for call in calls] == [502, 200]
    assert calls[0].json["msgid"] == calls[1].json["msgid"] == msgid
    assert len(msgid) <= 32


async def test_a_slow_answer_to_a_get_is_retried(
    api: FakeWeComAPI, make_client: MakeClient
) -> None:
    api.delay(3.0, path="getcallbackip", times=1)
    async with make_client(timeout=0.5) as client:
        assert await client.get_callback_ip()


async def test_a_slow_answer_to_a_send_is_a_transport_error(
    api: FakeWeComAPI, make_client: MakeClient
) -> None:
    api.delay(3.0, path="message/send", times=1)
    async with make_client(timeout=0.5) as client:
        with pytest.raises(WeComTransportError, match="ReadTimeout") as caught:
            await client.message.send(Text(content="hi"), touser="zhangsan")
        token = await client.access_token()
    assert caught.value.http_status is None
    assert token not in str(caught.value)


async def test_an_unreachable_server_is_a_transport_error(make_client: MakeClient) -> None:
    # A port that is bound but not listening: connecting is refused (safe to retry).
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        async with make_client(base_url=f"http://127.0.0.1:{port}", timeout=1.0) as client:
            with pytest.raises(WeComTransportError, match="ConnectError") as caught:
                await client.get_callback_ip()
    assert caught.value.api == "gettoken"


async def test_a_non_json_answer_is_a_transport_error(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    with pytest.raises(WeComTransportError, match="HTTP 404, not a JSON object"):
        await client.call("GET", "no/such/api")


async def test_a_missing_errcode_means_success(api: FakeWeComAPI, client: WeComClient) -> None:
    api.respond("agent/list", {"agentlist": [{"agentid": 7, "name": "HR", "future": 1}]})
    agents = await client.agent.list()
    assert [a.agentid for a in agents] == [7]
    assert agents[0].model_extra == {"future": 1}  # unknown fields are kept
