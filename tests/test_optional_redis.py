"""The core never imports redis; choosing the Redis inbox without it names the extra."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import sys
sys.modules["redis"] = None  # as if the package were not installed
import wecom_callback
from wecom_callback import WeComApp, parse_message
from wecom_callback.errors import ConfigurationError
from wecom_callback.inbox import open_inbox
from wecom_callback.testing import Simulator, callback_xml

app = WeComApp("t0ken", "a" * 43, "ww1", inbox="memory://")
assert parse_message(callback_xml({"MsgType": "text", "Content": "x"})).kind == "text"
try:
    open_inbox("redis://127.0.0.1:1/0")
except ConfigurationError as exc:
    assert "pip install wecom-callback[redis]" in str(exc), exc
else:
    raise SystemExit("no error for a missing redis package")
assert not any(name == "redis" or name.startswith("redis.") for name in sys.modules
               if sys.modules[name] is not None)
print("ok")
"""


def test_core_works_without_redis() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
