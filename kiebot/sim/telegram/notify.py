"""A level-triggered wake-up that synchronous code can fire.

The simulator's state changes both inside request handlers and in plain method calls from
tests (`sim.send_text` is synchronous), so waiters cannot use an `asyncio.Condition`, whose
`notify` needs its lock held. A `Signal` hands out the current event; `notify()` sets it and
starts a new one. A waiter takes the event *before* checking its condition, so a change
between the check and the wait still wakes it.
"""

from __future__ import annotations

import asyncio


class Signal:
    """Wake every current waiter; later waiters wait for the next change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def snapshot(self) -> asyncio.Event:
        """The event the next `notify()` sets; take it before checking the condition."""
        return self._event

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()
