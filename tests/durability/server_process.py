"""Run an app in its own uvicorn process on 127.0.0.1:0, to be killed for real."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """``python -m uvicorn TARGET --port 0``; ``url`` once uvicorn reports its port."""

    def __init__(
        self,
        target: str,
        env: dict[str, str],
        *,
        timeout: float = 30,
        extra_args: list[str] | None = None,
        cli: bool = False,
        preexec_fn: Callable[[], None] | None = None,
        cwd: Path | None = None,
    ) -> None:
        where = ["--host", "127.0.0.1", "--port", "0", "--log-level", "info"]
        if cli:  # the command the README tells users to run
            command = ["-m", "wecom_callback._cli", "run", target, *where]
        else:
            command = ["-m", "uvicorn", target, *where, "--no-access-log"]
        self.proc = subprocess.Popen(
            [sys.executable, *command, *(extra_args or [])],
            cwd=cwd or ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=preexec_fn,
        )
        self.log: list[str] = []
        ready = threading.Event()
        self.port = 0

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.log.append(line)
                found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
                if found:
                    self.port = int(found.group(1))
                    ready.set()
            ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        if not ready.wait(timeout) or not self.port:
            self.kill()
            raise RuntimeError("server did not start:\n" + "".join(self.log))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        self.proc.wait(60)
        self._reader.join(10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def terminate(self) -> None:
        """SIGTERM: uvicorn's graceful shutdown."""
        if self.proc.poll() is None:
            self.proc.terminate()
        self._reap()


class WorkerProcess:
    """``wecom-callback worker TARGET`` in its own process, ready once it says it runs."""

    def __init__(self, target: str, env: dict[str, str], *, timeout: float = 30) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wecom_callback._cli", "worker", target],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.log: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.log.append(line)
                if line.startswith("worker "):
                    ready.set()
            ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        if not ready.wait(timeout) or self.proc.poll() is not None:
            self.kill()
            raise RuntimeError("worker did not start:\n" + "".join(self.log))

    @property
    def endpoints(self) -> list[str]:
        """The endpoint names the worker said it runs."""
        found = (re.search(r"running endpoint (\S+)", line) for line in self.log)
        return [m.group(1) for m in found if m]

    def kill(self) -> None:
        """SIGKILL, then reap."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(60)
        self._reader.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def terminate(self) -> None:
        """SIGTERM: the worker's graceful stop."""
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(60)
        self._reader.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
