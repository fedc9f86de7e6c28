"""Pacing of every message and edit kiebot sends to Telegram (DESIGN invariant 4).

Telegram lets a bot send about 30 messages a second overall, about one a second to any
one chat (short bursts tolerated) and about 20 a minute to a group. Beyond that it answers
429 "Too Many Requests: retry after N", and for N seconds every further request to that
scope is refused again and held against the bot. The `Pacer` keeps kiebot under those
limits before Telegram has to say so, and when Telegram does say so, nobody talks to the
scope until N is up: a 429 slows the sender down, it never makes it spin.

**Token buckets.** Each limit is a bucket of `burst` tokens refilled at `rate` per second;
a message takes one token from every bucket that applies (overall; the chat; the group,
for negative chat ids). KIE's budget (kiebot/kie/budget.py) is a sliding log because KIE
counts calls per window; Telegram states rates with tolerated bursts, which is exactly a
bucket, and a bucket is two floats per chat where a log is `burst` timestamps. Above all,
a full bucket is indistinguishable from a new one, so a chat's state is dropped as soon as
its buckets have refilled and it is not told to wait: eviction loses nothing, and memory
follows the chats active in the last few seconds (the last minute for groups), not every
chat ever served.

**Margins.** A grant here is not an arrival at Telegram: latency varies, and an upload is
granted when it starts but counted by Telegram when it ends. Arrivals can therefore bunch
up by a token or two, so the default bursts sit below Telegram's (2 of the ~3 a chat
tolerates, 25 of 30 overall, 15 of 20 per group) and the spare tokens absorb it.

**Waiting without spinning.** A caller queues on its chat's lock (FIFO), sleeps until the
chat has a token and is not told to wait, then queues on the one overall lock, sleeps until
the overall bucket has a token, re-checks its chat (a 429 may have come in meanwhile) and
takes its tokens from every bucket at once. Only the head of each queue sleeps, on a
computed deadline, so a backlog of N senders costs O(N) wake-ups, never a busy loop.

**After a 429** the scope's buckets are emptied as of the end of the wait: Telegram has
just said its own bucket is empty, so the queued senders resume at the steady rate
instead of all at once, which would only earn the next 429.

**Which scope a 429 is about.** Telegram does not say. The told-to-wait chat always waits.
Everyone waits too when the wait is short (`global_wait_max_s`): the overall bucket refills
in a fraction of a second, so a bot-wide flood is answered "retry after 1" or so, and a
private chat's short 429 is cheaper to over-obey (everyone pauses a second) than to ignore
(a violation per request). A long wait can only come from a slow bucket, a group's 20 per
minute, so only that chat waits -- unless another chat is told to wait while it does,
which means the flood is bot-wide after all.
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from aiogram.exceptions import TelegramRetryAfter
from loguru import logger

from kiebot.delivery.errors import Flooded

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Float slack when comparing token counts, so that waking exactly at the computed refill
# time finds the token there instead of sleeping again for a nanosecond.
_EPSILON = 1e-9
# How many busy chat states one sweep moves to the back before it stops looking.
_SWEEP_BATCH = 4


@dataclass(frozen=True, slots=True)
class Limit:
    """`burst` tokens refilled at `rate` per second; each message takes one."""

    rate: float
    burst: float

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError(f"Limit.rate must be positive, got {self.rate!r}")
        if self.burst < 1:
            raise ValueError(f"Limit.burst must be at least 1, got {self.burst!r}")


@dataclass(frozen=True, slots=True)
class PacingLimits:
    """The Pacer's knobs; the defaults keep a margin under Telegram's published limits.

    `attempts`: how many times one call is made when Telegram keeps answering 429 (the
    last 429 raises `Flooded`). `global_wait_max_s`: a 429 asking for at most this long
    makes everyone wait, not only its chat (see the module docstring).
    """

    overall: Limit = field(default_factory=lambda: Limit(rate=30.0, burst=25.0))
    chat: Limit = field(default_factory=lambda: Limit(rate=1.0, burst=2.0))
    group: Limit = field(default_factory=lambda: Limit(rate=20.0 / 60.0, burst=15.0))
    attempts: int = 4
    global_wait_max_s: float = 5.0
    # Job traffic (results, status edits) may use this share of the overall rate; the
    # rest is always there for direct replies to what a user just did.
    bulk_share: float = 0.8

    @property
    def bulk(self) -> Limit:
        return Limit(
            rate=self.overall.rate * self.bulk_share,
            burst=max(1.0, self.overall.burst * self.bulk_share),
        )

    def __post_init__(self) -> None:
        if not 0 < self.bulk_share <= 1:
            raise ValueError("PacingLimits.bulk_share must be in (0, 1]")
        if self.attempts < 1:
            raise ValueError(f"PacingLimits.attempts must be >= 1, got {self.attempts!r}")
        if self.global_wait_max_s < 0:
            raise ValueError("PacingLimits.global_wait_max_s must not be negative")


class TokenBucket:
    """A bucket that starts full and refills continuously; time is passed in, never read."""

    __slots__ = ("tokens", "updated")

    def __init__(self, limit: Limit) -> None:
        self.tokens = limit.burst
        self.updated = -math.inf

    def _refill(self, limit: Limit, now: float) -> None:
        elapsed = max(now - self.updated, 0.0)
        self.tokens = min(limit.burst, self.tokens + elapsed * limit.rate)
        self.updated = max(now, self.updated)

    def ready_at(self, limit: Limit, now: float) -> float:
        """When the next token is there: `now` if it already is."""
        self._refill(limit, now)
        missing = 1.0 - self.tokens
        return now if missing <= _EPSILON else now + missing / limit.rate

    def take(self) -> None:
        self.tokens -= 1.0

    def empty_until(self, until: float) -> None:
        """No token before `until`, then refill from nothing (after a 429: see Pacer)."""
        self.tokens = 0.0
        self.updated = max(self.updated, until)

    def is_full(self, limit: Limit, now: float) -> bool:
        """True when this bucket is in the same state as a fresh one."""
        self._refill(limit, now)
        return self.tokens >= limit.burst - _EPSILON


class _ChatPace:
    """One chat's buckets, its told-to-wait deadline, and its queue of senders."""

    __slots__ = ("blocked_until", "chat", "group", "lock", "users")

    def __init__(self, limits: PacingLimits, *, is_group: bool) -> None:
        self.chat = TokenBucket(limits.chat)
        self.group = TokenBucket(limits.group) if is_group else None
        self.blocked_until = -math.inf
        self.lock = asyncio.Lock()
        self.users = 0  # senders inside acquire(); a state in use is never evicted

    def ready_at(self, limits: PacingLimits, now: float) -> float:
        ready = max(now, self.blocked_until, self.chat.ready_at(limits.chat, now))
        if self.group is not None:
            ready = max(ready, self.group.ready_at(limits.group, now))
        return ready

    def take(self) -> None:
        self.chat.take()
        if self.group is not None:
            self.group.take()

    def told_to_wait(self, until: float) -> None:
        self.blocked_until = max(self.blocked_until, until)
        self.chat.empty_until(self.blocked_until)
        if self.group is not None:
            self.group.empty_until(self.blocked_until)

    def idle(self, limits: PacingLimits, now: float) -> bool:
        """Nothing here that a fresh state would not also say: safe to forget."""
        if self.users or now < self.blocked_until or not self.chat.is_full(limits.chat, now):
            return False
        return self.group is None or self.group.is_full(limits.group, now)


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


class Pacer:
    """Global and per-chat pacing for one bot, plus obedience to `retry_after`.

    `acquire(chat_id)` waits for a slot; `told_to_wait(chat_id, seconds)` records a 429;
    `call(chat_id, request)` does both around one Bot API request and retries it (bounded
    by `limits.attempts`) when Telegram answers 429. `clock` and `sleep` are injectable
    for deterministic tests; by default they are the event loop's.
    """

    def __init__(
        self,
        limits: PacingLimits | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits or PacingLimits()
        self._clock = clock or _loop_time
        self._sleep = sleep
        self._overall = TokenBucket(self.limits.overall)
        self._overall_lock = asyncio.Lock()
        self._bulk_limit = self.limits.bulk
        self._bulk = TokenBucket(self._bulk_limit)
        self._bulk_lock = asyncio.Lock()
        self._overall_blocked_until = -math.inf
        self._chats: OrderedDict[int, _ChatPace] = OrderedDict()
        self._last_told: tuple[int, float] | None = None  # (chat_id, until) of the last 429

    def __len__(self) -> int:
        """How many chats have state here (for tests and metrics)."""
        return len(self._chats)

    async def call(
        self,
        chat_id: int,
        request: Callable[[], Awaitable[T]],
        *,
        paced: bool = True,
        bulk: bool = False,
    ) -> T:
        """Run `request()` in a slot for `chat_id`, waiting out and retrying 429s.

        `request` is a factory: a retry makes a fresh request (an upload re-opens its
        stream). `paced=False` is for calls Telegram does not count as messages (deletes):
        they take no token but still never go out while the chat is told to wait.
        `bulk=True` is for job traffic (results, status edits): it also takes a token of
        the bulk budget, so a crowd of deliveries can never hold back a direct reply.
        """
        attempt = 1
        while True:
            await self.acquire(chat_id, paced=paced, bulk=bulk)
            try:
                return await request()
            except TelegramRetryAfter as exc:
                self.told_to_wait(chat_id, exc.retry_after)
                if attempt >= self.limits.attempts:
                    msg = f"chat {chat_id}: still 429 after {attempt} attempts"
                    raise Flooded(msg, retry_after=exc.retry_after) from exc
                attempt += 1

    async def acquire(self, chat_id: int, *, paced: bool = True, bulk: bool = False) -> None:
        """Wait until a message to `chat_id` may go out now, and take its tokens."""
        pace = self._pace_of(chat_id)
        pace.users += 1
        try:
            if not paced:
                await self._wait_until(
                    lambda now: max(pace.blocked_until, self._overall_ready(now))
                )
                return
            async with pace.lock:
                while not await self._grant(pace, bulk=bulk):
                    pass
        finally:
            pace.users -= 1
            self._sweep()

    def told_to_wait(self, chat_id: int, retry_after: float) -> None:
        """Record a 429: the chat (and, when it looks bot-wide, everyone) waits it out."""
        now = self._clock()
        until = now + retry_after
        self._pace_of(chat_id).told_to_wait(until)
        everyone = self._looks_global(chat_id, retry_after, now)
        if everyone:
            self._overall_blocked_until = max(self._overall_blocked_until, until)
            self._overall.empty_until(self._overall_blocked_until)
        self._last_told = (chat_id, until)
        logger.warning(
            "telegram 429 for chat {}: waiting {}s ({})",
            chat_id,
            retry_after,
            "everyone" if everyone else "this chat",
        )

    def _looks_global(self, chat_id: int, retry_after: float, now: float) -> bool:
        if retry_after <= self.limits.global_wait_max_s:
            return True
        last = self._last_told
        return last is not None and last[0] != chat_id and now < last[1]

    async def _grant(self, pace: _ChatPace, *, bulk: bool) -> bool:
        """One try at a slot; False when the chat was told to wait while we queued."""
        await self._wait_until(lambda now: pace.ready_at(self.limits, now))
        if bulk:
            # Bulk waits for its own budget outside the overall lock, so the overall
            # bucket is never kept empty by job traffic and a direct reply waits at most
            # for the headroom bulk leaves. A bulk token is lost if the grant then fails:
            # a small cost, only after a 429.
            async with self._bulk_lock:
                await self._wait_until(
                    lambda now: max(now, self._bulk.ready_at(self._bulk_limit, now))
                )
                self._bulk.take()
        async with self._overall_lock:
            await self._wait_until(self._overall_ready_paced)
            now = self._clock()
            if pace.ready_at(self.limits, now) > now:
                return False
            self._overall.take()
            pace.take()
            return True

    def _overall_ready(self, now: float) -> float:
        return max(now, self._overall_blocked_until)

    def _overall_ready_paced(self, now: float) -> float:
        return max(self._overall_ready(now), self._overall.ready_at(self.limits.overall, now))

    async def _wait_until(self, ready_at: Callable[[float], float]) -> None:
        """Sleep until `ready_at(now) <= now`; each sleep ends at a computed deadline."""
        while True:
            now = self._clock()
            at = ready_at(now)
            if at <= now:
                return
            await self._sleep(at - now)

    def _pace_of(self, chat_id: int) -> _ChatPace:
        pace = self._chats.get(chat_id)
        if pace is None:
            pace = _ChatPace(self.limits, is_group=chat_id < 0)
            self._chats[chat_id] = pace
        else:
            self._chats.move_to_end(chat_id)
        return pace

    def _sweep(self) -> None:
        """Forget the least recently used chats whose state equals a fresh one.

        Idle states at the front are dropped for free (each was created once, so this is
        amortised O(1) per acquire). A state still in use (refilling, told to wait, or with
        senders queued) goes to the back and is looked at again later; at most
        `_SWEEP_BATCH` of those per acquire, so the sweep never scans the whole table.
        """
        now = self._clock()
        skipped = 0
        while self._chats and skipped < _SWEEP_BATCH:
            chat_id, pace = next(iter(self._chats.items()))
            if pace.idle(self.limits, now):
                del self._chats[chat_id]
            else:
                self._chats.move_to_end(chat_id)
                skipped += 1
