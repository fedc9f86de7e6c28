"""Handlers of the generation flows: texts, photos and albums, and the buttons that
answer the bot's questions (what to do with a photo, take the offered fallback, try a
failed job on another model). Each calls one `Flows` method and renders its answer."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message

from kiebot.bot.albums import AlbumCollector
from kiebot.bot.matching import Matches
from kiebot.bot.outcomes import PhotoChoice, TakeOffer, render
from kiebot.bot.status import RetryOn
from kiebot.catalog import Kind
from kiebot.delivery import Delivery
from kiebot.flows import Flows, PhotoRef, job_id_for_query
from kiebot.flows.menu import StaleButton
from kiebot.jobs import job_id_for_message


def flows_router() -> Router:
    router = Router(name="flows")
    router.message.register(photo, Matches(F.photo | F.document))
    router.callback_query.register(photo_choice, PhotoChoice.filter())
    router.callback_query.register(take_offer, TakeOffer.filter())
    router.callback_query.register(retry_on, RetryOn.filter())
    return router


def photo_ref(message: Message) -> PhotoRef:
    """The largest size of a photo, or a file sent as a document (type as declared)."""
    if message.photo:
        largest = message.photo[-1]
        return PhotoRef(largest.file_id, largest.file_size)
    document = message.document
    if document is None:
        raise ValueError("a message without a photo or a document")
    return PhotoRef(document.file_id, document.file_size, document.mime_type or "")


async def text_prompt(
    message: Message, bot: Bot, flows: Flows, delivery: Delivery, language: str
) -> None:
    """A text is a prompt: for photos waiting for one, else for the user's mode.

    The job id comes from the message, so a prompt redelivered after a crash is not
    charged twice.
    """
    if message.from_user is None or message.text is None:
        return
    outcome = await flows.text(
        user_id=message.from_user.id,
        chat_id=message.chat.id,
        text=message.text,
        job_id=job_id_for_message(bot.id, message.chat.id, message.message_id),
    )
    await render(outcome, message.chat.id, language, delivery)


async def photo(
    message: Message,
    bot: Bot,
    flows: Flows,
    albums: AlbumCollector,
    delivery: Delivery,
    language: str,
) -> None:
    if message.from_user is None:
        return
    messages = await albums.collect(message)
    if messages is None:
        return  # another photo of the album; the first one's handler takes it
    caption = next((m.caption for m in messages if m.caption), None)
    outcome = await flows.photos(
        user_id=message.from_user.id,
        chat_id=message.chat.id,
        photos=[photo_ref(m) for m in messages],
        caption=caption,
        job_id=job_id_for_message(bot.id, message.chat.id, messages[0].message_id),
    )
    await render(outcome, message.chat.id, language, delivery)


async def photo_choice(
    query: CallbackQuery,
    callback_data: PhotoChoice,
    flows: Flows,
    delivery: Delivery,
    language: str,
) -> None:
    try:
        kind = Kind(callback_data.k)
    except ValueError:
        raise StaleButton(f"no kind {callback_data.k!r}") from None
    chat_id = query.message.chat.id if query.message else query.from_user.id
    outcome = await flows.choose(
        user_id=query.from_user.id, chat_id=chat_id, kind=kind, job_id=job_id_for_query(query.id)
    )
    await query.answer()
    await render(outcome, chat_id, language, delivery)


async def take_offer(query: CallbackQuery, flows: Flows, delivery: Delivery, language: str) -> None:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    outcome = await flows.accept_offer(
        user_id=query.from_user.id, job_id=job_id_for_query(query.id)
    )
    await query.answer()
    await render(outcome, chat_id, language, delivery)


async def retry_on(
    query: CallbackQuery, callback_data: RetryOn, flows: Flows, delivery: Delivery, language: str
) -> None:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    outcome = await flows.retry_with_fallback(
        user_id=query.from_user.id, source_id=callback_data.j, job_id=job_id_for_query(query.id)
    )
    await query.answer()
    await render(outcome, chat_id, language, delivery)
