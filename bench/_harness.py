"""The throughput benchmark's machinery: callback pools, server processes, wrk runs.

Used by ``bench/throughput.py``; see its docstring for what is measured and how.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench.apps import AES_KEY, AGENT_ID, CORP_ID, PATH, TOKEN  # noqa: E402
from wecom_callback.testing import Simulator  # noqa: E402

LUA = ROOT / "bench" / "rotate.lua"


@dataclass(frozen=True)
class Mode:
    """How long and how much."""

    duration: int  # seconds per throughput run
    rounds: int
    warmup: int  # seconds of warm-up per server
    latency: int  # seconds per latency run
    rss_counts: tuple[int, int]
    prefill: int  # records already in the SQLite inbox for the growth phase
    connections: int = 32
    threads: int = 1


FULL = Mode(
    duration=6, rounds=5, warmup=3, latency=8, rss_counts=(10_000, 100_000), prefill=1_000_000
)
QUICK = Mode(duration=1, rounds=1, warmup=1, latency=1, rss_counts=(500, 3_000), prefill=10_000)

# A guess for the very first pool (the warm-up), before anything was measured.

FIRST_GUESS_RPS = 6000
HEADROOM = 1.3  # pools hold 1.3x what the measured rate would consume


# -- requests --------------------------------------------------------------------------


class Pools:
    """Writes files of distinct signed callbacks, one ``PATH?QUERY<TAB>BODY`` a line."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sim = Simulator(TOKEN, AES_KEY, CORP_ID, agent_id=AGENT_ID)
        self.next_msg_id = 7_000_000_000_000_000_000
        self.files = 0
        self.generated = 0
        self.seconds = 0.0

    def make(self, count: int) -> tuple[Path, int]:
        """A fresh file of ``count`` callbacks never generated before; (path, count)."""
        count = max(int(count), 1)
        start = time.perf_counter()
        self.files += 1
        path = self.workdir / f"pool-{self.files:03d}.txt"
        now = int(time.time())
        with path.open("w", encoding="ascii") as out:
            for _ in range(count):
                msg_id = self.next_msg_id
                self.next_msg_id += 1
                req = self.sim.callback(
                    {
                        "ToUserName": CORP_ID,
                        "FromUserName": "zhangsan",
                        "CreateTime": now,
                        "MsgType": "text",
                        "Content": f"bench message {msg_id}",
                        "MsgId": str(msg_id),
                        "AgentID": AGENT_ID,
                    }
                )
                out.write(f"{req.url(PATH)}\t{req.body.decode('ascii')}\n")
        self.generated += count
        self.seconds += time.perf_counter() - start
        return path, count


# -- processes -------------------------------------------------------------------------


class Server:
    """One ``python -m bench.apps APP`` process: uvicorn on 127.0.0.1, port read from stdout."""

    def __init__(
        self, label: str, app: str, workdir: Path, cpu: int | str | None, env: dict[str, str]
    ) -> None:
        self.label = label
        cmd = [sys.executable, "-m", "bench.apps", app]
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu), *cmd]  # taskset execs: same pid
        self.log_path = workdir / f"server-{label}.log"
        self._log = self.log_path.open("wb")
        self.paused = False
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,  # its own group: pause and resume reach its workers
        )
        try:
            self.port = self._read_port(timeout=30)
            self._wait_listening(timeout=30)
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_port(self, timeout: float) -> int:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            raise RuntimeError(f"server {self.label} did not report its port:\n{self.log()}")
        return int(line)

    def _wait_listening(self, timeout: float) -> None:
        # uvicorn listens only once the lifespan startup (inbox open) is complete.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"server {self.label} is not listening:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the process and its workers (all threads)."""
        return sum(_cpu_of(pid) for pid in (self.pid, *_children(self.pid)))

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for pid {self.pid}")

    def pause(self) -> None:
        """SIGSTOP: an idle server's background loops must not run on the server CPU."""
        if not self.paused and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        if self.paused and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        """SIGTERM (uvicorn's graceful shutdown), SIGKILL after 20 s; idempotent."""
        self.resume()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


@dataclass
class WrkResult:
    """What rotate.lua's done() reported."""

    requests: int
    seconds: float
    sent: int
    pool: int
    repeats: int
    errors: int
    status_errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    wrk_cpu: float = 0.0  # CPU seconds wrk used (its start-up included)
    server_cpu: float = 0.0  # CPU seconds the server process used during the run

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def cpu_percent(self, seconds: float) -> float:
        return 100 * seconds / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str,
    pool: Path,
    mode: Mode,
    *,
    duration: int,
    rate: float | None = None,
    quota: int | None = None,
    stop_when: Callable[[], bool] | None = None,
) -> WrkResult:
    """One wrk run over ``pool``; with ``stop_when``, SIGINT wrk once it returns True."""
    args = [f"file={pool}", f"threads={mode.threads}"]
    if rate is not None:
        args.append(f"rate={rate:.3f}")
    if quota is not None:
        args.append(f"quota={quota}")
    # Line-buffered, so that "Running ..." arrives when printed (see below).
    cmd = ["stdbuf", "-oL", "wrk", f"-t{mode.threads}", f"-c{mode.connections}", f"-d{duration}s"]
    cmd += ["--timeout", "10s", "-s", str(LUA), url + PATH, "--", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = ""
    try:
        if stop_when is not None:
            # wrk prints "Running ..." once its threads have loaded the pool and its SIGINT
            # handler is in place; a SIGINT before that would kill it without a report.
            assert proc.stdout is not None
            first = proc.stdout.readline()
            while proc.poll() is None:
                if stop_when():
                    proc.send_signal(signal.SIGINT)  # wrk's own "stop now": it still reports
                    break
                time.sleep(0.1)
            # Read on through the same buffered pipe (communicate() would skip its buffer).
            out, err = first + proc.stdout.read(), proc.stderr.read() if proc.stderr else ""
            proc.wait(timeout=120)
        else:
            out, err = proc.communicate(timeout=duration + 120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the only child reaped
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {' '.join(cmd)}\n{out}\n{err}")
    v = {k: float(x) for k, x in (item.split("=", 1) for item in line.split()[1:])}
    errors = sum(int(v[k]) for k in ("err_connect", "err_read", "err_write", "err_timeout"))
    return WrkResult(
        requests=int(v["requests"]),
        seconds=v["duration_us"] / 1e6,
        sent=int(v["sent"]),
        pool=int(v["pool"]),
        repeats=int(v["repeats"]),
        errors=errors + int(v["err_status"]),
        status_errors=int(v["err_status"]),
        p50_ms=v["p50_us"] / 1e3,
        p99_ms=v["p99_us"] / 1e3,
        max_ms=v["max_us"] / 1e3,
        wrk_cpu=wrk_cpu,
    )


# -- helpers ---------------------------------------------------------------------------


def _cpu_of(pid: int) -> float:
    """utime + stime of ``pid`` (every thread), in seconds; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """The live descendants of ``pid`` (uvicorn's worker processes)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def cpu_plan() -> tuple[int, int] | None:
    """(CPU for wrk, redis-server and this script; CPU for the server), or None."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or shutil.which("taskset") is None:
        return None
    return cpus[0], cpus[1]


def filesystem_of(path: Path) -> str:
    best, kind = "", "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            mount = parts[1]
            inside = str(path).startswith(mount.rstrip("/") + "/") or mount == "/"
            if inside and len(mount) > len(best):
                best, kind = mount, parts[2]
    return kind


def sqlite_counts(db: Path) -> tuple[int, int]:
    """(records, records still pending) in a SQLite inbox file; (0, 0) if none yet."""
    if not db.exists():
        return 0, 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        total, pending = conn.execute(
            "SELECT count(*), coalesce(sum(status = 'pending'), 0) FROM records"
        ).fetchone()
        return int(total), int(pending)
    except sqlite3.Error:
        return 0, 0
    finally:
        conn.close()


def wait_settled(db: Path, expected: int, timeout: float = 60.0) -> tuple[int, int]:
    """Wait until ``db`` holds ``expected`` records and none is pending."""
    deadline = time.monotonic() + timeout
    counts = sqlite_counts(db)
    while time.monotonic() < deadline:
        counts = sqlite_counts(db)
        if counts[0] >= expected and counts[1] == 0:
            break
        time.sleep(0.1)
    return counts


def pool_size(rps: float, seconds: float) -> int:
    return math.ceil(rps * seconds * HEADROOM) + 200


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so that every ``finally`` cleans up."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- the benchmark ---------------------------------------------------------------------
