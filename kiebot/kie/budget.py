"""Per-key rate budgets and the pool of API keys.

KIE counts calls per key: 20 new tasks in any 10 s, 10 recordInfo reads in any second;
over that it answers 429 and drops the call. The budget keeps us under those counts
*before* KIE has to say so (DESIGN invariant 4).

Why the limiter is a sliding log and not aiolimiter's `AsyncLimiter(20, 10)`: aiolimiter
is a leaky bucket that admits a burst of `max_rate` and then drips `max_rate / period` per
second, so over some 10 s window it admits up to 39 creates, double what KIE allows
(`test_naive_aiolimiter_would_double_kies_window`). A leaky bucket can only be made safe
by shrinking its burst or its rate, and either way it gives up throughput: the safe
setting we had first sustained 1 create/s of KIE's 2/s. A log of the last `limit` grant
times answers KIE's own question ("how many in the last window?") exactly: it admits the
whole limit at once from idle and then exactly `limit` per window, so a backlog drains at
`limit / (window + slack)`, 98% of the cap for creates. `slack_s` widens the window we
guard against, absorbing some of the delay between a grant here and the request reaching KIE.

Why a slot counts from its answer and not only from its grant: KIE counts a call when it
arrives, and under load the event loop lags between our grant and the bytes leaving (and
KIE's side lags too). A grant delayed 120 ms and the one `limit` grants later delayed by
nothing land inside one KIE window however small the gap we kept between the grants, and
no fixed slack covers a lag of unbounded size: that was one 429 in issue 3's benchmark.
The answer to a call comes after KIE counted it, so once the caller marks its `Grant`
answered the log counts it from then (`at = max(granted, answered)`); the grant that waits
on it then reaches KIE more than a window after it, whatever the lag. The cost is the
call's latency added to each slot's turn: a backlog drains at
`limit / (window + slack + latency)`.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol

from loguru import logger

from kiebot.kie.errors import KieError, KieNoKeyAvailable, KieUnauthorized

BudgetKind = Literal["create", "read"]


class SecretLike(Protocol):
    """Anything that hands out a secret on request, such as pydantic's `SecretStr`."""

    def get_secret_value(self) -> str: ...


def fingerprint(secret: str) -> str:
    """A short, stable, non-reversible name for a key, safe for logs and Redis."""
    return "key-" + hashlib.sha256(secret.encode()).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `limit` calls in any `window_s` seconds, as the provider counts them.

    `slack_s` widens the window we guard against (default: 5% of the window).
    """

    limit: int
    window_s: float
    slack_s: float | None = None

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"Rate.limit must be >= 1, got {self.limit!r}")
        if not self.window_s > 0:
            raise ValueError(f"Rate.window_s must be positive, got {self.window_s!r}")
        if self.slack_s is not None and self.slack_s < 0:
            raise ValueError(f"Rate.slack_s must be >= 0, got {self.slack_s!r}")

    @property
    def guarded_window_s(self) -> float:
        """The window length the bound holds for: the provider's window plus slack."""
        slack = self.slack_s if self.slack_s is not None else self.window_s * 0.05
        return self.window_s + slack

    @property
    def sustained_per_s(self) -> float:
        """The long-run rate the limiter allows while a backlog waits."""
        return self.limit / self.guarded_window_s


def create_rate(limit: int, window_s: float) -> Rate:
    """2% slack: 200 ms on KIE's 10 s window is ample, and keeps 98% of the throughput."""
    return Rate(limit, window_s, slack_s=window_s * 0.02)


def read_rate(limit: int, window_s: float) -> Rate:
    """5% slack: on a 1 s window the network's jitter is a larger share."""
    return Rate(limit, window_s, slack_s=window_s * 0.05)


@dataclass(slots=True)
class Grant:
    """One slot handed out by a `SlidingWindow`; `at` is the time the log counts it from.

    The caller sends its call at once and calls `answered()` when the reply has come (or
    the call failed): KIE has counted the call by then, so counting the slot from that
    moment is safe whatever the delay between the grant and the call reaching KIE. Until
    then the slot counts from its grant: we cannot wait for a reply that may hang for the
    whole timeout, so for a call still in flight only the slack guards against that delay.
    """

    at: float

    def answered(self) -> None:
        """The call got its reply or failed: count the slot from now (never earlier)."""
        self.at = max(self.at, asyncio.get_running_loop().time())


class SlidingWindow:
    """Grants at most `rate.limit` slots in any interval of `rate.guarded_window_s`.

    It remembers the last `limit` grants; the next grant waits until the first of them in
    grant order is more than a window old, counted from its answer if it has one (see
    `Grant`). Waiters queue on a lock, so they are served in arrival order and a slot
    cannot be taken by a newcomer while older callers wait.

    Answers come in any order, so the log is not sorted by `at`, and it need not be: grant
    `n + limit` waits on the entry `limit` grants back, grant `n`, whose `at` (if answered)
    is no earlier than its arrival at KIE. Grants are given in time order and no call
    reaches KIE before its grant, so every call from grant `n + limit` on arrives more than
    a window after call `n`. Of any `limit + 1` calls the last granted comes at least
    `limit` grants after the first, so no window at KIE holds more than `limit`. A grant
    answered only after the one waiting on it was given falls back to the grant-time
    bound, which only the slack protects.
    """

    def __init__(self, rate: Rate) -> None:
        self._window = rate.guarded_window_s
        self._granted: deque[Grant] = deque(maxlen=rate.limit)
        self._lock = asyncio.Lock()

    def _wait_s(self) -> float:
        """Seconds until a grant is allowed; a grant needs a strictly positive gap."""
        if len(self._granted) < (self._granted.maxlen or 0):
            return -1.0
        return self._granted[0].at + self._window - asyncio.get_running_loop().time()

    def has_capacity(self) -> bool:
        return not self._lock.locked() and self._wait_s() < 0

    async def acquire(self) -> Grant:
        """Wait for a slot; mark the returned grant answered when the call is over."""
        async with self._lock:
            # Sleeps until a computed time, not polling for an event: the loop repeats
            # when the timer fires a hair early, or when the entry waited on was answered
            # meanwhile and now counts from later.
            while (wait := self._wait_s()) >= 0:  # noqa: ASYNC110
                await asyncio.sleep(max(wait, 0.001))
            grant = Grant(asyncio.get_running_loop().time())
            self._granted.append(grant)
            return grant


class RateBudget:
    """One kind of call (creates or reads) for one key: a limiter and a 429 cool-down.

    The cool-down is how a 429 is never a hot loop: after KIE says "too many", nothing
    is sent on this key and kind until a whole window has passed, whoever asks.
    """

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._limiter = SlidingWindow(rate)
        self._cooldown_until = 0.0  # event-loop time

    def has_capacity(self) -> bool:
        """True when `acquire` would return without waiting."""
        return self.cooling_for() <= 0 and self._limiter.has_capacity()

    def cooling_for(self) -> float:
        """Seconds left in the current cool-down (zero or less: none)."""
        return self._cooldown_until - asyncio.get_running_loop().time()

    async def acquire(self) -> Grant:
        """Wait for a slot, and send at once: a slot is only good at the moment it is given.

        Mark the returned grant answered when the call is over (see `Grant`).

        A slot handed out while a cool-down is on (one that began while we queued) is
        void: we go round again rather than hold it and send when the cool-down ends,
        which would release every such holder in the same instant -- a burst the
        limiter never allowed. A void slot stays in the log at its grant time.
        """
        while True:
            await self._sit_out_cooldown()
            grant = await self._limiter.acquire()
            if self.cooling_for() <= 0:
                return grant

    def cool_down(self, retry_after: float | None = None) -> float:
        """Close the budget for a full window (or `retry_after`, if longer); returns it."""
        seconds = max(self.rate.window_s, retry_after or 0.0)
        until = asyncio.get_running_loop().time() + seconds
        self._cooldown_until = max(self._cooldown_until, until)
        return seconds

    async def _sit_out_cooldown(self) -> None:
        wait = self.cooling_for()
        if wait > 0:
            await asyncio.sleep(wait)


@dataclass(frozen=True, slots=True)
class CreateSlot:
    """A create slot: the key to send with and the grant to mark answered afterwards."""

    key_id: str
    grant: Grant


class KeyState(StrEnum):
    ACTIVE = "active"
    #: out of the create rotation for a while (402, 433); reads still go through
    SUSPENDED = "suspended"
    #: out for good (401): the key is wrong or revoked
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """A snapshot of one key for health checks and the admin page."""

    key_id: str
    state: KeyState
    reason: str | None
    back_in_s: float | None


@dataclass(slots=True)
class _Key:
    key_id: str
    secret: str = field(repr=False)
    creates: RateBudget
    reads: RateBudget
    state: KeyState = KeyState.ACTIVE
    reason: str | None = None
    suspended_until: float = 0.0  # event-loop time

    def budget(self, kind: BudgetKind) -> RateBudget:
        return self.creates if kind == "create" else self.reads


_FAULT_REASONS = {
    401: "unauthorized (401)",
    402: "account out of credits (402)",
    433: "key usage limit exceeded (433)",
}

KeyRejectedHook = Callable[[str, str], None]


class KeyPool:
    """The configured API keys, each with its budgets and its standing.

    Creates go to an active key with free budget, round-robin; a task must then be read
    with the key that created it (keys may belong to different accounts), which is why
    the client hands the key id back with every created task.

    `create_limit` per `create_window_s` and `read_limit` per `read_window_s` are KIE's
    per-key counts (20 per 10 s and 10 per 1 s); see the module docstring for how they
    are kept.

    A key that answers 401 leaves the pool for good; one that answers 402 or 433 is
    suspended for `suspend_s` and then tried again (credits get topped up, hourly caps
    reset). Either way the pool logs a warning and calls `on_key_rejected(key_id, reason)`
    once per departure. The hook must not block; it may schedule an alert.
    """

    def __init__(
        self,
        keys: Iterable[str | SecretLike],
        *,
        create_limit: int = 20,
        create_window_s: float = 10.0,
        read_limit: int = 10,
        read_window_s: float = 1.0,
        suspend_s: float = 600.0,
        on_key_rejected: KeyRejectedHook | None = None,
    ) -> None:
        creates = create_rate(create_limit, create_window_s)
        reads = read_rate(read_limit, read_window_s)
        self._keys: dict[str, _Key] = {}
        for key in keys:
            secret = key if isinstance(key, str) else key.get_secret_value()
            if not secret:
                raise ValueError("an empty KIE API key")
            key_id = fingerprint(secret)
            if key_id in self._keys:
                raise ValueError(f"KIE API key {key_id} is listed twice")
            self._keys[key_id] = _Key(key_id, secret, RateBudget(creates), RateBudget(reads))
        if not self._keys:
            raise ValueError("a KeyPool needs at least one KIE API key")
        self._suspend_s = suspend_s
        self._on_key_rejected = on_key_rejected
        self._cursor = 0

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every configured key, in configuration order, whatever its state."""
        return tuple(self._keys)

    def status(self) -> list[KeyStatus]:
        """Each key's state, for health checks; suspended keys past their time rejoin."""
        self._readmit()
        now = asyncio.get_running_loop().time()
        return [
            KeyStatus(
                k.key_id,
                k.state,
                k.reason,
                k.suspended_until - now if k.state is KeyState.SUSPENDED else None,
            )
            for k in self._keys.values()
        ]

    def active_key_ids(self) -> list[str]:
        """Keys that may create tasks right now."""
        return [k.key_id for k in self._active()]

    def authorization(self, key_id: str) -> str:
        """The `Authorization` header value for a key. Never log it."""
        return "Bearer " + self._key(key_id).secret

    def secret(self, key_id: str) -> str:
        """The raw key, for scrubbing it out of texts that came back from KIE."""
        return self._key(key_id).secret

    async def acquire_create(self) -> CreateSlot:
        """Wait for a create slot on some active key; it names the key to send with.

        Mark `slot.grant` answered when the create is over (see `Grant`).
        """
        while True:
            active = self._active()
            if not active:
                raise KieNoKeyAvailable("every KIE API key has left the pool")
            key = self._pick(active)
            grant = await key.creates.acquire()
            # The key may have left the pool while we queued for it: pick again. The
            # slot we leave behind was never used and keeps its grant time.
            if key.state is KeyState.ACTIVE:
                return CreateSlot(key.key_id, grant)

    async def acquire_read(self, key_id: str) -> Grant:
        """Wait for a read slot on this key; a key rejected for good cannot read.

        Mark the returned grant answered when the read is over (see `Grant`).
        """
        key = self._key(key_id)
        if key.state is KeyState.REJECTED:
            raise KieNoKeyAvailable(f"the key left the pool: {key.reason}", key_id=key_id)
        return await key.reads.acquire()

    def pick_key(self) -> str:
        """An active key for a call without a budget of its own (file uploads)."""
        active = self._active()
        if not active:
            raise KieNoKeyAvailable("every KIE API key has left the pool")
        return self._pick(active).key_id

    def penalize(self, key_id: str, kind: BudgetKind, retry_after: float | None = None) -> float:
        """KIE answered 429: close this key's budget for a window. Returns the seconds."""
        seconds = self._key(key_id).budget(kind).cool_down(retry_after)
        logger.debug("KIE rate-limited {} ({}s); cooling down {:.1f}s", key_id, kind, seconds)
        return seconds

    def report_fault(self, key_id: str, error: KieError) -> None:
        """Take a key out after an answer that says the key itself is unusable."""
        key = self._key(key_id)
        was_active = key.state is KeyState.ACTIVE
        key.reason = _FAULT_REASONS.get(error.code or 0, type(error).__name__)
        if isinstance(error, KieUnauthorized):
            key.state = KeyState.REJECTED
        elif key.state is not KeyState.REJECTED:
            key.state = KeyState.SUSPENDED
            key.suspended_until = asyncio.get_running_loop().time() + self._suspend_s
        if was_active:
            self._announce(key)

    def restore(self, key_id: str) -> None:
        """Put a key back into rotation (the operator fixed it)."""
        key = self._key(key_id)
        key.state, key.reason, key.suspended_until = KeyState.ACTIVE, None, 0.0
        logger.info("KIE key {} restored to the pool", key_id)

    def _key(self, key_id: str) -> _Key:
        try:
            return self._keys[key_id]
        except KeyError:
            raise KieNoKeyAvailable("no such KIE key is configured", key_id=key_id) from None

    def _active(self) -> list[_Key]:
        self._readmit()
        return [k for k in self._keys.values() if k.state is KeyState.ACTIVE]

    def _readmit(self) -> None:
        now = asyncio.get_running_loop().time()
        for key in self._keys.values():
            if key.state is KeyState.SUSPENDED and key.suspended_until <= now:
                key.state, key.reason = KeyState.ACTIVE, None
                logger.info("KIE key {} is back in the pool after its suspension", key.key_id)

    def _pick(self, active: list[_Key]) -> _Key:
        # Round-robin, preferring a key that can go now; when none can, queue on the one
        # whose 429 cool-down ends first (ties: the next in turn, so waiters spread).
        start = self._cursor % len(active)
        self._cursor += 1
        order = active[start:] + active[:start]
        ready = next((k for k in order if k.creates.has_capacity()), None)
        return ready or min(order, key=lambda k: max(k.creates.cooling_for(), 0.0))

    def _announce(self, key: _Key) -> None:
        reason = key.reason or "unknown"
        logger.warning("KIE key {} left the pool ({}): {}", key.key_id, key.state, reason)
        if self._on_key_rejected is None:
            return
        try:
            self._on_key_rejected(key.key_id, reason)
        except Exception:
            logger.exception("the on_key_rejected hook failed for {}", key.key_id)
