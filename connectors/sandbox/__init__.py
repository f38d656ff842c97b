"""Local stand-ins of the systems the connectors talk to: they check each request against the real protocol,
record what they receive, and can be told to fail. ``python manage.py sandbox`` serves them; tests use
:func:`start_sandbox`. See README.md beside this file."""

from .server import (
    LOYALTY_PASSWORD,
    LOYALTY_STORE,
    LOYALTY_USERNAME,
    WEBHOOK_SECRET,
    WRITE_KEY,
    SandboxServer,
    start_sandbox,
)

__all__ = [
    "LOYALTY_PASSWORD",
    "LOYALTY_STORE",
    "LOYALTY_USERNAME",
    "WEBHOOK_SECRET",
    "WRITE_KEY",
    "SandboxServer",
    "start_sandbox",
]
