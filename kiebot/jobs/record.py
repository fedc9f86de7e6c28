"""The job record in Redis, and `JobStore`: the only code that writes it.

A job's life is a series of `JobStore.transition` calls, each one Lua script that checks
the move against `jobs.states`, writes the new state with its timestamp and fields, and
when the job ends settles its reservation (capture or release) in the same step. Money
and state therefore never disagree, even across a crash between two calls: whatever was
written last is a consistent state to resume from.

`submit` is likewise one script: limits, the reservation and the queued record are
written together or not at all. Both are safe to retry with the same job id.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, Unpack, get_args

import orjson
from redis.asyncio import Redis

from kiebot.billing import AccountOpening
from kiebot.billing.spending import DailyCapReached
from kiebot.errors import KiebotError
from kiebot.jobs.errors import (
    AlreadySubmitted,
    InsufficientCredits,
    InvalidTransition,
    JobNotFound,
    ModelOverBudget,
    QueueFull,
    SubmitRateLimited,
    TooManyActiveJobs,
)
from kiebot.jobs.states import FINAL_STATES, SETTLEMENT, JobState, sources
from kiebot.ops.metrics import Metrics
from kiebot.store.keys import ACTIVITY_TTL_S, HISTORY_CAP, TASK_TTL_S, WAITS_CAP, Keys
from kiebot.store.replies import optional_text, pairs_map, text, text_map, texts
from kiebot.store.scripts import Scripts

JobClass = Literal["image", "video"]
JOB_CLASSES: frozenset[str] = frozenset(get_args(JobClass))


class JobFields(TypedDict, total=False):
    """The fields a transition or `set_fields` may write; None clears a field."""

    task_id: str | None
    key_id: str | None
    status_message_id: int | None
    result_urls: list[str]
    file_id: str | None
    result_kind: str | None
    error: str | None
    error_detail: str | None
    attempts: int
    result_ready_at: float | None


MUTABLE_FIELDS: frozenset[str] = frozenset(JobFields.__annotations__)


def new_job_id() -> str:
    return uuid.uuid4().hex


# Fixed forever: changing it would give an old message a new job id.
_MESSAGE_JOBS = uuid.UUID("6f1c2a4e-8b1d-4c55-9a57-3e0d2b7c9f10")


def job_id_for_message(bot_id: int, chat_id: int, message_id: int) -> str:
    """The job id of the prompt in one Telegram message: same message, same job.

    Telegram delivers an update again when the bot died after handling it but before
    confirming it (the next getUpdates). With the id derived from the message, that
    redelivery is a duplicate submit, which reserves nothing (job_submit.lua), instead of
    a second job charged again. Message ids are unique per bot and chat, hence all three.
    """
    return uuid.uuid5(_MESSAGE_JOBS, f"{bot_id}:{chat_id}:{message_id}").hex


@dataclass(frozen=True, slots=True)
class Job:
    """One generation, as stored in `kb:job:{job_id}`.

    `error` is a user-message key (the text the user sees); `error_detail` is the
    operator's detail (provider message, exception name), never shown to the user.
    `result_ready_at` is when KIE's result was seen, for the delivery-delay metric.
    `timeline` lists (state, unix time) for each state passed through, oldest first; a
    state entered twice (a job handed back to the queue) shows its latest time.
    `input_files` are Telegram file ids of the user's photos: the runner uploads them to
    KIE when it submits the job and adds their URLs to `input` then (never a Telegram
    URL, which holds the bot token), so the job keeps what it needs across a restart.
    `balance_after` is the owner's balance just after a final job's settlement, written by
    the move that settled it (None before): the low-balance notice reads it instead of
    asking Redis again.
    """

    job_id: str
    user_id: int
    chat_id: int
    model: str
    job_class: JobClass
    input: dict[str, Any]
    price: int
    state: JobState
    created_at: float
    updated_at: float
    task_id: str | None = None
    key_id: str | None = None
    status_message_id: int | None = None
    result_urls: list[str] = field(default_factory=list)
    file_id: str | None = None
    result_kind: str | None = None
    error: str | None = None
    error_detail: str | None = None
    attempts: int = 0
    result_ready_at: float | None = None
    timeline: list[tuple[JobState, float]] = field(default_factory=list)
    input_files: list[str] = field(default_factory=list)
    balance_after: int | None = None

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def state_time(self, state: JobState) -> float | None:
        """When the job (last) entered `state`, or None if it never did."""
        return next((at for passed, at in reversed(self.timeline) if passed is state), None)

    def to_hash(self) -> dict[str, str]:
        """The Redis hash; None fields are left out (a missing field reads as None)."""
        data = {
            "job_id": self.job_id,
            "user_id": str(self.user_id),
            "chat_id": str(self.chat_id),
            "model": self.model,
            "job_class": self.job_class,
            "input": orjson.dumps(self.input).decode(),
            "price": str(self.price),
            "state": self.state.value,
            "created_at": repr(self.created_at),
            "updated_at": repr(self.updated_at),
        }
        if self.input_files:
            data["input_files"] = orjson.dumps(self.input_files).decode()
        if self.balance_after is not None:
            data["balance_after"] = str(self.balance_after)
        data.update((k, v) for k, v in encode_fields(self.fields()).items() if v)
        data.update((f"t_{state}", repr(at)) for state, at in self.timeline)
        return data

    def fields(self) -> JobFields:
        """The writable fields, as a transition would write them."""
        return JobFields(
            task_id=self.task_id,
            key_id=self.key_id,
            status_message_id=self.status_message_id,
            result_urls=self.result_urls,
            file_id=self.file_id,
            result_kind=self.result_kind,
            error=self.error,
            error_detail=self.error_detail,
            attempts=self.attempts,
            result_ready_at=self.result_ready_at,
        )

    @classmethod
    def from_hash(cls, data: Mapping[str, str]) -> Job:
        return cls(
            job_id=data["job_id"],
            user_id=int(data["user_id"]),
            chat_id=int(data["chat_id"]),
            model=data["model"],
            job_class=_job_class(data["job_class"]),
            input=orjson.loads(data["input"]),
            price=int(data["price"]),
            state=JobState(data["state"]),
            created_at=float(data["created_at"]),
            updated_at=float(data["updated_at"]),
            task_id=data.get("task_id") or None,
            key_id=data.get("key_id") or None,
            status_message_id=_optional_int(data.get("status_message_id")),
            result_urls=orjson.loads(data.get("result_urls") or "[]"),
            file_id=data.get("file_id") or None,
            result_kind=data.get("result_kind") or None,
            error=data.get("error") or None,
            error_detail=data.get("error_detail") or None,
            attempts=int(data.get("attempts") or 0),
            result_ready_at=_optional_float(data.get("result_ready_at")),
            timeline=_timeline(data),
            input_files=orjson.loads(data.get("input_files") or "[]"),
            balance_after=_optional_int(data.get("balance_after")),
        )


def encode_fields(fields: JobFields) -> dict[str, str]:
    """Hash values for the given fields: None as "", a list as JSON, a number as text."""
    unknown = set(fields) - MUTABLE_FIELDS
    if unknown:
        raise TypeError(f"not a writable job field: {', '.join(sorted(unknown))}")
    return {name: _encode(value) for name, value in fields.items()}


def _encode(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return orjson.dumps(value).decode()
    return str(value)


def _optional_int(value: str | None) -> int | None:
    return int(value) if value else None


def _optional_float(value: str | None) -> float | None:
    return float(value) if value else None


def _job_class(value: str) -> JobClass:
    if value == "image":
        return "image"
    if value == "video":
        return "video"
    raise ValueError(f"unknown job class {value!r}")


# Each state with its timestamp's field, in life order; built once, read per record.
_STATE_TIMES = tuple((state, f"t_{state}") for state in JobState)


def _timeline(data: Mapping[str, str]) -> list[tuple[JobState, float]]:
    # Sorting is stable and JobState iterates in life order, so created sorts before
    # queued although submit gives both the same timestamp.
    passed = [(state, float(data[name])) for state, name in _STATE_TIMES if name in data]
    return sorted(passed, key=lambda entry: entry[1])


def _flatten(data: Mapping[str, str]) -> list[str]:
    return [item for pair in data.items() for item in pair]


def _expected_states(expected: JobState | AbstractSet[JobState] | None) -> frozenset[JobState]:
    if expected is None:
        return frozenset(JobState)
    if isinstance(expected, JobState):
        return frozenset({expected})
    return frozenset(expected)


# Each refusal of job_submit.lua, as the typed error it becomes: (reply, job) -> error.
_SUBMIT_REFUSALS: Mapping[str, Callable[[list[Any], Job], KiebotError]] = {
    "too_many_active": lambda reply, job: TooManyActiveJobs(limit=int(reply[1])),
    "rate_limited": lambda reply, job: SubmitRateLimited(retry_after=float(reply[1])),
    "queue_full": lambda reply, job: QueueFull(job_class=job.job_class),
    "insufficient": lambda reply, job: InsufficientCredits(balance=int(reply[1]), price=job.price),
    "over_cap": lambda reply, job: DailyCapReached(
        cap=int(reply[1]), spent=int(reply[2]), price=job.price
    ),
    "over_budget": lambda reply, job: ModelOverBudget(
        model=job.model, budget=int(reply[1]), spent=int(reply[2])
    ),
}


def budget_day(at: float) -> int:
    """The UTC day (days since the epoch) a model's spend is counted in."""
    return int(at // 86400)


class JobStore:
    """Reads and writes job records; every write is one Lua script (see the module doc).

    `clock` gives unix seconds for timestamps and the rate window; tests pass a fake one.
    """

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        scripts: Scripts,
        *,
        clock: Callable[[], float] = time.time,
        history_cap: int = HISTORY_CAP,
        task_ttl_s: int = TASK_TTL_S,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()  # counted here: every job's money moves here
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._clock = clock
        self._history_cap = history_cap
        self._task_ttl_s = task_ttl_s

    async def submit(
        self,
        job_id: str,
        user_id: int,
        chat_id: int,
        model: str,
        job_class: JobClass,
        input: Mapping[str, Any],  # the model input; the builtin is not needed here
        price: int,
        *,
        max_active_per_user: int = 3,
        max_queue: int = 500,
        rate_limit: int = 5,
        rate_window_s: float = 60.0,
        input_files: Sequence[str] = (),
        model_budget: int | None = None,
        opening: AccountOpening | None = None,
        duplicate_raises: bool = False,
    ) -> Job:
        """Reserve the price and enqueue the job, or raise why not (and change nothing).

        Raises `TooManyActiveJobs`, `SubmitRateLimited`, `QueueFull`, `DailyCapReached`
        (the user's own cap, `billing.spending`), `ModelOverBudget` (the operator's
        `model_budget`, credits per UTC day on this model) or `InsufficientCredits`,
        checked in that order. A retry with the same `job_id` reserves nothing again and
        returns the job as first submitted, or raises `AlreadySubmitted` with it when
        `duplicate_raises` (a caller that must not enqueue it twice). With `opening`
        (`Billing.opening`) a user not seen before gets their account and starting grant
        in the same call; without it the account must be open.
        """
        _check_submit(job_class, price, max_active_per_user, max_queue, rate_limit)
        now = self._clock()
        job = Job(
            job_id=job_id,
            user_id=user_id,
            chat_id=chat_id,
            model=model,
            job_class=job_class,
            input=dict(input),
            price=price,
            state=JobState.QUEUED,
            created_at=now,
            updated_at=now,
            timeline=[(JobState.CREATED, now), (JobState.QUEUED, now)],
            input_files=list(input_files),
        )
        limits = [max_active_per_user, max_queue, rate_limit, rate_window_s, self._history_cap]
        budget = "" if model_budget is None else str(model_budget)
        keys = self._submit_keys(user_id, job)
        opened = ("", "", "")
        if opening is not None:
            keys.extend(opening.keys)
            opened = opening.args
        args = [job_id, repr(now), str(price), *map(str, limits), budget, *opened]
        args.extend(_flatten(job.to_hash()))
        reply = await self._scripts.job_submit(keys=keys, args=args)
        submitted = self._submitted(job, reply)
        if duplicate_raises and submitted is not job:
            raise AlreadySubmitted(submitted)
        if reply[0] == "ok":
            self._metrics.job_reserved(price)
        return submitted

    def _submit_keys(self, user_id: int, job: Job) -> list[str]:
        k = self._keys
        return [
            k.user(user_id),
            k.ledger(user_id),
            k.applied(user_id),
            k.job(job.job_id),
            k.active_jobs,
            k.user_jobs(user_id),
            k.user_history(user_id),
            k.queue(job.job_class),
            k.user_submits(user_id),
            k.recent_jobs,
            k.user_spending(user_id),  # KEYS[11]: the daily cap's index
            k.model_spend(job.model, budget_day(job.created_at)),  # KEYS[12]: model budget
        ]

    @staticmethod
    def _submitted(job: Job, reply: list[Any]) -> Job:
        status = reply[0]
        if status == "ok":
            return job
        if status == "duplicate":
            if len(reply) == 1:
                raise JobNotFound(job_id=job.job_id)
            return Job.from_hash(pairs_map(reply[1:]))
        raise _SUBMIT_REFUSALS[status](reply, job)

    async def transition(
        self,
        job: str | Job,
        to: JobState,
        *,
        expected: JobState | AbstractSet[JobState] | None = None,
        **fields: Unpack[JobFields],
    ) -> Job:
        """Move the job to `to`, writing `fields` with it; return the job after the move.

        Allowed when the table in `jobs.states` has the move and the current state is in
        `expected` (when given): a worker claiming a queued job passes
        `expected=JobState.QUEUED` so two claims cannot both win. A move to a final state
        settles the reservation once; repeating that same final move (a retry after a
        lost reply, or a concurrent duplicate) returns the job unchanged. Any other
        refused move raises `InvalidTransition` with the current state; a missing job
        raises `JobNotFound`. A `task_id` among the fields is also mapped to the job for
        `job_for_task` (KIE callbacks).

        `job` is the job id, or the `Job` as the caller last read it: its owner, class,
        model and creation time never change, so a caller holding it spares the read of
        them (its state may be stale: the script checks the current one).
        """
        if isinstance(job, str):
            job_id, (user_id, job_class, model, created_at) = job, await self._owner(job)
        else:
            job_id, user_id, job_class = job.job_id, job.user_id, job.job_class
            model, created_at = job.model, job.created_at
        allowed = sources(to) & _expected_states(expected)
        now = self._clock()
        args = [
            job_id,
            to.value,
            repr(now),
            ",".join(sorted(allowed)),
            SETTLEMENT.get(to, ""),
            str(self._task_ttl_s),
            str(ACTIVITY_TTL_S),
            str(WAITS_CAP),
            *_flatten(encode_fields(fields)),
        ]
        k = self._keys
        keys = [
            k.job(job_id),
            k.active_jobs,
            k.user_jobs(user_id),
            k.queue(job_class),
            k.user(user_id),
            k.ledger(user_id),
            k.applied(user_id),
            k.model_spend(model, budget_day(created_at)),  # the day the job was reserved
            k.activity(int(now // 60)),  # the admin overview's counts (ops.activity)
            k.activity_waits(model),
        ]
        task_id = fields.get("task_id")
        if task_id:
            keys.append(k.task(task_id))
        reply = await self._scripts.job_transition(keys=keys, args=args)
        if reply[0] in ("ok", "same"):
            moved = Job.from_hash(pairs_map(reply[1:]))
            if reply[0] == "ok" and to in FINAL_STATES:
                duration = moved.updated_at - moved.created_at
                self._metrics.job_ended(moved.model, to.value, duration, moved.price)
            return moved
        if reply[0] == "missing":
            raise JobNotFound(job_id=job_id)
        raise InvalidTransition(job_id=job_id, from_state=JobState(reply[1]), to_state=to)

    async def _owner(self, job_id: str) -> tuple[int, str, str, float]:
        """(user id, job class, model, creation time) of a stored job, for `transition`'s
        keys.

        Who owns the job and its queue never changes, so reading it first is race-free;
        the script needs those keys up front, as Redis requires of every key a script uses.
        """
        user_id, job_class, model, created_at = await self._redis.hmget(
            self._keys.job(job_id), ["user_id", "job_class", "model", "created_at"]
        )
        if user_id is None or job_class is None or model is None or created_at is None:
            raise JobNotFound(job_id=job_id)
        return int(user_id), text(job_class), text(model), float(created_at)

    async def set_fields(self, job_id: str, **fields: Unpack[JobFields]) -> None:
        """Write fields that do not change the state (status message id, attempts).

        A task id is refused here: it belongs with the move to `running`, which also maps
        it for callbacks. Raises `JobNotFound` rather than create a partial record.
        """
        if "task_id" in fields:
            raise TypeError("set task_id with transition(..., JobState.RUNNING)")
        args = [repr(self._clock()), *_flatten(encode_fields(fields))]
        written = await self._scripts.job_set_fields(keys=[self._keys.job(job_id)], args=args)
        if not written:
            raise JobNotFound(job_id=job_id)

    async def get(self, job_id: str) -> Job | None:
        data = await self._redis.hgetall(self._keys.job(job_id))
        return Job.from_hash(text_map(data)) if data else None

    async def get_many(self, job_ids: Sequence[str]) -> list[Job]:
        """The jobs that exist among `job_ids`, in the same order; one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hgetall(self._keys.job(job_id))
            replies: list[dict[bytes | str, bytes | str]] = await pipe.execute()
        return [Job.from_hash(text_map(data)) for data in replies if data]

    async def active_job_ids(self) -> list[str]:
        """Every unfinished job: what recovery reloads at start-up."""
        return sorted(texts(await self._redis.smembers(self._keys.active_jobs)))

    async def user_active_job_ids(self, user_id: int) -> list[str]:
        return sorted(texts(await self._redis.smembers(self._keys.user_jobs(user_id))))

    async def queued_ids(self, job_class: str) -> list[str]:
        """The class's queued jobs, first to run first: the durable queue order."""
        return texts(await self._redis.lrange(self._keys.queue(job_class), 0, -1))

    async def user_history(self, user_id: int, limit: int = 10, offset: int = 0) -> list[Job]:
        """The user's latest jobs, newest first, skipping the `offset` newest (at most
        `HISTORY_CAP` are kept)."""
        if limit <= 0:
            return []
        key = self._keys.user_history(user_id)
        ids = await self._redis.lrange(key, max(offset, 0), max(offset, 0) + limit - 1)
        return await self.get_many(texts(ids))

    async def user_history_size(self, user_id: int) -> int:
        return int(await self._redis.llen(self._keys.user_history(user_id)))

    async def job_for_task(self, task_id: str) -> str | None:
        """The job a KIE task belongs to, for a callback; None once the mapping expired."""
        return optional_text(await self._redis.get(self._keys.task(task_id)))


def _check_submit(
    job_class: str, price: int, max_active: int, max_queue: int, rate_limit: int
) -> None:
    """Programming errors, refused before they reach Redis."""
    if job_class not in JOB_CLASSES:
        raise ValueError(f"unknown job class {job_class!r}")
    if price < 0:
        raise ValueError("a price cannot be negative")
    if min(max_active, max_queue, rate_limit) < 1:
        raise ValueError("max_active_per_user, max_queue and rate_limit must be at least 1")
