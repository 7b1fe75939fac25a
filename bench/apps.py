"""The apps bench/throughput.py serves, and the uvicorn launcher that serves one of them.

``python -m bench.apps floor`` or ``python -m bench.apps wecom`` (from the repository
root) runs one uvicorn server process on 127.0.0.1, on a port the OS picks, and prints
that port on stdout as its first line once the socket is bound. Settings are those of
``uvicorn --loop uvloop --http httptools --no-access-log --log-level warning`` (asyncio
and h11 when uvloop or httptools are not installed); the socket is bound here, as
uvicorn's own multi-worker mode does, so the port is known without an info-level log.

* ``floor``: a bare Starlette app whose ``POST /wecom`` reads the body and answers an
  empty 200: the HTTP floor.
* ``wecom``: a :class:`~wecom_callback.WeComApp` on the inbox named by ``BENCH_INBOX``
  (``memory://``, ``sqlite:///...``, ``redis://...``) with one async handler for every
  kind that does nothing and returns None, so each POST is verified, decrypted, parsed,
  admitted, dispatched and answered with an empty 200.
* ``aibot``: an :class:`~wecom_callback.aibot.AIBotApp` on ``BENCH_INBOX`` (its stream
  store too) whose text handler streams a word every 0.2 s for ten minutes, so refresh
  callbacks (``bench/refresh.py``) always find a live stream in the store.

``BENCH_WORKERS=2`` serves with uvicorn's own multi-process mode (``--workers 2``): the
workers share the bound socket and, for SQLite, the inbox file.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wecom_callback import WeComApp
from wecom_callback.aibot import AIBotApp, StreamReply
from wecom_callback.models import Callback

TOKEN = "BenchTok3n"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CORP_ID = "ww0123456789abcdef"
AGENT_ID = 1000002
PATH = "/wecom"

LOOP = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
HTTP = "httptools" if importlib.util.find_spec("httptools") else "h11"


async def _empty(request: Request) -> Response:
    await request.body()
    return Response(status_code=200)


def make_floor() -> Starlette:
    """Starlette, one POST route, an empty 200."""
    return Starlette(routes=[Route(PATH, _empty, methods=["POST"])])


def make_wecom(inbox: str | None = None) -> WeComApp:
    """A WeComApp on ``inbox`` (default: ``$BENCH_INBOX``) with one no-op async handler."""
    app = WeComApp(TOKEN, AES_KEY, CORP_ID, inbox=inbox or os.environ["BENCH_INBOX"])

    @app.on("*")
    async def noop(model: Callback) -> None:
        return None

    return app


def make_aibot() -> AIBotApp:
    """An AI bot on ``$BENCH_INBOX`` whose answers stream slowly (see the module doc)."""
    # A paused (SIGSTOP) server must not find its stream declared dead on resume.
    bot = AIBotApp(TOKEN, AES_KEY, inbox=os.environ["BENCH_INBOX"], stream_lease=3600)

    async def words() -> Any:
        import asyncio

        for i in range(3000):
            yield f"w{i} "
            await asyncio.sleep(0.2)

    @bot.on("text")
    def stream() -> StreamReply:
        return StreamReply(words())

    return bot


APPS = {"floor": make_floor, "wecom": make_wecom, "aibot": make_aibot}


def _profile_to(path: str) -> None:
    """cProfile the main thread and every thread started later; dump each at exit.

    ``BENCH_PROFILE=/dir`` writes ``main.prof`` and ``<thread name>-<n>.prof`` there
    once the server has shut down after SIGTERM, for ``python -m pstats``.
    """
    import cProfile
    import signal
    import threading

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    main = cProfile.Profile()

    def dump(signum: int, frame: object) -> None:
        # uvicorn restores this handler and raises SIGTERM again once it has shut down.
        main.disable()
        main.dump_stats(str(out / "main.prof"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, dump)
    original = threading.Thread.run
    count = iter(range(1_000_000))

    def run(self: threading.Thread) -> None:
        prof = cProfile.Profile()
        try:
            prof.runcall(original, self)
        finally:
            prof.dump_stats(str(out / f"{self.name}-{next(count)}.prof"))

    threading.Thread.run = run  # type: ignore[method-assign]
    main.enable()


def serve(name: str) -> None:
    """Serve ``APPS[name]`` with uvicorn on 127.0.0.1:0; print the port first."""
    import uvicorn

    if os.environ.get("BENCH_PROFILE"):
        _profile_to(os.environ["BENCH_PROFILE"])
    app: Any = APPS[name]()
    options: dict[str, Any] = {"http": HTTP}
    if os.environ.get("BENCH_SERVED_AS") == "run":
        # Exactly what `wecom-callback run` serves with: its protocol and default limits.
        from wecom_callback._app.protocol import guarded_protocol
        from wecom_callback._cli.serving import LIMITS

        limits = {flag: default for flag, _var, default, _help in LIMITS}
        options = {
            "http": guarded_protocol(
                header_timeout=limits["--header-timeout"],
                max_header_bytes=int(limits["--max-header-size"]),
                max_waiting=int(limits["--max-waiting"]),
            ),
            "limit_concurrency": int(limits["--limit-concurrency"]),
            "timeout_keep_alive": int(limits["--timeout-keep-alive"]),
        }
    workers = int(os.environ.get("BENCH_WORKERS", "1"))
    if workers > 1:
        # uvicorn's own multi-process mode: each worker builds the app from the factory.
        app = f"bench.apps:{'make_floor' if name == 'floor' else 'make_wecom'}"
        options.update(factory=True, workers=workers)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        loop=LOOP,
        access_log=False,
        log_level="warning",
        lifespan="on",
        **options,
    )
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    print(sock.getsockname()[1], flush=True)
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in APPS:
        sys.exit(f"usage: python -m bench.apps {{{'|'.join(APPS)}}}")
    serve(sys.argv[1])
