"""Counters of everything the simulator saw and answered, per key and in total.

These are the simulator's testimony about the client: how many tasks it created, how
often it was told 429 and whether it slowed down (the peak windows), how many 5xx it
weathered, whether it ever leaked a Telegram file URL. Tests and the benchmark read them
as attributes (`sim.stats.totals.creates`, `sim.stats.key("k").max_creates_in_window`) or
as JSON from GET /_sim/stats.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Counters:
    """One set of counters; used for each key and for the totals."""

    creates: int = 0
    create_attempts: int = 0
    reads: int = 0
    read_attempts: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    client_errors: int = 0
    max_creates_in_window: int = 0
    max_reads_in_window: int = 0
    uploads: int = 0
    upload_bytes: int = 0
    telegram_file_urls_seen: int = 0
    callbacks_sent: int = 0
    callbacks_failed: int = 0
    callback_attempts: int = 0
    tasks_succeeded: int = 0
    tasks_failed: int = 0
    # endpoint -> body code (as a string, JSON-friendly) -> how many answers
    answers: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )

    def answered(self, endpoint: str, code: int) -> int:
        """How many answers with body `code` this endpoint gave."""
        return self.answers.get(endpoint, {}).get(str(code), 0)


class SimStats:
    """Totals, per-key counters and a few global ones (unauthorised calls, media served)."""

    def __init__(self) -> None:
        self.totals = Counters()
        self.keys: dict[str, Counters] = {}
        self.unauthorized = 0
        self.media_served = 0
        self.files_served = 0

    def reset(self) -> None:
        """Back to zero, in place: other parts hold a reference to this object."""
        self.totals = Counters()
        self.keys = {}
        self.unauthorized = self.media_served = self.files_served = 0

    def key(self, key: str) -> Counters:
        """The counters of one key, created empty on first use."""
        counters = self.keys.get(key)
        if counters is None:
            counters = self.keys[key] = Counters()
        return counters

    def both(self, key: str | None) -> tuple[Counters, ...]:
        """The totals, plus the key's own counters when the key is known."""
        return (self.totals, self.key(key)) if key else (self.totals,)

    def add(self, key: str | None, name: str, amount: int = 1) -> None:
        """Add to a counter of the totals and of the key."""
        for counters in self.both(key):
            setattr(counters, name, getattr(counters, name) + amount)

    def peak(self, key: str, name: str, value: int) -> None:
        """Raise a max-in-window counter of the key and of the totals if `value` is higher."""
        for counters in self.both(key):
            if value > getattr(counters, name):
                setattr(counters, name, value)

    def record_answer(self, key: str | None, endpoint: str, code: int) -> None:
        """Count one reply by its body code, and its class (429, 4xx, 5xx)."""
        for counters in self.both(key):
            counters.answers[endpoint][str(code)] += 1
        if code == 429:
            self.add(key, "rate_limited")
        elif code >= 500:
            self.add(key, "server_errors")
        elif code >= 400:
            self.add(key, "client_errors")

    # Shortcuts for the questions tests ask most.
    @property
    def telegram_file_urls_seen(self) -> int:
        return self.totals.telegram_file_urls_seen

    @property
    def callbacks_sent(self) -> int:
        return self.totals.callbacks_sent

    @property
    def callbacks_failed(self) -> int:
        return self.totals.callbacks_failed

    def as_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: {"totals": {...}, "keys": {key: {...}}, ...}."""
        return {
            "totals": _plain(self.totals),
            "keys": {k: _plain(c) for k, c in self.keys.items()},
            "unauthorized": self.unauthorized,
            "media_served": self.media_served,
            "files_served": self.files_served,
        }


def _plain(counters: Counters) -> dict[str, Any]:
    data: dict[str, Any] = {f.name: getattr(counters, f.name) for f in fields(counters)}
    data["answers"] = {ep: dict(codes) for ep, codes in counters.answers.items()}
    return data
