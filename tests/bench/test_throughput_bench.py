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

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "throughput.py"
TIMEOUT = 180


def test_quick_run_prints_the_table() -> None:
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (scripts/install installs it)")
    # Its own session, so that on a timeout the whole group (servers, wrk) is ended.
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--quick"],
        cwd=ROOT,
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
    assert any(line.startswith("RSS of the sqlite-inbox server") for line in lines), out
    assert any(line.startswith("targets (reported, not asserted)") for line in lines), out
