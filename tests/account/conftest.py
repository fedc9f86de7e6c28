"""The account screens end to end: the e2e harness (real process, real Dispatcher, both
simulators, the session's redis-server)."""

from __future__ import annotations

from tests.e2e.conftest import harness, kie, telegram

__all__ = ["harness", "kie", "telegram"]
