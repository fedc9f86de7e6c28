"""Helpers of the operations tests: the admin server over HTTP, admins and users."""

from __future__ import annotations

from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from kiebot.sim.telegram import SimUser
from tests.e2e.harness import Harness

ADMIN_ID = 2**32 + 9_000_001


def admin_user() -> SimUser:
    return SimUser(id=ADMIN_ID, first_name="Olga", language_code="en")


async def get(harness: Harness, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(harness.running.admin_url + path) as response,
    ):
        return response.status, await response.text()


async def get_json(harness: Harness, path: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(harness.running.admin_url + path) as response,
    ):
        return response.status, await response.json()


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_metrics(text: str) -> tuple[set[str], Samples]:
    """Family names and every sample, as Prometheus reads the text (raises if invalid)."""
    names: set[str] = set()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return names, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum over every sample of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)
