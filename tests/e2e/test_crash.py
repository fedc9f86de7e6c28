"""Crashes and restarts of `kiebot run`: no paid result is lost, nobody pays twice.

The bot is a real process (`python -m kiebot run`) that the tests SIGKILL or SIGTERM; the
Telegram and KIE simulators and Redis live in the test process, so they outlive the bot
the way Telegram, KIE and Redis outlive a VPS's bot process. The KIE simulator's tasks run
on its own clock and keep generating while the bot is dead, exactly like KIE.

Each test asserts DESIGN invariants 1-3 from the outside: every job ends in exactly one
final state, its reservation is captured (done) or released once, the user's balance is
the sum of their ledger, and a result KIE produced reaches the chat exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from kiebot.jobs.record import new_job_id
from kiebot.jobs.states import JobState
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser, TelegramSimulator
from kiebot.store import create_redis
from tests.e2e.crash_support import (
    RESULT_KINDS,
    BotLauncher,
    HoldingKieProxy,
    State,
    UnconfirmedUpdatesProxy,
    bot_env,
    results_in,
    tasks_for,
    wait_task_ended,
)
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow

MODEL = "z-image"  # the catalog's default text-to-image model: 1 credit
STARTING = 10  # KIEBOT_STARTING_CREDITS' default
GENERATION_S = 4.0  # long enough to kill the bot mid-generation, short enough to wait for
# A private database of the session's redis-server: these tests flush it freely.
REDIS_DB = 7
USER_BASE = 7_100_000_000

Launch = Callable[..., Awaitable[BotLauncher]]


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramSimulator]:
    sim = TelegramSimulator()
    await sim.start(host="127.0.0.1", port=0)
    yield sim
    await sim.close()


@pytest.fixture
async def kie() -> AsyncIterator[KieSimulator]:
    sim = KieSimulator()
    await sim.start(host="127.0.0.1", port=0)
    sim.set_model_duration(MODEL, GENERATION_S)
    yield sim
    await sim.close()


@pytest.fixture
def crash_redis_url(redis_server: RedisServer) -> str:
    return f"redis://127.0.0.1:{redis_server.port}/{REDIS_DB}"


@pytest.fixture
async def crash_redis(crash_redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(crash_redis_url, pool_size=4, timeout_s=2.0)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def state(crash_redis: Redis) -> State:
    return State(crash_redis, starting_credits=STARTING)


@pytest.fixture
async def launch(
    telegram: TelegramSimulator, kie: KieSimulator, crash_redis_url: str, tmp_path: Path
) -> AsyncIterator[Launch]:
    """`await launch(kie_url=..., **knobs)`: a launcher of `kiebot run` processes."""
    launchers: list[BotLauncher] = []

    async def make(
        kie_url: str | None = None, telegram_url: str | None = None, **knobs: str
    ) -> BotLauncher:
        env = bot_env(
            telegram,
            telegram_url or telegram.url,
            kie_url or kie.url,
            list(kie.config.keys),
            crash_redis_url,
            **knobs,
        )
        launcher = BotLauncher(env, tmp_path)
        launchers.append(launcher)
        return launcher

    yield make
    for launcher in launchers:
        await launcher.stop_all()


@pytest.fixture
async def proxy(kie: KieSimulator) -> AsyncIterator[HoldingKieProxy]:
    holding = HoldingKieProxy(kie.url)
    await holding.start()
    yield holding
    await holding.close()


@pytest.fixture
async def telegram_proxy(telegram: TelegramSimulator) -> AsyncIterator[UnconfirmedUpdatesProxy]:
    blocking = UnconfirmedUpdatesProxy(telegram.url)
    await blocking.start()
    yield blocking
    await blocking.close()


def user(n: int) -> SimUser:
    return SimUser(id=USER_BASE + n, first_name=f"User{n}", language_code="en")


def is_result(message: object) -> bool:
    return getattr(message, "kind", None) in RESULT_KINDS


@pytest.mark.timeout(60)
async def test_kill_9_while_running_resumes_the_kie_task_and_delivers_once(
    telegram: TelegramSimulator, kie: KieSimulator, state: State, launch: Launch
) -> None:
    """SIGKILL while KIE generates: the restart polls the same task, creates no other.

    The task finishes at KIE while no bot runs; the next process finds the job `running`
    with its task id, reads the finished task and delivers it: one create, one result in
    the chat, one reservation captured once.
    """
    started = time.monotonic()
    bots = await launch()
    first = await bots.start()
    ann, prompt = user(1), "crash-1: a lighthouse on a cliff at dawn"
    telegram.send_text(ann, prompt)

    job = await state.wait_job(ann.id, JobState.RUNNING, within=30)
    assert [t.task_id for t in tasks_for(kie, prompt)] == [job.task_id]
    first.kill()
    assert await first.wait(10) == -9

    await wait_task_ended(kie, job.task_id or "", within=GENERATION_S + 5)
    assert results_in(telegram, ann.id) == []
    await state.assert_held_not_settled(job, starting=STARTING)

    second = await bots.start()
    await telegram.wait_for(ann.id, is_result, timeout=30)
    done = await state.wait_job(ann.id, JobState.DONE, within=10)
    assert len(results_in(telegram, ann.id)) == 1, second.tail()
    assert [t.task_id for t in tasks_for(kie, prompt)] == [job.task_id]
    assert done.task_id == job.task_id
    assert kie.stats.totals.creates == 1
    await state.assert_charged_once(done, starting=STARTING)
    assert time.monotonic() - started < 45
    assert bots.problems() == []


@pytest.mark.timeout(60)
async def test_kill_9_with_a_job_still_queued_delivers_both_after_restart(
    telegram: TelegramSimulator, kie: KieSimulator, state: State, launch: Launch
) -> None:
    """One image slot: Ann's job runs at KIE, Boris's waits `queued` when the bot dies.

    The restart resumes Ann's task (in flight, ahead of the queue) and then submits
    Boris's from the durable queue order in Redis: both delivered, one create and one
    charge each.
    """
    bots = await launch(image_concurrency="1")
    first = await bots.start()
    ann, boris = user(1), user(2)
    ann_prompt, boris_prompt = "crash-2: a red fox in fresh snow", "crash-2: a night market"
    telegram.send_text(ann, ann_prompt)
    ann_job = await state.wait_job(ann.id, JobState.RUNNING, within=30)
    telegram.send_text(boris, boris_prompt)
    # The status message is sent after the job is written queued: the bot is done with it.
    await telegram.wait_for(boris.id, lambda m: m.kind == "text", timeout=10)
    boris_job = await state.wait_job(boris.id, JobState.QUEUED, within=5)
    assert await state.store.queued_ids("image") == [boris_job.job_id]
    assert tasks_for(kie, boris_prompt) == []
    first.kill()
    assert await first.wait(10) == -9

    second = await bots.start()
    for chat in (ann, boris):
        await telegram.wait_for(chat.id, is_result, timeout=40)
    ann_done = await state.wait_job(ann.id, JobState.DONE, within=10)
    boris_done = await state.wait_job(boris.id, JobState.DONE, within=10)
    for chat, prompt, done in ((ann, ann_prompt, ann_done), (boris, boris_prompt, boris_done)):
        assert len(results_in(telegram, chat.id)) == 1, second.tail()
        assert [t.task_id for t in tasks_for(kie, prompt)] == [done.task_id]
        await state.assert_charged_once(done, starting=STARTING)
    assert ann_done.task_id == ann_job.task_id
    assert kie.stats.totals.creates == 2
    assert await state.store.active_job_ids() == []
    assert bots.problems() == []


@pytest.mark.timeout(60)
async def test_sigterm_leaves_running_jobs_for_the_next_process(
    telegram: TelegramSimulator, kie: KieSimulator, state: State, launch: Launch
) -> None:
    """SIGTERM with jobs at KIE longer than the drain: exit 0 fast, nothing failed.

    After KIEBOT_DRAIN_TIMEOUT the runners are cancelled and each job stays `running`
    with its reservation held (not failed, not refunded); the next process resumes the
    same KIE tasks and delivers each result once.
    """
    kie.set_model_duration(MODEL, 6.0)
    bots = await launch(drain_timeout="0.5")
    first = await bots.start()
    users = [user(n) for n in (1, 2, 3)]
    prompts = {u.id: f"crash-3: portrait number {u.id}" for u in users}
    for u in users:
        telegram.send_text(u, prompts[u.id])
    running = {u.id: await state.wait_job(u.id, JobState.RUNNING, within=30) for u in users}

    stopping = time.monotonic()
    first.terminate()
    assert await first.wait(10) == 0, first.tail()
    assert time.monotonic() - stopping < 5, first.tail()
    assert "stopped" in first.output()  # the graceful path ran to its end

    for u in users:
        job = await state.only_job(u.id)
        assert job is not None
        assert job.state is JobState.RUNNING, job
        assert job.task_id == running[u.id].task_id
        await state.assert_held_not_settled(job, starting=STARTING)
        assert results_in(telegram, u.id) == []
    assert sorted(await state.store.active_job_ids()) == sorted(j.job_id for j in running.values())

    second = await bots.start()
    for u in users:
        await telegram.wait_for(u.id, is_result, timeout=30)
    for u in users:
        done = await state.wait_job(u.id, JobState.DONE, within=10)
        assert len(results_in(telegram, u.id)) == 1, second.tail()
        assert [t.task_id for t in tasks_for(kie, prompts[u.id])] == [running[u.id].task_id]
        await state.assert_charged_once(done, starting=STARTING)
    assert kie.stats.totals.creates == len(users)
    assert bots.problems() == []


@pytest.mark.timeout(60)
async def test_kill_9_during_create_requeues_once_and_the_user_pays_once(
    telegram: TelegramSimulator,
    kie: KieSimulator,
    state: State,
    launch: Launch,
    proxy: HoldingKieProxy,
) -> None:
    """The submitting ambiguity: KIE took the task, the bot died before learning its id.

    Made deterministic with a proxy in front of the KIE simulator that lets createTask
    reach KIE but holds the reply; the bot is SIGKILLed while it waits, so Redis says
    `submitting` (attempt 1) and KIE has a task nobody will ever ask about.

    Policy (jobs/runner.py, docs/decisions.md): KIE offers no way to look a task up by
    anything but its id, so a job found in `submitting` goes back to `queued` once and a
    new task is created. The orphan task is paid by the operator at KIE; the user's
    reservation belongs to the job, not to the task, so the user is charged exactly once
    and gets exactly one result. A second ambiguity fails the job and releases the
    credits (the next test).
    """
    bots = await launch(kie_url=proxy.url)
    first = await bots.start()
    ann, prompt = user(1), "crash-4: a tiny robot watering a bonsai"
    proxy.hold_creates = True
    telegram.send_text(ann, prompt)

    await asyncio.wait_for(proxy.created.wait(), 30)  # KIE has the task; the reply is held
    job = await state.wait_job(ann.id, JobState.SUBMITTING, within=5)
    assert job.attempts == 1
    assert job.task_id is None
    [orphan] = tasks_for(kie, prompt)
    first.kill()
    assert await first.wait(10) == -9
    proxy.hold_creates = False
    proxy.release()

    second = await bots.start()
    await telegram.wait_for(ann.id, is_result, timeout=40)
    done = await state.wait_job(ann.id, JobState.DONE, within=10)
    assert len(results_in(telegram, ann.id)) == 1, second.tail()
    tasks = tasks_for(kie, prompt)
    assert [t.task_id for t in tasks] == [orphan.task_id, done.task_id]
    assert done.attempts == 2
    assert kie.stats.totals.creates == 2  # the operator pays for the orphan at KIE ...
    await state.assert_charged_once(done, starting=STARTING)  # ... the user pays once
    assert bots.problems() == []


@pytest.mark.timeout(60)
async def test_a_second_submitting_ambiguity_fails_the_job_and_releases_the_credits(
    telegram: TelegramSimulator, kie: KieSimulator, state: State, launch: Launch
) -> None:
    """A job found in `submitting` on its second attempt is not retried again.

    The state is written before the process starts, through the store's own submit and
    transition scripts, as a crash during the retry's create would leave it. Creating a
    third task could go on forever on a create that keeps timing out, so the job fails,
    the reservation is released (the user pays nothing) and the user is told.
    """
    ann = user(1)
    telegram.open_chat(ann)  # the user talked to the bot before the crash
    await state.billing.ensure_account(ann.id)
    job = await state.store.submit(
        new_job_id(), ann.id, ann.id, MODEL, "image", {"prompt": "crash-5"}, price=1
    )
    await state.store.transition(job.job_id, JobState.SUBMITTING, attempts=2)

    bots = await launch()
    await bots.start()
    failed = await state.wait_job(ann.id, JobState.FAILED, within=30)
    assert failed.error == "kie.outcome_unknown"
    assert kie.stats.totals.create_attempts == 0
    entries = await state.ledger(ann.id)
    assert [(e.type, e.amount) for e in entries if e.ref == job.job_id] == [
        ("reservation", -1),
        ("release", 1),
    ]
    account = await state.account(ann.id)
    assert (account.balance, account.held) == (STARTING, 0)
    told = await telegram.wait_for(ann.id, lambda m: m.kind == "text", timeout=10)
    assert results_in(telegram, ann.id) == [], told
    assert bots.problems() == []


@pytest.mark.timeout(60)
async def test_kill_9_before_the_prompt_update_is_confirmed_charges_once(
    telegram: TelegramSimulator,
    kie: KieSimulator,
    state: State,
    launch: Launch,
    telegram_proxy: UnconfirmedUpdatesProxy,
) -> None:
    """Telegram delivers the prompt again after a crash: it must not become a second job.

    The bot confirms an update only with its next getUpdates call; a bot killed after it
    submitted the job but before that call gets the same update from Telegram again. A
    proxy in front of the Telegram simulator holds every getUpdates after the one that
    delivered the prompt, so the crash lands in that window every time. The redelivered
    prompt must find the job it already made (one job, one create, one charge, one
    result), not reserve the price a second time.
    """
    bots = await launch(telegram_url=telegram_proxy.url)
    first = await bots.start()
    ann, prompt = user(1), "crash-6: a paper boat on a puddle"
    telegram.send_text(ann, prompt)
    job = await state.wait_job(ann.id, JobState.RUNNING, within=30)
    assert telegram.pending_updates() == 1  # handled, not yet confirmed
    first.kill()
    assert await first.wait(10) == -9
    telegram_proxy.blocking = False
    telegram_proxy.release()

    second = await bots.start()
    await telegram.wait_for(ann.id, is_result, timeout=30)
    await telegram.until(lambda: telegram.pending_updates() == 0, timeout=10)
    done = await state.wait_job(ann.id, JobState.DONE, within=10)
    assert done.job_id == job.job_id
    assert len(results_in(telegram, ann.id)) == 1, second.tail()
    assert [t.task_id for t in tasks_for(kie, prompt)] == [job.task_id]
    await state.assert_charged_once(done, starting=STARTING)
    assert bots.problems() == []
