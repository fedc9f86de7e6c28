"""The update gate on a real Redis: bans and per-user flood windows, across restarts."""

from __future__ import annotations

import pytest
from aiogram.types import Update
from redis.asyncio import Redis

from kiebot.account import Languages, Senders
from kiebot.billing import Billing
from kiebot.billing.usernames import Usernames
from kiebot.bot.limits import Kind, UpdateGate, UpdateLimits, classify
from kiebot.preferences import Preferences
from kiebot.store import Keys, Scripts
from tests.billing.support import START, Clock

KEYS = Keys(prefix="limits:")
USER = 42


def gate(redis: Redis, clock: Clock, limits: UpdateLimits | None = None) -> UpdateGate:
    """A fresh gate, as a restarted process builds it: all it knows is in Redis."""
    return UpdateGate(KEYS, Scripts(redis), limits or UpdateLimits(), clock=clock)


async def test_a_flood_of_25_messages_lets_20_through_and_tells_once(redis: Redis) -> None:
    clock = Clock()
    verdicts = []
    for update_id in range(25):
        verdicts.append(await gate(redis, clock).check(USER, "message", str(update_id)))
        clock.advance(1)

    assert [v.outcome for v in verdicts] == ["ok"] * 20 + ["limited"] * 5
    assert [v.tell for v in verdicts[20:]] == [True, False, False, False, False]
    # The first message (at START) leaves the window at START + 60; the 21st came at +20.
    assert verdicts[20].retry_after == pytest.approx(40)


async def test_the_window_holds_across_a_restart_and_then_frees(redis: Redis) -> None:
    clock = Clock()
    before = gate(redis, clock, UpdateLimits(messages=3))
    for update_id in range(4):
        await before.check(USER, "message", str(update_id))

    clock.advance(30)
    after_restart = gate(redis, clock, UpdateLimits(messages=3))
    held = await after_restart.check(USER, "message", "100")
    assert (held.outcome, held.tell) == ("limited", False)
    assert held.retry_after == pytest.approx(30)

    clock.advance(30)
    assert (await after_restart.check(USER, "message", "101")).outcome == "ok"


async def test_one_update_or_album_is_counted_once(redis: Redis) -> None:
    clock = Clock()
    limited = gate(redis, clock, UpdateLimits(messages=2))
    for _ in range(5):
        assert (await limited.check(USER, "message", "7")).outcome == "ok"  # redelivered
        assert (await limited.check(USER, "message", "album:1")).outcome == "ok"
    assert (await limited.check(USER, "message", "8")).outcome == "limited"


async def test_presses_and_messages_have_their_own_windows(redis: Redis) -> None:
    clock = Clock()
    limited = gate(redis, clock, UpdateLimits(messages=1, presses=2))
    assert (await limited.check(USER, "message", "1")).outcome == "ok"
    assert (await limited.check(USER, "message", "2")).outcome == "limited"
    assert (await limited.check(USER, "press", "3")).outcome == "ok"
    assert (await limited.check(USER, "press", "4")).outcome == "ok"
    press = await limited.check(USER, "press", "5")
    assert (press.outcome, press.tell) == ("limited", True)


async def test_an_unlimited_user_is_not_counted(redis: Redis) -> None:
    limited = gate(redis, Clock(), UpdateLimits(messages=1))
    for update_id in range(5):
        verdict = await limited.check(USER, "message", str(update_id), limited=False)
        assert verdict.outcome == "ok"
    assert await redis.exists(KEYS.flood(USER, "message")) == 0


async def test_a_banned_user_is_told_once_a_day_and_never_let_through(redis: Redis) -> None:
    billing = Billing(redis, KEYS, Scripts(redis), starting_credits=10, clock=Clock())
    await billing.set_banned(USER, True)
    limited = gate(redis, Clock())

    kinds: list[Kind] = ["message", "message", "message", "press", "press"]
    verdicts = [await limited.check(USER, kind, str(i)) for i, kind in enumerate(kinds)]
    unlimited = await limited.check(USER, "message", "99", limited=False)

    assert [(v.outcome, v.tell) for v in verdicts] == [("banned", True)] + [("banned", False)] * 4
    assert (unlimited.outcome, unlimited.tell) == ("banned", False)
    assert 86_000 < await redis.ttl(KEYS.banned_told(USER)) <= 86_400
    assert await redis.exists(KEYS.flood(USER, "message")) == 0, "nothing of theirs is counted"

    await billing.set_banned(USER, False)
    assert (await limited.check(USER, "message", "100")).outcome == "ok"


def _update(**fields: object) -> Update:
    return Update.model_validate({"update_id": 5, **fields})


_USER = {"id": USER, "is_bot": False, "first_name": "A"}
_CHAT = {"id": USER, "type": "private"}


def test_payments_pass_the_gate_and_albums_count_by_group() -> None:
    message = {"message_id": 1, "date": int(START), "chat": _CHAT, "from": _USER}
    paid = {
        "currency": "XTR",
        "total_amount": 50,
        "invoice_payload": "p",
        "telegram_payment_charge_id": "c",
        "provider_payment_charge_id": "",
    }
    checkout = {
        "id": "q", "from": _USER, "currency": "XTR", "total_amount": 50, "invoice_payload": "p",
    }  # fmt: skip
    query = {"id": "q", "from": _USER, "chat_instance": "1", "data": "x"}

    assert classify(_update(message={**message, "text": "hi"})) == ("message", "5")
    assert classify(_update(message={**message, "media_group_id": "g"})) == ("message", "album:g")
    assert classify(_update(callback_query=query)) == ("press", "5")
    assert classify(_update(message={**message, "successful_payment": paid})) is None
    assert classify(_update(pre_checkout_query=checkout)) is None


def senders(redis: Redis) -> tuple[Senders, Usernames]:
    scripts = Scripts(redis)
    billing = Billing(redis, KEYS, scripts, starting_credits=0)
    usernames = Usernames(redis, KEYS)
    languages = Languages(Preferences(redis, KEYS), billing)
    return Senders(KEYS, scripts, languages, usernames), usernames


async def test_an_update_let_through_remembers_its_sender_in_the_same_call(
    redis: Redis,
) -> None:
    """A new sender's first update costs the gate's call only: its language and name
    are written by it, and the user middleware then finds them known."""
    clock = Clock()
    known, usernames = senders(redis)
    note = known.unwritten(USER, "ru", "Anna_K")
    assert note is not None

    verdict = await gate(redis, clock).check(USER, "message", "1", sender=note)
    assert (verdict.outcome, verdict.sender) == ("ok", ("ru", ""))
    assert known.written(note, *verdict.sender) == "ru"

    assert known.unwritten(USER, "ru", "Anna_K") is None  # no call of its own next
    assert await usernames.find("anna_k") == USER
    assert await redis.hget(KEYS.user(USER), "lang") == "ru"


async def test_a_dropped_update_remembers_nothing_of_its_sender(redis: Redis) -> None:
    clock = Clock()
    known, usernames = senders(redis)
    one = gate(redis, clock, UpdateLimits(messages=1))
    await one.check(USER, "message", "1")
    note = known.unwritten(USER, "en", "flooder")
    assert note is not None

    verdict = await one.check(USER, "message", "2", sender=note)
    assert (verdict.outcome, verdict.sender) == ("limited", None)
    assert await usernames.find("flooder") is None
