"""/healthz, /readyz and /metrics through a real uvicorn, with a real Redis that stops."""

from __future__ import annotations

import os
import re
import signal

import httpx
import redis
from starlette.applications import Starlette

from tests.conftest import CORP, KEY, TOKEN, Serve
from tests.durability.test_runner import text
from tests.support.redis_server import redis_server
from wecom_callback import WeComApp
from wecom_callback.client import WeComClient
from wecom_callback.testing import FakeWeComAPI, Simulator


def metric(body: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in body.splitlines():
        found = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if found and ",".join(sorted(found.group(1).split(","))) == wanted:
            return float(found.group(2))
    return 0.0


def test_readiness_follows_the_inbox_and_metrics_count_callbacks(
    serve: Serve, sim: Simulator
) -> None:
    with redis_server() as url:
        app = WeComApp(TOKEN, KEY, CORP, inbox=url)
        site = Starlette(routes=[*app.health_routes(), *app.routes("/wecom")],
                         lifespan=app.lifespan)  # fmt: skip
        server = serve(site)
        assert httpx.get(server.url + "/healthz").text == "ok"
        assert httpx.get(server.url + "/readyz").status_code == 200
        before = httpx.get(server.url + "/metrics").text
        req = text(sim, 1)
        for _ in range(2):  # the second is WeCom's retry: a dedupe hit
            assert httpx.post(req.url(server.url + "/wecom"), content=req.body).status_code == 200
        forged = httpx.post(server.url + "/wecom", params={**req.query, "msg_signature": "0" * 40},
                            content=req.body)  # fmt: skip
        assert forged.status_code == 403
        after = httpx.get(server.url + "/metrics").text
        for outcome in ("new", "duplicate"):
            grew = metric(after, "wecom_callbacks_total", kind="text", outcome=outcome)
            assert grew - metric(before, "wecom_callbacks_total", kind="text", outcome=outcome) == 1
        rejections = {"status": "403", "code": "-40001"}
        assert (
            metric(after, "wecom_rejections_total", **rejections)
            - metric(before, "wecom_rejections_total", **rejections)
            == 1
        )
        assert "wecom_admission_seconds_count" in after
        pid = int(redis.Redis.from_url(url).info()["process_id"])
        os.kill(pid, signal.SIGSTOP)
        try:
            down = httpx.get(server.url + "/readyz", timeout=10)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert down.status_code == 503 and "inbox unreachable" in down.text
        assert httpx.get(server.url + "/readyz").status_code == 200


def test_readiness_is_503_until_a_lazy_app_starts(serve: Serve, sim: Simulator) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    server = serve(Starlette(routes=[*app.health_routes(), *app.routes("/")]), lifespan="off")
    r = httpx.get(server.url + "/readyz")
    assert r.status_code == 503 and "starting" in r.text
    req = text(sim, 2)
    assert httpx.post(req.url(server.url + "/"), content=req.body).status_code == 200
    assert httpx.get(server.url + "/readyz").status_code == 200


def test_metrics_count_token_fetches_api_errors_and_dead_letters(
    serve: Serve, sim: Simulator
) -> None:
    with FakeWeComAPI(corp_id=CORP) as api:
        app = WeComApp(
            TOKEN,
            KEY,
            CORP,
            inbox="memory://",
            corp_id=CORP,
            secret=api.secret,
            api_base_url=api.base_url,
            source_ip_check="off",
            max_attempts=1,
        )
        # The default reply budget: each handler finishes before its answer goes out.

        @app.on("text")
        async def ask(client: WeComClient) -> None:
            await client.get_api_domain_ip()  # the second time: scripted errcode 60020

        server = serve(Starlette(routes=[*app.health_routes(), *app.routes("/")],
                                 lifespan=app.lifespan))  # fmt: skip
        before = httpx.get(server.url + "/metrics").text
        first = text(sim, 11)
        assert httpx.post(first.url(server.url + "/"), content=first.body).status_code == 200
        api.fail_next("get_api_domain_ip", errcode=60020)
        req = text(sim, 12)
        assert httpx.post(req.url(server.url + "/"), content=req.body).status_code == 200
        after = httpx.get(server.url + "/metrics").text

        def grew(name: str, **labels: str) -> float:
            return metric(after, name, **labels) - metric(before, name, **labels)

        assert grew("wecom_token_fetches_total", api="gettoken", outcome="ok") == 1
        assert grew("wecom_api_errors_total", api="get_api_domain_ip", code="60020") == 1
        assert metric(after, "wecom_inbox_records", status="dead") == 1
        assert metric(after, "wecom_inbox_records", status="done") == 1
        assert api.secret not in after and "access_token" not in after
