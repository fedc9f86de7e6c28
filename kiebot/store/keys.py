"""Every Redis key kiebot uses, in one place.

All keys start with a prefix (default `kb:`) so that one Redis can be shared and a
`SCAN kb:*` finds everything of ours. Formats:

- `kb:user:{user_id}` (hash): the user's account: `balance`, `held` (reserved, not yet
  captured), `created_at`.
- `kb:ledger:{user_id}` (stream): ledger entries with `type`, `amount`, `balance` (after),
  `ref`, `reason`; the stream id is the entry's time.
- `kb:applied:{user_id}` (hash): idempotency, operation key (job id, payment charge id)
  -> the ledger entry id it produced.

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
