"""Per-key limits: 429 without creating anything, windows that recover, peak meters."""

from __future__ import annotations

from kiebot.sim.kie import KieSimulator
from tests.sim.kie.kie_sim_helpers import KEY, OTHER_KEY, Kie


async def test_create_limit_answers_429_and_creates_nothing(kie: Kie, sim: KieSimulator) -> None:
    codes = [(await kie.create()).code for _ in range(21)]
    assert codes == [200] * 20 + [429]
    assert len(sim.tasks) == 20
    assert sim.credits(KEY) == 1000 - 20 * 0.8
    stats = sim.stats.key(KEY)
    assert stats.creates == 20
    assert stats.create_attempts == 21
    assert stats.rate_limited == 1
    assert stats.answered("createTask", 429) == 1
    assert stats.max_creates_in_window == 21  # what the client tried, refusals included


async def test_create_window_slides_and_recovers(kie: Kie, sim: KieSimulator) -> None:
    for _ in range(20):
        assert (await kie.create()).code == 200
    sim.advance(5.0)
    assert (await kie.create()).code == 429  # the first 20 are still inside the 10 s
    sim.advance(5.01)
    assert (await kie.create()).code == 200
    assert len(sim.tasks) == 21


async def test_limits_are_per_key(kie: Kie, sim: KieSimulator) -> None:
    for _ in range(20):
        await kie.create()
    assert (await kie.create()).code == 429
    assert (await kie.create(key=OTHER_KEY)).code == 200


async def test_read_limit_is_10_per_second(kie: Kie, sim: KieSimulator) -> None:
    task_id = await kie.task_id()
    codes = [(await kie.record(task_id)).code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    sim.advance(1.0)
    assert (await kie.record(task_id)).code == 200
    stats = sim.stats.key(KEY)
    assert stats.reads == 11
    assert stats.read_attempts == 12
    assert stats.max_reads_in_window == 11


async def test_limits_are_knobs(kie: Kie, sim: KieSimulator) -> None:
    sim.config.create_limit *= 50
    sim.config.read_limit *= 50
    codes = {(await kie.create()).code for _ in range(60)}
    assert codes == {200}
    task_id = next(iter(sim.tasks))
    assert {(await kie.record(task_id)).code for _ in range(60)} == {200}


async def test_a_client_that_paces_itself_never_sees_429(kie: Kie, sim: KieSimulator) -> None:
    for _ in range(3):
        for _ in range(20):
            assert (await kie.create()).code == 200
        sim.advance(10.0)
    assert sim.stats.key(KEY).rate_limited == 0
    assert sim.stats.key(KEY).max_creates_in_window == 20
