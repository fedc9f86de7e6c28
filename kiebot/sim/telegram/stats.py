"""Counters the tests and the benchmark read: calls, refusals, rates, obedience."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimStats:
    """What the simulator saw, across all its bots.

    `retry_after_violations` counts requests made while the bot had been told to wait;
    `max_rate_*` is the most messages admitted within any one-second window, in one chat
    and overall.
    """

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    responses_429: int = 0
    retry_after_violations: int = 0
    max_rate_per_chat: int = 0
    max_rate_overall: int = 0
    updates_enqueued: int = 0
    updates_dropped: int = 0
    updates_delivered: int = 0
    webhook_failures: int = 0
    messages_sent: int = 0
    edits: int = 0

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "calls": dict(self.calls),
            "errors": dict(self.errors),
            "responses_429": self.responses_429,
            "retry_after_violations": self.retry_after_violations,
            "max_rate_per_chat": self.max_rate_per_chat,
            "max_rate_overall": self.max_rate_overall,
            "updates_enqueued": self.updates_enqueued,
            "updates_dropped": self.updates_dropped,
            "updates_delivered": self.updates_delivered,
            "webhook_failures": self.webhook_failures,
            "messages_sent": self.messages_sent,
            "edits": self.edits,
        }

    def reset(self) -> None:
        """Back to zero, in place (holders of this object keep seeing the live one)."""
        fresh = SimStats()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))
