"""Button data: within Telegram's 64 bytes, prefixes unique across the whole bot, and
every aspect ratio the catalog offers survives the trip through a button."""

from __future__ import annotations

import importlib
import pkgutil

from aiogram.filters.callback_data import CallbackData

import kiebot.bot
from kiebot.account import aspect_ratios
from kiebot.bot.account.callbacks import (
    CancelPick,
    HistoryPageData,
    HistoryResend,
    SettingsAspectRatio,
    pack_ratio,
    unpack_ratio,
)
from kiebot.catalog import load_catalog
from kiebot.jobs import new_job_id


def _all_callback_data() -> list[type[CallbackData]]:
    for module in pkgutil.walk_packages(kiebot.bot.__path__, "kiebot.bot."):
        importlib.import_module(module.name)
    found: list[type[CallbackData]] = []
    pending = list(CallbackData.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith("kiebot.")]


def test_prefixes_are_unique_across_the_bot() -> None:
    classes = _all_callback_data()
    prefixes = [cls.__prefix__ for cls in classes]  # type: ignore[attr-defined]
    assert len(classes) > 5
    assert len(prefixes) == len(set(prefixes)), sorted(prefixes)


def test_the_longest_data_fits_in_64_bytes() -> None:
    job_id = new_job_id()
    for data in (
        HistoryResend(job_id=job_id),
        CancelPick(job_id=job_id),
        HistoryPageData(page=10**6),
        SettingsAspectRatio(ratio=pack_ratio("21:9")),
    ):
        assert len(data.pack().encode()) <= 64


def test_every_offered_aspect_ratio_round_trips_through_a_button() -> None:
    ratios = aspect_ratios(load_catalog())
    assert {"1:1", "16:9", "9:16"} <= set(ratios)
    assert ratios.index("9:16") < ratios.index("1:1") < ratios.index("16:9"), "tall to wide"
    assert not {"auto", "Auto"} & set(ratios), "no default already means the model's own"
    for ratio in (*ratios, None):
        packed = SettingsAspectRatio(ratio=pack_ratio(ratio)).pack()
        assert unpack_ratio(SettingsAspectRatio.unpack(packed).ratio) == ratio
