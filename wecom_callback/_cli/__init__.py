"""The ``wecom-callback`` command."""

from .main import main

__all__ = ["main"]
