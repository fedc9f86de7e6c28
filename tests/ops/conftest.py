"""Operations tests run the whole process like the end-to-end tests: the same simulator
fixtures (fast Telegram limits off, real flood control on) and the same harness."""

from __future__ import annotations

from tests.e2e.conftest import harness, kie, telegram

__all__ = ["harness", "kie", "telegram"]
