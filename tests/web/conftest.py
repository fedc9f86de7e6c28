"""The console tests run the whole process (`tests.e2e.harness`) and talk to its admin
server over HTTP, as the operator's browser or script would."""

from __future__ import annotations

from tests.e2e.conftest import harness, kie, telegram

__all__ = ["harness", "kie", "telegram"]
