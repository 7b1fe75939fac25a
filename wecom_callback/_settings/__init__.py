"""Configuration: one validated, secret-safe model per endpoint."""

from .settings import Settings

__all__ = ["Settings"]
