"""The root of kiebot's error hierarchy.

Errors are typed where they arise (config, store, the KIE client, Telegram delivery) and
turned into a user-facing message in one place, by `user_message_key`. Nothing above the
boundary catches broadly; it catches a `KiebotError` subclass and reads its fields.
"""

from __future__ import annotations


class KiebotError(Exception):
    """Base of every error kiebot raises on purpose.

    `user_message_key` names the text shown to a user when this error ends their request
    (the texts live in the bot's catalogue, in two languages); `retry_after` is seconds
    the caller should wait before trying again, when the error says so.
    """

    user_message_key: str = "error.internal"

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
