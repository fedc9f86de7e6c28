"""The minimal admin server: health, metrics, the two user endpoints, KIE callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import Settings, load_settings
from kiebot.ops.metrics import Metrics
from kiebot.store import Keys, Scripts, create_redis
from kiebot.web.app import create_web_app
from kiebot.web.callbacks import callback_url
from tests.support.redis_server import free_port

TOKEN = "admin-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = {
    "KIEBOT_BOT_TOKEN": "123456789:AAE_fake-token-for-tests-0123456789ab",
    "KIEBOT_KIE_API_KEY": "k",
    "KIEBOT_ADMIN_TOKEN": TOKEN,
}
Factory = Callable[..., TestClient[web.Request, web.Application]]


class Wakes:
    def __init__(self) -> None:
        self.tasks: list[str] = []

    async def __call__(self, task_id: str) -> bool:
        self.tasks.append(task_id)
        return True


@pytest.fixture
def wakes() -> Wakes:
    return Wakes()


@pytest.fixture
async def make_client(redis: Redis, wakes: Wakes) -> AsyncIterator[Factory]:
    clients: list[TestClient[web.Request, web.Application]] = []

    async def make(settings: Settings | None = None, store: Redis | None = None) -> TestClient:
        settings = settings or load_settings(BASE)
        store = store or redis
        billing = Billing(store, Keys(), Scripts(store), starting_credits=10)
        app = create_web_app(
            settings=settings, redis=store, billing=billing, metrics=Metrics(), wake_task=wakes
        )
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make  # type: ignore[misc]
    for client in clients:
        await client.close()


async def test_health_is_ok_with_redis(make_client: Factory) -> None:
    client = await make_client()
    reply = await client.get("/healthz")
    assert reply.status == 200
    assert await reply.json() == {"status": "ok", "checks": {"redis": "ok"}}


async def test_health_is_503_naming_redis_when_it_is_gone(make_client: Factory) -> None:
    dead = create_redis(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.3)
    client = await make_client(store=dead)
    reply = await client.get("/healthz")
    assert reply.status == 503
    body = await reply.json()
    assert body["status"] == "fail"
    assert body["checks"]["redis"].startswith("fail")
    await dead.aclose()


async def test_metrics_parse_as_prometheus_text(make_client: Factory) -> None:
    client = await make_client()
    reply = await client.get("/metrics")  # loopback listener: no token needed
    assert reply.status == 200
    names = {family.name for family in text_string_to_metric_families(await reply.text())}
    assert {"kiebot_jobs", "kiebot_job_duration_seconds", "kiebot_queue_depth"} <= names


async def test_metrics_need_the_token_off_loopback(make_client: Factory) -> None:
    client = await make_client(load_settings({**BASE, "KIEBOT_ADMIN_LISTEN": "0.0.0.0:8080"}))
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers=AUTH)).status == 200


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}]
)
async def test_the_api_refuses_without_the_token(
    make_client: Factory, headers: dict[str, str]
) -> None:
    client = await make_client()
    assert (await client.get("/api/users/5", headers=headers)).status == 401
    reply = await client.post(
        "/api/users/5/credits", json={"amount": 5, "reason": "x"}, headers=headers
    )
    assert reply.status == 401


async def test_an_unknown_user_is_404(make_client: Factory) -> None:
    client = await make_client()
    assert (await client.get("/api/users/424242", headers=AUTH)).status == 404
    assert (await client.get("/api/users/not-a-number", headers=AUTH)).status == 404


async def test_granting_creates_the_user_and_a_ledger_entry(
    make_client: Factory, redis: Redis
) -> None:
    client = await make_client()
    user = 2**33 + 1
    reply = await client.post(
        f"/api/users/{user}/credits",
        json={"amount": 25, "reason": "support ticket 7"},
        headers=AUTH,
    )
    assert reply.status == 200
    assert await reply.json() == {"balance": 25}
    body = await (await client.get(f"/api/users/{user}", headers=AUTH)).json()
    assert (body["user_id"], body["balance"], body["held"], body["banned"]) == (user, 25, 0, False)
    [entry] = await Billing(redis, Keys(), Scripts(redis), starting_credits=10).ledger(user)
    assert (entry.type, entry.amount, entry.reason) == ("adjustment", 25, "support ticket 7")


async def test_a_deduction_never_takes_the_balance_below_zero(make_client: Factory) -> None:
    client = await make_client()
    await client.post("/api/users/77/credits", json={"amount": 5, "reason": "gift"}, headers=AUTH)
    reply = await client.post(
        "/api/users/77/credits", json={"amount": -6, "reason": "oops"}, headers=AUTH
    )
    assert reply.status == 409
    body = await (await client.get("/api/users/77", headers=AUTH)).json()
    assert body["balance"] == 5


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"amount": "5", "reason": "x"}',
        b'{"amount": 0, "reason": "x"}',
        b'{"amount": true, "reason": "x"}',
        b'{"amount": 5}',
        b'{"amount": 5, "reason": "   "}',
        b'{"amount": 99999999999, "reason": "x"}',
    ],
)
async def test_a_bad_body_is_400_and_changes_nothing(make_client: Factory, body: bytes) -> None:
    client = await make_client()
    reply = await client.post("/api/users/78/credits", data=body, headers=AUTH)
    assert reply.status == 400
    assert "error" in await reply.json()
    assert (await client.get("/api/users/78", headers=AUTH)).status == 404


def _public(**extra: str) -> Settings:
    return load_settings(
        {
            **BASE,
            "KIEBOT_PUBLIC_URL": "https://bot.example.org",
            "KIEBOT_WEBHOOK_SECRET": "hook_secret",
            **extra,
        }
    )


async def test_no_callback_route_without_a_public_url(make_client: Factory) -> None:
    client = await make_client()
    assert (await client.post("/kie/callback", json={})).status in (404, 405)


async def test_a_signed_callback_wakes_the_job_and_a_forged_one_does_not(
    make_client: Factory, wakes: Wakes
) -> None:
    client = await make_client(_public(KIEBOT_KIE_WEBHOOK_HMAC_KEY="hmac-key-123"))
    body = b'{"code": 200, "data": {"taskId": "task_1", "state": "success"}}'
    now = str(int(time.time()))
    good = base64.b64encode(
        hmac.new(b"hmac-key-123", f"task_1.{now}".encode(), hashlib.sha256).digest()
    ).decode()
    headers = {"X-Webhook-Timestamp": now, "X-Webhook-Signature": good}
    assert (await client.post("/kie/callback", data=body, headers=headers)).status == 200
    forged = {**headers, "X-Webhook-Signature": base64.b64encode(b"x" * 32).decode()}
    assert (await client.post("/kie/callback", data=body, headers=forged)).status == 401
    stale = str(int(time.time()) - 3600)
    replayed = base64.b64encode(
        hmac.new(b"hmac-key-123", f"task_1.{stale}".encode(), hashlib.sha256).digest()
    ).decode()
    old = {"X-Webhook-Timestamp": stale, "X-Webhook-Signature": replayed}
    assert (await client.post("/kie/callback", data=body, headers=old)).status == 401
    assert wakes.tasks == ["task_1"]


async def test_without_hmac_the_per_job_url_signature_guards_callbacks(
    make_client: Factory, wakes: Wakes
) -> None:
    settings = _public()
    client = await make_client(settings)
    url = callback_url(settings, "job-1")
    assert url is not None
    path = url.removeprefix("https://bot.example.org")
    body = b'{"code": 200, "data": {"taskId": "task_9"}}'
    assert (await client.post(path, data=body)).status == 200
    assert (await client.post("/kie/callback?job=job-1&sig=00", data=body)).status == 401
    other = callback_url(replace(settings, webhook_secret=SecretStr("other")), "job-1")
    assert other is not None
    assert (
        await client.post(other.removeprefix("https://bot.example.org"), data=body)
    ).status == 401
    assert wakes.tasks == ["task_9"]
