"""A job's status message as the bot keeps it (`bot.status.StatusNotifier`): one message
per job however its changes race, against the Telegram simulator and a real Redis."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from kiebot.bot.status import StatusNotifier
from kiebot.catalog import load_catalog
from kiebot.delivery import Delivery
from kiebot.jobs import JobState
from kiebot.sim.telegram import TelegramSimulator
from tests.billing.support import Clock, stores, submit


async def test_changes_during_the_first_send_become_one_edit_of_that_message(
    redis: Redis, delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    jobs, billing = stores(redis, Clock(time.time()))
    await billing.ensure_account(chat_id)
    await billing.language(chat_id)  # remembered: no change below waits on Redis first
    queued = await submit(jobs, chat_id)
    submitting = await jobs.transition(queued, JobState.SUBMITTING)
    running = await jobs.transition(submitting, JobState.RUNNING, task_id="t1", key_id="k1")
    notifier = StatusNotifier(
        delivery=delivery,
        billing=billing,
        store=jobs,
        catalog=load_catalog(),
        position=lambda job: 1,
    )

    # The runner's changes come while the service's first message is still on its way.
    await asyncio.gather(*(notifier.job_changed(job) for job in (queued, submitting, running)))
    [message] = tg.chat(chat_id)
    assert message.text.startswith("⏳ In the queue")
    await tg.wait_for(chat_id, lambda m: m.text.startswith("🎨 Generating"), timeout=3.0)

    cancelled = await jobs.transition(running, JobState.CANCELLED)
    await notifier.job_changed(cancelled)

    [message] = tg.chat(chat_id)
    assert message.text.startswith("Cancelled.")
    assert tg.stats.edits == 2  # generating (the two changes coalesced), then cancelled
    stored = await jobs.get(queued.job_id)
    assert stored is not None
    assert stored.status_message_id == message.message_id
