"""How a flow's answer is shown: nothing for a queued job (its status message speaks),
a question with buttons for a photo, a prompt request, or a fallback offer."""

from __future__ import annotations

from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from kiebot.bot.texts import text
from kiebot.delivery import Delivery
from kiebot.flows import FallbackOffer, Outcome, PhotoChoices, PromptNeeded


class PhotoChoice(CallbackData, prefix="ph"):
    """A button under a caption-less photo: the kind of job to make of it."""

    k: str


class TakeOffer(CallbackData, prefix="fo"):
    """Accept the fallback model offered for the request the bot keeps."""


def button(label: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=label, callback_data=data.pack())


async def render(outcome: Outcome | None, chat_id: int, language: str, delivery: Delivery) -> None:
    if isinstance(outcome, PhotoChoices):
        rows = [
            [
                button(
                    text(
                        "flow.choice_button",
                        language,
                        kind=text(f"kind.{choice.kind.value}", language),
                        price=choice.price,
                    ),
                    PhotoChoice(k=choice.kind.value),
                )
            ]
            for choice in outcome.choices
        ]
        markup = InlineKeyboardMarkup(inline_keyboard=rows)
        await delivery.send_text(chat_id, text("flow.photo_choices", language), reply_markup=markup)
    elif isinstance(outcome, PromptNeeded):
        reply = text(
            "flow.prompt_needed",
            language,
            count=outcome.count,
            what=text(f"flow.what.{outcome.kind.value}", language),
            model=escape(outcome.model.display_name(language)),
            price=outcome.price,
        )
        await delivery.send_text(chat_id, reply)
    elif isinstance(outcome, FallbackOffer):
        await _offer(outcome, chat_id, language, delivery)


async def _offer(offer: FallbackOffer, chat_id: int, language: str, delivery: Delivery) -> None:
    fallback = escape(offer.fallback.display_name(language))
    reply = text(
        "flow.offer",
        language,
        model=escape(offer.model.display_name(language)),
        reason=text(f"flow.reason.{offer.reason.value}", language),
        fallback=fallback,
        price=offer.price,
    )
    label = text("flow.offer_button", language, model=fallback, price=offer.price)
    markup = InlineKeyboardMarkup(inline_keyboard=[[button(label, TakeOffer())]])
    await delivery.send_text(chat_id, reply, reply_markup=markup)
