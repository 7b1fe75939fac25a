"""A real, throwaway ``redis-server`` for tests: free port, temp dir, awaited, killed.

The server binds 127.0.0.1 on a port the OS just handed out (bind port 0, then let the
server take it; a clash with another process is retried on a fresh port), persists
nothing (``--save "" --appendonly no``), and counts as up only once it has logged that it
accepts connections *and* answered a real ``PING``. No fixed ports, no sleeps.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

__all__ = ["RedisServerError", "redis_server"]

_READY = b"Ready to accept connections"
_START_TIMEOUT = 20.0
_ATTEMPTS = 5


class RedisServerError(RuntimeError):
    """``redis-server`` is missing or would not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _wait_ready(process: subprocess.Popen[bytes], deadline: float) -> tuple[bool, bytes]:
    """Read the server's log until it says it is ready, exits, or time runs out."""
    assert process.stdout is not None
    log = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while _READY not in log:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(timeout=remaining):
                return False, log
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:  # EOF: the server exited (typically: port taken meanwhile)
                return False, log
            log += chunk
    return True, log


def _drain(stream: object) -> None:
    # Keep reading the log so a chatty server can never block on a full pipe.
    read = getattr(stream, "read", None)
    if read is not None:
        while read(65536):
            pass


def _stop(process: subprocess.Popen[bytes], drainer: threading.Thread | None) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if drainer is not None:
        drainer.join()
    if process.stdout is not None:
        process.stdout.close()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Run a fresh ``redis-server`` and yield its URL (``redis://127.0.0.1:PORT/0``).

    Raises :class:`RedisServerError` if the binary is missing (run ``scripts/install``,
    which installs it) or the server does not come up.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        raise RedisServerError(
            "redis-server is not installed; run scripts/install (it apt-installs"
            " redis-server). The Redis tests never skip."
        )
    with tempfile.TemporaryDirectory(prefix="wecom-redis-") as workdir:
        log = b""
        for _ in range(_ATTEMPTS):
            port = _free_port()
            args = [executable, "--port", str(port), "--bind", "127.0.0.1"]
            args += ["--save", "", "--appendonly", "no", "--dir", workdir, "--daemonize", "no"]
            process = subprocess.Popen(
                args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
            ready, log = _wait_ready(process, time.monotonic() + _START_TIMEOUT)
            if ready and _ping(port):
                drainer = threading.Thread(target=_drain, args=(process.stdout,), daemon=True)
                drainer.start()
                try:
                    yield f"redis://127.0.0.1:{port}/0"
                finally:
                    _stop(process, drainer)
                return
            _stop(process, None)
        raise RedisServerError(
            f"redis-server did not start after {_ATTEMPTS} attempts; last log:\n"
            + log.decode(errors="replace")
        )
