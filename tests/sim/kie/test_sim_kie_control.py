"""The /_sim/ control API, and the rule that the simulator imports nothing of the product."""

from __future__ import annotations

import ast
import asyncio
import signal
import sys
from pathlib import Path

import aiohttp
from aiohttp import web

import kiebot.sim.kie
from kiebot.sim.kie import KieSimulator, create_app
from tests.sim.kie.kie_sim_helpers import KEY, Kie, fast_config


async def test_stats_over_http(kie: Kie, sim: KieSimulator) -> None:
    await kie.create()
    await kie.create(key="nobody")
    answer = await kie.call("GET", "/_sim/stats", key=None)
    assert answer.status == 200
    stats = answer.body
    assert stats["totals"]["creates"] == 1
    assert stats["keys"][KEY]["answers"]["createTask"] == {"200": 1}
    assert stats["unauthorized"] == 1
    assert stats["accounts"][KEY]["credits"] == 999.2
    assert stats == {
        **sim.stats.as_dict(),
        **{k: stats[k] for k in ("accounts", "injections", "tasks")},
    }


async def test_config_knobs(kie: Kie, sim: KieSimulator) -> None:
    answer = await kie.call("POST", "/_sim/config", json={"create_limit": 1000, "time_scale": 0.5})
    assert answer.status == 200
    assert answer.body["config"]["create_limit"] == 1000
    assert sim.config.create_limit == 1000
    assert sim.config.time_scale == 0.5
    current = await kie.call("GET", "/_sim/config")
    assert current.body["hmac_key"] == "***"
    for bad in (
        {"no_such_knob": 1},
        {"create_limit": "many"},
        {"error_http_status": "teapot"},
        {"create_limit": 1.5},
        {"seed": 3},
    ):
        refused = await kie.call("POST", "/_sim/config", json=bad)
        assert refused.status == 400, bad
    assert sim.config.create_limit == 1000
    await kie.call("POST", "/_sim/config", json={"disabled_models": ["z-image"]})
    assert (await kie.create()).code == 505


async def test_inject_keys_models_over_http(kie: Kie, sim: KieSimulator) -> None:
    await kie.call(
        "POST",
        "/_sim/inject",
        json={"endpoint": "createTask", "code": 455, "http_status": 455, "times": 1},
    )
    assert (await kie.create()).status == 455
    assert (await kie.call("POST", "/_sim/inject", json={"endpoint": "bogus"})).status == 400

    await kie.call("POST", "/_sim/keys", json={"key": "new-key", "credits": 5, "cap": 3})
    assert (await kie.call("GET", "/api/v1/chat/credit", key="new-key")).data == 5

    await kie.call(
        "POST",
        "/_sim/models",
        json={"name": "bench/video", "kind": "video", "median_s": 2, "cost": 0},
    )
    task_id = await kie.task_id("bench/video", {"free": "form"})
    assert sim.tasks[task_id].duration_s == 2
    await kie.call("POST", "/_sim/models", json={"name": "z-image", "enabled": False})
    assert (await kie.create()).code == 505


async def test_tasks_clock_and_failures_over_http(kie: Kie, sim: KieSimulator) -> None:
    await kie.call(
        "POST", "/_sim/fail-next", json={"count": 1, "failCode": "400", "failMsg": "nope"}
    )
    failing = await kie.task_id()
    fine = await kie.task_id()
    view = (await kie.call("GET", f"/_sim/tasks/{failing}")).body
    assert view["plannedFailure"] == ["400", "nope"]
    assert view["account"] == f"account:{KEY}"
    assert (await kie.call("GET", "/_sim/tasks/none")).status == 404
    listing = (await kie.call("GET", "/_sim/tasks?limit=1")).body
    assert listing["count"] == 2
    assert [t["taskId"] for t in listing["tasks"]] == [fine]

    await kie.call("POST", f"/_sim/tasks/{fine}/finish")
    assert (await kie.record(fine)).data["state"] == "success"
    assert (await kie.record(failing)).data["state"] == "waiting"
    await kie.call("POST", "/_sim/advance", json={"seconds": 10})
    assert (await kie.record(failing)).data["state"] == "fail"


async def test_reset(kie: Kie, sim: KieSimulator) -> None:
    await kie.task_id()
    sim.inject("credit", code=500, times=5)
    assert (await kie.call("POST", "/_sim/reset")).status == 200
    assert not sim.tasks
    assert sim.stats.totals.creates == 0
    assert sim.credits(KEY) == 1000
    assert (await kie.call("GET", "/api/v1/chat/credit")).code == 200


def test_the_simulator_imports_nothing_of_the_product() -> None:
    """DESIGN.md: a simulator sharing the client's code would share its mistakes."""
    package = Path(kiebot.sim.kie.__file__).parent
    files = [*package.glob("*.py"), package.parent / "media.py"]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("kiebot"):
                    assert name.startswith("kiebot.sim"), f"{path.name} imports {name}"


async def test_app_can_be_mounted_in_another_runner() -> None:
    """create_app() for a caller with its own runner: URLs then follow the request's host."""
    sim = KieSimulator(fast_config())
    runner = web.AppRunner(create_app(sim))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession() as http:
            kie = Kie(http, sim)
            kie.base = f"http://{host}:{port}"
            task_id = await kie.task_id()
            sim.advance(10.0)
            record = (await kie.record(task_id)).data
        assert f"http://{host}:{port}/media/{task_id}.png" in record["resultJson"]
    finally:
        await runner.cleanup()
    assert sim.url == ""


async def test_standalone_process(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kiebot.sim.kie", "--port", "0", "--key", "cli-key",
        stdout=asyncio.subprocess.PIPE, cwd=tmp_path,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        url = line.split(" at ", 1)[1].split()[0]
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": "Bearer cli-key"}
            async with http.get(f"{url}/api/v1/chat/credit", headers=headers) as resp:
                assert (await resp.json())["data"] == 10_000
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
