"""Smoke test of bench/flood.py: the quick runs complete and print their tables.

Only that it runs and reports is checked; no figure it prints is asserted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench._unmeasured import unmeasured_env

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "flood.py"
TIMEOUT = 180


def _run(*args: str) -> list[str]:
    # Its own session, so that on a timeout the whole group (server, flood) is ended.
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--quick", *args],
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
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"bench/flood.py --quick {' '.join(args)} took over {TIMEOUT} s:\n{out}\n{err}")
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{out}\n{err}"
    return out.splitlines()


def test_quick_flood_prints_the_side_by_side_table() -> None:
    lines = _run()
    header = next((i for i, line in enumerate(lines) if line.startswith("phase ")), None)
    assert header is not None, lines
    assert lines[header].split() == ["phase", "n", "p50", "ms", "p99", "ms", "max", "ms", "non-200"]
    rows = {line.split()[0]: line.split() for line in lines[header + 1 : header + 4]}
    assert set(rows) == {"alone", "flood", "ratio"}, lines
    for name in ("alone", "flood"):
        assert len(rows[name]) == 6, rows[name]
        assert int(rows[name][1]) > 0
        for cell in rows[name][2:5]:
            float(cell)
    assert [float(cell) for cell in rows["ratio"][1:]]
    assert any(line.startswith("flood: ") and "junk bodies" in line for line in lines), lines
    assert any(line.startswith("target: ") for line in lines), lines


def test_quick_parse_prints_a_row_per_body() -> None:
    lines = _run("--parse")
    header = next((i for i, line in enumerate(lines) if line.startswith("body ")), None)
    assert header is not None, lines
    rows = {line.split()[0]: line.split() for line in lines[header + 1 :]}
    for name in ("normal", "empty-elements", "wide", "deep", "attributes", "two-encrypt"):
        assert name in rows, lines
        int(rows[name][1])
        float(rows[name][2])
    assert rows["normal"][3] == "accepted"
    assert rows["two-encrypt"][3] == "-40002"
