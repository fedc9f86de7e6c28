"""Alerts reach the admins in Telegram, once per kind per interval, whatever triggers them."""

from __future__ import annotations

from kiebot.app import Process
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SentMessage, TelegramSimulator
from tests.e2e.harness import Harness
from tests.ops.support import ADMIN_ID, admin_user


def _alerts(telegram: TelegramSimulator, words: str) -> list[SentMessage]:
    return [m for m in telegram.chat(ADMIN_ID) if words in (m.text or "")]


async def _start(harness: Harness, telegram: TelegramSimulator) -> None:
    telegram.open_chat(admin_user())  # an admin has started the bot, or Telegram refuses
    await harness.start(admin_ids=frozenset({ADMIN_ID}))


async def test_low_kie_credits_alert_is_said_once_per_interval(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    await _start(harness, telegram)
    (key,) = kie.config.keys
    kie.set_credits(key, 12)
    watcher = harness.running.operations.watcher

    await watcher.check_kie_credits()
    await watcher.check_kie_credits()  # the second trigger within the interval

    await telegram.wait_for(ADMIN_ID, lambda m: "KIE credits are low" in (m.text or ""))
    (alert,) = _alerts(telegram, "KIE credits are low")
    assert "12 left" in (alert.text or "")


async def test_a_key_kie_rejects_is_reported(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    await _start(harness, telegram)
    (key,) = kie.config.keys
    kie.set_credits(key, 0)  # the next create is refused with 402
    user = harness.new_user()
    await harness.start_chat(user)

    status = await harness.say(user, "a red bicycle")
    await harness.wait_final(user, status)

    alert = await telegram.wait_for(
        ADMIN_ID, lambda m: "was taken out of the pool" in (m.text or "")
    )
    assert "402" in (alert.text or "")
    assert len(_alerts(telegram, "was taken out of the pool")) == 1


async def test_error_rate_alert_counts_failed_jobs_since_the_last_look(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    process = await _start_and_get(harness, telegram)
    watcher = process.operations.watcher
    for _ in range(4):
        process.metrics.job_ended("z-image", "failed", 1.0, 1)
    process.metrics.job_ended("z-image", "done", 1.0, 1)

    await watcher.check_error_rate()
    for _ in range(5):
        process.metrics.job_ended("z-image", "failed", 1.0, 1)
    await watcher.check_error_rate()  # high again, but said within the interval

    alert = await telegram.wait_for(ADMIN_ID, lambda m: "of jobs failed" in (m.text or ""))
    assert "80%" in (alert.text or "")
    assert "(4 of 5)" in (alert.text or "")
    assert len(_alerts(telegram, "of jobs failed")) == 1


async def test_nobody_is_alerted_below_the_threshold(
    harness: Harness, telegram: TelegramSimulator, kie: KieSimulator
) -> None:
    process = await _start_and_get(harness, telegram)
    for _ in range(9):
        process.metrics.job_ended("z-image", "done", 1.0, 1)
    process.metrics.job_ended("z-image", "failed", 1.0, 1)

    await process.operations.watcher.check_error_rate()
    await process.operations.watcher.check_kie_credits()  # the simulator's key is full

    sent = await process.operations.alerts.send("probe", "alert.redis_back", seconds=1)
    assert sent
    await telegram.wait_for(ADMIN_ID, lambda m: "Redis answers again" in (m.text or ""))
    assert [m.text for m in telegram.chat(ADMIN_ID)] == [
        "✅ Redis answers again after about 1 s; jobs carry on."
    ]


async def _start_and_get(harness: Harness, telegram: TelegramSimulator) -> Process:
    await _start(harness, telegram)
    return harness.running
