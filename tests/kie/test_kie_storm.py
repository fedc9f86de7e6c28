"""The client against the KIE simulator over real HTTP, in a storm of 429s and 500s.

The simulator counts every request it receives per key, refused ones included, and keeps
the largest number seen inside any window: its testimony is what these tests assert.
Limits are scaled down (20 creates per 1 s instead of per 10 s) to keep the run short;
the client's budget is configured to match, exactly as production configures it to KIE's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from kiebot.kie import (
    Backoff,
    KeyPool,
    KieClient,
    KieCreateOutcomeUnknown,
    KieError,
    TaskState,
    create_kie_session,
    fingerprint,
)
from kiebot.sim.kie import KeySpec, KieSimConfig, KieSimulator

KEYS = ("storm-key-1", "storm-key-2", "storm-key-3")
CREATE_LIMIT, CREATE_WINDOW_S = 20, 1.0
READ_LIMIT, READ_WINDOW_S = 20, 1.0
MODEL = "z-image"
INPUT = {"prompt": "a lighthouse in a storm", "aspect_ratio": "1:1"}


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    config = KieSimConfig(
        keys={key: KeySpec(credits=1_000_000) for key in KEYS},
        create_limit=CREATE_LIMIT,
        create_window_s=CREATE_WINDOW_S,
        read_limit=READ_LIMIT,
        read_window_s=READ_WINDOW_S,
        seed=7,
    )
    simulator = KieSimulator(config)
    await simulator.start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.close()


@pytest.fixture
async def client(sim: KieSimulator) -> AsyncIterator[KieClient]:
    session: aiohttp.ClientSession = create_kie_session(timeout_s=5.0)
    pool = KeyPool(
        KEYS,
        create_limit=CREATE_LIMIT,
        create_window_s=CREATE_WINDOW_S,
        read_limit=READ_LIMIT,
        read_window_s=READ_WINDOW_S,
    )
    backoff = Backoff(base=0.05, cap=0.5, max_attempts=10)
    yield KieClient(session, pool, api_url=sim.url, upload_url=sim.url, backoff=backoff)
    await session.close()


@dataclass
class Outcome:
    created: bool = False
    reads: int = 0
    error: BaseException | None = None


async def _job(client: KieClient, reads: int) -> Outcome:
    """One job's calls: a create, then a few reads of its task with the key that made it."""
    outcome = Outcome()
    try:
        created = await client.create_task(MODEL, INPUT)
        outcome.created = True
        for _ in range(reads):
            record = await client.get_task(created.task_id, created.key_id)
            assert record.task_id == created.task_id
            assert record.state is not TaskState.UNKNOWN
            outcome.reads += 1
    except KieError as exc:
        outcome.error = exc
    return outcome


async def _run(client: KieClient, jobs: int, reads: int) -> list[Outcome]:
    return await asyncio.gather(*(_job(client, reads) for _ in range(jobs)))


def _assert_within_budgets(sim: KieSimulator) -> None:
    for key in KEYS:
        counters = sim.stats.key(key)
        assert counters.max_creates_in_window <= CREATE_LIMIT, (key, counters)
        assert counters.max_reads_in_window <= READ_LIMIT, (key, counters)


async def test_a_calm_day_causes_no_429_at_all(sim: KieSimulator, client: KieClient) -> None:
    outcomes = await _run(client, jobs=60, reads=2)
    assert all(o.created and o.reads == 2 for o in outcomes), [o.error for o in outcomes]
    assert sim.stats.totals.rate_limited == 0
    assert sim.stats.totals.creates == 60
    _assert_within_budgets(sim)
    # the test did push: every key used its burst at least
    assert all(sim.stats.key(k).max_creates_in_window >= CREATE_LIMIT // 2 for k in KEYS)


async def test_a_storm_of_429s_and_500s_stays_within_budget(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.inject(endpoint="createTask", code=429, times=15)
    sim.inject(endpoint="createTask", code=500, http_status=500, times=15)
    sim.inject(endpoint="createTask", code=455, times=5)
    sim.inject(endpoint="recordInfo", code=429, times=10)
    sim.inject(endpoint="recordInfo", code=500, times=10)
    sim.inject_proxy_error(endpoint="recordInfo", times=5)
    sim.config.server_error_rate = 0.1

    outcomes = await _run(client, jobs=60, reads=2)

    errors = [o.error for o in outcomes if o.error is not None]
    assert errors == [], errors  # every 429/455/500 was ridden out
    assert all(o.created and o.reads == 2 for o in outcomes)
    assert sim.faults.pending() == []  # every injected fault was met
    _assert_within_budgets(sim)
    # The only 429s are the injected ones: the client never provoked one itself.
    assert sim.stats.totals.rate_limited == 25
    assert sim.stats.totals.creates == 60


async def test_proxy_errors_on_create_fail_typed_and_are_not_resent(
    sim: KieSimulator, client: KieClient
) -> None:
    sim.inject_proxy_error(endpoint="createTask", times=4)
    sim.inject(endpoint="createTask", code=500, times=10)
    outcomes = await _run(client, jobs=30, reads=0)
    unknown = [o for o in outcomes if isinstance(o.error, KieCreateOutcomeUnknown)]
    assert len(unknown) == 4
    assert all(o.created for o in outcomes if o not in unknown)
    # 30 creates sent successfully or refused and retried; the 4 ambiguous ones never resent
    assert sim.stats.totals.creates == 26
    assert sim.stats.totals.create_attempts == 30 + 10
    _assert_within_budgets(sim)


async def test_an_unknown_key_leaves_the_pool_and_the_others_carry_on(sim: KieSimulator) -> None:
    rejected: list[str] = []
    session = create_kie_session(timeout_s=5.0)
    try:
        pool = KeyPool(
            ["not-a-sim-key", *KEYS[:1]], on_key_rejected=lambda key_id, _: rejected.append(key_id)
        )
        client = KieClient(session, pool, api_url=sim.url, upload_url=sim.url)
        outcomes = await _run(client, jobs=6, reads=1)
        assert all(o.created for o in outcomes)
        assert rejected == [fingerprint("not-a-sim-key")]
        # Creates already on their way when the 401 came back got it too, then moved on;
        # after that the key is never used again.
        seen_401 = sim.stats.unauthorized
        assert 1 <= seen_401 < 6
        assert all(o.created for o in await _run(client, jobs=6, reads=1))
        assert sim.stats.unauthorized == seen_401
    finally:
        await session.close()
