"""API keys and the accounts they spend from.

KIE charges the account when a task is created (and gives the credits back when the task
fails); a sub-key may carry its own usage cap, and going over it is code 433, distinct
from the account running dry (402). Each key is its own account unless the config groups
keys under one account name, which is also what lets them read each other's tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiebot.sim.kie.config import KeySpec


@dataclass
class Account:
    name: str
    credits: float
    initial: float


@dataclass
class ApiKey:
    key: str
    account: Account
    cap: float | None
    spent: float = 0.0


def _spec(value: KeySpec | float) -> KeySpec:
    return value if isinstance(value, KeySpec) else KeySpec(credits=float(value))


class Accounts:
    """Keys by value, accounts by name; balances move only through `charge` and `refund`."""

    def __init__(self, keys: Mapping[str, KeySpec | float]) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._accounts: dict[str, Account] = {}
        for key, value in keys.items():
            spec = _spec(value)
            self.add(key, spec.credits, spec.cap, spec.account)

    def add(
        self, key: str, credits: float, cap: float | None = None, account: str | None = None
    ) -> ApiKey:
        """Register a key; an existing account keeps its balance, a new one starts at `credits`.

        Adding a key that exists replaces its cap and resets what it has spent.
        """
        name = account or f"account:{key}"
        acct = self._accounts.get(name)
        if acct is None:
            acct = self._accounts[name] = Account(name, float(credits), float(credits))
        api_key = self._keys[key] = ApiKey(key, acct, cap)
        return api_key

    def get(self, key: str | None) -> ApiKey | None:
        return self._keys.get(key) if key is not None else None

    def keys(self) -> list[str]:
        return list(self._keys)

    def set_credits(self, key: str, credits: float) -> None:
        """Set the balance of the key's account (tests use this to run an account dry)."""
        self._keys[key].account.credits = float(credits)

    def charge(self, key: str, cost: float) -> int | None:
        """Take `cost` from the key's account; the refusal code (402 or 433) if it cannot."""
        api_key = self._keys[key]
        if api_key.account.credits < cost:
            return 402
        if api_key.cap is not None and api_key.spent + cost > api_key.cap:
            return 433
        # Rounded, so that thousands of 0.8-credit tasks leave 984, not 984.0000000000009.
        api_key.account.credits = round(api_key.account.credits - cost, 6)
        api_key.spent = round(api_key.spent + cost, 6)
        return None

    def refund(self, key: str, cost: float) -> None:
        api_key = self._keys[key]
        api_key.account.credits = round(api_key.account.credits + cost, 6)
        api_key.spent = max(round(api_key.spent - cost, 6), 0.0)

    def reset(self) -> None:
        """Every account back to its starting balance, every key back to nothing spent."""
        for acct in self._accounts.values():
            acct.credits = acct.initial
        for api_key in self._keys.values():
            api_key.spent = 0.0

    def as_dict(self) -> dict[str, dict[str, object]]:
        return {
            k.key: {
                "account": k.account.name,
                "credits": k.account.credits,
                "cap": k.cap,
                "spent": k.spent,
            }
            for k in self._keys.values()
        }
