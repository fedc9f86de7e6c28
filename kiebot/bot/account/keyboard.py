"""Inline keyboards from (label, callback data) pairs: the one way the account screens
build buttons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

Button = tuple[str, CallbackData]


def button(label: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=label, callback_data=data.pack())


def rows(*rows_: Iterable[Button]) -> InlineKeyboardMarkup | None:
    """A keyboard of the given rows, empty rows left out; None when no button is left."""
    keyboard = [[button(label, data) for label, data in row] for row in rows_]
    kept = [row for row in keyboard if row]
    return InlineKeyboardMarkup(inline_keyboard=kept) if kept else None


def chunked(buttons: Sequence[Button], width: int) -> list[list[Button]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]
