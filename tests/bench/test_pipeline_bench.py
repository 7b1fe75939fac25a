"""Smoke test: ``bench/pipeline.py --quick`` runs and prints its table (no timing checks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pipeline_bench_quick_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pipeline.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("payload"))
    for column in ("typed", "wechatpy", "floor", "xmltodict", "typed/floor", "typed/wechatpy"):
        assert column in header.split()
    for payload in ("text", "add_external_contact", "approval"):
        row = next((line for line in lines if line.split()[:1] == [payload]), None)
        assert row is not None, f"no row for {payload}:\n{done.stdout}"
        assert len(row.split()) == len(header.split())
    json_row = next((line for line in lines if line.startswith("json typed+env")), None)
    assert json_row is not None and "xml typed+env" in json_row and "json floor" in json_row
    assert any(line.startswith("json typed/floor") for line in lines)
