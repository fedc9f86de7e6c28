"""Every Redis key kiebot uses, in one place.

All keys start with a prefix (default `kb:`) so that one Redis can be shared and a
`SCAN kb:*` finds everything of ours. Formats:

Accounts and money (never expire):
- `kb:user:{user_id}` (hash): `balance` (spendable credits, = the sum of the ledger),
  `held` (credits reserved by unfinished jobs, = the sum of open reservations),
  `created_at`, `granted` (1 once the starting grant was given), `banned` (1 when an
  operator banned the user), `lang`, `model`.
- `kb:ledger:{user_id}` (stream): ledger entries with `type`, `amount`, `balance` (after),
  `ref`, `reason`; the stream id is the entry's time. A reservation is an entry of
  -price; its capture an entry of 0 (the spend becomes final); its release +price.
  Types: `grant`, `adjustment`, `reservation`, `capture`, `release`.
- `kb:applied:{user_id}` (hash): idempotency, operation key -> the ledger entry id it
  produced. Keys: `grant:start`, `reserve:{job_id}`, `capture:{job_id}`,
  `release:{job_id}`, `adjust:{op}` (operator adjustments), payment charge ids.

- `kb:user:{user_id}:prefs` (hash): the user's choices (`preferences.store`): `lang`,
  `aspect_ratio`, `model:{kind}`, `opt:{model}:{field}` (JSON values).

Jobs:
- `kb:job:{job_id}` (hash): the job record (see `jobs.record`), with one `t_{state}`
  timestamp field per state it passed through: the admin page's timeline.
- `kb:jobs:active` (set): ids of jobs not yet in a final state; recovery reads it.
- `kb:user:{user_id}:jobs` (set): the user's unfinished job ids (per-user cap).
- `kb:user:{user_id}:history` (list): the user's job ids, newest first, capped at
  `HISTORY_CAP`.
- `kb:user:{user_id}:submits` (sorted set): job id -> submit time, the sliding window of
  the per-user generation rate; trimmed on every submit, expires after one window.
- `kb:queue:{job_class}` (list): queued job ids in arrival order (durable queue order).
- `kb:task:{task_id}` (string): job id of a KIE task, for callbacks; expires after
  `TASK_TTL_S`, longer than any task may run.
- `kb:durations:{model}` (list): recent generation durations (s), capped: the poller's
  first-check estimate.

Operations:
- `kb:models:switches` (hash): model id -> "1"/"0", the operator's live override of the
  catalog's `enabled` flag (`catalog.switches`).

Money keys never expire: an evicting Redis (`maxmemory-policy allkeys-lru`) would delete
balances, which is why the README requires `noeviction`.
"""

from __future__ import annotations

from dataclasses import dataclass

# A KIE task's callback may arrive late, but never days after its job gave up on it.
TASK_TTL_S = 3 * 24 * 3600
# The user's "my generations" list; older ids fall off (their job hashes stay).
HISTORY_CAP = 100


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

    def preferences(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:prefs"

    def user_jobs(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:jobs"

    def user_history(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:history"

    def user_submits(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:submits"

    def queue(self, job_class: str) -> str:
        return f"{self.prefix}queue:{job_class}"

    def task(self, task_id: str) -> str:
        return f"{self.prefix}task:{task_id}"

    def durations(self, model: str) -> str:
        return f"{self.prefix}durations:{model}"

    @property
    def model_switches(self) -> str:
        return f"{self.prefix}models:switches"
