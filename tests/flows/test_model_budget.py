"""The operator's daily budget of a model (catalog `daily_budget`): once today's spend
has reached it, the next request is offered the fallback at its price; accepting runs
the fallback and charges that, and nothing is charged for the model refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kiebot.sim.kie import KieSimulator
from tests.e2e.harness import Harness
from tests.flows.conftest import CREDITS
from tests.flows.support import labels, press, screen, task_bodies

HEADER = '[models."google/nano-banana"]\n'


def _budgeted(catalog: Path, directory: Path) -> Path:
    """The test's catalog copy with a 3-credit daily budget on Nano Banana (3 credits)."""
    text = catalog.read_text("utf-8")
    assert HEADER in text
    path = directory / "budget-catalog.toml"
    path.write_text(text.replace(HEADER, HEADER + "daily_budget = 3\n", 1), "utf-8")
    return path


async def test_a_model_out_of_budget_offers_its_fallback_at_its_price(
    harness: Harness, kie: KieSimulator, tmp_path: Path
) -> None:
    catalog = _budgeted(harness.base.catalog_path, tmp_path)  # type: ignore[arg-type]
    harness.base = replace(harness.base, catalog_path=catalog)
    process = await harness.start()
    user = harness.new_user()
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Text → image")
    models = await screen(harness, user, menu, "choose a model")
    await press(harness, user, models, "Nano Banana (Google)")
    await screen(harness, user, menu, "Nano Banana (Google), 3 credits")

    first = await harness.say(user, "a red fox")
    assert (await harness.wait_final(user, first)).text == "✅ Done. 3 credits spent."
    assert await process.surface.health.spent_today("google/nano-banana") == 3

    offer = await harness.say(user, "a blue whale")
    assert offer.text == (
        "Nano Banana (Google) has used up today's budget (it is back at 00:00 UTC). "
        "I can do it with Z-Image (fast) for 1 credit instead."
    )
    assert labels(offer) == ["✅ Use Z-Image (fast) · 1"]
    assert len(await harness.jobs_of(user)) == 1, "nothing reserved before the user agrees"
    assert (await harness.settled(user)).balance == CREDITS - 3

    after = harness.last_id(user)
    await press(harness, user, offer, "Z-Image")
    status = await harness.next_message(user, after, lambda m: m.kind == "text")
    assert (await harness.wait_final(user, status)).text == "✅ Done. 1 credit spent."
    assert [body["model"] for body in task_bodies(kie)] == ["google/nano-banana", "z-image"]
    assert [body["input"]["prompt"] for body in task_bodies(kie)][-1] == "a blue whale"
    assert (await harness.settled(user)).balance == CREDITS - 3 - 1
