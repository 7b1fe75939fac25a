"""The environment for a benchmark's processes: without coverage's subprocess hook.

A smoke test only checks that a benchmark runs and reports; measuring its servers under
coverage would slow every one of them (and the suite) for lines other tests cover.
"""

from __future__ import annotations

import os


def unmeasured_env() -> dict[str, str]:
    """``os.environ`` without ``COVERAGE_PROCESS_CONFIG`` (so children run unmeasured)."""
    return {k: v for k, v in os.environ.items() if k != "COVERAGE_PROCESS_CONFIG"}
