"""Helpers for the rewards tests: the operator's admin API, and the process's services."""

from __future__ import annotations

from typing import Any

import aiohttp

from kiebot.billing.spending import SpendingCaps
from kiebot.rewards import PromoCodes, Referrals
from tests.e2e.harness import Harness

ADMIN = {"Authorization": "Bearer e2e-admin-token"}  # the harness's admin token


async def admin(
    harness: Harness, method: str, path: str, body: Any = None, *, token: bool = True
) -> tuple[int, Any]:
    """One admin API call as an operator's script makes it: (status, JSON body)."""
    headers = ADMIN if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, f"{harness.running.admin_url}{path}", json=body, headers=headers
        ) as response,
    ):
        return response.status, await response.json(content_type=None)


def promos(harness: Harness) -> PromoCodes:
    service = harness.running.dispatcher["promos"]
    assert isinstance(service, PromoCodes)
    return service


def referrals(harness: Harness) -> Referrals:
    service = harness.running.dispatcher["referrals"]
    assert isinstance(service, Referrals)
    return service


def spending_caps(harness: Harness) -> SpendingCaps:
    service = harness.running.dispatcher["spending_caps"]
    assert isinstance(service, SpendingCaps)
    return service
