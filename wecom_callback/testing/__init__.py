"""The public test kit: build callbacks exactly as WeCom sends them, serve apps for real.

- :class:`Simulator` signs and encrypts GET/POST requests and decrypts replies;
  :class:`AIBotSimulator` does the same for an AI bot's JSON callbacks and refreshes.
- :func:`callback_xml` writes a plaintext callback from tag/value pairs.
- :class:`FakeWeComAPI` plays WeCom's server API (``.service``: a :class:`FakeService`
  plays the third-party side: suites, tickets, installs).
- :class:`FakeAIBotServer` plays WeCom's end of an AI bot's long connection (WebSocket).
- :class:`LiveServer` runs any ASGI app under a real uvicorn on 127.0.0.1, port 0, in a
  thread; :func:`serving` does the same in the running event loop.
"""

from ._aibot import AIBotSimulator
from ._fake_aibot_ws import FakeAIBotServer
from ._fake_api import FakeWeComAPI
from ._fake_service import FakeService
from ._server import LiveServer, serving
from ._simulator import SimulatedRequest, Simulator, callback_xml

__all__ = [
    "AIBotSimulator",
    "FakeAIBotServer",
    "FakeService",
    "FakeWeComAPI",
    "LiveServer",
    "SimulatedRequest",
    "Simulator",
    "callback_xml",
    "serving",
]
