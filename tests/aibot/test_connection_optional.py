"""websockets is an extra: everything imports without it, and the connection names the extra."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import asyncio
import sys
sys.modules["websockets"] = None  # as if the package were not installed
from wecom_callback.aibot import AIBotApp
from wecom_callback.aibot.connection import AIBotConnection
from wecom_callback.errors import ConfigurationError
from wecom_callback.testing import FakeAIBotServer

app = AIBotApp("t0ken", "a" * 43, inbox="memory://")
connection = AIBotConnection("aibotID", "s3cret", app, url="ws://127.0.0.1:9")
try:
    asyncio.run(connection.start())
except ConfigurationError as exc:
    assert "pip install wecom-callback[websockets]" in str(exc), exc
else:
    raise SystemExit("no error for a missing websockets package")
assert FakeAIBotServer.__doc__
assert not any(name == "websockets" or name.startswith("websockets.") for name in sys.modules
               if sys.modules[name] is not None)
print("ok")
"""


def test_the_package_works_without_websockets() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
