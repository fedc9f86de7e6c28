"""What the admin console reads about jobs, users, models and errors, as JSON-ready data.

The HTML pages and the `/api/` JSON render the same dicts, so the two cannot drift. Every
list is bounded: the job list reads at most `SCAN_LIMIT` of the latest jobs to filter,
whatever the store holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

from kiebot.billing import Billing, LedgerEntry
from kiebot.jobs import Job, JobState
from kiebot.jobs.record import budget_day
from kiebot.store.replies import texts
from kiebot.web.console import Console

PAGE_SIZE = 100
SCAN_BATCH = 500
SCAN_LIMIT = 5_000


@dataclass(frozen=True, slots=True)
class JobFilter:
    """The job list's filters; an empty field matches everything."""

    state: str = ""
    model: str = ""
    user_id: int | None = None

    def matches(self, job: Job) -> bool:
        return (not self.state or job.state == self.state) and (
            not self.model or job.model == self.model
        )

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "model": self.model, "user_id": self.user_id}


def job_dict(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "user_id": job.user_id,
        "model": job.model,
        "job_class": job.job_class,
        "state": job.state.value,
        "price": job.price,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "task_id": job.task_id,
        "key_id": job.key_id,
        "attempts": job.attempts,
        "error": job.error,
        "error_detail": job.error_detail,
        "input": job.input,
        "result_urls": job.result_urls,
        "timeline": [{"state": state.value, "at": at} for state, at in job.timeline],
        "cancellable": job.state in _CANCELLABLE,
        "retryable": job.state in _RETRYABLE,
    }


_CANCELLABLE = frozenset({JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING})
_RETRYABLE = frozenset({JobState.FAILED, JobState.EXPIRED})


async def list_jobs(console: Console, wanted: JobFilter) -> list[Job]:
    """The latest jobs matching the filter, newest first, at most `PAGE_SIZE`."""
    if wanted.user_id is not None:
        jobs = await console.store.user_history(wanted.user_id, limit=PAGE_SIZE)
        return [job for job in jobs if wanted.matches(job)]
    redis, key = console.redis, console.keys.recent_jobs
    found: list[Job] = []
    for start in range(0, SCAN_LIMIT, SCAN_BATCH):
        page = await redis.zrange(key, start, start + SCAN_BATCH - 1, desc=True)
        ids = texts(cast(list[str], page))
        found.extend(job for job in await console.store.get_many(ids) if wanted.matches(job))
        if len(found) >= PAGE_SIZE or len(ids) < SCAN_BATCH:
            break
    return found[:PAGE_SIZE]


async def find_user(console: Console, query: str) -> int | None:
    """A Telegram id, or `@username` / `username` as the bot last saw it."""
    cleaned = query.strip()
    if cleaned.isdigit() and 0 < int(cleaned) < 2**63:
        return int(cleaned)
    return await console.usernames.find(cleaned)


def _entry_dict(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "time": entry.time,
        "type": entry.type,
        "amount": entry.amount,
        "balance_after": entry.balance_after,
        "ref": entry.ref,
        "reason": entry.reason,
    }


async def user_details(console: Console, billing: Billing, user_id: int) -> dict[str, Any] | None:
    """The user's account, latest ledger entries and jobs; None for an unknown user."""
    account = await billing.account(user_id)
    if account is None:
        return None
    ledger = await billing.ledger(user_id, limit=50)
    jobs = await console.store.user_history(user_id, limit=20)
    return {
        **account.as_dict(),
        "username": await console.usernames.of(user_id),
        "ledger": [_entry_dict(entry) for entry in ledger],
        "jobs": [job_dict(job) for job in jobs],
    }


async def models(console: Console) -> list[dict[str, Any]]:
    overrides = await console.switches.overrides()
    spent = await _spent_today(console)
    return [
        {
            "id": entry.id,
            "name": entry.display_name("en"),
            "kind": entry.kind.value,
            "job_class": entry.job_class.value,
            "price": entry.price_for({}),  # with the default options
            "price_varies": bool(entry.price.fields),
            "in_catalog": entry.enabled,
            "enabled": overrides.get(entry.id, entry.enabled),
            "overridden": entry.id in overrides,
            "daily_budget": entry.daily_budget,
            "spent_today": spent[entry.id],
        }
        for entry in console.catalog
    ]


async def _spent_today(console: Console) -> dict[str, int]:
    """Each model's credits reserved today (UTC) and not released, as counted against its
    `daily_budget` (kb:models:spend, written by job_submit.lua)."""
    day = budget_day(time.time())
    ids = [entry.id for entry in console.catalog]
    async with console.redis.pipeline(transaction=False) as pipe:
        for model_id in ids:
            pipe.hget(console.keys.model_spend(model_id, day), "spent")
        found = await pipe.execute()
    return {model_id: int(value or 0) for model_id, value in zip(ids, found, strict=True)}


async def errors(console: Console) -> list[dict[str, object]]:
    return [record.as_dict() for record in await console.errors.latest()]
