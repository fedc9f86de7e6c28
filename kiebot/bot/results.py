"""The buttons under a delivered result, and what pressing them does.

Again (same model, prompt, options and photos), as file (the original, not Telegram's
recompressed photo), upscale and animate (a new job with the result as its input). Each
button that starts a job shows its price now, for this user's models and settings; each
press is a new job whose id comes from the press, so Telegram redelivering it after a
crash does not charge twice.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from kiebot.billing import Billing
from kiebot.bot.outcomes import render
from kiebot.bot.texts import text
from kiebot.catalog import Catalog, Kind, ModelUnavailable
from kiebot.delivery import Delivery
from kiebot.flows import Flows, ResultAction, job_id_for_query
from kiebot.flows.menu import StaleButton
from kiebot.flows.surface import SurfaceServices
from kiebot.jobs import Job


class ResultButton(CallbackData, prefix="r"):
    a: str  # a ResultAction
    j: str  # the result's job id


def results_router() -> Router:
    router = Router(name="results")
    router.callback_query.register(result_action, ResultButton.filter())
    return router


async def result_action(
    query: CallbackQuery,
    callback_data: ResultButton,
    flows: Flows,
    delivery: Delivery,
    language: str,
) -> None:
    try:
        action = ResultAction(callback_data.a)
    except ValueError:
        raise StaleButton(f"no result action {callback_data.a!r}") from None
    chat_id = query.message.chat.id if query.message else query.from_user.id
    if action is ResultAction.AS_FILE:
        await query.answer(text("result.sending", language))
    outcome = await flows.result_action(
        user_id=query.from_user.id,
        chat_id=chat_id,
        source_id=callback_data.j,
        action=action,
        job_id=job_id_for_query(query.id),
    )
    if action is not ResultAction.AS_FILE:
        await query.answer()
    await render(outcome, chat_id, language, delivery)


class ResultButtons:
    """`Runner`'s `result_markup`: the buttons for a result, priced for its owner."""

    def __init__(self, surface: SurfaceServices, catalog: Catalog, billing: Billing) -> None:
        self._surface = surface
        self._catalog = catalog
        self._billing = billing

    async def __call__(self, job: Job) -> InlineKeyboardMarkup | None:
        if job.model not in self._catalog:
            return None
        language = await self._billing.language(job.user_id)
        kind = self._catalog.get(job.model).kind
        row = [self._button("result.again", ResultAction.AGAIN, job, language, job.price)]
        row.append(self._button("result.file", ResultAction.AS_FILE, job, language, None))
        rows = [row]
        if job.job_class == "image":
            follow = []
            if kind is not Kind.UPSCALE:
                price = await self._price(job.user_id, Kind.UPSCALE)
                if price is not None:
                    follow.append(
                        self._button("result.upscale", ResultAction.UPSCALE, job, language, price)
                    )
            price = await self._price(job.user_id, Kind.IMAGE_TO_VIDEO)
            if price is not None:
                follow.append(
                    self._button("result.animate", ResultAction.ANIMATE, job, language, price)
                )
            if follow:
                rows.append(follow)
        return InlineKeyboardMarkup(inline_keyboard=rows)

    async def _price(self, user_id: int, kind: Kind) -> int | None:
        prefs = await self._surface.preferences.get(user_id)
        overrides = await self._surface.switches.overrides()
        try:
            entry = prefs.model_for(self._catalog, kind, overrides)
        except ModelUnavailable:
            return None
        return entry.price_for(prefs.options_for(entry))

    @staticmethod
    def _button(
        key: str, action: ResultAction, job: Job, language: str, price: int | None
    ) -> InlineKeyboardButton:
        data = ResultButton(a=action.value, j=job.job_id).pack()
        return InlineKeyboardButton(text=text(key, language, price=price), callback_data=data)
