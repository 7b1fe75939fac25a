"""Smoke test: ``bench/client.py --quick`` runs and prints its table (no timing checks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_client_bench_quick_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "client.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("contender"))
    assert header.split() == ["contender", "us/call", "ratio"]
    for name in ("bare", "call", "typed"):
        row = next((line for line in lines if line.split()[:1] == [name]), None)
        assert row is not None, f"no row for {name}:\n{done.stdout}"
        assert len(row.split()) == 3
    assert any(line.startswith("call/bare median ratio") for line in lines)
    # The token count is not a timing: a cold cache must cost exactly one fetch.
    assert any(line.endswith("cold cache: 1 (target 1)") for line in lines), done.stdout
