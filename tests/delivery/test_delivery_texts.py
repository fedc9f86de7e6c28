"""Texts, edits, deletes and the coalescing status message, against the simulator."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice

from kiebot.delivery import Delivery, RecipientUnavailable
from kiebot.delivery.errors import DeliveryFailed
from kiebot.sim.telegram import TelegramSimulator
from tests.delivery.conftest import ANNA

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def cancel_button() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="Cancel", callback_data="cancel:job-1")
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def test_send_and_edit_text(delivery: Delivery, tg: TelegramSimulator, chat_id: int) -> None:
    message_id = await delivery.send_text(chat_id, "<b>queued</b>", reply_markup=cancel_button())

    assert await delivery.edit_text(chat_id, message_id, "generating") is True

    [message] = tg.chat(chat_id)
    assert (message.message_id, message.text) == (message_id, "generating")
    assert message.buttons() == []  # an edit without a keyboard removes it


async def test_not_modified_is_success(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    message_id = await delivery.send_text(chat_id, "same")

    assert await delivery.edit_text(chat_id, message_id, "same") is True
    assert tg.stats.errors[NOT_MODIFIED] == 1


async def test_edit_of_a_deleted_message_says_gone(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    message_id = await delivery.send_text(chat_id, "status")
    assert await delivery.delete(chat_id, message_id) is True

    assert await delivery.edit_text(chat_id, message_id, "later") is False
    assert await delivery.delete(chat_id, message_id) is False


async def test_status_coalesces_rapid_updates_and_shows_the_last(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    status = delivery.status(chat_id)
    message_id = await status.show("queued: 21st", cancel_button())

    for position in range(20, 0, -1):  # twenty changes within a few milliseconds
        status.update(f"queued: {position}", cancel_button())
        await asyncio.sleep(0)
    await tg.wait_for(chat_id, lambda m: m.text == "queued: 1", timeout=3.0)
    await status.finish("done")

    [message] = tg.chat(chat_id)
    assert message.message_id == message_id == status.message_id
    assert message.text == "done"
    assert message.buttons() == []
    assert [edit.text for edit in message.edits] == ["queued: 1", "done"]
    assert tg.stats.edits == 2
    assert NOT_MODIFIED not in tg.stats.errors


async def test_status_never_sends_an_identical_edit(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    status = delivery.status(chat_id)
    await status.show("generating")
    status.update("generating")
    await status.finish("generating")

    assert status.requests == 1
    assert tg.stats.edits == 0


async def test_status_on_screen_keeps_no_keyboard_and_still_sees_it_change(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    """2,000 jobs in flight each held their status keyboard (pydantic models) for nothing."""
    status = delivery.status(chat_id)
    keyboard = cancel_button()
    kept = weakref.ref(keyboard)
    await status.show("generating", keyboard)
    del keyboard
    gc.collect()
    assert kept() is None

    status.update("generating", cancel_button())  # the same text and buttons: no edit
    await status.drain()
    assert tg.stats.edits == 0
    other = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Retry", callback_data="retry:1")]]
    )
    await status.finish("generating", other)  # same text, other buttons: an edit
    assert tg.stats.edits == 1
    assert tg.chat(chat_id)[0].buttons() != []


async def test_late_updates_after_finish_are_ignored(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    status = delivery.status(chat_id)
    await status.show("generating 1s", cancel_button())
    status.update("generating 2s", cancel_button())
    await status.finish("done")
    status.update("generating 3s", cancel_button())
    await delivery.aclose()

    assert tg.chat(chat_id)[0].text == "done"
    assert [edit.text for edit in tg.chat(chat_id)[0].edits] == ["done"]


async def test_status_message_deleted_by_the_user_is_sent_again(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    status = delivery.status(chat_id)
    first = await status.show("queued")
    await delivery.delete(chat_id, first)

    second = await status.finish("done")

    assert second != first
    assert [(m.text, m.deleted) for m in tg.chat(chat_id)] == [("queued", True), ("done", False)]


async def test_status_resumes_an_existing_message(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    message_id = await delivery.send_text(chat_id, "generating")
    resumed = delivery.status(chat_id, message_id)  # e.g. after a restart

    assert await resumed.finish("done") == message_id
    assert tg.chat(chat_id)[0].text == "done"


async def test_background_status_failure_is_kept_not_raised(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    status = delivery.status(chat_id)
    first = await status.show("queued")
    await delivery.delete(chat_id, first)  # the user cleared the chat...
    tg.block_user(ANNA, notify=False)  # ...and blocked the bot

    status.update("generating")
    await status.drain()
    status.update("generating 5s")  # ignored: nobody to show it to
    await status.drain()

    assert isinstance(status.error, RecipientUnavailable)
    assert tg.stats.calls["editMessageText"] == 1
    assert tg.stats.calls["sendMessage"] == 2  # "queued", then the refused re-send


async def test_an_invoice_is_sent_and_bad_terms_are_a_delivery_failure(
    delivery: Delivery, tg: TelegramSimulator, chat_id: int
) -> None:
    stars = [LabeledPrice(label="50 credits", amount=50)]
    message_id = await delivery.send_invoice(
        chat_id, title="50 credits", description="credits", payload="pack:small:50:0:50:1",
        currency="XTR", prices=stars,
    )  # fmt: skip

    [invoice] = tg.chat(chat_id)
    assert (invoice.message_id, invoice.kind) == (message_id, "invoice")
    assert (invoice.extra["invoice"]["currency"], invoice.extra["invoice"]["total_amount"]) == (
        "XTR",
        50,
    )
    with pytest.raises(DeliveryFailed, match="invoice refused"):
        await delivery.send_invoice(
            chat_id, title="50 credits", description="credits", payload="x" * 129,
            currency="XTR", prices=stars,
        )  # fmt: skip
    assert len(tg.chat(chat_id)) == 1, "nothing sent for a refused invoice"
