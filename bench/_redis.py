"""A throwaway ``redis-server`` run as production would: AOF on, ``appendfsync everysec``.

Used by the benchmarks: a free port on 127.0.0.1, its files in a directory of the
caller's, up once it answers ``PING``; stopped (SIGTERM, then SIGKILL) on exit.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["info_memory", "redis_version", "redis_with_aof"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _command(port: int, *words: str) -> bytes:
    """One inline command over a plain socket; the raw reply (enough for PING and INFO)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5.0) as sock:
        sock.sendall((" ".join(words) + "\r\n").encode())
        reply = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
            if reply.startswith(b"$"):
                head, _, rest = reply.partition(b"\r\n")
                if len(rest) >= int(head[1:]) + 2:
                    break
            elif reply.endswith(b"\r\n"):
                break
        return reply


def info_memory(url: str) -> dict[str, str]:
    """``INFO memory`` of the server at ``url`` (``redis://127.0.0.1:PORT/0``) as a dict."""
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    text = _command(port, "INFO", "memory").decode(errors="replace")
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {k: v for k, v in pairs}


def redis_version() -> str:
    out = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    return next((w[2:] for w in out if w.startswith("v=")), "?")


@contextlib.contextmanager
def redis_with_aof(workdir: Path) -> Iterator[str]:
    """Run ``redis-server`` with AOF (``everysec``) in ``workdir``; yield its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed (scripts/install installs it)")
    workdir.mkdir(parents=True, exist_ok=True)
    for _ in range(5):
        port = _free_port()
        args = [executable, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir)]
        args += ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"]
        args += ["--daemonize", "no", "--logfile", str(workdir / "redis.log")]
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and proc.poll() is None:
                with contextlib.suppress(OSError):
                    if _command(port, "PING").startswith(b"+PONG"):
                        break
                time.sleep(0.05)
            else:
                continue  # exited (port taken meanwhile) or never answered: try again
            yield f"redis://127.0.0.1:{port}/0"
            return
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    raise RuntimeError(f"redis-server did not start; see {workdir / 'redis.log'}")
