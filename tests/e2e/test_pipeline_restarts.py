"""The pipeline across restarts inside one test process: Redis restarted under a running
job, and a whole kiebot process stopped and built again on the same Redis.

(Killing a real `kiebot run` process is tests/e2e/test_crash.py's subject.)
"""

from __future__ import annotations

import asyncio

from kiebot.jobs import JobState
from kiebot.sim.kie import KieSimulator
from tests.e2e.harness import MODEL, STARTING_CREDITS, Harness, eventually
from tests.support.redis_server import RedisServer

PRICE = 1


async def test_redis_restarted_under_a_running_job(
    harness: Harness, kie: KieSimulator, redis_server: RedisServer
) -> None:
    await harness.start()
    kie.set_model_duration(MODEL, 2.0)
    user = harness.new_user()
    status = await harness.say(user, "a lighthouse in a storm")
    await harness.wait_running(user)

    # In a thread: the bot keeps running (and polling KIE) while Redis goes away.
    await asyncio.to_thread(redis_server.restart)

    final = await harness.wait_final(user, status)
    assert final.text == "✅ Done. 1 credit spent."
    assert len(harness.photos(user)) == 1
    money = await harness.settled(user)
    assert money.balance == STARTING_CREDITS - PRICE
    assert kie.stats.totals.creates == 1


async def test_redis_down_when_the_result_comes_then_back(
    harness: Harness, kie: KieSimulator, redis_server: RedisServer
) -> None:
    await harness.start()
    kie.set_model_duration(MODEL, 1.0)
    user = harness.new_user()
    status = await harness.say(user, "a lighthouse in a storm")
    await harness.wait_running(user)

    await asyncio.to_thread(redis_server.stop)
    try:
        # KIE finishes while Redis is away: the bot sees the result and cannot write it.
        await eventually(lambda: kie.stats.totals.tasks_succeeded == 1, what="KIE done")
        await asyncio.sleep(2.5)  # an outage longer than the Redis client's own retries
    finally:
        await asyncio.to_thread(redis_server.start)

    final = await harness.wait_final(user, status)
    assert final.text == "✅ Done. 1 credit spent."
    assert len(harness.photos(user)) == 1
    assert (await harness.settled(user)).balance == STARTING_CREDITS - PRICE


async def test_a_new_process_finishes_the_jobs_the_old_one_left(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start(image_concurrency=1)
    kie.set_model_duration(MODEL, 2.0)
    running_user, queued_user = harness.new_user("Runs"), harness.new_user("Waits")
    running = await harness.say(running_user, "created at KIE before the stop")
    await harness.wait_running(running_user)
    queued = await harness.say(queued_user, "still queued at the stop")
    assert (queued.text or "").startswith("⏳")
    assert kie.stats.totals.creates == 1

    await harness.stop()  # runners cancelled: the jobs stay in Redis as they were
    process = await harness.start(image_concurrency=1)
    jobs = {
        job.state
        for user in (running_user, queued_user)
        for job in await process.store.user_history(user.id)
    }
    assert jobs <= {JobState.RUNNING, JobState.QUEUED, JobState.SUBMITTING}

    for user, status in ((running_user, running), (queued_user, queued)):
        final = await harness.wait_final(user, status)  # the same message, edited
        assert final.text == "✅ Done. 1 credit spent."
        assert len(harness.photos(user)) == 1
        money = await harness.settled(user)
        assert money.balance == STARTING_CREDITS - PRICE
        assert len(money.entries("capture")) == 1
    # The running job kept its KIE task; only the queued one was created, by the new process.
    assert kie.stats.totals.creates == 2
    assert len(kie.tasks) == 2
