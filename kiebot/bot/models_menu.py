"""/models: pick a kind, then a model (price shown), then its settings.

One message, edited in place as the user moves through the menu. The chosen model is
remembered per kind and its kind becomes the user's mode (what a plain text or a photo
does next); settings are remembered per model. Every button's data is an aiogram
`CallbackData` of a few bytes; a button that no longer matches the catalog is answered
as stale by `on_error` (`StaleButton`), and one that does not parse at all falls through
to the router's stale-button handler.
"""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from kiebot.bot.outcomes import button
from kiebot.bot.texts import TEXTS, text
from kiebot.catalog import Kind, OptionValue
from kiebot.delivery import Delivery
from kiebot.flows.menu import KindView, Menu, ModelView, Setting, StaleButton, model_key

Screen = tuple[str, InlineKeyboardMarkup]


class MenuKinds(CallbackData, prefix="mk"):
    pass


class MenuKind(CallbackData, prefix="mn"):
    k: str


class MenuModel(CallbackData, prefix="mm"):
    m: str  # model_key


class MenuField(CallbackData, prefix="mf"):
    m: str
    f: str


class MenuValue(CallbackData, prefix="mv"):
    m: str
    f: str
    i: int


def models_router() -> Router:
    router = Router(name="models")
    router.message.register(open_menu, Command("models"))
    router.callback_query.register(show_kinds, MenuKinds.filter())
    router.callback_query.register(show_kind, MenuKind.filter())
    router.callback_query.register(choose_model, MenuModel.filter())
    router.callback_query.register(show_field, MenuField.filter())
    router.callback_query.register(set_value, MenuValue.filter())
    return router


# -- handlers ------------------------------------------------------------------------


async def open_menu(message: Message, menu: Menu, delivery: Delivery, language: str) -> None:
    if message.from_user is None:
        return
    body, markup = kinds_screen(*await menu.kinds(message.from_user.id), language)
    await delivery.send_text(message.chat.id, body, reply_markup=markup)


async def show_kinds(query: CallbackQuery, menu: Menu, delivery: Delivery, language: str) -> None:
    screen = kinds_screen(*await menu.kinds(query.from_user.id), language)
    await _show(query, screen, delivery)


async def show_kind(
    query: CallbackQuery, callback_data: MenuKind, menu: Menu, delivery: Delivery, language: str
) -> None:
    try:
        kind = Kind(callback_data.k)
    except ValueError:
        raise StaleButton(f"no kind {callback_data.k!r}") from None
    view = await menu.kind(query.from_user.id, kind)
    await _show(query, kind_screen(view, language), delivery)


async def choose_model(
    query: CallbackQuery, callback_data: MenuModel, menu: Menu, delivery: Delivery, language: str
) -> None:
    view = await menu.choose(query.from_user.id, callback_data.m)
    await _show(query, model_screen(view, language), delivery, text("models.saved", language))


async def show_field(
    query: CallbackQuery, callback_data: MenuField, menu: Menu, delivery: Delivery, language: str
) -> None:
    view, setting = await menu.setting(query.from_user.id, callback_data.m, callback_data.f)
    await _show(query, field_screen(view, setting, language), delivery)


async def set_value(
    query: CallbackQuery, callback_data: MenuValue, menu: Menu, delivery: Delivery, language: str
) -> None:
    data = callback_data
    view = await menu.set_value(query.from_user.id, data.m, data.f, data.i)
    await _show(query, model_screen(view, language), delivery, text("models.saved", language))


async def _show(
    query: CallbackQuery, screen: Screen, delivery: Delivery, answer: str | None = None
) -> None:
    await query.answer(answer)
    if query.message is None:
        return
    body, markup = screen
    await delivery.edit_text(
        query.message.chat.id, query.message.message_id, body, reply_markup=markup
    )


# -- screens -------------------------------------------------------------------------


def kind_label(kind: Kind, language: str) -> str:
    return text(f"kind.{kind.value}", language)


def option_name(field: str, language: str) -> str:
    key = f"option.{field}"
    return text(key, language) if key in TEXTS else field


def value_label(value: OptionValue | None, language: str) -> str:
    if isinstance(value, bool):
        return text("value.true" if value else "value.false", language)
    return "—" if value is None else str(value)


def kinds_screen(mode: Kind, kinds: tuple[Kind, ...], language: str) -> Screen:
    if not kinds:
        return text("models.none", language), InlineKeyboardMarkup(inline_keyboard=[])
    rows = [[button(kind_label(kind, language), MenuKind(k=kind.value))] for kind in kinds]
    body = text("models.title", language, mode=kind_label(mode, language))
    return body, InlineKeyboardMarkup(inline_keyboard=rows)


def kind_screen(view: KindView, language: str) -> Screen:
    rows = []
    for entry, price in view.models:
        mark = "✓ " if entry.id == view.current else ""
        label = text(
            "models.model_button",
            language,
            mark=mark,
            name=entry.display_name(language),
            price=price,
        )
        rows.append([button(label, MenuModel(m=model_key(entry.id)))])
    rows.append([button(text("models.back", language), MenuKinds())])
    body = text("models.kind_title", language, kind=kind_label(view.kind, language))
    return body, InlineKeyboardMarkup(inline_keyboard=rows)


def model_screen(view: ModelView, language: str) -> Screen:
    entry, key = view.entry, model_key(view.entry.id)
    lines = [
        text(
            "models.option_line",
            language,
            name=option_name(s.spec.name, language),
            value=escape(value_label(s.value, language)),
        )
        for s in view.settings
    ]
    body = text(
        "models.chosen",
        language,
        kind=kind_label(entry.kind, language),
        model=escape(entry.display_name(language)),
        price=view.price,
        options="\n".join(lines) or text("models.no_options", language),
        hint=text(f"models.hint.{entry.kind.value}", language),
    )
    rows = [
        [
            button(
                text(
                    "models.option_button",
                    language,
                    name=option_name(s.spec.name, language),
                    value=value_label(s.value, language),
                ),
                MenuField(m=key, f=s.spec.name),
            )
        ]
        for s in view.settings
    ]
    rows.append([button(text("models.back", language), MenuKind(k=entry.kind.value))])
    return body, InlineKeyboardMarkup(inline_keyboard=rows)


def field_screen(view: ModelView, setting: Setting, language: str) -> Screen:
    key, name = model_key(view.entry.id), setting.spec.name
    buttons: list[InlineKeyboardButton] = []
    for index, value in enumerate(setting.choices):
        mark = "✓ " if value == setting.value and type(value) is type(setting.value) else ""
        label = mark + value_label(value, language)
        buttons.append(button(label, MenuValue(m=key, f=name, i=index)))
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([button(text("models.back", language), MenuModel(m=key))])
    body = text(
        "models.choose_value",
        language,
        model=escape(view.entry.display_name(language)),
        name=option_name(name, language),
    )
    return body, InlineKeyboardMarkup(inline_keyboard=rows)
