"""The suite-mode app the crash test runs in its own uvicorn process (all from WECOM_*)."""

from __future__ import annotations

from wecom_callback import WeComApp

app = WeComApp.from_env()
