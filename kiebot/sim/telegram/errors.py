"""The Bot API's refusals, worded exactly as the real server words them.

Bots match on these strings (aiogram turns the status into an exception class, but code
that tells "message is not modified" from "message to edit not found" reads the text), so
every description here was checked against the Bot API server's source or against
answers people have pasted from the real service; docs/sim-telegram.md lists which.
"""

from __future__ import annotations

from typing import Any

MESSAGE_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MESSAGE_TO_EDIT_NOT_FOUND = "message to edit not found"
MESSAGE_TO_DELETE_NOT_FOUND = "message to delete not found"
MESSAGE_TO_REPLY_NOT_FOUND = "message to be replied not found"
MESSAGE_CANT_BE_EDITED = "message can't be edited"
NO_TEXT_TO_EDIT = "there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "there is no caption in the message to edit"
CHAT_NOT_FOUND = "chat not found"
CHAT_ID_EMPTY = "chat_id is empty"
CHAT_IDENTIFIER_NOT_SPECIFIED = "chat identifier is not specified"
MESSAGE_ID_NOT_SPECIFIED = "message identifier is not specified"
MESSAGE_TEXT_EMPTY = "message text is empty"
MESSAGE_MUST_BE_NON_EMPTY = "message must be non-empty"
MESSAGE_TOO_LONG = "message is too long"
CAPTION_TOO_LONG = "message caption is too long"
BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
BUTTON_URL_INVALID = "BUTTON_URL_INVALID"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
BOT_BLOCKED = "bot was blocked by the user"
PHOTO_INVALID_DIMENSIONS = "PHOTO_INVALID_DIMENSIONS"
IMAGE_PROCESS_FAILED = "IMAGE_PROCESS_FAILED"
PHOTO_TOO_BIG = "PHOTO_SAVE_FILE_INVALID"
FILE_TOO_BIG = "file is too big"
WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"
INVALID_FILE_ID = "invalid file_id"
FILE_TYPE_MISMATCH = "type of file mismatch"
URL_FETCH_FAILED = "failed to get HTTP URL content"
URL_WRONG_CONTENT = "wrong type of the web page content"
WRONG_CHAT_ACTION = "wrong parameter action in request"
UNSUPPORTED_PARSE_MODE = "unsupported parse_mode"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
TERMINATED_BY_GET_UPDATES = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
TERMINATED_BY_SET_WEBHOOK = "Conflict: terminated by setWebhook request"


class ApiError(Exception):
    """A refusal: the HTTP status, the `description`, and `parameters` when there are any."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body the Bot API answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """400 with the server's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """403: the chat exists but the bot may not write there (blocked, kicked)."""
    return ApiError(403, f"Forbidden: {reason}")


def conflict(description: str) -> ApiError:
    """409: another poller or a webhook owns this bot's updates."""
    return ApiError(409, description)


def too_many_requests(retry_after: int) -> ApiError:
    """429 carrying `parameters.retry_after`, as flood control answers."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def unauthorized() -> ApiError:
    """401: the token is not one of the simulator's bots."""
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    """404: no such method (or no such file to download)."""
    return ApiError(404, "Not Found")


def parameter_required(name: str) -> ApiError:
    """The server's wording for a missing required string parameter."""
    return bad_request(f'parameter "{name}" is required')


def too_large() -> ApiError:
    """413: an upload over the Bot API's 50 MB request limit."""
    return ApiError(413, "Request Entity Too Large")
