"""Button data of the account screens (aiogram `CallbackData`, at most 64 bytes packed).

The longest is a job id (32 hex) behind a 4-letter prefix: 37 bytes. Prefixes are
distinct from every other feature's so that a press reaches its own handler; data that
does not unpack (garbage, an old format) matches no filter and falls through to the
"stale button" answer. A value that unpacks but names nothing real (a page past the end,
another user's job, a ratio no model offers) is checked by the service.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

NO_VALUE = "-"  # "no default aspect ratio" as button data


class HistoryPageData(CallbackData, prefix="hist"):
    page: int  # from 0


class HistoryResend(CallbackData, prefix="hres"):
    job_id: str


class SettingsSection(CallbackData, prefix="stg"):
    section: str  # main, language, aspect_ratio, cap, erase


class SettingsLanguage(CallbackData, prefix="stgl"):
    language: str


class SettingsAspectRatio(CallbackData, prefix="stga"):
    """`ratio` with "x" for ":" (the data's separator), or NO_VALUE for none."""

    ratio: str


class SettingsCap(CallbackData, prefix="stgc"):
    cap: int  # 0: no cap


class EraseConfirmed(CallbackData, prefix="erase"):
    confirmed: bool


class CancelPick(CallbackData, prefix="cxl"):
    job_id: str


class CancelAll(CallbackData, prefix="cxla"):
    everything: bool = True


def pack_ratio(ratio: str | None) -> str:
    return NO_VALUE if ratio is None else ratio.replace(":", "x")


def unpack_ratio(data: str) -> str | None:
    return None if data == NO_VALUE else data.replace("x", ":")
