"""The scheduler's limits: queue bound, in-flight cap, positions, resume, drain."""

from __future__ import annotations

import asyncio

import pytest

from kiebot.jobs.scheduler import ClassLimits, Scheduler


class Runner:
    """Records runs; each run waits until the test releases it."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.release = asyncio.Event()
        self.cancelled: list[str] = []
        self.running = 0
        self.most_running = 0
        self.changed = asyncio.Condition()

    async def __call__(self, job_id: str) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        self.started.append(job_id)
        async with self.changed:
            self.changed.notify_all()
        try:
            await self.release.wait()
            if job_id.startswith("boom"):
                raise RuntimeError("a runner bug")
            self.finished.append(job_id)
        except asyncio.CancelledError:
            self.cancelled.append(job_id)
            raise
        finally:
            self.running -= 1
            async with self.changed:
                self.changed.notify_all()

    async def until(self, started: int = 0, finished: int = 0) -> None:
        async with self.changed:
            await asyncio.wait_for(
                self.changed.wait_for(
                    lambda: len(self.started) >= started and len(self.finished) >= finished
                ),
                5,
            )


@pytest.fixture
def runner() -> Runner:
    return Runner()


async def test_in_flight_jobs_are_capped_and_the_rest_wait_in_order(runner: Runner) -> None:
    scheduler = Scheduler(runner, {"image": ClassLimits(queue_size=20, concurrency=3)})
    scheduler.start()
    for i in range(10):
        assert scheduler.offer("image", f"j{i}")
    await runner.until(started=3)
    assert scheduler.in_flight("image") == 3
    assert scheduler.queued("image") == 7
    assert [scheduler.position("image", f"j{i}") for i in range(3, 10)] == list(range(1, 8))
    assert scheduler.position("image", "j0") is None
    runner.release.set()
    await runner.until(finished=10)
    assert runner.started == [f"j{i}" for i in range(10)]
    assert runner.most_running == 3
    await scheduler.stop(drain_s=1)


async def test_a_full_queue_refuses_without_queueing(runner: Runner) -> None:
    scheduler = Scheduler(runner, {"video": ClassLimits(queue_size=2, concurrency=1)})
    scheduler.start()
    assert scheduler.offer("video", "a")
    await runner.until(started=1)
    assert scheduler.offer("video", "b")
    assert scheduler.offer("video", "c")
    assert not scheduler.has_room("video")
    assert not scheduler.offer("video", "d")
    assert scheduler.position("video", "d") is None
    runner.release.set()
    await runner.until(finished=3)
    assert "d" not in runner.started
    await scheduler.stop(drain_s=1)


async def test_classes_do_not_share_slots(runner: Runner) -> None:
    limits = {"image": ClassLimits(5, 1), "video": ClassLimits(5, 1)}
    scheduler = Scheduler(runner, limits)
    scheduler.start()
    scheduler.offer("image", "i1")
    scheduler.offer("video", "v1")
    await runner.until(started=2)  # a busy image lane does not hold up video
    runner.release.set()
    await scheduler.stop(drain_s=1)


async def test_resumed_jobs_go_ahead_of_the_queue(runner: Runner) -> None:
    scheduler = Scheduler(runner, {"image": ClassLimits(10, 1)})
    scheduler.resume("image", "recovered")  # before start: it takes the first slot
    scheduler.offer("image", "new")
    scheduler.start()
    await runner.until(started=1)
    assert runner.started == ["recovered"]
    runner.release.set()
    await runner.until(finished=2)
    assert runner.finished == ["recovered", "new"]
    await scheduler.stop(drain_s=1)


async def test_a_failing_runner_does_not_stop_its_lane(runner: Runner) -> None:
    scheduler = Scheduler(runner, {"image": ClassLimits(10, 1)})
    scheduler.start()
    scheduler.offer("image", "boom-1")
    scheduler.offer("image", "ok-2")
    runner.release.set()
    await runner.until(finished=1)
    assert runner.finished == ["ok-2"]
    assert scheduler.in_flight("image") == 0
    await scheduler.stop(drain_s=1)


async def test_stop_drains_then_cancels_what_is_left(runner: Runner) -> None:
    scheduler = Scheduler(runner, {"image": ClassLimits(10, 2)})
    scheduler.start()
    scheduler.offer("image", "slow-1")
    scheduler.offer("image", "slow-2")
    scheduler.offer("image", "never-started")
    await runner.until(started=2)
    await scheduler.stop(drain_s=0.05)
    assert sorted(runner.cancelled) == ["slow-1", "slow-2"]
    assert "never-started" not in runner.started
