"""Dispatch: routers, handlers and their filters, and what handlers may name."""

from .router import INJECTABLE, Handler, Router
from .vocabulary import RegistrationWarning, check_registration

__all__ = ["INJECTABLE", "Handler", "RegistrationWarning", "Router", "check_registration"]
