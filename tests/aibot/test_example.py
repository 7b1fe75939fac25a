"""The streaming example runs with one command and prints a stream that grows to its end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_streams_its_canned_answer_over_refreshes() -> None:
    result = subprocess.run(
        [sys.executable, "examples/aibot_stream.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    counts = [int(line.split()[2]) for line in lines if line.startswith("[refresh]")]
    assert len(counts) >= 3 and counts == sorted(counts)  # snapshots only grow
    assert lines[-1].endswith("leaves a note instead of a spinner. ")
    assert any("finish=True" in line for line in lines)
