"""A real aiogram client against the simulator: the wire format must be the Bot API's."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from kiebot.sim.telegram import SimUser, TelegramSimulator

from .conftest import BIG_ID, FileHost, mp4, png

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Cancel", callback_data="cancel:7")]]
)


async def test_get_me_describes_the_default_bot(bot: Bot, sim: TelegramSimulator) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "kiebot_sim_bot"
    assert me.id == int(sim.token.split(":")[0])


async def test_send_edit_delete_round_trip(bot: Bot, sim: TelegramSimulator, user: SimUser) -> None:
    sim.open_chat(user)
    sent = await bot.send_message(
        user.id, "<b>Queued</b> #3", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert sent.chat.id == BIG_ID
    assert sent.text == "Queued #3"
    assert sent.entities is not None
    assert sent.entities[0].type == "bold"
    assert isinstance(sent.reply_markup, InlineKeyboardMarkup)
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "cancel:7"

    edited = await bot.edit_message_text("Generating", chat_id=user.id, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert edited.text == "Generating"
    assert edited.reply_markup is None  # an edit without reply_markup drops the keyboard
    assert await bot.delete_message(user.id, sent.message_id)

    [record] = sim.chat(user.id)
    assert record.text == "Generating"
    assert [edit.text for edit in record.edits] == ["Generating"]
    assert record.deleted


async def test_message_ids_are_shared_per_chat(
    bot: Bot, sim: TelegramSimulator, user: SimUser
) -> None:
    first = sim.send_text(user, "hello")
    reply = await bot.send_message(user.id, "hi there")
    second = sim.send_text(user, "again")
    assert (first.message_id, reply.message_id, second.message_id) == (1, 2, 3)
    other = SimUser(id=7, first_name="Bo")
    assert sim.send_text(other, "me too").message_id == 1


async def test_send_photo_upload_then_download(
    bot: Bot, sim: TelegramSimulator, user: SimUser
) -> None:
    sim.open_chat(user)
    image = png(400, 300)
    sent = await bot.send_photo(user.id, BufferedInputFile(image, "result.png"), caption="Done")
    assert sent.caption == "Done"
    assert sent.photo is not None
    assert [(p.width, p.height) for p in sent.photo] == [(90, 68), (320, 240), (400, 300)]
    largest = sent.photo[-1]
    assert largest.file_unique_id
    file = await bot.get_file(largest.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == image
    [record] = sim.chat(user.id)
    assert record.kind == "photo"
    assert record.file_size == len(image)


async def test_send_photo_by_url_and_resend_by_file_id(
    bot: Bot, sim: TelegramSimulator, user: SimUser, file_host: FileHost
) -> None:
    sim.open_chat(user)
    url = file_host.add("/results/a.png", png(64, 48), "image/png")
    by_url = await bot.send_photo(user.id, url)
    assert by_url.photo is not None
    assert (by_url.photo[-1].width, by_url.photo[-1].height) == (64, 48)
    again = await bot.send_photo(user.id, by_url.photo[-1].file_id)
    assert again.photo is not None
    assert again.photo[-1].file_unique_id == by_url.photo[-1].file_unique_id


async def test_send_video_and_document(bot: Bot, sim: TelegramSimulator, user: SimUser) -> None:
    sim.open_chat(user)
    video = await bot.send_video(user.id, BufferedInputFile(mp4(1280, 720, 5), "clip.mp4"))
    assert video.video is not None
    assert (video.video.width, video.video.height, video.video.duration) == (1280, 720, 5)
    doc = await bot.send_document(user.id, BufferedInputFile(png(10, 10), "full.png"))
    assert doc.document is not None
    assert doc.document.mime_type == "image/png"
    assert doc.document.file_name == "full.png"
    assert [m.kind for m in sim.chat(user.id)] == ["video", "document"]


async def test_dispatcher_polling_receives_and_answers(
    bot: Bot, sim: TelegramSimulator, user: SimUser
) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(
            f"Welcome, {message.from_user.first_name if message.from_user else ''}"
        )

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}", reply_markup=KEYBOARD)

    @dp.callback_query(F.data.startswith("cancel:"))
    async def cancel(query: CallbackQuery) -> None:
        await query.answer("Cancelled")

    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=5)
    )
    try:
        sim.send_text(user, "/start")
        await sim.wait_for(user.id, lambda m: m.text == "Welcome, Anna")
        sim.send_text(user, "a cat in a hat")
        echoed = await sim.wait_for(user.id, lambda m: m.text == "echo: a cat in a hat")
        query_id = sim.press_button(user, echoed.message_id, "cancel:7")
        await sim.wait_for(user.id, lambda m: sim.callback_query(query_id).answered)
        assert sim.callback_query(query_id).answer is not None
        assert sim.callback_query(query_id).answer["text"] == "Cancelled"  # type: ignore[index]
    finally:
        await dp.stop_polling()
        await polling
    assert sim.pending_updates() <= 1  # the last batch is confirmed by the next poll only


async def test_group_chat_has_negative_id_and_title(bot: Bot, sim: TelegramSimulator) -> None:
    from kiebot.sim.telegram import SimChat

    group = SimChat(id=-1001234567890, title="Makers")
    incoming = sim.send_text(SimUser(id=5, first_name="Eve"), "/models@kiebot_sim_bot", chat=group)
    assert incoming["chat"] == {"id": -1001234567890, "type": "supergroup", "title": "Makers"}
    assert incoming["entities"] == [{"type": "bot_command", "offset": 0, "length": 22}]
    sent = await bot.send_message(group.id, "Models: ...")
    assert sent.chat.type == "supergroup"


async def test_aiogram_sees_refusals_as_its_exceptions(bot: Bot, user: SimUser) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(user.id, "hello?")


async def test_send_media_group_as_an_album(
    bot: Bot, sim: TelegramSimulator, user: SimUser, file_host: FileHost
) -> None:
    from aiogram.types import InputMediaDocument, InputMediaPhoto

    sim.open_chat(user)
    url = file_host.add("/b.png", png(300, 200), "image/png")
    album = await bot.send_media_group(
        user.id,
        [
            InputMediaPhoto(
                media=BufferedInputFile(png(200, 100), "a.png"),
                caption="<b>2</b>",
                parse_mode="HTML",
            ),
            InputMediaPhoto(media=url),
        ],
    )
    assert len(album) == 2
    assert album[0].media_group_id == album[1].media_group_id is not None
    assert album[0].caption == "2"
    assert [m.kind for m in sim.chat(user.id)] == ["photo", "photo"]
    with pytest.raises(TelegramBadRequest, match="can't use the media of the specified type"):
        await bot.send_media_group(
            user.id,
            [
                InputMediaPhoto(media=album[0].photo[-1].file_id if album[0].photo else ""),
                InputMediaDocument(media=BufferedInputFile(b"%PDF-1", "a.pdf")),
            ],
        )
