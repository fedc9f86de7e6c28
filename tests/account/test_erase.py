"""Deleting one's data: history, file ids, preferences and language go; the balance and
the ledger stay; a running job is never broken by it."""

from __future__ import annotations

from kiebot.sim.kie import KieSimulator
from kiebot.store import Keys
from tests.account.helpers import generate, labels, press, press_then_edit
from tests.e2e.harness import MODEL, STARTING_CREDITS, Harness


async def test_deleting_data_keeps_the_money_and_empties_the_history(
    harness: Harness,
) -> None:
    process = await harness.start()
    user = harness.new_user()
    jobs = await generate(harness, user, ["a red fox", "a blue whale"])
    menu = await harness.say(user, "/settings")
    _, choices = await press_then_edit(harness, user, menu, "🌐 Language")
    _, menu = await press_then_edit(harness, user, choices, "Русский")
    assert "Язык: Русский" in (menu.text or "")
    preferences = process.dispatcher["account_settings"]
    await preferences.set_aspect_ratio(user.id, "16:9", "ru")
    await preferences.set_cap(user.id, 50, "ru")
    referrals = process.dispatcher["referrals"]
    old_code = (await referrals.invitation(user.id)).code  # /invite made a code
    money_before = await harness.settled(user)

    _, confirm = await press_then_edit(harness, user, menu, "🗑 Удалить мои данные")
    assert "Что остаётся и почему" in (confirm.text or "")
    assert labels(confirm) == ["🗑 Да, удалить", "Не удалять"]
    _, done = await press_then_edit(harness, user, confirm, "🗑 Да, удалить")
    text = done.text or ""
    assert text.startswith("Готово: ваши данные удалены (2 генерации с описаниями")
    assert "баланс и журнал движения кредитов" in text
    assert text.endswith("Ваш баланс: 8 кредитов.")

    money_after = await harness.money(user)
    assert money_after == money_before, "the ledger and balance are accounting records"
    for job in jobs:
        assert await process.store.get(job.job_id) is None
    assert await process.store.user_history_size(user.id) == 0
    view = await preferences.view(user.id, "en")
    assert (view.aspect_ratio, view.cap) == (None, None)
    # The referral code (the rewards' erasure hook): an old link names nobody now.
    assert await process.redis.hget(Keys().referral_codes, old_code) is None
    assert (await referrals.invitation(user.id)).code != old_code
    # The language is Telegram's again (the user's app says English).
    reply = await harness.say(user, "/history")
    assert reply.text == "You have no generations yet. Send a description to make your first one."
    assert await process.billing.language(user.id) == "en"


async def test_deleting_data_waits_for_a_running_job(harness: Harness, kie: KieSimulator) -> None:
    process = await harness.start()
    kie.set_model_duration(MODEL, 1.5)
    user = harness.new_user()
    status = await harness.say(user, "a slow cathedral in fog")
    await harness.wait_running(user)

    menu = await harness.say(user, "/settings")
    _, confirm = await press_then_edit(harness, user, menu, "🗑 Delete my data")
    query = await press(harness, user, confirm, "🗑 Yes, delete")
    answer = await harness.answer_of(query)
    assert (answer["text"] or "").startswith("You have 1 generation running. Wait until")

    final = await harness.wait_final(user, status)
    assert (final.text or "").startswith("✅ Done"), "the job was not broken"
    (job,) = await harness.jobs_of(user)
    assert job.file_id is not None
    money = await harness.settled(user)
    assert money.balance == STARTING_CREDITS - 1

    # Once it ended, the same button deletes.
    query = await press(harness, user, confirm, "🗑 Yes, delete")
    await harness.answer_of(query)
    assert await process.store.get(job.job_id) is None


async def test_keep_my_data_goes_back_and_deletes_nothing(harness: Harness) -> None:
    process = await harness.start()
    user = harness.new_user()
    (job,) = await generate(harness, user, ["a red fox"])
    menu = await harness.say(user, "/settings")
    _, confirm = await press_then_edit(harness, user, menu, "🗑 Delete my data")
    assert "What stays, and why:" in (confirm.text or "")
    _, back = await press_then_edit(harness, user, confirm, "Keep my data")
    assert (back.text or "").startswith("Settings\nLanguage: English")
    assert await process.store.get(job.job_id) is not None
