"""The one poller: every unfinished KIE task's next status check, in one heap.

A job does not poll for itself. It hands its task to the poller (`watch`) and is told
when the task ends (`on_result`), or when it cannot be followed any more (`on_error`).
One owner for all reads is what makes the per-key recordInfo budget (10 per second)
something we can keep: a coroutine per job sleeping and reading on its own would make
the budget a queue of strangers, and a job could not be checked early on a callback.

Schedule (`PollSchedule`, defaults as KIE advises):

- the first check comes near the model's typical duration: `max(2 s, 0.9 × typical)`
  after the task started. A check before the task can be done is a wasted read, and
  most of a generation's time is predictable from the model; 0.9 rather than 1.0 because
  the typical duration is a median, so about half of the tasks end before it: checking a
  little early catches a good share of those at once, and costs only one more read
  (2-3 s later) for the others. The 2 s floor is KIE's own shortest advised interval.
- then, by time since the start: every 2-3 s for the first 30 s, 5-10 s until 2 minutes,
  15-30 s after that. The interval is drawn uniformly inside the range, so a burst of
  tasks created together spreads out instead of reading in lockstep.
- a read that failed (after the client's own retries) is tried again after 5 s, doubling
  to 60 s (or after KIE's `retry_after`, if longer).

With durations close to the typical one, a job needs two reads: one just before its end,
one just after. A callback (`wake`) moves the check to now, so with callbacks most jobs
need one read, made the moment KIE says the task ended.

Reads in flight are capped (`max_concurrent_reads`). The cap is a count checked before a
due job leaves the heap, not a semaphore awaited after: the run loop then never blocks,
so `wake` and `stop` take effect at once, and a job woken by a callback overtakes jobs
merely due. Each read waits on its key's budget inside `KieClient`, which is what keeps
DESIGN invariant 4; the cap only bounds how many reads queue there.

Times: `started_at` is Unix time (what a job record keeps, so a job recovered after a
restart resumes its schedule); scheduling uses the event loop's monotonic clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import random
import statistics
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from loguru import logger

from kiebot.jobs.durations import DurationBook
from kiebot.kie.errors import KieError, KieNoKeyAvailable, KieTaskNotFound, KieUnauthorized
from kiebot.kie.families import MARKET, EndpointFamily
from kiebot.kie.models import TaskRecord, TaskState

ResultHandler = Callable[[str, TaskRecord], Awaitable[None]]
ErrorHandler = Callable[[str, KieError], Awaitable[None]]
Uniform = Callable[[float, float], float]

# Reads that will never succeed for this task: KIE does not know it, or its key is gone
# for good (a task can only be read with the key that created it). Anything else is
# retried: a paid task is not abandoned over a passing fault; the job's own timeout
# bounds how long.
_FATAL_ERRORS = (KieTaskNotFound, KieNoKeyAvailable, KieUnauthorized)
# Delays between a task's end and the check that saw it, kept for the stats.
_DELAY_SAMPLES = 1000
# Stale heap entries (rescheduled or forgotten jobs) tolerated before a rebuild.
_HEAP_SLACK = 64


class TaskReader(Protocol):
    """What the poller needs of `KieClient`."""

    async def get_task(
        self, task_id: str, key_id: str, *, family: EndpointFamily = MARKET
    ) -> TaskRecord: ...


@dataclass(frozen=True, slots=True)
class PollSchedule:
    """When to check a task; seconds. `scaled()` shrinks it all for fast tests."""

    first_min_s: float = 2.0
    first_share: float = 0.9
    fast_until_s: float = 30.0
    fast_s: tuple[float, float] = (2.0, 3.0)
    mid_until_s: float = 120.0
    mid_s: tuple[float, float] = (5.0, 10.0)
    slow_s: tuple[float, float] = (15.0, 30.0)
    retry_s: float = 5.0
    retry_max_s: float = 60.0
    # KIE may not know a task for a moment after creating it ("recordInfo is null"):
    # a not-found this soon after the start is retried, later it is final.
    not_found_grace_s: float = 10.0

    def __post_init__(self) -> None:
        for name in ("fast_s", "mid_s", "slow_s"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"PollSchedule.{name} must be 0 < low <= high, got {low, high}")
        if not 0 < self.first_share <= 1.0 or self.first_min_s <= 0:
            raise ValueError("PollSchedule: first_share in (0, 1] and first_min_s > 0")
        if not 0 < self.retry_s <= self.retry_max_s:
            raise ValueError("PollSchedule: 0 < retry_s <= retry_max_s")

    def scaled(self, factor: float) -> PollSchedule:
        """The same shape with every duration multiplied by `factor`."""
        return replace(
            self,
            first_min_s=self.first_min_s * factor,
            fast_until_s=self.fast_until_s * factor,
            fast_s=(self.fast_s[0] * factor, self.fast_s[1] * factor),
            mid_until_s=self.mid_until_s * factor,
            mid_s=(self.mid_s[0] * factor, self.mid_s[1] * factor),
            slow_s=(self.slow_s[0] * factor, self.slow_s[1] * factor),
            retry_s=self.retry_s * factor,
            retry_max_s=self.retry_max_s * factor,
            not_found_grace_s=self.not_found_grace_s * factor,
        )

    def first_check_after(self, typical_s: float) -> float:
        """Seconds from the task's start to its first check."""
        if not math.isfinite(typical_s) or typical_s <= 0:
            return self.first_min_s
        return max(self.first_min_s, self.first_share * typical_s)

    def interval(self, elapsed_s: float, uniform: Uniform = random.uniform) -> float:
        """Seconds to the next check of a task `elapsed_s` after its start."""
        if elapsed_s < self.fast_until_s:
            low, high = self.fast_s
        elif elapsed_s < self.mid_until_s:
            low, high = self.mid_s
        else:
            low, high = self.slow_s
        return uniform(low, high)

    def retry_after(self, failures: int, at_least: float | None = None) -> float:
        """Seconds to wait after the `failures`-th failed read in a row (1-based)."""
        backoff = self.retry_s * 2.0 ** min(max(failures - 1, 0), 16)
        return max(min(backoff, self.retry_max_s), at_least or 0.0)


@dataclass(slots=True)
class PollStats:
    """What the poller did, for the admin page and the benchmark.

    `reads` counts `get_task` calls (each may hide retries inside the client);
    `reads_per_job` is a histogram, reads -> jobs that needed that many;
    `detection_delays` are seconds between KIE's `completeTime` and the check that saw it
    (the most recent `_DELAY_SAMPLES`; KIE's clock and ours may differ by a little).
    """

    reads: int = 0
    read_errors: int = 0
    wakes: int = 0
    finished: int = 0
    gave_up: int = 0
    reads_per_job: Counter[int] = field(default_factory=Counter)
    detection_delays: deque[float] = field(default_factory=lambda: deque(maxlen=_DELAY_SAMPLES))

    def reads_per_job_quantiles(self) -> dict[str, float]:
        """Median, 90th percentile and maximum of reads per finished job."""
        values = sorted(self.reads_per_job.elements())
        return _quantiles([float(v) for v in values])

    def delay_quantiles(self) -> dict[str, float]:
        return _quantiles(sorted(self.detection_delays))

    def as_dict(self) -> dict[str, Any]:
        return {
            "reads": self.reads,
            "read_errors": self.read_errors,
            "wakes": self.wakes,
            "finished": self.finished,
            "gave_up": self.gave_up,
            "reads_per_job": dict(sorted(self.reads_per_job.items())),
            "reads_per_job_quantiles": self.reads_per_job_quantiles(),
            "detection_delay_s": self.delay_quantiles(),
        }


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    p90 = values[min(len(values) - 1, math.ceil(0.9 * len(values)) - 1)]
    return {"median": statistics.median(values), "p90": p90, "max": values[-1]}


@dataclass(slots=True, eq=False)
class _Watch:
    """One task being followed. `started_at` and `due` are on the poller's clock."""

    job_id: str
    task_id: str
    key_id: str
    model: str
    family: EndpointFamily
    started_at: float
    due: float = 0.0
    seq: int = 0
    checks: int = 0
    failures: int = 0
    in_flight: bool = False
    woken: bool = False
    last_seen: tuple[TaskState, float | None] | None = None


class Poller:
    """Checks every watched task on its schedule; see the module docstring.

    `on_result(job_id, record)` gets the terminal record (success or fail) once per job;
    if it raises, the task is read again later and `on_result` called again, so it must
    be idempotent (a job's state machine is). `on_error(job_id, error)` says the task can
    no longer be followed (unknown to KIE, key gone): fail or expire the job.
    `on_progress(job_id, record)` reports a changed state or progress. A job leaves the
    poller before its `on_result` / `on_error`; `forget` is for jobs that end otherwise
    (cancelled, timed out). None of the callbacks should block for long: each holds one
    of the read slots while it runs.

    The poller also teaches `durations` how long each successful task took, from KIE's
    own create and complete times: the job layer should not record them a second time.
    `clock` (default: the running loop's) schedules; `wall` converts Unix times;
    `uniform` draws intervals inside their ranges. All three are for tests.
    """

    def __init__(
        self,
        kie: TaskReader,
        durations: DurationBook,
        on_result: ResultHandler,
        *,
        on_error: ErrorHandler,
        on_progress: ResultHandler | None = None,
        max_concurrent_reads: int = 16,
        schedule: PollSchedule | None = None,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] = time.time,
        uniform: Uniform = random.uniform,
    ) -> None:
        if max_concurrent_reads < 1:
            raise ValueError("max_concurrent_reads must be at least 1")
        self._kie = kie
        self._durations = durations
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self._max_reads = max_concurrent_reads
        self._schedule = schedule or PollSchedule()
        self._clock = clock
        self._wall = wall
        self._uniform = uniform
        self._watches: dict[str, _Watch] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._running = False
        self._exited = asyncio.Event()
        self.stats = PollStats()

    # -- what the job layer calls ----------------------------------------------------

    @property
    def schedule(self) -> PollSchedule:
        return self._schedule

    @property
    def watching(self) -> int:
        return len(self._watches)

    @property
    def reads_in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def heap_size(self) -> int:
        """Entries in the heap, stale ones included (bounded: see `_compact`)."""
        return len(self._heap)

    def is_watching(self, job_id: str) -> bool:
        return job_id in self._watches

    def watch(
        self,
        job_id: str,
        task_id: str,
        key_id: str,
        model: str,
        *,
        started_at: float,
        typical_s: float,
        family: EndpointFamily = MARKET,
    ) -> None:
        """Follow a task until it ends. Watching a job again replaces its old watch.

        `started_at`: Unix time the task was created. `typical_s`: the model's typical
        duration, `await durations.typical(model, entry.typical_s)`. `family`: the
        model's endpoint family (`entry.endpoint`); Veo tasks are read elsewhere. A task
        recovered after a restart, already past its first check time, is checked at once.
        """
        now = self._now()
        start = now - max(0.0, self._wall() - started_at)
        first = start + self._schedule.first_check_after(typical_s)
        watch = _Watch(job_id, task_id, key_id, model, family, started_at=start)
        self._watches[job_id] = watch
        self._push(watch, max(now, first))

    def wake(self, job_id: str) -> bool:
        """Check this job's task now (a verified callback came). False: not watched."""
        watch = self._watches.get(job_id)
        if watch is None:
            return False
        self.stats.wakes += 1
        if watch.in_flight:
            watch.woken = True  # checked again as soon as the current read returns
        else:
            self._push(watch, self._now())
        return True

    def forget(self, job_id: str) -> None:
        """Stop following a job; a read in flight for it is let finish and ignored."""
        self._watches.pop(job_id, None)

    async def run(self) -> None:
        """Serve checks until `stop()` (or cancellation); reads in flight are cancelled."""
        if self._running:
            raise RuntimeError("Poller.run() is already running")
        self._running = True
        self._exited.clear()
        try:
            while not self._stopping:
                self._wakeup.clear()
                self._start_due()
                await self._sleep(self._next_timeout())
        finally:
            await self._cancel_in_flight()
            self._running = False
            self._exited.set()

    async def stop(self) -> None:
        """End `run()` and wait for it; reads in flight are cancelled (their jobs carry on
        from Redis after a restart). Final: a stopped poller does not run again, so a
        `stop()` that comes before the `run()` task got going still stops it."""
        self._stopping = True
        self._wakeup.set()
        await self._cancel_in_flight()
        if self._running:
            await self._exited.wait()
        try:  # what this process learned and has not written yet (`DurationBook.flush`)
            await self._durations.flush()
        except Exception as exc:  # a hint: Redis trouble must not fail the shutdown
            logger.warning("could not write the learned durations: {!r}", exc)

    # -- the loop ----------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _push(self, watch: _Watch, due: float) -> None:
        watch.due, watch.seq = due, next(self._seq)
        heapq.heappush(self._heap, (due, watch.seq, watch.job_id))
        if len(self._heap) > 2 * len(self._watches) + _HEAP_SLACK:
            self._compact()
        self._wakeup.set()

    def _compact(self) -> None:
        """Rebuild the heap from live watches: rescheduled and forgotten jobs leave
        stale entries behind, and memory must not grow with the work done."""
        self._heap = [(w.due, w.seq, w.job_id) for w in self._watches.values() if not w.in_flight]
        heapq.heapify(self._heap)

    def _head(self) -> tuple[float, _Watch] | None:
        """The earliest live entry, dropping stale ones on the way."""
        while self._heap:
            due, seq, job_id = self._heap[0]
            watch = self._watches.get(job_id)
            if watch is not None and watch.seq == seq and not watch.in_flight:
                return due, watch
            heapq.heappop(self._heap)
        return None

    def _start_due(self) -> None:
        now = self._now()
        while len(self._in_flight) < self._max_reads:
            head = self._head()
            if head is None or head[0] > now:
                return
            heapq.heappop(self._heap)
            self._start(head[1])

    def _next_timeout(self) -> float | None:
        """Seconds until the next due check; None: wait for a wake-up or a free slot."""
        if len(self._in_flight) >= self._max_reads:
            return None
        head = self._head()
        return None if head is None else max(head[0] - self._now(), 0.0)

    async def _sleep(self, seconds: float | None) -> None:
        """Until the next due time, or until something changes (wake, watch, free slot)."""
        if seconds is None:
            await self._wakeup.wait()
            return
        try:
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()
        except TimeoutError:
            pass

    def _start(self, watch: _Watch) -> None:
        watch.in_flight, watch.woken = True, False
        task = asyncio.create_task(self._check(watch), name=f"poll:{watch.job_id}")
        self._in_flight.add(task)
        task.add_done_callback(self._check_done)

    def _check_done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wakeup.set()  # a slot is free
        if not task.cancelled() and task.exception() is not None:
            logger.opt(exception=task.exception()).error("a poll check crashed")

    async def _cancel_in_flight(self) -> None:
        tasks = list(self._in_flight)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- one check -----------------------------------------------------------------------

    def _current(self, watch: _Watch) -> bool:
        """Still the job's watch: not forgotten, not replaced by a newer `watch()`."""
        return self._watches.get(watch.job_id) is watch

    async def _check(self, watch: _Watch) -> None:
        watch.checks += 1
        self.stats.reads += 1
        try:
            record = await self._kie.get_task(watch.task_id, watch.key_id, family=watch.family)
        except KieError as exc:
            await self._failed(watch, exc)
            return
        except Exception:
            logger.exception("reading task {} of job {} failed", watch.task_id, watch.job_id)
            self._retry(watch, None)
            return
        if not self._current(watch):
            return
        if record.state.is_terminal:
            await self._finish(watch, record)
        else:
            await self._progress(watch, record)

    async def _failed(self, watch: _Watch, error: KieError) -> None:
        self.stats.read_errors += 1
        if not self._current(watch):
            return
        if self._is_fatal(watch, error):
            del self._watches[watch.job_id]
            self.stats.gave_up += 1
            logger.warning(
                "job {}: task {} cannot be followed: {}", watch.job_id, watch.task_id, error
            )
            await _call(self._on_error, watch.job_id, error)
            return
        logger.info(
            "job {}: reading task {} failed ({}); later", watch.job_id, watch.task_id, error
        )
        self._retry(watch, error.retry_after)

    def _is_fatal(self, watch: _Watch, error: KieError) -> bool:
        if not isinstance(error, _FATAL_ERRORS):
            return False
        if isinstance(error, KieTaskNotFound):
            return self._now() - watch.started_at >= self._schedule.not_found_grace_s
        return True

    def _retry(self, watch: _Watch, at_least: float | None) -> None:
        if self._current(watch):
            watch.failures += 1
            self._reschedule(watch, self._schedule.retry_after(watch.failures, at_least))

    async def _finish(self, watch: _Watch, record: TaskRecord) -> None:
        """Hand the result over; the watch stays (in flight) until that succeeded, so a
        failing handler is retried and a `forget` during it is respected."""
        if not await _call(self._on_result, watch.job_id, record):
            self._retry(watch, None)
            return
        if self._current(watch):
            del self._watches[watch.job_id]
        self.stats.finished += 1
        self.stats.reads_per_job[watch.checks] += 1
        self._note_delay(record)
        if record.state is TaskState.SUCCESS:
            await self._learn(watch, record)

    async def _progress(self, watch: _Watch, record: TaskRecord) -> None:
        watch.failures = 0
        seen = (record.state, record.progress)
        if seen != watch.last_seen:
            watch.last_seen = seen
            if self._on_progress is not None:
                await _call(self._on_progress, watch.job_id, record)
        if self._current(watch):
            elapsed = self._now() - watch.started_at
            self._reschedule(watch, self._schedule.interval(elapsed, self._uniform))

    def _reschedule(self, watch: _Watch, delay: float) -> None:
        watch.in_flight = False
        if watch.woken:
            watch.woken, delay = False, 0.0
        self._push(watch, self._now() + delay)

    def _note_delay(self, record: TaskRecord) -> None:
        if record.complete_time is not None:
            delay = self._wall() - record.complete_time.timestamp()
            self.stats.detection_delays.append(max(delay, 0.0))

    async def _learn(self, watch: _Watch, record: TaskRecord) -> None:
        """Teach the duration book how long this model took (KIE's own times if given)."""
        if record.create_time is not None and record.complete_time is not None:
            seconds = (record.complete_time - record.create_time).total_seconds()
        else:
            seconds = self._now() - watch.started_at
        try:
            await self._durations.record(watch.model, seconds)
        except Exception as exc:  # the stats are a hint; Redis trouble must not fail a job
            logger.warning("could not record the duration of {}: {!r}", watch.model, exc)


async def _call(handler: Callable[..., Awaitable[None]], *args: object) -> bool:
    """Run a job-layer callback; False (and logged) if it raised."""
    try:
        await handler(*args)
    except Exception:
        logger.exception("poller callback {} failed", getattr(handler, "__name__", handler))
        return False
    return True
