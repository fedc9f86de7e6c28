"""Fixtures for the rewards tests: both simulators and the end-to-end `Harness` (the
whole process over the session's real redis-server), as in tests/e2e."""

from __future__ import annotations

from tests.e2e.fixtures import harness, kie, telegram

__all__ = ["harness", "kie", "telegram"]
