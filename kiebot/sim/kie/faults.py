"""Forced and random failures: the simulator's way of being a bad day at KIE.

`inject` queues deterministic replies ("the next 3 createTask calls answer 500 with HTTP
200"); each queued entry is consumed by the matching calls, oldest first. The random
knobs (`server_error_rate`, `proxy_error_rate`) add noise on top for soak tests. Both act
before authentication and limits, as a failing backend or proxy would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kiebot.sim.kie.replies import Reply

ENDPOINTS = (
    "createTask",
    "recordInfo",
    "credit",
    "file-stream-upload",
    "file-url-upload",
    "file-base64-upload",
)
ANY_ENDPOINT = "*"


@dataclass
class Injection:
    """`times` more calls to `endpoint` ("*" for any) get this reply."""

    endpoint: str
    reply: Reply
    times: int


class Faults:
    """The queue of injected replies and the dice for random ones."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._queue: list[Injection] = []

    def inject(self, endpoint: str, reply: Reply, times: int) -> None:
        if endpoint != ANY_ENDPOINT and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {[*ENDPOINTS, '*']}")
        if times < 1:
            raise ValueError("times must be at least 1")
        self._queue.append(Injection(endpoint, reply, times))

    def take(self, endpoint: str) -> Reply | None:
        """The next injected reply for this endpoint, consuming one use of it."""
        for entry in self._queue:
            if entry.endpoint in (endpoint, ANY_ENDPOINT):
                entry.times -= 1
                if entry.times == 0:
                    self._queue.remove(entry)
                return entry.reply
        return None

    def roll(self, server_error_rate: float, proxy_error_rate: float) -> Reply | None:
        """A random 500 or proxy 502 with the configured probabilities, or None."""
        if proxy_error_rate > 0 and self._rng.random() < proxy_error_rate:
            return Reply(502, http_status=502, html=True)
        if server_error_rate > 0 and self._rng.random() < server_error_rate:
            return Reply(500)
        return None

    def pending(self) -> list[dict[str, object]]:
        return [
            {"endpoint": e.endpoint, "code": e.reply.code, "times": e.times, "html": e.reply.html}
            for e in self._queue
        ]

    def clear(self) -> None:
        self._queue.clear()
