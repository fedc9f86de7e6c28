"""Every Redis key kiebot uses, in one place.

All keys start with a prefix (default `kb:`) so that one Redis can be shared and a
`SCAN kb:*` finds everything of ours. Formats:

Accounts and money (never expire):
- `kb:user:{user_id}` (hash): `balance` (spendable credits, = the sum of the ledger),
  `held` (credits reserved by unfinished jobs, = the sum of open reservations),
  `created_at`, `granted` (1 once the starting grant was given), `lang`, `model`.
- `kb:ledger:{user_id}` (stream): ledger entries with `type`, `amount`, `balance` (after),
  `ref`, `reason`; the stream id is the entry's time. A reservation is an entry of
  -price; its capture an entry of 0 (the spend becomes final); its release +price.
- `kb:applied:{user_id}` (hash): idempotency, operation key (`reserve:{job}`,
  `capture:{job}`, payment charge id, ...) -> the ledger entry id it produced.

Jobs:
- `kb:job:{job_id}` (hash): the job record (see `jobs.record`), with one `t_{state}`
  timestamp field per state it passed through: the admin page's timeline.
- `kb:jobs:active` (set): ids of jobs not yet in a final state; recovery reads it.
- `kb:user:{user_id}:jobs` (set): the user's unfinished job ids (per-user cap).
- `kb:user:{user_id}:history` (list): the user's job ids, newest first, capped.
- `kb:queue:{job_class}` (list): queued job ids in arrival order (durable queue order).
- `kb:task:{task_id}` (string): job id of a KIE task, for callbacks; expires with the job.
- `kb:durations:{model}` (list): recent generation durations (s), capped: the poller's
  first-check estimate.

Money keys never expire: an evicting Redis (`maxmemory-policy allkeys-lru`) would delete
balances, which is why the README requires `noeviction`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "kb:"

    def user(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def ledger(self, user_id: int) -> str:
        return f"{self.prefix}ledger:{user_id}"

    def applied(self, user_id: int) -> str:
        return f"{self.prefix}applied:{user_id}"

    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    @property
    def active_jobs(self) -> str:
        return f"{self.prefix}jobs:active"

    def user_jobs(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:jobs"

    def user_history(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:history"

    def queue(self, job_class: str) -> str:
        return f"{self.prefix}queue:{job_class}"

    def task(self, task_id: str) -> str:
        return f"{self.prefix}task:{task_id}"

    def durations(self, model: str) -> str:
        return f"{self.prefix}durations:{model}"
