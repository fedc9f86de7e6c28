"""Promo codes end to end: the operator creates a code through the admin API, users
redeem it with /promo in the Telegram simulator, and the ledger shows it."""

from __future__ import annotations

from tests.e2e.harness import STARTING_CREDITS, Harness
from tests.rewards.support import admin


async def test_an_operator_creates_a_code_and_a_user_redeems_it_once(harness: Harness) -> None:
    await harness.start()
    status, created = await admin(
        harness, "POST", "/api/promo", {"code": "Spring25", "credits": 25, "uses": 2, "days": 7}
    )
    assert status == 201, created
    assert (created["code"], created["uses_left"], created["expired"]) == ("SPRING25", 2, False)
    anna = harness.new_user("Anna")
    await harness.start_chat(anna)

    redeemed = await harness.say(anna, "/promo spring25")
    again = await harness.say(anna, "/promo SPRING25")

    assert redeemed.text == (
        f"🎁 Promo code SPRING25 redeemed: +25 credits.\nBalance: {STARTING_CREDITS + 25} credits."
    )
    assert again.text == "You have already redeemed SPRING25: each code works once per person."
    money = await harness.money(anna)
    money.check()
    (entry,) = money.entries("promo")
    assert (entry.amount, entry.ref, entry.balance_after) == (25, "SPRING25", STARTING_CREDITS + 25)
    status, listed = await admin(harness, "GET", "/api/promo")
    assert status == 200
    assert [(p["code"], p["uses_left"], p["redeemed"]) for p in listed["promos"]] == [
        ("SPRING25", 1, 1)
    ]


async def test_wrong_used_up_and_garbage_codes_get_clear_replies(harness: Harness) -> None:
    await harness.start()
    await admin(harness, "POST", "/api/promo", {"code": "SOLO", "credits": 5, "uses": 1, "days": 1})
    first, second = harness.new_user("Anna"), harness.new_user("Boris", "ru")
    await harness.say(first, "/promo solo")

    replies = [
        await harness.say(second, "/promo SOLO"),
        await harness.say(second, "/promo NOPE123"),
        await harness.say(second, "/promo <b>free</b>"),
        await harness.say(second, "/promo"),
    ]

    assert [r.text for r in replies] == [
        "Промокод SOLO уже исчерпан.",
        "Промокода NOPE123 нет. Проверьте написание.",
        "Это не промокод: код состоит из 3–32 букв, цифр, _ или -.",
        "Отправьте код после команды, например /promo SPRING25.",
    ]
    money = await harness.money(second)
    assert money.entries("promo") == []


async def test_the_promo_api_wants_the_token_and_valid_terms(harness: Harness) -> None:
    await harness.start()
    status, _ = await admin(harness, "GET", "/api/promo", token=False)
    assert status == 401
    status, _ = await admin(harness, "POST", "/api/promo", {"code": "X1Y2"}, token=False)
    assert status == 401

    bad_bodies = [
        {"code": "a!", "credits": 5, "uses": 1, "days": 1},
        {"code": "GOOD", "credits": 0, "uses": 1, "days": 1},
        {"code": "GOOD", "credits": 5, "uses": True, "days": 1},
        {"code": "GOOD", "credits": 5, "uses": 1},
        {"code": "GOOD", "credits": 5, "uses": 1, "days": 1, "expires_at": 2e9},
        {"code": "GOOD", "credits": 5, "uses": 1, "expires_at": 1_000},
        ["GOOD"],
    ]
    for body in bad_bodies:
        status, answer = await admin(harness, "POST", "/api/promo", body)
        assert status == 400, (body, answer)
        assert answer["error"]
    status, listed = await admin(harness, "GET", "/api/promo")
    assert listed == {"promos": []}

    good = {"code": "good", "credits": 5, "uses": 1, "expires_at": 4_000_000_000}
    assert (await admin(harness, "POST", "/api/promo", good))[0] == 201
    status, answer = await admin(harness, "POST", "/api/promo", {**good, "credits": 500})
    assert (status, answer) == (409, {"error": "the code GOOD exists"})
