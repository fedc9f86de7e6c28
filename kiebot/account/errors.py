"""Why a request about the user's own account was refused, as typed errors.

Each carries the key of its user text; `bot.router.on_error` turns it into the reply (a
button's alert, or a message), so the services never phrase anything themselves.
"""

from __future__ import annotations

from kiebot.errors import KiebotError


class AccountError(KiebotError):
    """Base of the errors of `kiebot.account`."""


class HistoryEntryNotFound(AccountError):
    """No such job in this user's history: gone, never theirs, or forged button data.

    The same answer for all three, so a user cannot probe whether someone else's job id
    exists."""

    user_message_key = "history.not_found"

    def __init__(self, *, job_id: str) -> None:
        super().__init__(f"job {job_id} is not in the user's history")


class ResultNotKept(AccountError):
    """The job has no Telegram file to send again (not done, or delivered as a link)."""

    user_message_key = "history.not_kept"

    def __init__(self, *, job_id: str) -> None:
        super().__init__(f"job {job_id} kept no file id")


class ResultFileGone(AccountError):
    """Telegram no longer knows the kept file id."""

    user_message_key = "history.file_gone"

    def __init__(self, *, job_id: str) -> None:
        super().__init__(f"Telegram refused the file id of job {job_id}")


class InvalidSetting(AccountError):
    """A settings value that is not (or no longer) one of the offered choices."""

    user_message_key = "settings.invalid_choice"

    def __init__(self, *, setting: str, value: object) -> None:
        super().__init__(f"{value!r} is not a choice of {setting}")


class ActiveJobsPending(AccountError):
    """Data deletion waits until the user's running jobs end (they need their records)."""

    user_message_key = "erase.active_jobs"

    def __init__(self, *, count: int) -> None:
        super().__init__(f"{count} unfinished jobs")
        self.count = count
