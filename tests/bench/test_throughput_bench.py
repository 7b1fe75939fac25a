"""Smoke test of bench/throughput.py: the quick run completes and prints its table.

Only that it runs and reports is checked; no figure it prints is asserted.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench._unmeasured import unmeasured_env

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "throughput.py"
TIMEOUT = 300


def test_quick_run_prints_the_table() -> None:
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/install installs it)")
    # Its own session, so that on a timeout the whole group (servers, wrk) is ended.
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--quick"],
        cwd=ROOT,
        env=unmeasured_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)  # the script turns it into a clean shutdown
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        pytest.fail(f"bench/throughput.py --quick took over {TIMEOUT} s:\n{out}\n{err}")

    assert proc.returncode == 0, f"exit {proc.returncode}:\n{out}\n{err}"
    lines = out.splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith("target ")), None)
    assert header is not None, out
    rows = {line.split()[0]: line.split() for line in lines[header + 2 : header + 6]}
    assert set(rows) == {"floor", "memory", "sqlite", "redis"}, out
    for name, cells in rows.items():
        # target, rps, x floor, p50 ms, p99 ms, achieved rps at half the floor's rate
        assert len(cells) >= 6, (name, cells)
        for cell in cells[1:6]:
            float(cell)
    assert "us CPU/req" in lines[header] and "ratio per round" in lines[header], out
    for name in ("memory", "sqlite", "redis"):
        float(rows[name][6])  # CPU per request
        float(rows[name][-1])  # the last round's ratio
    for start in (
        "RSS of the sqlite-inbox server",
        "redis used_memory per retained record:",
        "phase 4: ",
        "  retention purge of ",
        "phase 5: ",
        "sqlite-w2 ",
        "targets (reported, not asserted)",
        "  sqlite >= 0.5x floor rps",
        "  redis >= 0.35x floor rps",
        "  memory p99 flat",
        "  full inbox rate within",
        "  admission p99 < 20 ms during the purge",
    ):
        assert any(line.startswith(start) for line in lines), (start, out)
    verdicts = [line for line in lines if line.startswith("  ") and "x floor rps" in line]
    assert all(line.endswith(("met", "MISSED")) for line in verdicts), out
