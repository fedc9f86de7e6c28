"""Repeated refusals to one chat are said once per window.

A user who floods the bot (30 prompts in 5 s) is refused for the same reason again and
again; answering each one would spend the chat's one-message-a-second budget on copies
of one sentence and hold up the user's own status messages and results behind them.
The first refusal of a kind is sent; the same one to the same chat within `window_s` is
not. Memory is bounded: the oldest entries go first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class RefusalGate:
    def __init__(
        self,
        *,
        window_s: float = 10.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window_s = window_s
        self._max_entries = max_entries
        self._clock = clock
        self._said: OrderedDict[tuple[int, str], float] = OrderedDict()

    def should_say(self, chat_id: int, key: str) -> bool:
        """True (and remembered) unless this refusal was said to this chat just now."""
        now = self._clock()
        said_at = self._said.get((chat_id, key))
        if said_at is not None and now - said_at < self._window_s:
            return False
        self._said[(chat_id, key)] = now
        self._said.move_to_end((chat_id, key))
        while len(self._said) > self._max_entries:
            self._said.popitem(last=False)
        return True
