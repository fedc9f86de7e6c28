"""/history: the user's recent generations a page at a time, each result sendable again."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from kiebot.account import History, HistoryPage, can_resend
from kiebot.bot.account.callbacks import HistoryPageData, HistoryResend
from kiebot.bot.account.keyboard import Button, chunked, rows
from kiebot.bot.account.render import model_name, origin
from kiebot.bot.texts import text
from kiebot.catalog import Catalog, UnknownModel
from kiebot.delivery import Delivery
from kiebot.jobs import Job, JobState

_STATE_KEYS = {
    JobState.CREATED: "history.state.queued",
    JobState.QUEUED: "history.state.queued",
    JobState.SUBMITTING: "history.state.running",
    JobState.RUNNING: "history.state.running",
    JobState.DELIVERING: "history.state.delivering",
    JobState.DONE: "history.state.done",
    JobState.FAILED: "history.state.failed",
    JobState.CANCELLED: "history.state.cancelled",
    JobState.EXPIRED: "history.state.expired",
}
_RESEND_PER_ROW = 5
PROMPT_SHOWN = 60  # characters of a prompt shown in the list


def router() -> Router:
    history_router = Router(name="history")
    history_router.message.register(show_history, Command("history"))
    history_router.callback_query.register(turn_page, HistoryPageData.filter())
    history_router.callback_query.register(resend, HistoryResend.filter())
    return history_router


async def show_history(
    message: Message, history: History, catalog: Catalog, delivery: Delivery, language: str
) -> None:
    if message.from_user is None:
        return
    page = await history.page(message.from_user.id)
    body, markup = render(page, catalog, language)
    await delivery.send_text(message.chat.id, body, reply_markup=markup)


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryPageData,
    history: History,
    catalog: Catalog,
    delivery: Delivery,
    language: str,
) -> None:
    page = await history.page(query.from_user.id, callback_data.page)
    body, markup = render(page, catalog, language)
    chat_id, message_id = origin(query)
    if message_id is None or not await delivery.edit_text(
        chat_id, message_id, body, reply_markup=markup
    ):
        await delivery.send_text(chat_id, body, reply_markup=markup)
    await query.answer(text("history.page_gone", language) if page.moved else None)


async def resend(
    query: CallbackQuery, callback_data: HistoryResend, history: History, language: str
) -> None:
    chat_id, _ = origin(query)
    await history.resend(query.from_user.id, chat_id, callback_data.job_id)
    await query.answer(text("history.resent", language))


def render(
    page: HistoryPage, catalog: Catalog, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if page.pages == 0:
        return text("history.empty", language), None
    lines = [text("history.title", language, page=page.index + 1, pages=page.pages)]
    resendable: list[Button] = []
    for number, job in enumerate(page.jobs, start=page.first_number):
        lines.append(_entry(job, number, catalog, language))
        if can_resend(job):
            label = text("history.button.resend", language, number=number)
            resendable.append((label, HistoryResend(job_id=job.job_id)))
    if resendable:
        lines.append(text("history.hint", language))
    markup = rows(*chunked(resendable, _RESEND_PER_ROW), _navigation(page, language))
    return "\n\n".join(lines), markup


def _entry(job: Job, number: int, catalog: Catalog, language: str) -> str:
    when = datetime.fromtimestamp(job.created_at, UTC)
    return text(
        "history.entry",
        language,
        number=number,
        state=text(_STATE_KEYS[job.state], language),
        model=model_name(catalog, job.model, language),
        cost=text(_cost_key(job.state), language, price=job.price),
        date=text("history.date", language, when=when),
        prompt=_prompt(job, catalog, language),
    )


def _prompt(job: Job, catalog: Catalog, language: str) -> str:
    """The start of the job's prompt, so the user knows which one it was ("" if none)."""
    try:
        field = catalog.get(job.model).prompt_field
    except UnknownModel:
        return ""
    prompt = str(job.input.get(field, "")).strip() if field else ""
    if not prompt:
        return ""
    short = prompt if len(prompt) <= PROMPT_SHOWN else prompt[: PROMPT_SHOWN - 1] + "…"
    return text("history.prompt", language, prompt=escape(short))


def _cost_key(state: JobState) -> str:
    if state is JobState.DONE:
        return "history.cost.spent"
    if state in (JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED):
        return "history.cost.refunded"
    return "history.cost.reserved"


def _navigation(page: HistoryPage, language: str) -> list[Button]:
    nav: list[Button] = []
    if page.index > 0:
        nav.append((text("history.button.newer", language), HistoryPageData(page=page.index - 1)))
    if page.index < page.pages - 1:
        nav.append((text("history.button.older", language), HistoryPageData(page=page.index + 1)))
    return nav
