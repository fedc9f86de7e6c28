"""Flood control: the Bot API's message rate limits, and a record of how a bot obeyed them.

Telegram lets a bot send about 30 messages a second overall, about one a second to any one
chat (a short burst is tolerated) and about 20 a minute to a group, and answers anything
faster with 429 "Too Many Requests: retry after N". Each limit here is a token bucket whose
rate and burst are read from the config on every request, so a knob change applies at
once. A refused request takes no token.

Once a scope has been told to wait, every request to it until the wait is over gets 429
again, as FLOOD_WAIT does; such a request is also counted as a *violation*: the bot
ignored retry_after. Requests that arrive within `violation_grace` of the 429 were already
on the wire when it was sent and are not counted.

Time comes from an injected clock so tests can drive the buckets without sleeping.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from kiebot.sim.telegram.config import TelegramSimConfig
from kiebot.sim.telegram.errors import too_many_requests
from kiebot.sim.telegram.stats import SimStats

Clock = Callable[[], float]
_WINDOW = 1.0


@dataclass
class TokenBucket:
    """Tokens refilled continuously at `rate` per second up to `burst`."""

    tokens: float = -1.0
    updated: float = 0.0

    def wait(self, now: float, rate: float, burst: float) -> float:
        """Seconds until a token is available (0 when one is), refilling first."""
        rate = max(rate, 1e-9)  # a knob set to 0 by hand means "practically never"
        if self.tokens < 0:
            self.tokens = burst
        else:
            self.tokens = min(burst, self.tokens + (now - self.updated) * rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class Penalty:
    """A told-to-wait window: when the 429 was sent and when the wait ends."""

    issued: float = 0.0
    until: float = 0.0

    def active(self, now: float) -> bool:
        return now < self.until

    def violated_by(self, now: float, grace: float) -> bool:
        return self.active(now) and now > self.issued + grace


@dataclass
class ChatFlood:
    """Per-chat buckets, penalty and recent send times."""

    chat: TokenBucket = field(default_factory=TokenBucket)
    group: TokenBucket = field(default_factory=TokenBucket)
    penalty: Penalty = field(default_factory=Penalty)
    recent: deque[float] = field(default_factory=deque)


class FloodControl:
    """One bot's limits: an overall bucket plus a bucket (two for groups) per chat."""

    def __init__(self, config: TelegramSimConfig, stats: SimStats, clock: Clock) -> None:
        self._config = config
        self._stats = stats
        self._clock = clock
        self._overall = TokenBucket()
        self._overall_penalty = Penalty()
        self._overall_recent: deque[float] = deque()
        self._chats: dict[int, ChatFlood] = {}

    def admit(self, chat_id: int, is_group: bool) -> None:
        """Let one message to `chat_id` through, or raise 429 with retry_after."""
        now = self._clock()
        chat = self._chats.setdefault(chat_id, ChatFlood())
        if self._config.flood_control:
            self._check_penalties(now, chat)
            self._check_buckets(now, chat, is_group)
        self._record(now, chat)

    def _check_penalties(self, now: float, chat: ChatFlood) -> None:
        grace = self._config.violation_grace
        for penalty in (self._overall_penalty, chat.penalty):
            if penalty.active(now):
                if penalty.violated_by(now, grace):
                    self._stats.retry_after_violations += 1
                self._refuse(penalty, now, penalty.until - now, renew=False)

    def _check_buckets(self, now: float, chat: ChatFlood, is_group: bool) -> None:
        cfg = self._config
        overall = self._overall.wait(now, cfg.global_rate, cfg.global_burst)
        if overall > 0:
            self._refuse(self._overall_penalty, now, overall)
        waits = [chat.chat.wait(now, cfg.per_chat_rate, cfg.per_chat_burst)]
        if is_group:
            waits.append(chat.group.wait(now, cfg.group_rate, cfg.group_burst))
        if max(waits) > 0:
            self._refuse(chat.penalty, now, max(waits))
        self._overall.take()
        chat.chat.take()
        if is_group:
            chat.group.take()

    def _refuse(self, penalty: Penalty, now: float, wait: float, *, renew: bool = True) -> None:
        retry_after = max(self._config.retry_after_min, math.ceil(wait - 1e-9))
        if renew:
            penalty.issued = now
            penalty.until = now + retry_after
        self._stats.responses_429 += 1
        raise too_many_requests(retry_after)

    def _record(self, now: float, chat: ChatFlood) -> None:
        for recent in (self._overall_recent, chat.recent):
            recent.append(now)
            while recent and recent[0] <= now - _WINDOW:
                recent.popleft()
        self._stats.max_rate_overall = max(self._stats.max_rate_overall, len(self._overall_recent))
        self._stats.max_rate_per_chat = max(self._stats.max_rate_per_chat, len(chat.recent))

    def reset(self) -> None:
        self._overall = TokenBucket()
        self._overall_penalty = Penalty()
        self._overall_recent.clear()
        self._chats.clear()
