"""The control API over HTTP, and the Python conveniences behind it."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import aiohttp
import pytest
from aiogram import Bot

from kiebot.sim.telegram import SimUser, TelegramSimulator

from .conftest import BIG_ID, aiogram_bot, png

USER = {"id": BIG_ID, "first_name": "Anna", "username": "anna_k", "language_code": "ru"}


async def control(
    http: aiohttp.ClientSession,
    sim: TelegramSimulator,
    path: str,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    url = f"{sim.url}/_sim/{path}"
    if body is None:
        async with http.get(url) as response:
            assert response.status == 200, await response.text()
            return await response.json()  # type: ignore[no-any-return]
    async with http.post(url, json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()  # type: ignore[no-any-return]


async def test_inject_text_and_read_the_chat(
    http: aiohttp.ClientSession, sim: TelegramSimulator, bot: Bot
) -> None:
    injected = await control(http, sim, "messages", {"user": USER, "text": "/start"})
    message = injected["message"]
    assert message["chat"] == {
        "id": BIG_ID,
        "type": "private",
        "first_name": "Anna",
        "username": "anna_k",
    }
    assert message["from"]["language_code"] == "ru"
    [update] = await bot.get_updates(timeout=0)
    assert update.update_id == injected["update_id"]
    sent = await bot.send_message(BIG_ID, "Hi!")
    await bot.edit_message_text("Hi again", chat_id=BIG_ID, message_id=sent.message_id)
    await bot.send_chat_action(BIG_ID, "typing")
    chat = await control(http, sim, f"chats/{BIG_ID}")
    [mine] = chat["messages"]
    assert mine["text"] == "Hi again"
    assert [e["text"] for e in mine["edits"]] == ["Hi again"]
    assert mine["deleted"] is False
    assert [m["text"] for m in chat["incoming"]] == ["/start"]
    assert [a["action"] for a in chat["actions"]] == ["typing"]


async def test_inject_photo_as_base64_and_as_multipart(
    http: aiohttp.ClientSession, sim: TelegramSimulator, bot: Bot
) -> None:
    image = png(640, 480)
    encoded = base64.b64encode(image).decode()
    injected = await control(
        http, sim, "photos", {"user": USER, "photo": encoded, "caption": "make it blue"}
    )
    sizes = injected["message"]["photo"]
    assert [s["width"] for s in sizes] == [90, 320, 640]
    assert (sizes[-1]["width"], sizes[-1]["height"]) == (640, 480)
    assert injected["message"]["caption"] == "make it blue"
    file = await bot.get_file(sizes[-1]["file_id"])
    assert file.file_path is not None
    data = await bot.download_file(file.file_path)
    assert data is not None
    assert data.read() == image

    form = aiohttp.FormData()
    form.add_field("user", json.dumps(USER))
    form.add_field("photo", image, filename="cat.png", content_type="image/png")
    async with http.post(f"{sim.url}/_sim/photos", data=form) as response:
        assert response.status == 200
        assert (await response.json())["message"]["photo"][-1]["width"] == 640


async def test_inject_album_sticker_voice_document(
    http: aiohttp.ClientSession, sim: TelegramSimulator
) -> None:
    photos = [base64.b64encode(png(100 + i, 100)).decode() for i in range(3)]
    album = await control(http, sim, "albums", {"user": USER, "photos": photos, "caption": "set"})
    group_ids = {m["message"]["media_group_id"] for m in album["messages"]}
    assert len(group_ids) == 1
    assert album["messages"][0]["message"]["caption"] == "set"
    sticker = await control(http, sim, "stickers", {"user": USER, "emoji": "🔥"})
    assert sticker["message"]["sticker"]["emoji"] == "🔥"
    voice = await control(http, sim, "voices", {"user": USER, "duration": 3})
    assert voice["message"]["voice"]["duration"] == 3
    document = await control(
        http,
        sim,
        "documents",
        {"user": USER, "document": base64.b64encode(b"%PDF-1").decode(), "file_name": "a.pdf"},
    )
    assert document["message"]["document"]["mime_type"] == "application/pdf"


async def test_press_a_button_and_block_over_http(
    http: aiohttp.ClientSession, sim: TelegramSimulator, bot: Bot
) -> None:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    sim.open_chat(SimUser.from_json(USER))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Buy 100", callback_data="buy:100")]]
    )
    sent = await bot.send_message(BIG_ID, "Packs", reply_markup=markup)
    pressed = await control(
        http, sim, "callbacks", {"user": USER, "message_id": sent.message_id, "data": "buy:100"}
    )
    [update] = await bot.get_updates(timeout=0)
    assert update.callback_query is not None
    assert update.callback_query.id == pressed["callback_query_id"]
    assert update.callback_query.data == "buy:100"
    assert update.callback_query.message is not None
    assert update.callback_query.chat_instance
    await bot.answer_callback_query(pressed["callback_query_id"], text="ok", show_alert=True)
    answers = await control(http, sim, "callbacks")
    assert answers["callbacks"][0]["answer"]["show_alert"] is True
    await control(http, sim, "blocks", {"user_id": BIG_ID, "blocked": True})
    assert (await control(http, sim, f"chats/{BIG_ID}"))["blocked"] is True


async def test_stats_config_reset(
    http: aiohttp.ClientSession, sim: TelegramSimulator, bot: Bot
) -> None:
    await bot.get_me()
    stats = await control(http, sim, "stats")
    assert stats["calls"]["getMe"] == 1
    knobs = await control(http, sim, "config", {"per_chat_rate": 5, "count_edits": False})
    assert knobs["per_chat_rate"] == 5.0
    assert sim.config.count_edits is False
    async with http.post(f"{sim.url}/_sim/config", json={"per_chat_rate": -1}) as response:
        assert response.status == 400
    assert sim.config.per_chat_rate == 5.0
    async with http.post(f"{sim.url}/_sim/config", json={"no_such_knob": 1}) as response:
        assert response.status == 400
    sim.send_text(SimUser(id=1, first_name="A"), "hi")
    await control(http, sim, "reset", {})
    assert sim.pending_updates() == 0
    assert sim.chat(1) == []
    assert sim.stats.calls == {}


async def test_unknown_chat_is_404(http: aiohttp.ClientSession, sim: TelegramSimulator) -> None:
    async with http.get(f"{sim.url}/_sim/chats/5") as response:
        assert response.status == 404
    async with http.post(f"{sim.url}/_sim/messages", json={"user": {"id": "x"}}) as response:
        assert response.status == 400


async def test_second_bot_is_separate(http: aiohttp.ClientSession, sim: TelegramSimulator) -> None:
    token = "777000:SECOND-sim-token-abcdefghijklmnopqrs"
    added = await control(http, sim, "bots", {"token": token, "username": "second_bot"})
    assert added["id"] == 777000
    second = aiogram_bot(sim, token)
    try:
        user = SimUser(id=5, first_name="Five")
        sim.send_text(user, "to the second bot", token=token)
        assert sim.pending_updates() == 0
        assert sim.pending_updates(token=token) == 1
        assert (await second.get_me()).username == "second_bot"
        await second.send_message(user.id, "from the second bot")
        assert [m.text for m in sim.chat(user.id, token=token)] == ["from the second bot"]
        assert sim.chat(user.id) == []
        bots = await control(http, sim, "bots")
        assert {b["username"] for b in bots["bots"]} == {"kiebot_sim_bot", "second_bot"}
    finally:
        await second.session.close()


async def test_wait_for_sees_edits_and_times_out_helpfully(
    sim: TelegramSimulator, bot: Bot, user: SimUser
) -> None:
    sim.open_chat(user)
    sent = await bot.send_message(user.id, "queued")
    waiter = asyncio.create_task(sim.wait_for(user.id, lambda m: m.text == "done"))
    await bot.edit_message_text("done", chat_id=user.id, message_id=sent.message_id)
    assert (await waiter).message_id == sent.message_id
    with pytest.raises(TimeoutError, match="bot sent"):
        await sim.wait_for(user.id, lambda m: m.text == "never", timeout=0.05)


async def test_stars_invoice_payment(sim: TelegramSimulator, bot: Bot, user: SimUser) -> None:
    from aiogram.types import LabeledPrice

    sim.open_chat(user)
    invoice = await bot.send_invoice(
        user.id,
        title="100 credits",
        description="Credits for generations",
        payload="pack:100",
        currency="XTR",
        prices=[LabeledPrice(label="100 credits", amount=50)],
    )
    assert invoice.invoice is not None
    assert invoice.invoice.total_amount == 50
    query_id = sim.pay_invoice(user, invoice.message_id)
    [update] = await bot.get_updates(timeout=0)
    assert update.pre_checkout_query is not None
    assert update.pre_checkout_query.invoice_payload == "pack:100"
    await bot.answer_pre_checkout_query(query_id, ok=True)
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    payment = updates[0].message.successful_payment if updates[0].message else None
    assert payment is not None
    assert payment.total_amount == 50
    assert payment.invoice_payload == "pack:100"
    assert await bot.refund_star_payment(user.id, payment.telegram_payment_charge_id)
