"""/settings: language, default aspect ratio, daily spending cap, and deleting one's data.

One message, edited in place: the overview, then a section's choices, then the overview
again with the new value. Changing the language re-renders in the new language at once.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from kiebot.account import LANGUAGES, AccountSettings, DataEraser, InvalidSetting, SettingsView
from kiebot.bot.account.callbacks import (
    EraseConfirmed,
    SettingsAspectRatio,
    SettingsCap,
    SettingsLanguage,
    SettingsSection,
    pack_ratio,
    unpack_ratio,
)
from kiebot.bot.account.keyboard import Button, chunked, rows
from kiebot.bot.account.render import origin
from kiebot.bot.texts import text
from kiebot.delivery import Delivery

MAIN, LANGUAGE, ASPECT_RATIO, CAP, ERASE = "main", "language", "aspect_ratio", "cap", "erase"
_PER_ROW = 4


def router() -> Router:
    settings_router = Router(name="settings")
    settings_router.message.register(show_settings, Command("settings"))
    settings_router.callback_query.register(open_section, SettingsSection.filter())
    settings_router.callback_query.register(choose_language, SettingsLanguage.filter())
    settings_router.callback_query.register(choose_aspect_ratio, SettingsAspectRatio.filter())
    settings_router.callback_query.register(choose_cap, SettingsCap.filter())
    settings_router.callback_query.register(erase, EraseConfirmed.filter())
    return settings_router


async def show_settings(
    message: Message, account_settings: AccountSettings, delivery: Delivery, language: str
) -> None:
    if message.from_user is None:
        return
    view = await account_settings.view(message.from_user.id, language)
    body, markup = overview(view)
    await delivery.send_text(message.chat.id, body, reply_markup=markup)


async def open_section(
    query: CallbackQuery,
    callback_data: SettingsSection,
    account_settings: AccountSettings,
    delivery: Delivery,
    language: str,
) -> None:
    view = await account_settings.view(query.from_user.id, language)
    if callback_data.section == MAIN:
        body, markup = overview(view)
    else:
        body, markup = section(callback_data.section, account_settings, view)
    await _show(query, delivery, body, markup)
    await query.answer()


async def choose_language(
    query: CallbackQuery,
    callback_data: SettingsLanguage,
    account_settings: AccountSettings,
    delivery: Delivery,
) -> None:
    chosen = callback_data.language
    view = await account_settings.set_language(query.from_user.id, chosen)
    await _saved(query, delivery, view)


async def choose_aspect_ratio(
    query: CallbackQuery,
    callback_data: SettingsAspectRatio,
    account_settings: AccountSettings,
    delivery: Delivery,
    language: str,
) -> None:
    ratio = unpack_ratio(callback_data.ratio)
    view = await account_settings.set_aspect_ratio(query.from_user.id, ratio, language)
    await _saved(query, delivery, view)


async def choose_cap(
    query: CallbackQuery,
    callback_data: SettingsCap,
    account_settings: AccountSettings,
    delivery: Delivery,
    language: str,
) -> None:
    view = await account_settings.set_cap(query.from_user.id, callback_data.cap or None, language)
    await _saved(query, delivery, view)


async def erase(
    query: CallbackQuery,
    callback_data: EraseConfirmed,
    eraser: DataEraser,
    account_settings: AccountSettings,
    delivery: Delivery,
    language: str,
) -> None:
    """ "Yes, delete" deletes; "keep" goes back to the overview."""
    if not callback_data.confirmed:
        body, markup = overview(await account_settings.view(query.from_user.id, language))
        await _show(query, delivery, body, markup)
        await query.answer()
        return
    report = await eraser.erase(query.from_user.id)
    body = text("erase.done", language, jobs=report.jobs, balance=report.balance)
    await _show(query, delivery, body, None)
    await query.answer()


async def _saved(query: CallbackQuery, delivery: Delivery, view: SettingsView) -> None:
    body, markup = overview(view)
    await _show(query, delivery, body, markup)
    await query.answer(text("settings.saved", view.language))


async def _show(
    query: CallbackQuery, delivery: Delivery, body: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Edit the settings message in place; a new one if it is gone."""
    chat_id, message_id = origin(query)
    if message_id is None or not await delivery.edit_text(
        chat_id, message_id, body, reply_markup=markup
    ):
        await delivery.send_text(chat_id, body, reply_markup=markup)


def overview(view: SettingsView) -> tuple[str, InlineKeyboardMarkup | None]:
    language = view.language
    cap = (
        text("settings.cap.value", language, cap=view.cap, spent=view.spent_today)
        if view.cap is not None
        else text("settings.cap.none", language)
    )
    body = text(
        "settings.title",
        language,
        language_name=text(f"language.name.{language}", language),
        aspect_ratio=view.aspect_ratio or text("settings.aspect_ratio.none", language),
        cap=cap,
    )
    markup = rows(
        [(text("settings.button.language", language), SettingsSection(section=LANGUAGE))],
        [(text("settings.button.aspect_ratio", language), SettingsSection(section=ASPECT_RATIO))],
        [(text("settings.button.cap", language), SettingsSection(section=CAP))],
        [(text("settings.button.delete", language), SettingsSection(section=ERASE))],
    )
    return body, markup


def section(
    name: str, account_settings: AccountSettings, view: SettingsView
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The choices of one section, the current one marked; an unknown name (made-up
    data) is `InvalidSetting`."""
    render = _SECTIONS.get(name)
    if render is None:
        raise InvalidSetting(setting="section", value=name)
    body, choices = render(account_settings, view)
    if name == ERASE:  # its "keep my data" is the way back
        return body, rows(*choices)
    back: list[Button] = [
        (text("settings.button.back", view.language), SettingsSection(section=MAIN))
    ]
    return body, rows(*choices, back)


def _mark(label: str, chosen: bool, language: str) -> str:
    return text("settings.button.chosen", language, label=label) if chosen else label


def _languages(_: AccountSettings, view: SettingsView) -> tuple[str, list[list[Button]]]:
    lang = view.language
    choices: list[Button] = [
        (
            _mark(text(f"language.name.{code}", lang), code == lang, lang),
            SettingsLanguage(language=code),
        )
        for code in LANGUAGES
    ]
    return text("settings.choose_language", lang), [choices]


def _aspect_ratios(
    account_settings: AccountSettings, view: SettingsView
) -> tuple[str, list[list[Button]]]:
    lang, current = view.language, view.aspect_ratio
    ratios: list[Button] = [
        (_mark(ratio, ratio == current, lang), SettingsAspectRatio(ratio=pack_ratio(ratio)))
        for ratio in account_settings.aspect_ratios
    ]
    label = _mark(text("settings.button.aspect_ratio_none", lang), current is None, lang)
    none: Button = (label, SettingsAspectRatio(ratio=pack_ratio(None)))
    return text("settings.choose_aspect_ratio", lang), [*chunked(ratios, _PER_ROW), [none]]


def _caps(account_settings: AccountSettings, view: SettingsView) -> tuple[str, list[list[Button]]]:
    lang, current = view.language, view.cap
    caps: list[Button] = [
        (_mark(str(cap), cap == current, lang), SettingsCap(cap=cap))
        for cap in account_settings.cap_choices
    ]
    label = _mark(text("settings.button.cap_none", lang), current is None, lang)
    none: Button = (label, SettingsCap(cap=0))
    return text("settings.choose_cap", lang), [*chunked(caps, _PER_ROW - 1), [none]]


def _erase(_: AccountSettings, view: SettingsView) -> tuple[str, list[list[Button]]]:
    lang = view.language
    confirm: list[Button] = [
        (text("erase.button.confirm", lang), EraseConfirmed(confirmed=True)),
        (text("erase.button.keep", lang), EraseConfirmed(confirmed=False)),
    ]
    return text("erase.confirm", lang), [confirm]


_SECTIONS: dict[str, Callable[[AccountSettings, SettingsView], tuple[str, list[list[Button]]]]] = {
    LANGUAGE: _languages,
    ASPECT_RATIO: _aspect_ratios,
    CAP: _caps,
    ERASE: _erase,
}
