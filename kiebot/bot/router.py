"""The bot's handlers. Thin: parse the update, call one service function, render.

Shared services arrive by parameter name from the Dispatcher's workflow data (`jobs`,
`billing`, `catalog`, `delivery`); `language` comes from `UserMiddleware`. A typed error
raised by a service becomes a message in one place, `on_error`. Every message goes out
through `delivery`, whose pacer keeps the bot under Telegram's flood limits even when one
user floods it: a reply sent straight through the Bot would not be paced.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message

from kiebot.account import Languages
from kiebot.bot.account import account_router
from kiebot.bot.admin import build_admin_router
from kiebot.bot.flows import flows_router, text_prompt
from kiebot.bot.matching import Matches
from kiebot.bot.models_menu import models_router
from kiebot.bot.payments import build_payments_router, render_statement
from kiebot.bot.refusals import RefusalGate
from kiebot.bot.results import results_router
from kiebot.bot.rewards import build_rewards_router
from kiebot.bot.status import CancelJob
from kiebot.bot.texts import language_of, text
from kiebot.catalog import Catalog, Kind
from kiebot.delivery import Delivery
from kiebot.errors import KiebotError
from kiebot.jobs.service import JobService
from kiebot.payments import Payments
from kiebot.rewards import Referrals


def build_router() -> Router:
    """The bot's handlers in the order they are tried: the first one that matches wins.

    aiogram tries a router's own handlers before its sub-routers', so the root holds
    only the error handler; the core commands come first, then each feature's router
    (payments, rewards, product surface, admin: one module each), and the catch-alls
    (any text is a prompt, anything else is unsupported, any other button is stale)
    last, so that they never shadow a feature's handler.
    """
    root = Router(name="kiebot")
    root.errors.register(on_error, ExceptionTypeFilter(KiebotError))
    root.include_routers(_core(), *_features(), _fallbacks())
    return root


def _features() -> list[Router]:
    return [
        build_payments_router(),
        build_rewards_router(),
        account_router(),
        build_admin_router(),
        models_router(),
        flows_router(),
        results_router(),
    ]


def _core() -> Router:
    router = Router(name="core")
    router.message.register(start, CommandStart())
    router.message.register(balance, Command("balance"))
    router.callback_query.register(cancel, CancelJob.filter())
    return router


def _fallbacks() -> Router:
    router = Router(name="fallbacks")
    router.message.register(text_prompt, Matches(F.text & ~F.text.startswith("/")))
    router.message.register(unsupported)
    router.callback_query.register(stale_button)
    return router


async def start(
    message: Message,
    command: CommandObject,
    referrals: Referrals,
    catalog: Catalog,
    delivery: Delivery,
    language: str,
) -> None:
    """Opens the account; a `ref_<code>` deep link records who invited a new user."""
    user = message.from_user
    if user is None:
        return
    account = await referrals.open_account(user.id, command.args)
    model = catalog.default_model(Kind.TEXT_TO_IMAGE)
    greeting = text(
        "start.greeting",
        language,
        name=escape(user.first_name),
        balance=account.balance,
        model=escape(model.display_name(language)),
        price=model.price_for({}),
    )
    await delivery.send_text(message.chat.id, greeting)


async def balance(message: Message, payments: Payments, delivery: Delivery, language: str) -> None:
    """The balance and the last few ledger entries (`bot.payments.render_statement`)."""
    if message.from_user is None:
        return
    statement = await payments.statement(message.from_user.id)
    await delivery.send_text(message.chat.id, render_statement(statement, language))


async def unsupported(message: Message, delivery: Delivery, language: str) -> None:
    await delivery.send_text(message.chat.id, text("unsupported", language))


async def cancel(
    query: CallbackQuery, callback_data: CancelJob, jobs: JobService, language: str
) -> None:
    await jobs.cancel(user_id=query.from_user.id, job_id=callback_data.job_id)
    await query.answer(text("button.cancelled", language))


async def stale_button(query: CallbackQuery, language: str) -> None:
    """Garbage or outdated callback data: say so, change nothing."""
    await query.answer(text("button.stale", language), show_alert=True)


async def on_error(
    event: ErrorEvent, delivery: Delivery, refusals: RefusalGate, languages: Languages
) -> None:
    """The one place where a typed error becomes a message to the user.

    The same refusal to the same chat is said once per window (`RefusalGate`); a button's
    answer is not a chat message and is always given.
    """
    error = event.exception
    key = error.user_message_key if isinstance(error, KiebotError) else "error.internal"
    update = event.update
    user = update.event.from_user if hasattr(update.event, "from_user") else None
    language = (
        await languages.for_user(user.id, user.language_code) if user else language_of(None)
    )  # the error handler sees no middleware data: resolved again (cached)
    reply = text(key, language, **_values(error))
    if update.callback_query is not None:
        await update.callback_query.answer(reply, show_alert=True)
    elif update.message is not None and refusals.should_say(update.message.chat.id, key):
        await delivery.send_text(update.message.chat.id, reply)


def _values(error: BaseException) -> dict[str, Any]:
    """The error's fields for the text's placeholders; waits are rounded up to seconds."""
    return {
        name: math.ceil(value) if isinstance(value, float) else value
        for name, value in vars(error).items()
    }
