"""createTask / recordInfo / credit: envelopes, states over time, money, validation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kiebot.sim.kie import KieSimulator, ModelSpec
from tests.sim.kie.kie_sim_helpers import KEY, OTHER_KEY, Z_INPUT, Kie, fast_config


async def test_create_answers_the_documented_envelope(kie: Kie) -> None:
    answer = await kie.create()
    assert answer.status == 200
    assert answer.body["code"] == 200
    assert answer.body["msg"] == "success"
    assert re.fullmatch(r"[0-9a-f]{32}", answer.data["taskId"])


async def test_states_follow_the_clock(kie: Kie, sim: KieSimulator) -> None:
    task_id = await kie.task_id()
    seen = []
    # 10 s task: waiting for the first 10 %, queuing until 25 %, then generating.
    for step in (0.0, 1.5, 3.0, 5.6):
        sim.advance(step)
        seen.append((await kie.record(task_id)).data["state"])
    assert seen == ["waiting", "queuing", "generating", "success"]


async def test_record_fields_are_kie_shaped(kie: Kie, sim: KieSimulator) -> None:
    request = {"model": "z-image", "callBackUrl": "http://127.0.0.1:9/cb", "input": Z_INPUT}
    answer = await kie.call("POST", "/api/v1/jobs/createTask", json=request)
    task_id = answer.data["taskId"]
    pending = (await kie.record(task_id)).data
    assert isinstance(pending["param"], str)
    assert json.loads(pending["param"]) == request
    assert pending["resultJson"] == ""
    assert pending["failCode"] == ""
    assert pending["failMsg"] == ""
    assert pending["completeTime"] is None
    assert pending["costTime"] is None
    assert "progress" not in pending  # z-image does not report progress

    sim.advance(10.0)
    done = (await kie.record(task_id)).data
    assert list(done)[:4] == ["taskId", "model", "state", "param"]
    assert done["model"] == "z-image"
    assert done["state"] == "success"
    assert isinstance(done["resultJson"], str)
    urls = json.loads(done["resultJson"])["resultUrls"]
    assert urls == [f"{sim.url}/media/{task_id}.png"]
    assert done["costTime"] == 10_000
    assert done["completeTime"] == done["createTime"] + 10_000
    assert done["updateTime"] == done["completeTime"]


async def test_video_models_report_progress(kie: Kie, sim: KieSimulator) -> None:
    video = {"prompt": "waves", "sound": False, "aspect_ratio": "16:9", "duration": "5"}
    task_id = await kie.task_id("kling-2.6/text-to-video", video)
    assert (await kie.record(task_id)).data["progress"] == 0
    sim.advance(6.0)
    middle = (await kie.record(task_id)).data
    assert middle["state"] == "generating"
    assert 0 < middle["progress"] < 100
    sim.advance(4.0)
    done = (await kie.record(task_id)).data
    assert done["progress"] == 100
    assert json.loads(done["resultJson"])["resultUrls"][0].endswith(".mp4")


async def test_forced_failure_ends_in_fail_and_refunds(kie: Kie, sim: KieSimulator) -> None:
    sim.fail_next(1, "400", "flagged by moderation")
    task_id = await kie.task_id()
    assert sim.credits(KEY) == 999.2
    sim.advance(10.0)
    record = (await kie.record(task_id)).data
    assert record["state"] == "fail"
    assert (record["failCode"], record["failMsg"]) == ("400", "flagged by moderation")
    assert record["resultJson"] == ""
    assert sim.credits(KEY) == 1000
    assert sim.stats.key(KEY).tasks_failed == 1


async def _outcomes(seed: int, rate: float) -> list[tuple[str, float]]:
    sim = KieSimulator(fast_config(seed=seed, failure_rate=rate, create_limit=1000))
    sim.set_model_duration("z-image", 10.0, sigma=0.5)
    await sim.start()
    try:
        from aiohttp import ClientSession

        async with ClientSession() as http:
            kie = Kie(http, sim)
            ids = [await kie.task_id() for _ in range(30)]
        sim.advance(10_000)
        return [(sim.tasks[i].state_at(sim.now()), round(sim.tasks[i].duration_s, 6)) for i in ids]
    finally:
        await sim.close()


async def test_failures_and_durations_are_seeded() -> None:
    first = await _outcomes(seed=3, rate=0.4)
    assert first == await _outcomes(seed=3, rate=0.4)
    states = {state for state, _ in first}
    assert states == {"success", "fail"}
    durations = sorted(d for _, d in first)
    assert len(set(durations)) == len(durations)  # log-normal, not fixed
    assert 4.0 < durations[len(durations) // 2] < 25.0  # around the 10 s median


async def test_time_scale_shortens_tasks(kie: Kie, sim: KieSimulator) -> None:
    sim.config.time_scale = 0.01
    task_id = await kie.task_id()
    assert sim.tasks[task_id].duration_s == pytest.approx(0.1)


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic sim-key", "Bearer "])
async def test_unknown_or_missing_key_is_401(
    kie: Kie, sim: KieSimulator, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    answer = await kie.call(
        "POST",
        "/api/v1/jobs/createTask",
        key=None,
        headers=headers,
        json={"model": "z-image", "input": Z_INPUT},
    )
    assert (answer.status, answer.code) == (200, 401)
    assert not sim.tasks
    assert sim.stats.unauthorized == 1


async def test_credit_endpoint_and_402_when_out(kie: Kie, sim: KieSimulator) -> None:
    assert (await kie.call("GET", "/api/v1/chat/credit")).data == 1000
    sim.set_credits(KEY, 3)
    answer = await kie.create("google/nano-banana", {"prompt": "x"})  # costs 4
    assert answer.code == 402
    assert not sim.tasks
    assert (await kie.call("GET", "/api/v1/chat/credit")).data == 3


async def test_key_usage_cap_is_433(kie: Kie, sim: KieSimulator) -> None:
    sim.add_key("capped", credits=1000, cap=2)
    assert (await kie.create(key="capped")).code == 200
    assert (await kie.create(key="capped")).code == 200
    assert (await kie.create(key="capped")).code == 433
    assert len(sim.tasks) == 2


async def test_disabled_model_is_505(kie: Kie, sim: KieSimulator) -> None:
    sim.set_model_enabled("z-image", False)
    assert (await kie.create()).code == 505
    sim.set_model_enabled("z-image", True)
    sim.config.disabled_models = {"z-image"}
    assert (await kie.create()).code == 505
    assert not sim.tasks


LONG = "x" * 1001


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        ("z-image", {"aspect_ratio": "1:1"}, "input.prompt"),
        ("z-image", {"prompt": LONG, "aspect_ratio": "1:1"}, "input.prompt"),
        ("z-image", {"prompt": "ok", "aspect_ratio": "2:1"}, "input.aspect_ratio"),
        ("z-image", {"prompt": "ok", "aspect_ratio": "1:1", "nsfw_checker": "no"}, "nsfw_checker"),
        ("google/nano-banana", {"prompt": "ok", "output_format": "gif"}, "input.output_format"),
        ("google/nano-banana-edit", {"prompt": "ok"}, "input.image_urls"),
        (
            "google/nano-banana-edit",
            {"prompt": "ok", "image_urls": [f"http://h/{i}.png" for i in range(11)]},
            "input.image_urls",
        ),
        ("google/nano-banana-edit", {"prompt": "ok", "image_urls": ["ftp://h/a"]}, "image_urls[0]"),
        (
            "kling-2.6/text-to-video",
            {"prompt": "ok", "sound": False, "aspect_ratio": "16:9", "duration": 5},
            "input.duration",
        ),
        ("no/such-model", {"prompt": "ok"}, "model"),
    ],
)
async def test_validation_problems_are_422_naming_the_field(
    kie: Kie, sim: KieSimulator, model: str, body: dict[str, Any], field: str
) -> None:
    answer = await kie.create(model, body)
    assert answer.code == 422
    assert field in answer.msg
    assert not sim.tasks
    assert sim.credits(KEY) == 1000


@pytest.mark.parametrize(
    "request_body",
    [
        {"input": Z_INPUT},
        {"model": "z-image"},
        {"model": "z-image", "input": "prompt"},
        {"model": "z-image", "input": Z_INPUT, "callBackUrl": "not a url"},
    ],
)
async def test_malformed_requests_are_422(kie: Kie, request_body: dict[str, Any]) -> None:
    answer = await kie.call("POST", "/api/v1/jobs/createTask", json=request_body)
    assert answer.code == 422


async def test_malformed_json_is_422(kie: Kie) -> None:
    answer = await kie.call(
        "POST",
        "/api/v1/jobs/createTask",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer.code == 422


async def test_unknown_task_gets_the_real_not_found_answer(kie: Kie, sim: KieSimulator) -> None:
    answer = await kie.record("0" * 32)
    assert (answer.status, answer.code, answer.msg, answer.data) == (
        200,
        422,
        "recordInfo is null",
        None,
    )
    sim.config.not_found_style = "404"
    assert (await kie.record("0" * 32)).code == 404
    assert (await kie.call("GET", "/api/v1/jobs/recordInfo")).code == 400


async def test_tasks_are_private_to_their_account(kie: Kie, sim: KieSimulator) -> None:
    task_id = await kie.task_id()
    assert (await kie.record(task_id, key=OTHER_KEY)).msg == "recordInfo is null"
    sim.add_key("sibling", account=sim.accounts.get(KEY).account.name)  # type: ignore[union-attr]
    assert (await kie.record(task_id, key="sibling")).code == 200


async def test_models_can_be_added_or_made_lenient(kie: Kie, sim: KieSimulator) -> None:
    sim.add_model(ModelSpec("bench/fast", "image", cost=0.5, median_s=1.0))
    assert (await kie.create("bench/fast", {"anything": [1, 2]})).code == 200
    sim.set_model_accept_any("z-image")
    assert (await kie.create("z-image", {"whatever": True})).code == 200
    sim.config.accept_unknown_models = True
    assert (await kie.create("never/heard-of", {})).code == 200
    assert sim.credits(KEY) == 1000 - 0.5 - 0.8 - 1


async def test_telegram_file_urls_are_counted_and_refused(kie: Kie, sim: KieSimulator) -> None:
    leaked = "https://api.telegram.org/file/bot123:ABC/photos/file_1.jpg"
    answer = await kie.create("google/nano-banana-edit", {"prompt": "x", "image_urls": [leaked]})
    assert answer.code == 422
    assert answer.msg.startswith("input.image_urls[0]:")
    assert "123:ABC" not in answer.msg
    assert sim.stats.telegram_file_urls_seen == 1
    assert sim.stats.key(KEY).telegram_file_urls_seen == 1
    assert not sim.tasks
