"""What the payments service stores and returns: payments, subscriptions, receipts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiebot.billing import Account, LedgerEntry
from kiebot.payments.offers import Offer


@dataclass(frozen=True, slots=True)
class Payment:
    """One Stars payment as stored (`kb:payment:{charge_id}`)."""

    charge_id: str
    user_id: int
    kind: str
    pack: str
    stars: int
    credits: int
    bonus: int
    time: float
    status: str
    refund_reason: str
    refunded_at: float | None

    @classmethod
    def from_hash(cls, charge_id: str, data: Mapping[str, str]) -> Payment:
        refunded_at = data.get("refunded_at")
        return cls(
            charge_id=charge_id,
            user_id=int(data["user_id"]),
            kind=data.get("kind", ""),
            pack=data.get("pack", ""),
            stars=int(data.get("stars") or 0),
            credits=int(data.get("credits") or 0),
            bonus=int(data.get("bonus") or 0),
            time=float(data.get("time") or 0.0),
            status=data.get("status", "paid"),
            refund_reason=data.get("refund_reason", ""),
            refunded_at=float(refunded_at) if refunded_at else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "charge_id": self.charge_id,
            "user_id": self.user_id,
            "kind": self.kind,
            "pack": self.pack,
            "stars": self.stars,
            "credits": self.credits,
            "bonus": self.bonus,
            "time": self.time,
            "status": self.status,
            "refund_reason": self.refund_reason,
            "refunded_at": self.refunded_at,
        }


@dataclass(frozen=True, slots=True)
class Subscription:
    """The user's monthly plan: paid up to `expires_at`; `cancelled` stops renewals."""

    charge_id: str
    credits: int
    stars: int
    expires_at: float
    cancelled: bool

    @classmethod
    def from_hash(cls, data: Mapping[str, str]) -> Subscription:
        return cls(
            charge_id=data["charge_id"],
            credits=int(data.get("credits") or 0),
            stars=int(data.get("stars") or 0),
            expires_at=float(data.get("expires_at") or 0.0),
            cancelled=data.get("cancelled") == "1",
        )

    def active(self, now: float) -> bool:
        return self.expires_at > now


@dataclass(frozen=True, slots=True)
class Receipt:
    """The outcome of a successful_payment: what was credited and the balance after.

    `duplicate` is True when the same charge was credited before (a redelivered update).
    """

    charge_id: str
    user_id: int
    kind: str
    credits: int
    stars: int
    balance: int
    duplicate: bool
    expires_at: float | None


@dataclass(frozen=True, slots=True)
class Refund:
    """A finished refund: `debited` credits taken from the user, `balance` after."""

    charge_id: str
    user_id: int
    debited: int
    balance: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "charge_id": self.charge_id,
            "user_id": self.user_id,
            "status": "refunded",
            "debited": self.debited,
            "balance": self.balance,
        }


@dataclass(frozen=True, slots=True)
class Statement:
    """What /balance shows: the account and its latest ledger entries, newest first."""

    account: Account
    entries: list[LedgerEntry]


@dataclass(frozen=True, slots=True)
class Shop:
    """What /buy shows a user: the packs, the plan (None when off) and their plan."""

    packs: tuple[Offer, ...]
    plan: Offer | None
    subscription: Subscription | None
