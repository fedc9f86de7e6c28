"""The poller against the KIE simulator over real HTTP, on KIE's schedule scaled down.

`FAST` is KIE's advised schedule at 1/20 of the time (first checks no sooner than 0.1 s,
then every 0.1-0.15 s), and simulated tasks take about 0.4 s, so a hundred jobs finish
in under a second while keeping the proportions the design relies on.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from redis.asyncio import Redis

from kiebot.jobs.durations import DurationBook
from kiebot.jobs.poller import Poller, PollSchedule
from kiebot.kie import (
    MARKET,
    VEO,
    Backoff,
    CreatedTask,
    EndpointFamily,
    KeyPool,
    KieClient,
    KieError,
    KieNoKeyAvailable,
    KieTaskNotFound,
    TaskRecord,
    TaskState,
    create_kie_session,
)
from kiebot.sim.kie import KeySpec, KieSimConfig, KieSimulator
from kiebot.store import Keys

SCALE = 0.05
FAST = PollSchedule().scaled(SCALE)
MODEL = "z-image"
DURATION = 0.4
KEYS = ("poll-key-a", "poll-key-b")
# Most tests raise both sides' read limit so that they test the schedule, not the budget;
# test_reads_never_exceed_kies_per_key_budget runs at KIE's real 10 reads per second.
FAST_READS = 200
DURABLE_KEYS = Keys(prefix="kbtest:")


class Outcomes:
    """Every callback the poller made; `wait()` returns once `expected` jobs have ended."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.results: dict[str, list[TaskRecord]] = defaultdict(list)
        self.errors: dict[str, KieError] = {}
        self.progress: dict[str, list[tuple[TaskState, float | None]]] = defaultdict(list)
        self._done = asyncio.Event()

    async def on_result(self, job_id: str, record: TaskRecord) -> None:
        self.results[job_id].append(record)
        self._check()

    async def on_error(self, job_id: str, error: KieError) -> None:
        self.errors[job_id] = error
        self._check()

    async def on_progress(self, job_id: str, record: TaskRecord) -> None:
        self.progress[job_id].append((record.state, record.progress))

    async def wait(self, within_s: float = 10.0) -> None:
        async with asyncio.timeout(within_s):
            await self._done.wait()

    def _check(self) -> None:
        if len(self.results) + len(self.errors) >= self.expected:
            self._done.set()


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    simulator = KieSimulator(KieSimConfig(keys={key: KeySpec() for key in KEYS}, seed=3))
    simulator.config.create_limit = 10_000  # creating tasks fast is not under test here
    simulator.config.read_limit = FAST_READS
    simulator.set_model_duration(MODEL, DURATION, sigma=0.1)
    await simulator.start(host="127.0.0.1", port=0)
    yield simulator
    await simulator.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    kie_session = create_kie_session(timeout_s=5.0)
    yield kie_session
    await kie_session.close()


ClientFactory = Callable[..., KieClient]


@pytest.fixture
def make_client(sim: KieSimulator, session: aiohttp.ClientSession) -> ClientFactory:
    def build(keys: tuple[str, ...] = KEYS, read_limit: int = FAST_READS) -> KieClient:
        pool = KeyPool(keys, create_limit=10_000, read_limit=read_limit)
        backoff = Backoff(base=0.01, cap=0.05, max_attempts=2)
        return KieClient(session, pool, api_url=sim.url, upload_url=sim.url, backoff=backoff)

    return build


@pytest.fixture
def book(redis: Redis) -> DurationBook:
    return DurationBook(redis, DURABLE_KEYS)


def make_poller(
    client: KieClient | ScriptedReader,
    book: DurationBook,
    outcomes: Outcomes,
    schedule: PollSchedule = FAST,
    **kwargs: object,
) -> Poller:
    return Poller(
        client,
        book,
        outcomes.on_result,
        on_error=outcomes.on_error,
        on_progress=outcomes.on_progress,
        schedule=schedule,
        **kwargs,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def running(poller: Poller) -> AsyncIterator[Poller]:
    task = asyncio.create_task(poller.run())
    try:
        yield poller
    finally:
        await poller.stop()
        await task  # run() ends cleanly: no exception, nothing left behind
    assert poller.reads_in_flight == 0


async def create(client: KieClient, count: int) -> list[CreatedTask]:
    return list(
        await asyncio.gather(
            *(
                client.create_task(MODEL, {"prompt": f"a fox, take {i}", "aspect_ratio": "1:1"})
                for i in range(count)
            )
        )
    )


def watch(poller: Poller, job_id: str, task: CreatedTask, typical_s: float, age: float = 0) -> None:
    poller.watch(
        job_id,
        task.task_id,
        task.key_id,
        MODEL,
        started_at=time.time() - age,
        typical_s=typical_s,
    )


async def test_a_hundred_jobs_each_get_their_result_once_in_few_reads(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook, redis: Redis
) -> None:
    client = make_client()
    for _ in range(5):  # what earlier jobs taught: the catalog's 8 s guess is far off
        await book.record(MODEL, DURATION)
    typical = await book.typical(MODEL, default=8.0)
    assert typical == pytest.approx(DURATION)
    outcomes = Outcomes(100)
    poller = make_poller(client, book, outcomes)
    async with running(poller):
        for number, task in enumerate(await create(client, 100)):
            watch(poller, f"job-{number}", task, typical)
        await outcomes.wait()

    assert len(outcomes.results) == 100
    assert all(len(records) == 1 for records in outcomes.results.values())
    assert all(r[0].state is TaskState.SUCCESS for r in outcomes.results.values())
    assert not outcomes.errors
    # First check at 0.9 x typical, the next 0.1-0.15 s later: past the end of any task
    # within ~35 % of the typical duration. Median 2 reads; the slowest few need 3-4.
    reads = poller.stats.reads_per_job_quantiles()
    assert reads["median"] <= 2
    assert reads["max"] <= 4
    assert poller.stats.reads == sim.stats.totals.read_attempts
    assert poller.stats.reads <= 2.5 * 100
    assert sim.stats.totals.rate_limited == 0
    for key in KEYS:
        assert sim.stats.key(key).max_reads_in_window <= FAST_READS
    assert poller.watching == 0  # finished jobs leave memory
    # The poller taught the book: the list is capped at `keep`.
    assert await redis.llen(DURABLE_KEYS.durations(MODEL)) == 50


async def test_wake_checks_at_once(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    """With KIE's real schedule a 60 s task is first checked after 54 s; a callback's
    wake-up brings that check forward to now."""
    sim.set_model_duration(MODEL, 60.0)
    client = make_client()
    outcomes = Outcomes(1)
    poller = make_poller(client, book, outcomes, schedule=PollSchedule())
    async with running(poller):
        [task] = await create(client, 1)
        watch(poller, "job", task, typical_s=60.0)
        sim.finish_now(task.task_id)
        woken_at = time.monotonic()
        assert poller.wake("job")
        await outcomes.wait(within_s=5.0)
        assert time.monotonic() - woken_at < 1.0
    assert poller.stats.reads == 1
    assert poller.stats.wakes == 1
    assert not poller.wake("job")  # done: no longer watched


async def test_rate_limits_and_server_errors_are_survived(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    client = make_client()
    outcomes = Outcomes(10)
    poller = make_poller(client, book, outcomes)
    sim.inject("recordInfo", code=429, times=2)
    sim.inject("recordInfo", code=500, times=4)
    async with running(poller):
        for number, task in enumerate(await create(client, 10)):
            watch(poller, f"job-{number}", task, DURATION)
        await outcomes.wait()
    assert len(outcomes.results) == 10
    assert all(len(records) == 1 for records in outcomes.results.values())
    assert not outcomes.errors
    assert sim.stats.totals.rate_limited == 2
    assert sim.stats.totals.server_errors == 4


async def test_forget_stops_reads(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    sim.set_model_duration(MODEL, 0.8)
    client = make_client()
    outcomes = Outcomes(1)

    async def forget_on_first_sight(job_id: str, record: TaskRecord) -> None:
        await outcomes.on_progress(job_id, record)
        if job_id == "seen":
            poller.forget(job_id)

    poller = Poller(
        client,
        book,
        outcomes.on_result,
        on_error=outcomes.on_error,
        on_progress=forget_on_first_sight,
        schedule=FAST,
    )
    async with running(poller):
        seen, unseen, control = await create(client, 3)
        watch(poller, "seen", seen, typical_s=0.05)  # first read at 0.1 s, task still running
        watch(poller, "unseen", unseen, typical_s=0.05)
        poller.forget("unseen")  # before any read
        # Until the control job ends (0.7 s or more), the other two would have been read
        # every 0.1-0.15 s had they still been watched.
        watch(poller, "control", control, typical_s=0.8)
        await outcomes.wait()
    assert set(outcomes.results) == {"control"}
    assert len(outcomes.progress["seen"]) == 1
    control_reads = sum(reads * jobs for reads, jobs in poller.stats.reads_per_job.items())
    assert poller.stats.reads == 1 + control_reads
    assert sim.stats.totals.read_attempts == poller.stats.reads


async def test_an_unknown_task_is_reported_through_on_error(
    make_client: ClientFactory, book: DurationBook
) -> None:
    client = make_client()
    outcomes = Outcomes(2)
    poller = make_poller(client, book, outcomes)
    async with running(poller):
        key_id = client.pool.key_ids[0]
        poller.watch(
            "lost", "task_unknown", key_id, MODEL, started_at=time.time() - 60, typical_s=1
        )
        poller.watch("keyless", "task_x", "key-00000000", MODEL, started_at=0.0, typical_s=1)
        await outcomes.wait()
    assert isinstance(outcomes.errors["lost"], KieTaskNotFound)
    assert isinstance(outcomes.errors["keyless"], KieNoKeyAvailable)
    assert not outcomes.results
    assert poller.stats.gave_up == 2
    assert poller.watching == 0


async def test_a_task_unknown_right_after_its_creation_is_read_again(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    """KIE can answer "recordInfo is null" for a task it has just accepted."""
    client = make_client()
    outcomes = Outcomes(1)
    poller = make_poller(client, book, outcomes)
    sim.inject("recordInfo", code=422, msg="recordInfo is null", times=1)
    async with running(poller):
        [task] = await create(client, 1)
        watch(poller, "job", task, typical_s=0.05)
        await outcomes.wait()
    assert not outcomes.errors
    assert len(outcomes.results["job"]) == 1
    assert poller.stats.read_errors == 1


async def test_reads_never_exceed_kies_per_key_budget(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    """KIE's real limit, 10 reads per second, with 20 jobs due at the same moment."""
    sim.config.read_limit = 10
    sim.set_model_duration(MODEL, 0.2)
    client = make_client(keys=KEYS[:1], read_limit=10)
    outcomes = Outcomes(20)
    poller = make_poller(client, book, outcomes)
    async with running(poller):
        for number, task in enumerate(await create(client, 20)):
            watch(poller, f"job-{number}", task, typical_s=0.2)
        await outcomes.wait()
    assert len(outcomes.results) == 20
    assert all(len(records) == 1 for records in outcomes.results.values())
    assert sim.stats.key(KEYS[0]).max_reads_in_window <= 10
    assert sim.stats.totals.rate_limited == 0


async def test_stop_cancels_reads_in_flight_cleanly(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    client = make_client(keys=KEYS[:1], read_limit=1)  # the next read is a second away
    outcomes = Outcomes(1)
    poller = make_poller(client, book, outcomes)
    run = asyncio.create_task(poller.run())
    tasks = await create(client, 5)
    for number, task in enumerate(tasks):
        sim.finish_now(task.task_id)
        watch(poller, f"job-{number}", task, typical_s=1.0, age=100.0)  # all due now
    await outcomes.wait()
    # Four reads wait for the key's read budget (the fifth may still be handing over).
    assert poller.reads_in_flight >= 4
    await poller.stop()
    await asyncio.wait_for(run, timeout=1.0)
    assert poller.reads_in_flight == 0
    assert len(outcomes.results) == 1
    assert poller.watching == 4  # unfinished: recovery picks them up from Redis


async def test_a_failing_result_handler_is_called_again(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    client = make_client()
    outcomes = Outcomes(1)
    calls = 0

    async def flaky(job_id: str, record: TaskRecord) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the job store blinked")
        await outcomes.on_result(job_id, record)

    poller = Poller(client, book, flaky, on_error=outcomes.on_error, schedule=FAST)
    async with running(poller):
        [task] = await create(client, 1)
        sim.finish_now(task.task_id)
        watch(poller, "job", task, typical_s=1.0, age=1.0)
        await outcomes.wait()
    assert calls == 2
    assert len(outcomes.results["job"]) == 1
    assert poller.stats.finished == 1


async def test_progress_is_reported_when_it_changes(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    sim.set_model_duration(MODEL, 0.6)
    client = make_client()
    outcomes = Outcomes(1)
    poller = make_poller(client, book, outcomes)
    async with running(poller):
        [task] = await create(client, 1)
        watch(poller, "job", task, typical_s=0.05)
        await outcomes.wait()
    seen = outcomes.progress["job"]
    assert seen
    assert all(a != b for a, b in itertools.pairwise(seen))
    assert len(seen) < poller.stats.reads - 1  # many reads, few changes
    assert {state for state, _ in seen} <= {TaskState.QUEUING, TaskState.GENERATING}


async def test_a_recovered_job_past_its_first_check_is_checked_at_once(
    sim: KieSimulator, make_client: ClientFactory, book: DurationBook
) -> None:
    client = make_client()
    outcomes = Outcomes(1)
    poller = make_poller(client, book, outcomes, schedule=PollSchedule())
    async with running(poller):
        [task] = await create(client, 1)
        sim.finish_now(task.task_id)
        started = time.monotonic()
        watch(poller, "job", task, typical_s=30.0, age=120.0)
        await outcomes.wait(within_s=5.0)
        assert time.monotonic() - started < 1.0


# -- with a scripted reader: exact control over when reads answer ------------------------


class ScriptedReader:
    """A fake KieClient whose reads answer from a list of states, held at a gate."""

    def __init__(self, *states: TaskState) -> None:
        self.states = list(states)
        self.calls = 0
        self.families: list[EndpointFamily] = []
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()

    async def get_task(
        self, task_id: str, key_id: str, *, family: EndpointFamily = MARKET
    ) -> TaskRecord:
        self.calls += 1
        self.families.append(family)
        self.entered.set()
        await self.gate.wait()
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return TaskRecord(task_id=task_id, state=state)


async def test_a_wake_during_a_read_checks_again_as_soon_as_it_returns(
    book: DurationBook,
) -> None:
    reader = ScriptedReader(TaskState.GENERATING, TaskState.SUCCESS)
    reader.gate.clear()
    outcomes = Outcomes(1)
    slow = PollSchedule(first_min_s=0.01, fast_s=(30.0, 30.0))  # next check: 30 s away
    poller = make_poller(reader, book, outcomes, schedule=slow)
    async with running(poller):
        poller.watch("job", "task", "key", MODEL, started_at=time.time(), typical_s=0.01)
        await reader.entered.wait()
        assert poller.wake("job")  # the callback lands while the first read is out
        reader.gate.set()
        await outcomes.wait(within_s=2.0)
    assert reader.calls == 2
    assert len(outcomes.results["job"]) == 1


async def test_at_most_max_concurrent_reads_are_in_flight(book: DurationBook) -> None:
    reader = ScriptedReader(TaskState.SUCCESS)
    reader.gate.clear()
    outcomes = Outcomes(10)
    poller = make_poller(reader, book, outcomes, max_concurrent_reads=3)
    async with running(poller):
        for number in range(10):
            poller.watch(f"job-{number}", "t", "k", MODEL, started_at=0.0, typical_s=1.0)
        await reader.entered.wait()
        await asyncio.sleep(0.05)  # give the loop every chance to overshoot
        assert poller.reads_in_flight == 3
        reader.gate.set()
        await outcomes.wait()
    assert reader.calls == 10


async def test_the_heap_stays_bounded_under_wake_storms(book: DurationBook) -> None:
    outcomes = Outcomes(1)
    poller = make_poller(ScriptedReader(TaskState.GENERATING), book, outcomes)
    for number in range(10):
        poller.watch(f"job-{number}", "t", "k", MODEL, started_at=time.time(), typical_s=60)
    for _ in range(1000):
        for number in range(10):
            poller.wake(f"job-{number}")
    assert poller.heap_size <= 2 * 10 + 64 + 1
    for number in range(10):
        poller.forget(f"job-{number}")
    poller.watch("last", "t", "k", MODEL, started_at=time.time(), typical_s=60)
    for _ in range(100):
        poller.wake("last")
    assert poller.heap_size <= 2 + 64 + 1
    assert poller.watching == 1


async def test_a_task_is_read_through_its_models_endpoint_family(book: DurationBook) -> None:
    reader = ScriptedReader(TaskState.SUCCESS)
    outcomes = Outcomes(1)
    poller = make_poller(reader, book, outcomes)
    async with running(poller):
        poller.watch("job", "t", "k", "veo3_fast", started_at=0.0, typical_s=60, family=VEO)
        await outcomes.wait()
    assert reader.families == [VEO]
