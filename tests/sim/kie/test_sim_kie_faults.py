"""Injected and random failures, HTTP-status variants, the proxy's HTML 502, odd requests."""

from __future__ import annotations

import pytest

from kiebot.sim.kie import KieSimulator
from tests.sim.kie.kie_sim_helpers import KEY, Kie


async def test_injected_500s_then_normal_service(kie: Kie, sim: KieSimulator) -> None:
    sim.inject(endpoint="createTask", code=500, http_status=200, times=2)
    answers = [await kie.create() for _ in range(3)]
    assert [(a.status, a.code) for a in answers] == [(200, 500), (200, 500), (200, 200)]
    assert answers[0].data is None
    assert len(sim.tasks) == 1
    assert sim.stats.key(KEY).server_errors == 2


async def test_injected_maintenance_with_mirrored_status(kie: Kie, sim: KieSimulator) -> None:
    task_id = await kie.task_id()
    sim.inject(endpoint="recordInfo", code=455, http_status=455)
    first = await kie.record(task_id)
    assert (first.status, first.code) == (455, 455)
    assert (await kie.record(task_id)).code == 200


async def test_injection_on_any_endpoint(kie: Kie, sim: KieSimulator) -> None:
    sim.inject(endpoint="*", code=500, times=2)
    assert (await kie.call("GET", "/api/v1/chat/credit")).code == 500
    assert (await kie.create()).code == 500
    assert (await kie.create()).code == 200


def test_injection_rejects_unknown_endpoints(sim: KieSimulator) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        sim.inject(endpoint="createTsk")


@pytest.mark.parametrize(("style", "status"), [("body", 200), ("mirror", 401)])
async def test_error_http_status_knob(kie: Kie, sim: KieSimulator, style: str, status: int) -> None:
    sim.config.error_http_status = style  # type: ignore[assignment]
    answer = await kie.create(key="wrong")
    assert (answer.status, answer.code) == (status, 401)
    ok = await kie.create()
    assert (ok.status, ok.code) == (200, 200)


async def test_mixed_error_statuses_use_both_forms(kie: Kie, sim: KieSimulator) -> None:
    sim.config.error_http_status = "mixed"
    statuses = {(await kie.create(key="wrong")).status for _ in range(20)}
    assert statuses == {200, 401}


async def test_proxy_502_is_html(kie: Kie, sim: KieSimulator) -> None:
    sim.inject_proxy_error("createTask")
    answer = await kie.create()
    assert answer.status == 502
    assert answer.content_type == "text/html"
    assert "502 Bad Gateway" in answer.body
    assert not sim.tasks
    assert sim.stats.key(KEY).answered("createTask", 502) == 1


async def test_random_fault_rates(kie: Kie, sim: KieSimulator) -> None:
    sim.config.server_error_rate = 1.0
    assert (await kie.create()).code == 500
    sim.config.server_error_rate = 0.0
    sim.config.proxy_error_rate = 1.0
    assert (await kie.create()).status == 502
    sim.config.proxy_error_rate = 0.0
    assert (await kie.create()).code == 200


@pytest.mark.parametrize(
    ("knob", "keys"), [("msg", {"msg"}), ("message", {"message"}), ("both", {"msg", "message"})]
)
async def test_message_key_knob(kie: Kie, sim: KieSimulator, knob: str, keys: set[str]) -> None:
    sim.config.message_key = knob  # type: ignore[assignment]
    body = (await kie.create()).body
    assert set(body) - {"code", "data"} == keys


async def test_unknown_route_and_method_are_json(kie: Kie) -> None:
    missing = await kie.call("GET", "/api/v1/jobs/nothing")
    assert (missing.status, missing.code) == (404, 404)
    wrong = await kie.call("GET", "/api/v1/jobs/createTask")
    assert (wrong.status, wrong.code) == (405, 405)
    assert wrong.content_type == "application/json"
