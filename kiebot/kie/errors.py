"""Typed errors for everything the KIE client can meet.

KIE answers with an envelope `{"code", "msg" | "message", "data"}`; every code in the
documented table has a class here, found through `ERRORS_BY_CODE` (a table, not an
if-chain). Each class says, as class attributes, what a caller needs to decide:

- `retryable`: the same call may succeed later (the client retries these itself, with
  backoff, before giving up and raising);
- `blame`: whose problem it is -- `"user"` (tell them what to change), `"operator"`
  (alert whoever runs the bot), `"provider"` (KIE or the network; nobody to alert);
- `key_fault`: the API key itself is unusable, so the key pool takes it out;
- `user_message_key`: the text shown to a user whose job ends with this error.

Errors carry the key's fingerprint (`key_id`), never the key.
"""

from __future__ import annotations

from typing import Literal

from kiebot.errors import KiebotError

Blame = Literal["user", "operator", "provider"]


class KieError(KiebotError):
    """Base of every error the KIE client raises.

    `code` is KIE's envelope code (or the HTTP status when the reply had no envelope);
    `message` is KIE's own text, kept verbatim; `http_status` is what the HTTP layer said.
    """

    code: int | None = None
    retryable: bool = False
    blame: Blame = "provider"
    key_fault: bool = False
    user_message_key = "kie.unavailable"

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        key_id: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.message = message
        if code is not None:
            self.code = code
        self.key_id = key_id
        self.http_status = http_status

    def __str__(self) -> str:
        parts = [f"code={self.code}"] if self.code is not None else []
        if self.http_status is not None and self.http_status != self.code:
            parts.append(f"http={self.http_status}")
        if self.key_id is not None:
            parts.append(f"key={self.key_id}")
        head = " ".join(parts)
        return f"{head}: {self.message}" if head else self.message


class KieUnauthorized(KieError):
    """401: the key is wrong or revoked; it will not get better by itself."""

    code = 401
    blame = "operator"
    key_fault = True


class KieInsufficientCredits(KieError):
    """402: the key's account is out of credits; the operator must top it up.

    A key fault too: another key (maybe another account) can still serve creates, and
    the pool takes this one back after a while (a top-up is likely).
    """

    code = 402
    blame = "operator"
    key_fault = True


class KieTaskNotFound(KieError):
    """404: KIE does not know the task (or it was created by another account's key)."""

    code = 404
    user_message_key = "kie.task_lost"


class KieValidationError(KieError):
    """422: KIE refused the input; `message` says why and is meant to reach the user."""

    code = 422
    blame = "user"
    user_message_key = "kie.invalid_input"


class KieRateLimited(KieError):
    """429: over KIE's per-key rate; the task was not queued, so retrying is safe."""

    code = 429
    retryable = True
    user_message_key = "kie.busy"


class KieKeyLimitExceeded(KieError):
    """433: the key's own hourly/daily/total cap, set by the account owner, is spent."""

    code = 433
    blame = "operator"
    key_fault = True


class KieMaintenance(KieError):
    """455: KIE is in maintenance; retry later."""

    code = 455
    retryable = True
    user_message_key = "kie.maintenance"


class KieServerError(KieError):
    """500: KIE failed to handle the call; it did not take it, retry with backoff."""

    code = 500
    retryable = True


class KieGenerationFailed(KieError):
    """501: the generation itself failed; the job fails and the user is refunded."""

    code = 501
    user_message_key = "kie.generation_failed"


class KieFeatureDisabled(KieError):
    """505: the model or feature is switched off for this account."""

    code = 505
    blame = "operator"


class KieUnexpectedReply(KieError):
    """A code outside the documented table, or a success reply missing what it must hold."""


class KieTransportError(KieError):
    """No usable reply: a timeout, a broken connection, or a body that is not KIE's JSON
    (an HTML 502 page from a proxy).

    `request_sent` is False only when the request certainly never left (the connection
    could not be opened); otherwise KIE may have received and acted on it.
    """

    retryable = True

    def __init__(
        self,
        message: str = "",
        *,
        request_sent: bool,
        key_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message, key_id=key_id, http_status=http_status)
        self.request_sent = request_sent


class KieCreateOutcomeUnknown(KieError):
    """A create request may have reached KIE but no reply came back.

    Never retried by the client: a blind retry could create (and bill) a second task. The
    job layer decides what to do; `key_id` names the key that may own the task.
    """

    user_message_key = "kie.outcome_unknown"


class KieNoKeyAvailable(KieError):
    """Every configured key has left the pool (or the key asked for is not configured)."""

    blame = "operator"


class KieFileRejected(KieError):
    """A file refused before upload, without any network call: the user sent it."""

    blame = "user"
    user_message_key = "kie.file_rejected"


class KieFileTooLarge(KieFileRejected):
    """The file is bigger than KIE accepts (10 MB)."""

    user_message_key = "kie.file_too_large"


class KieUnsupportedFile(KieFileRejected):
    """The file's first bytes are not a JPEG, PNG or WebP signature."""

    user_message_key = "kie.file_type"


class KieUnsafeInput(KieError):
    """A task input holds a Telegram file URL, which carries the bot token (never sent).

    Our bug, not the user's: media must be downloaded from Telegram and uploaded to KIE.
    """

    blame = "operator"


class KieCallbackRejected(KieError):
    """An inbound callback failed verification; `reason` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


ERRORS_BY_CODE: dict[int, type[KieError]] = {
    cls.code: cls
    for cls in (
        KieUnauthorized,
        KieInsufficientCredits,
        KieTaskNotFound,
        KieValidationError,
        KieRateLimited,
        KieKeyLimitExceeded,
        KieMaintenance,
        KieServerError,
        KieGenerationFailed,
        KieFeatureDisabled,
    )
    if cls.code is not None
}


def error_for_code(
    code: int,
    message: str,
    *,
    key_id: str | None = None,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> KieError:
    """The typed error for a KIE code; a code outside the table is `KieUnexpectedReply`."""
    cls = ERRORS_BY_CODE.get(code, KieUnexpectedReply)
    return cls(message, code=code, key_id=key_id, http_status=http_status, retry_after=retry_after)
