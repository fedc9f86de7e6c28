"""Checking what an operator typed or a script sent, before any service is called.

Shared by the HTML forms and the JSON API so both refuse the same things with the same
words. Each parser raises `BadInput` (400) and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kiebot.jobs import JobState
from kiebot.web.queries import JobFilter

MAX_REASON = 500
MAX_AMOUNT = 10_000_000
_OP_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_STATES = frozenset(state.value for state in JobState)


class BadInput(ValueError):
    """The request is malformed; the message says what to fix."""


def whole_number(raw: object) -> object:
    """A form field's text as an int when it is one (JSON numbers arrive typed)."""
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            raise BadInput("amount must be a non-zero whole number") from None
    return raw


def adjustment(amount: object, reason: object) -> tuple[int, str]:
    """A credit grant (> 0) or deduction (< 0) and its reason."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise BadInput("amount must be a non-zero whole number")
    if abs(amount) > MAX_AMOUNT:
        raise BadInput(f"amount must be at most {MAX_AMOUNT} either way")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise BadInput(f"reason must be a non-empty string of at most {MAX_REASON} characters")
    return amount, reason.strip()


def op_key(value: object) -> str | None:
    """The form's idempotency key (one per rendered form); None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _OP_KEY.match(value):
        raise BadInput("op must be 8-64 letters, digits, - or _")
    return value


def user_id(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise BadInput("a user id is a positive whole number")
    return int(raw)


def job_id(raw: str) -> str:
    if not _JOB_ID.match(raw):
        raise BadInput("a job id is 32 hex digits")
    return raw


def flag(value: object) -> bool:
    if value in ("1", "true", True, 1):
        return True
    if value in ("0", "false", False, 0):
        return False
    raise BadInput("expected 1/0 or true/false")


def job_filter(query: Mapping[str, str]) -> JobFilter:
    """The job list's filters from a query string; an unknown state matches all."""
    state = query.get("state", "")
    user = query.get("user", "").strip()
    return JobFilter(
        state=state if state in _STATES else "",
        model=query.get("model", "")[:100],
        user_id=user_id(user) if user else None,
    )
