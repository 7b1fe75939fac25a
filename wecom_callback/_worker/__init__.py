"""Durable dispatch: admission, inline runs, retries, dead letters, leases and recovery."""

from .runner import NotAccepting, Runner

__all__ = ["NotAccepting", "Runner"]
