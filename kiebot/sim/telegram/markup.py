"""reply_markup, checked the way the Bot API server checks it.

The server parses the JSON itself (so its errors name the offending part: "can't parse
inline keyboard button: Text buttons are unallowed in the inline keyboard") and Telegram
then refuses callback data over 64 bytes with BUTTON_DATA_INVALID, which is the refusal a
bot meets when it packs too much into a button. The normalised markup is what the
simulator stores and compares for "message is not modified".
"""

from __future__ import annotations

from typing import Any

from kiebot.sim.telegram.errors import (
    BUTTON_DATA_INVALID,
    BUTTON_URL_INVALID,
    ApiError,
    bad_request,
)
from kiebot.sim.telegram.params import Params

_OTHER_INLINE_TYPES = (
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL_SCHEMES = ("http://", "https://", "tg://")


def parse_reply_markup(params: Params, max_callback_data: int) -> dict[str, Any] | None:
    """The request's reply_markup, normalised; None when there is none."""
    value = params.json_value("reply_markup", "reply keyboard markup")
    if value is None:
        return None
    return check_reply_markup(value, max_callback_data)


def check_reply_markup(value: Any, max_callback_data: int) -> dict[str, Any] | None:
    """A decoded reply_markup object, validated and normalised."""
    if not isinstance(value, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in value:
        rows = _rows(value["inline_keyboard"], "inline_keyboard", "InlineKeyboardMarkup")
        keyboard = [[_inline_button(b, max_callback_data) for b in row] for row in rows]
        return {"inline_keyboard": keyboard}
    if "keyboard" in value:
        rows = _rows(value["keyboard"], "keyboard", "ReplyKeyboardMarkup")
        markup = dict(value)
        markup["keyboard"] = [[_keyboard_button(b) for b in row] for row in rows]
        return markup
    if value.get("remove_keyboard") is True or value.get("force_reply") is True:
        return dict(value)
    return None


def _rows(value: Any, field: str, owner: str) -> list[list[Any]]:
    if not isinstance(value, list):
        raise bad_request(f'field "{field}" of the {owner} must be an Array')
    for row in value:
        if not isinstance(row, list):
            raise bad_request(f'field "{field}" of the {owner} must be an Array of Arrays')
    return value


def _button_error(reason: str) -> ApiError:
    return bad_request(f"can't parse inline keyboard button: {reason}")


def _inline_button(button: Any, max_callback_data: int) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _button_error('Field "text" must be of type String')
    url = button.get("url")
    if isinstance(url, str) and url:
        if not url.startswith(_URL_SCHEMES) or len(url) > 2048:
            raise bad_request(BUTTON_URL_INVALID)
        return {"text": text, "url": url}
    data = button.get("callback_data")
    if isinstance(data, str) and data:
        if len(data.encode("utf-8")) > max_callback_data:
            raise bad_request(BUTTON_DATA_INVALID)
        return {"text": text, "callback_data": data}
    for kind in _OTHER_INLINE_TYPES:
        if kind in button:
            return {"text": text, kind: button[kind]}
    raise _button_error("Text buttons are unallowed in the inline keyboard")


def _keyboard_button(button: Any) -> dict[str, Any]:
    if isinstance(button, str):
        return {"text": button}
    if isinstance(button, dict) and isinstance(button.get("text"), str):
        return dict(button)
    raise bad_request("can't parse keyboard button: KeyboardButton must be a String or an Object")
