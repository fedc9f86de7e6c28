"""Referrals end to end: /invite shows the link, a friend starts through it and buys
credits with Stars, and the inviter is paid the bonus once and told so."""

from __future__ import annotations

import re

from kiebot.bot.rewards import ReferralBonusNotice
from kiebot.delivery import Delivery
from kiebot.sim.telegram import SimUser
from tests.e2e.harness import STARTING_CREDITS, Harness
from tests.payments.support import buy
from tests.rewards.support import referrals

BONUS = 20  # the default KIEBOT_REFERRAL_BONUS
LINK = re.compile(r"https://t\.me/kiebot_sim_bot\?start=(ref_[a-z0-9]{8})")


async def invite_payload(harness: Harness, user: SimUser) -> str:
    reply = await harness.say(user, "/invite")
    found = LINK.search(reply.text or "")
    assert found, reply.text
    return found.group(1)


async def test_the_inviter_earns_the_bonus_on_the_friends_first_payment_only(
    harness: Harness,
) -> None:
    await harness.start()
    alice, bob = harness.new_user("Alice"), harness.new_user("Bob")
    await harness.start_chat(alice)
    payload = await invite_payload(harness, alice)

    greeting = await harness.say(bob, f"/start {payload}")
    assert f"Balance: {STARTING_CREDITS} credits" in (greeting.text or "")
    assert (await harness.money(alice)).entries("referral") == [], "nothing at sign-up"

    after = harness.last_id(alice)
    await buy(harness, bob, "small")
    told = await harness.next_message(alice, after)
    assert told.text == (
        f"🎉 A friend you invited made their first purchase: +{BONUS} credits.\n"
        f"Balance: {STARTING_CREDITS + BONUS} credits."
    )

    await buy(harness, bob, "small")  # a second payment earns nothing more
    # Payments tells its listeners of a redelivered payment update too: nothing again.
    (payment, *_) = (await harness.money(bob)).entries("payment")
    notice = ReferralBonusNotice(
        referrals=referrals(harness),
        billing=harness.running.billing,
        delivery=_delivery(harness),
    )
    await notice.payment_received(user_id=bob.id, charge_id=payment.ref, stars=50)

    money = await harness.money(alice)
    money.check()
    (bonus,) = money.entries("referral")
    assert (bonus.amount, bonus.ref) == (BONUS, str(bob.id))
    assert money.balance == STARTING_CREDITS + BONUS
    assert [m.text for m in harness.telegram.chat(alice.id)].count(told.text) == 1
    invite = await harness.say(alice, "/invite")
    assert f"Joined: 1 · purchased: 1 · earned: {BONUS} credits." in (invite.text or "")


async def test_self_and_second_referrals_are_refused(harness: Harness) -> None:
    await harness.start()
    alice, bob, carol = (harness.new_user(n) for n in ("Alice", "Bob", "Carol"))
    await harness.start_chat(alice)
    await harness.start_chat(carol)
    alice_link = await invite_payload(harness, alice)
    carol_link = await invite_payload(harness, carol)

    await harness.say(alice, f"/start {alice_link}")  # himself
    await harness.say(bob, f"/start {alice_link}")
    await harness.say(bob, f"/start {carol_link}")  # referred already
    await harness.say(alice, f"/start {carol_link}")  # used the bot before: not new

    service = referrals(harness)
    assert await service.referrer_of(alice.id) is None
    assert await service.referrer_of(bob.id) == alice.id
    assert (await service.invitation(alice.id)).joined == 1
    assert (await service.invitation(carol.id)).joined == 0


def _delivery(harness: Harness) -> Delivery:
    delivery = harness.running.dispatcher["delivery"]
    assert isinstance(delivery, Delivery)
    return delivery
