"""Deleting one's data also forgets what the flows keep between messages (a photo
waiting for its prompt, a fallback offer) and the @name the operator finds people by."""

from __future__ import annotations

from kiebot.billing.usernames import Usernames
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser
from kiebot.store.keys import Keys
from tests.e2e.harness import Harness
from tests.flows.support import PHOTO, press, reply_after, screen, task_bodies


async def test_deleting_data_forgets_the_waiting_photo_the_offer_and_the_username(
    harness: Harness, kie: KieSimulator
) -> None:
    process = await harness.start()
    user = SimUser(id=harness.new_user().id, first_name="Anna", username="Anna_K")
    keys = Keys()
    operator = Usernames(process.redis, keys)  # the admin console's own instance
    await harness.start_chat(user)
    assert await operator.find("@anna_k") == user.id

    # A model that is off left an offer waiting, and a photo waits for its prompt.
    menu = await harness.say(user, "/models")
    await press(harness, user, menu, "Text → video")
    models = await screen(harness, user, menu, "choose a model")
    await press(harness, user, models, "Veo 3.1 Fast")
    await screen(harness, user, menu, "Veo 3.1 Fast (Google), with sound, 50 credits")
    await process.surface.switches.set_enabled("veo-3.1-fast", False)
    offer = await harness.say(user, "a whale at sunset")
    assert "is switched off for now" in (offer.text or ""), offer.text
    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO)
    await reply_after(harness, user, after, "What should I do with this photo?")
    assert (
        await process.redis.exists(
            keys.conversation(user.id, "photos"), keys.conversation(user.id, "offer")
        )
        == 2
    )

    settings = await harness.say(user, "/settings")
    await press(harness, user, settings, "Delete my data")
    confirm = await screen(harness, user, settings, "What stays, and why:")
    await press(harness, user, confirm, "Yes, delete")
    await screen(harness, user, settings, "your data is deleted")

    assert await operator.find("anna_k") is None
    assert await process.redis.hget(keys.user(user.id), "username") is None
    assert (
        await process.redis.exists(
            keys.conversation(user.id, "photos"), keys.conversation(user.id, "offer")
        )
        == 0
    )
    # The offer's button and a prompt find nothing of what was kept.
    answer = await press(harness, user, offer, "Kling 2.6")
    assert answer["text"] == "I no longer have that photo. Please send it again.", answer
    status = await harness.say(user, "make it blue")
    await harness.wait_final(user, status)
    assert [body["model"] for body in task_bodies(kie)] == ["z-image"], (
        "a new text-to-image job (the settings went too), not an edit of the forgotten photo"
    )
    # A user who writes again is a user again: the operator finds them by name once more.
    assert await operator.find("anna_k") == user.id
