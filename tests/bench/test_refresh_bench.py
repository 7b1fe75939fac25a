"""Smoke test: ``bench/refresh.py --quick`` runs and prints a row per target (no timing checks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.bench._unmeasured import unmeasured_env

ROOT = Path(__file__).resolve().parents[2]


def test_refresh_bench_quick_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "refresh.py"), "--quick"],
        cwd=ROOT,
        env=unmeasured_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("target"))
    assert header.split() == ["target", "rps", "/floor", "p50", "ms", "p99", "ms", "errors"]
    for target in ("floor", "sqlite", "redis"):
        row = next((line for line in lines if line.split()[:1] == [target]), None)
        assert row is not None, f"no row for {target}:\n{done.stdout}"
        assert float(row.split()[1]) > 0 and row.split()[-1] == "0"  # served, no errors
