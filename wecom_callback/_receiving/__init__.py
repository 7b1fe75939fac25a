"""The receive path as plain values: query and body in, an outcome out (no web here)."""

from .context import CallbackContext
from .receiver import Delivery, Outcome, Receiver, dedupe_key, render_reply

__all__ = ["CallbackContext", "Delivery", "Outcome", "Receiver", "dedupe_key", "render_reply"]
