"""/cancel: stop a running generation (the choice among several), credits back."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from kiebot.account import Cancellation, Cancellations, CancelOutcome
from kiebot.bot.account.callbacks import CancelAll, CancelPick
from kiebot.bot.account.keyboard import Button, rows
from kiebot.bot.account.render import model_name, origin
from kiebot.bot.texts import text
from kiebot.catalog import Catalog
from kiebot.delivery import Delivery

_OUTCOME_KEYS = {
    CancelOutcome.NOTHING: "cancel.nothing",
    CancelOutcome.TOO_LATE: "cancel.too_late",
}


def router() -> Router:
    cancel_router = Router(name="cancelling")
    cancel_router.message.register(cancel_command, Command("cancel"))
    cancel_router.callback_query.register(cancel_picked, CancelPick.filter())
    cancel_router.callback_query.register(cancel_all, CancelAll.filter())
    return cancel_router


async def cancel_command(
    message: Message,
    cancellations: Cancellations,
    catalog: Catalog,
    delivery: Delivery,
    language: str,
) -> None:
    if message.from_user is None:
        return
    outcome = await cancellations.cancel(message.from_user.id)
    body, markup = render(outcome, catalog, language)
    await delivery.send_text(message.chat.id, body, reply_markup=markup)


async def cancel_picked(
    query: CallbackQuery,
    callback_data: CancelPick,
    cancellations: Cancellations,
    catalog: Catalog,
    delivery: Delivery,
    language: str,
) -> None:
    outcome = await cancellations.cancel_one(query.from_user.id, callback_data.job_id)
    await _replace(query, delivery, render(outcome, catalog, language)[0])


async def cancel_all(
    query: CallbackQuery,
    cancellations: Cancellations,
    catalog: Catalog,
    delivery: Delivery,
    language: str,
) -> None:
    outcome = await cancellations.cancel_all(query.from_user.id)
    await _replace(query, delivery, render(outcome, catalog, language)[0])


async def _replace(query: CallbackQuery, delivery: Delivery, body: str) -> None:
    """The choice becomes what was done (its buttons go)."""
    chat_id, message_id = origin(query)
    if message_id is None or not await delivery.edit_text(chat_id, message_id, body):
        await delivery.send_text(chat_id, body)
    await query.answer()


def render(
    outcome: Cancellation, catalog: Catalog, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if outcome.outcome is CancelOutcome.CANCELLED:
        models = text("cancel.separator", language).join(
            model_name(catalog, job.model, language) for job in outcome.jobs
        )
        return text("cancel.done", language, models=models, price=outcome.refunded), None
    if outcome.outcome is CancelOutcome.CHOOSE:
        picks: list[list[Button]] = [
            [
                (
                    text(
                        "cancel.button.job",
                        language,
                        number=number,
                        model=model_name(catalog, job.model, language),
                    ),
                    CancelPick(job_id=job.job_id),
                )
            ]
            for number, job in enumerate(outcome.jobs, start=1)
        ]
        everything: list[Button] = [(text("cancel.button.all", language), CancelAll())]
        body = text("cancel.choose", language, count=len(outcome.jobs))
        return body, rows(*picks, everything)
    return text(_OUTCOME_KEYS[outcome.outcome], language), None
