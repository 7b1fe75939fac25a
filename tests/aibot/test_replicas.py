"""Streams across replicas: two real uvicorn processes sharing one real Redis.

Refreshes alternate between the replicas and every answer comes from the shared store;
then the replica running a stream is killed with SIGKILL and the other one finishes the
stream with the interrupted note once the writer's lease has lapsed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.durability.server_process import ServerProcess
from tests.support.redis_server import redis_server
from wecom_callback.aibot.streams import INTERRUPTED
from wecom_callback.testing import AIBotSimulator, SimulatedRequest

TOKEN = "QDG6eK"
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
LEASE = 2.0


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list[ServerProcess], Path]]:
    journal = tmp_path_factory.mktemp("bot") / "journal"
    journal.touch()
    with redis_server() as url:
        env = {
            "WECOM_TOKEN": TOKEN,
            "WECOM_ENCODING_AES_KEY": KEY,
            "WECOM_INBOX_URL": url,
            "WECOM_NAME": "bot",
            "BOT_JOURNAL": str(journal),
            "BOT_LEASE": str(LEASE),
            "BOT_WORDS": "10",
            "BOT_WORD_SECONDS": "0.25",
        }
        servers = [ServerProcess("tests.aibot.bot_app:app", env) for _ in range(2)]
        try:
            yield servers, journal
        finally:
            for server in servers:
                server.kill()


def post(sim: AIBotSimulator, url: str, request: SimulatedRequest) -> dict[str, object]:
    answer = httpx.post(request.url(url), content=request.body, timeout=10)
    assert answer.status_code == 200, answer.text
    return sim.decrypt_json_reply(answer.content, nonce=request.query["nonce"])


def stream_of(body: dict[str, object]) -> dict[str, object]:
    assert body["msgtype"] == "stream"
    stream = body["stream"]
    assert isinstance(stream, dict)
    return stream


def test_refreshes_alternating_between_replicas_see_one_growing_stream(
    replicas: tuple[list[ServerProcess], Path],
) -> None:
    servers, _ = replicas
    sim = AIBotSimulator(TOKEN, KEY)
    first = stream_of(post(sim, servers[0].url, sim.text("a")))
    assert first["finish"] is False
    seen = [str(first["content"])]
    for i in range(200):
        time.sleep(0.15)
        frame = stream_of(post(sim, servers[(i + 1) % 2].url, sim.refresh(str(first["id"]))))
        assert frame["id"] == first["id"]
        content = str(frame["content"])
        assert content.startswith(seen[-1]), (seen[-1], content)  # snapshots only grow
        seen.append(content)
        if frame["finish"]:
            break
    assert seen[-1] == "".join(f"a{i} " for i in range(10))
    assert len(set(seen)) > 3  # it was seen growing, not only at the end


def test_a_stream_whose_replica_is_killed_finishes_with_a_note(
    replicas: tuple[list[ServerProcess], Path],
) -> None:
    servers, journal = replicas
    sim = AIBotSimulator(TOKEN, KEY)
    message = sim.text("b", msgid="kill-me")
    first = stream_of(post(sim, servers[0].url, message))
    runner = next(line.split()[1] for line in journal.read_text().splitlines() if "kill-me" in line)
    victim = next(s for s in servers if str(s.proc.pid) == runner)
    survivor = next(s for s in servers if s is not victim)
    time.sleep(0.6)
    before = stream_of(post(sim, survivor.url, sim.refresh(str(first["id"]))))
    assert before["finish"] is False and str(before["content"]).startswith("b0 ")
    victim.kill()
    deadline = time.monotonic() + LEASE * 4
    frames = []
    while time.monotonic() < deadline:
        frame = stream_of(post(sim, survivor.url, sim.refresh(str(first["id"]))))
        frames.append(frame)
        assert str(frame["content"]).startswith(str(before["content"]))
        if frame["finish"]:
            break
        time.sleep(0.3)
    final = frames[-1]
    assert final["finish"] is True
    assert str(final["content"]).endswith(INTERRUPTED)
    assert "b9 " not in str(final["content"])  # it really stopped half-way
    # The verdict is stored: the next refresh answers the same.
    again = stream_of(post(sim, survivor.url, sim.refresh(str(first["id"]))))
    assert again == final
