"""/cancel: nothing running, one job (cancelled at once), several (the user picks)."""

from __future__ import annotations

from kiebot.sim.kie import KieSimulator
from tests.account.helpers import labels, leftover_button, press_then_edit
from tests.e2e.harness import MODEL, STARTING_CREDITS, Harness


async def test_nothing_to_cancel_says_so(harness: Harness) -> None:
    await harness.start()
    user = harness.new_user()
    reply = await harness.say(user, "/cancel")
    assert reply.text == "Nothing to cancel: no generation of yours is running."


async def test_the_one_running_job_is_cancelled_with_its_credits_back(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    kie.set_model_duration(MODEL, 30.0)
    user = harness.new_user()
    status = await harness.say(user, "a slow cathedral in fog")
    await harness.wait_running(user)

    reply = await harness.say(user, "/cancel")
    assert reply.text == "Cancelled: Z-Image (fast). Returned to your balance: 1 credit."
    final = await harness.wait_final(user, status)
    assert (final.text or "").startswith("Cancelled.")
    money = await harness.settled(user)
    assert (money.balance, money.held) == (STARTING_CREDITS, 0)


async def test_several_running_jobs_offer_a_choice_and_cancel_all(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    kie.set_model_duration(MODEL, 30.0)
    user, stranger = harness.new_user(), harness.new_user("Stranger")
    first = await harness.say(user, "a slow cathedral in fog")
    second = await harness.say(user, "a slow harbour at night")
    await harness.wait_running(user, count=2)

    choice = await harness.say(user, "/cancel")
    assert choice.text == "You have 2 generations running. Which one should I cancel?"
    assert labels(choice) == ["✖ 1. Z-Image (fast)", "✖ 2. Z-Image (fast)", "✖ Cancel all"]

    # Another user's pick of these jobs finds nothing.
    (job, *_) = await harness.jobs_of(user)
    await harness.start_chat(stranger)
    forged = await leftover_button(harness, stranger, f"cxl:{job.job_id}")
    query = harness.telegram.press_button(stranger, forged.message_id, f"cxl:{job.job_id}")
    assert (await harness.answer_of(query))["text"] == "I cannot find that generation."
    assert all(j.state == "running" for j in await harness.jobs_of(user))

    _, done = await press_then_edit(harness, user, choice, "✖ Cancel all")
    assert done.text == (
        "Cancelled: Z-Image (fast), Z-Image (fast). Returned to your balance: 2 credits."
    )
    assert done.buttons() == []
    for status in (first, second):
        assert ((await harness.wait_final(user, status)).text or "").startswith("Cancelled.")
    assert (await harness.settled(user)).balance == STARTING_CREDITS
