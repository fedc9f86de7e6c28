"""Per-key sliding-window limits, and meters of what a client actually tried.

KIE's limits are per API key: 20 new tasks per 10 s and 10 recordInfo per second, and a
request over the limit is refused (code 429), not queued. The simulator keeps one deque
of accepted request times per key and limit; the deque never holds more than `limit`
entries, so memory stays bounded however hard a client pushes.

The meters answer a different question, the one tests assert: what was the most requests
a client *sent* inside any window, refused ones included. The maximum over all windows is
reached by a window that ends at some request, so checking at each request is exact.
"""

from __future__ import annotations

from collections import deque


class SlidingWindow:
    """Admit at most `limit` events per `window` seconds per key."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float, limit: int, window: float) -> bool:
        """Record and admit the event if the key is under its limit; otherwise refuse it.

        A refused event is not recorded: a client that backs off recovers as soon as the
        window slides past its earlier successes.
        """
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - window:
            events.popleft()
        if len(events) >= limit:
            return False
        events.append(now)
        return True

    def reset(self) -> None:
        self._events.clear()


class PeakMeter:
    """The largest number of events seen inside any window of `window` seconds, per key."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = {}
        self.peaks: dict[str, int] = {}

    def note(self, key: str, now: float, window: float) -> int:
        """Count one event; return how many events fall in the window ending now."""
        events = self._events.setdefault(key, deque())
        events.append(now)
        while events and events[0] <= now - window:
            events.popleft()
        count = len(events)
        if count > self.peaks.get(key, 0):
            self.peaks[key] = count
        return count

    def reset(self) -> None:
        self._events.clear()
        self.peaks.clear()
