"""The user's own corner: language, settings, history, cancelling, deleting their data.

Services the bot's account handlers call (one per user action) and that the admin side
can call too: `Languages` (the language a user is spoken to in), `AccountSettings`,
`History`, `Cancellations` and `DataEraser` (the one owner of data deletion); `Senders`
(what each update says about its sender) for the user middleware.
"""

from kiebot.account.cancelling import Cancellation, Cancellations, CancelOutcome
from kiebot.account.erasure import DataEraser, ErasureHook, ErasureReport
from kiebot.account.errors import (
    AccountError,
    ActiveJobsPending,
    HistoryEntryNotFound,
    InvalidSetting,
    ResultFileGone,
    ResultNotKept,
)
from kiebot.account.history import History, HistoryPage, can_resend
from kiebot.account.language import LANGUAGES, Languages, language_from_telegram
from kiebot.account.sender import Senders
from kiebot.account.services import AccountServices
from kiebot.account.settings import AccountSettings, SettingsView, aspect_ratios

__all__ = [
    "LANGUAGES",
    "AccountError",
    "AccountServices",
    "AccountSettings",
    "ActiveJobsPending",
    "CancelOutcome",
    "Cancellation",
    "Cancellations",
    "DataEraser",
    "ErasureHook",
    "ErasureReport",
    "History",
    "HistoryEntryNotFound",
    "HistoryPage",
    "InvalidSetting",
    "Languages",
    "ResultFileGone",
    "ResultNotKept",
    "Senders",
    "SettingsView",
    "aspect_ratios",
    "can_resend",
    "language_from_telegram",
]
