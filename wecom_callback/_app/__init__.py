"""The surface users serve: WeComApp wiring and the ASGI adapter."""

from .app import WeComApp

__all__ = ["WeComApp"]
