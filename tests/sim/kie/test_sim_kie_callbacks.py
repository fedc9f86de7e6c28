"""Callbacks: KIE's body and HMAC signature, retries, counters, clean shutdown."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import aiohttp

from kiebot.sim.kie import KieSimulator
from tests.sim.kie.kie_sim_helpers import HMAC_KEY, KEY, Z_INPUT, Kie, Receiver, fast_config


def expected_signature(task_id: str, timestamp: str) -> str:
    mac = hmac.new(HMAC_KEY.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


async def test_callback_arrives_signed(kie: Kie, sim: KieSimulator, receiver: Receiver) -> None:
    task_id = await kie.task_id(callBackUrl=f"{receiver.url}/hook")
    sim.advance(10.0)
    await receiver.wait(1)
    headers, raw = receiver.calls[0]
    body = json.loads(raw)
    assert body["code"] == 200
    assert body["msg"] == "Playground task completed successfully."
    data = body["data"]
    assert data["taskId"] == task_id
    assert data["state"] == "success"
    assert json.loads(data["resultJson"])["resultUrls"]
    param = json.loads(data["param"])
    assert json.loads(param["input"]) == Z_INPUT  # double-encoded, as KIE's docs show
    assert data["costTime"] == 10  # seconds in callbacks
    assert data["failCode"] is None
    assert data["creditsConsumed"] == 0.8

    timestamp = headers["X-Webhook-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    received = headers["X-Webhook-Signature"]
    assert hmac.compare_digest(received, expected_signature(data["taskId"], timestamp))
    await sim.drain_callbacks()
    assert sim.stats.callbacks_sent == 1
    assert sim.stats.key(KEY).callbacks_sent == 1


async def test_failed_task_callback(kie: Kie, sim: KieSimulator, receiver: Receiver) -> None:
    sim.fail_next(1, "500", "Internal server error")
    await kie.task_id(callBackUrl=f"{receiver.url}/hook")
    sim.advance(10.0)
    await receiver.wait(1)
    body = json.loads(receiver.calls[0][1])
    assert body["code"] == 501
    assert body["msg"] == "Playground task failed."
    assert body["data"]["state"] == "fail"
    assert body["data"]["failCode"] == "500"
    assert body["data"]["resultJson"] is None
    assert body["data"]["creditsConsumed"] == 0  # refunded


async def test_older_callback_form(kie: Kie, sim: KieSimulator, receiver: Receiver) -> None:
    sim.config.callback_style = "old"
    sim.fail_next(1, "500", "Internal server error")
    failing = await kie.task_id(callBackUrl=f"{receiver.url}/hook")
    await kie.task_id(callBackUrl=f"{receiver.url}/hook")
    sim.advance(10.0)
    await receiver.wait(2)
    bodies = {json.loads(raw)["data"]["taskId"]: json.loads(raw) for _, raw in receiver.calls}
    failed = bodies.pop(failing)
    assert (failed["code"], failed["msg"]) == (501, "Internal server error")
    assert failed["data"]["consumeCredits"] == 0
    (done,) = bodies.values()
    assert (done["code"], done["msg"]) == (200, "success")
    assert done["data"]["consumeCredits"] == 0.8
    assert done["data"]["remainedCredits"] == 999.2
    assert json.loads(done["data"]["param"])["input"] == Z_INPUT
    assert done["data"]["costTime"] == 10_000


async def test_callback_fires_on_its_own(receiver: Receiver) -> None:
    """No clock tricks: the simulator's timer finishes the task and posts the callback."""
    sim = KieSimulator(fast_config(time_scale=0.005))  # 10 s model -> 50 ms
    await sim.start()
    try:
        async with aiohttp.ClientSession() as http:
            task_id = await Kie(http, sim).task_id(callBackUrl=f"{receiver.url}/hook")
            await receiver.wait(1, within=5.0)
        assert json.loads(receiver.calls[0][1])["data"]["taskId"] == task_id
    finally:
        await sim.close()


async def test_failed_deliveries_are_retried(
    kie: Kie, sim: KieSimulator, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    await kie.task_id(callBackUrl=f"{receiver.url}/hook")
    sim.advance(10.0)
    await receiver.wait(3)
    await sim.drain_callbacks()
    stats = sim.stats.key(KEY)
    assert (stats.callback_attempts, stats.callbacks_sent, stats.callbacks_failed) == (3, 1, 0)
    # Each attempt is signed afresh.
    for headers, raw in receiver.calls:
        task_id = json.loads(raw)["data"]["taskId"]
        signature = expected_signature(task_id, headers["X-Webhook-Timestamp"])
        assert headers["X-Webhook-Signature"] == signature


async def test_undeliverable_callback_is_counted_failed(
    kie: Kie, sim: KieSimulator, receiver: Receiver
) -> None:
    sim.config.callback_retries = 2
    receiver.statuses = [500] * 10
    await kie.task_id(callBackUrl=f"{receiver.url}/hook")
    # And one to a port nobody listens on.
    await kie.task_id(callBackUrl="http://127.0.0.1:9/hook")
    sim.advance(10.0)
    await receiver.wait(3)
    await sim.drain_callbacks()
    assert sim.stats.callbacks_failed == 2
    assert sim.stats.callbacks_sent == 0
    assert sim.stats.totals.callback_attempts == 6


async def test_no_signature_without_hmac_key(
    kie: Kie, sim: KieSimulator, receiver: Receiver
) -> None:
    sim.config.hmac_key = None
    await kie.task_id(callBackUrl=f"{receiver.url}/hook")
    sim.advance(10.0)
    await receiver.wait(1)
    headers = receiver.calls[0][0]
    assert "X-Webhook-Signature" not in headers
    assert "X-Webhook-Timestamp" not in headers


async def test_no_callback_without_url(kie: Kie, sim: KieSimulator) -> None:
    await kie.task_id()
    sim.advance(10.0)
    await sim.drain_callbacks()
    assert sim.stats.totals.callback_attempts == 0
    assert sim.stats.totals.tasks_succeeded == 1


async def test_close_cancels_callbacks_in_flight(receiver: Receiver) -> None:
    sim = KieSimulator(fast_config(callback_retry_delay_s=30.0))
    await sim.start()
    receiver.statuses = [500]
    async with aiohttp.ClientSession() as http:
        await Kie(http, sim).task_id(callBackUrl=f"{receiver.url}/hook")
    sim.advance(10.0)
    await receiver.wait(1)  # first attempt failed; the retry now sleeps 30 s
    await sim.close()  # must not wait for it
    assert sim.stats.callbacks_sent == 0
