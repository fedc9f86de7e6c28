"""The Pacer's arithmetic on a deterministic clock: buckets, retry_after, eviction.

The clock is a number the injected `sleep` moves forward, so every grant time is exact
and the tests never wait. Sends here are sequential (one coroutine), which is what a fake
clock can model; concurrency is tested for real against the simulator (test_flood.py).
"""

from __future__ import annotations

import itertools

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage

from kiebot.delivery import Flooded, Limit, Pacer, PacingLimits, TokenBucket


class FakeTime:
    """A clock that only moves when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_pacer(time: FakeTime, **limits: object) -> Pacer:
    return Pacer(PacingLimits(**limits), clock=time, sleep=time.sleep)  # type: ignore[arg-type]


async def grant_times(pacer: Pacer, time: FakeTime, chats: list[int]) -> list[float]:
    times = []
    for chat in chats:
        await pacer.acquire(chat)
        times.append(round(time.now, 6))
    return times


def retry_after(seconds: int) -> TelegramRetryAfter:
    method = SendMessage(chat_id=1, text="x")
    message = f"Too Many Requests: retry after {seconds}"
    return TelegramRetryAfter(method=method, message=message, retry_after=seconds)


def test_bucket_starts_full_and_refills_at_its_rate() -> None:
    limit = Limit(rate=2.0, burst=3.0)
    bucket = TokenBucket(limit)
    for _ in range(3):
        assert bucket.ready_at(limit, 10.0) == 10.0
        bucket.take()
    assert bucket.ready_at(limit, 10.0) == pytest.approx(10.5)
    assert not bucket.is_full(limit, 11.0)
    assert bucket.is_full(limit, 11.5)


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1.0), (-1.0, 2.0), (1.0, 0.5)])
def test_limits_are_validated(rate: float, burst: float) -> None:
    with pytest.raises(ValueError, match="Limit"):
        Limit(rate=rate, burst=burst)


async def test_private_chat_gets_its_burst_then_one_a_second() -> None:
    time = FakeTime()
    pacer = make_pacer(time, chat=Limit(rate=1.0, burst=2.0))

    assert await grant_times(pacer, time, [7] * 5) == [0.0, 0.0, 1.0, 2.0, 3.0]
    assert all(s > 0 for s in time.sleeps)
    assert len(time.sleeps) == 3  # one sleep per wait: nothing spins


async def test_group_chat_also_obeys_twenty_a_minute() -> None:
    time = FakeTime()
    pacer = make_pacer(time, chat=Limit(rate=1.0, burst=2.0), group=Limit(rate=20 / 60, burst=15.0))

    times = await grant_times(pacer, time, [-100] * 40)

    gaps = [round(b - a, 6) for a, b in itertools.pairwise(times)]
    assert gaps[:3] == [0.0, 1.0, 1.0]  # the per-chat limit rules while the group has tokens
    assert gaps[-5:] == [3.0] * 5  # then the group's 20 a minute
    for start in times:
        assert sum(1 for t in times if start <= t < start + 60) <= 15 + 20


async def test_overall_limit_spreads_sends_across_chats() -> None:
    time = FakeTime()
    pacer = make_pacer(time, overall=Limit(rate=10.0, burst=5.0))

    times = await grant_times(pacer, time, list(range(1, 21)))

    assert times[:5] == [0.0] * 5
    assert times[5:] == pytest.approx([0.1 * n for n in range(1, 16)])


async def test_short_retry_after_makes_everyone_wait_then_resume_gently() -> None:
    time = FakeTime()
    pacer = make_pacer(time, overall=Limit(rate=10.0, burst=5.0), chat=Limit(1.0, 2.0))

    pacer.told_to_wait(1, 2)

    # Everyone waits 2 s; then the buckets refill from empty: no burst into a fresh 429.
    assert await grant_times(pacer, time, [2, 3, 1, 1]) == [2.1, 2.2, 3.0, 4.0]


async def test_long_retry_after_holds_only_its_chat_until_a_second_chat_is_told() -> None:
    time = FakeTime()
    pacer = make_pacer(time, global_wait_max_s=5.0)

    pacer.told_to_wait(-100, 30)  # a group's 20/min: only that group waits
    assert await grant_times(pacer, time, [2]) == [0.0]
    pacer.told_to_wait(3, 20)  # another chat told to wait meanwhile: it is bot-wide

    times = await grant_times(pacer, time, [4, -100])
    assert times == pytest.approx([20.0 + 1 / 30, 30.0 + 3.0])  # buckets emptied by the 429s


async def test_call_retries_after_retry_after_and_then_gives_up() -> None:
    time = FakeTime()
    pacer = make_pacer(time, attempts=3)
    calls: list[float] = []

    async def always_flooded() -> None:
        calls.append(time.now)
        raise retry_after(3)

    with pytest.raises(Flooded) as caught:
        await pacer.call(5, always_flooded)

    assert calls == pytest.approx([0.0, 3.0 + 1.0, 7.0 + 1.0])  # the wait, then a token
    assert caught.value.retry_after == 3
    assert caught.value.retryable is True


async def test_call_returns_once_telegram_lets_it_through() -> None:
    time = FakeTime()
    pacer = make_pacer(time)
    answers: list[Exception | str] = [retry_after(1), "sent"]

    async def once_flooded() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await pacer.call(5, once_flooded) == "sent"
    assert time.now == pytest.approx(2.0)  # waited out the 429, then the chat's next token


async def test_unpaced_calls_take_no_token_but_still_wait_out_a_429() -> None:
    time = FakeTime()
    pacer = make_pacer(time, chat=Limit(rate=1.0, burst=1.0))

    for _ in range(5):
        await pacer.acquire(9, paced=False)
    assert time.now == 0.0
    pacer.told_to_wait(9, 4)
    await pacer.acquire(9, paced=False)
    assert time.now == 4.0


async def test_idle_chats_are_forgotten_so_many_chats_do_not_leak() -> None:
    time = FakeTime()
    pacer = make_pacer(
        time,
        overall=Limit(rate=1e9, burst=1e9),
        chat=Limit(rate=1.0, burst=2.0),
        group=Limit(rate=20 / 60, burst=15.0),
    )

    for chat in range(100_000):
        time.now += 0.01  # a hundred new chats a second
        await pacer.acquire(chat + 1)

    # A chat's bucket refills in 1 s, so about 100 chats are still refilling at any time.
    assert len(pacer) < 400
    pacer.told_to_wait(1, 120)
    time.now += 60
    await pacer.acquire(2)
    assert len(pacer) <= 2  # the told-to-wait chat is kept: forgetting it would lose the wait


async def test_a_direct_reply_is_not_held_behind_a_backlog_of_job_traffic() -> None:
    """Regression (benchmark, scale): replies to users queued behind thousands of result
    uploads and status edits under the overall limit. Job traffic is now capped at a share
    of the overall rate, so a direct reply waits for the headroom, not for the backlog."""
    import asyncio

    pacer = Pacer(PacingLimits(overall=Limit(rate=100.0, burst=1.0), bulk_share=0.5))
    loop = asyncio.get_running_loop()
    started = loop.time()
    backlog = [asyncio.create_task(pacer.acquire(chat, bulk=True)) for chat in range(1, 101)]
    await asyncio.sleep(0.05)  # the backlog is queued and draining at 50/s
    await pacer.acquire(10_000)  # a reply to a user, not job traffic
    reply_waited = loop.time() - started - 0.05
    await asyncio.gather(*backlog)
    backlog_took = loop.time() - started
    assert reply_waited < 0.1
    assert backlog_took > 1.5  # 100 at 50/s: the bulk share held
