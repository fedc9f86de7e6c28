"""The in-process scheduler: per job class, a bounded queue and a cap on jobs in flight.

A job is "in flight" from the moment a worker takes it until its runner returns: while it
is submitted, generated at KIE and delivered. The cap per class (about 80 image and 20
video jobs for one KIE key) keeps us near KIE's ~100 tasks in flight per key. The queue is
bounded so a crowd is told "busy, try in a minute" at submit instead of waiting forever;
the durable copy of the queue order is in Redis (`kb:queue:{class}`), this is the working
copy that recovery rebuilds from it.

The dispatcher takes a slot *before* it takes a job off the queue, so a job's queue
position counts only jobs that are really waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from loguru import logger

RunJob = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ClassLimits:
    queue_size: int
    concurrency: int

    def __post_init__(self) -> None:
        if self.queue_size < 1 or self.concurrency < 1:
            raise ValueError("queue_size and concurrency must be at least 1")


@dataclass(slots=True)
class _Lane:
    limits: ClassLimits
    queue: asyncio.Queue[str] = field(init=False)
    slots: asyncio.Semaphore = field(init=False)
    positions: dict[str, int] = field(default_factory=dict)  # job id -> arrival number
    offered: int = 0
    taken: int = 0
    in_flight: int = 0

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.limits.queue_size)
        self.slots = asyncio.Semaphore(self.limits.concurrency)


class Scheduler:
    """Runs `run_job(job_id)` for each job offered, within its class's limits."""

    def __init__(self, run_job: RunJob, limits: Mapping[str, ClassLimits]) -> None:
        self._run_job = run_job
        self._lanes = {job_class: _Lane(lim) for job_class, lim in limits.items()}
        self._dispatchers: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[None]] = set()

    @property
    def job_classes(self) -> tuple[str, ...]:
        return tuple(self._lanes)

    def offer(self, job_class: str, job_id: str) -> bool:
        """Queue a job; False when the class's queue is full (nothing was queued)."""
        lane = self._lanes[job_class]
        try:
            lane.queue.put_nowait(job_id)
        except asyncio.QueueFull:
            return False
        lane.offered += 1
        lane.positions[job_id] = lane.offered
        return True

    def has_room(self, job_class: str) -> bool:
        return not self._lanes[job_class].queue.full()

    def position(self, job_class: str, job_id: str) -> int | None:
        """1 for the next job to start; None once the job has started (or was never here)."""
        lane = self._lanes[job_class]
        arrival = lane.positions.get(job_id)
        return None if arrival is None else arrival - lane.taken

    def queued(self, job_class: str) -> int:
        return self._lanes[job_class].queue.qsize()

    def in_flight(self, job_class: str) -> int:
        return self._lanes[job_class].in_flight

    def resume(self, job_class: str, job_id: str) -> None:
        """Run a job that was already in flight before a restart, ahead of the queue."""
        lane = self._lanes[job_class]
        self._spawn(self._run_with_slot(lane, job_id))

    def start(self) -> None:
        for job_class, lane in self._lanes.items():
            task = asyncio.create_task(self._dispatch(lane), name=f"dispatch-{job_class}")
            self._dispatchers.append(task)

    async def stop(self, drain_s: float) -> None:
        """Stop taking jobs; let those in flight finish for up to `drain_s`, then cancel.

        A cancelled runner leaves its job in the state it last wrote to Redis, and the
        next start carries it on from there, so cancelling loses nothing.
        """
        for task in self._dispatchers:
            task.cancel()
        await asyncio.gather(*self._dispatchers, return_exceptions=True)
        self._dispatchers.clear()
        if self._running:
            _, pending = await asyncio.wait(self._running, timeout=drain_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _dispatch(self, lane: _Lane) -> None:
        while True:
            await lane.slots.acquire()
            try:
                job_id = await lane.queue.get()
            except asyncio.CancelledError:
                lane.slots.release()
                raise
            lane.taken += 1
            lane.positions.pop(job_id, None)
            self._spawn(self._run_holding_slot(lane, job_id))

    async def _run_with_slot(self, lane: _Lane, job_id: str) -> None:
        await lane.slots.acquire()
        await self._run_holding_slot(lane, job_id)

    async def _run_holding_slot(self, lane: _Lane, job_id: str) -> None:
        lane.in_flight += 1
        try:
            await self._run_job(job_id)
        except Exception:
            # One job's bug must not stop the lane; the job stays in Redis for recovery.
            logger.exception("the runner failed on job {}", job_id)
        finally:
            lane.in_flight -= 1
            lane.slots.release()

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._running.add(task)
        task.add_done_callback(self._running.discard)


__all__ = ["ClassLimits", "RunJob", "Scheduler"]
