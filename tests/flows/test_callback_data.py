"""Every button the surface can show fits Telegram's 64-byte callback data."""

from __future__ import annotations

from kiebot.bot.models_menu import MenuField, MenuKind, MenuModel, MenuValue
from kiebot.bot.outcomes import PhotoChoice
from kiebot.bot.results import ResultButton
from kiebot.bot.status import RetryOn
from kiebot.catalog import Kind, load_catalog
from kiebot.flows import ResultAction
from kiebot.flows.menu import choices_of, model_key

LIMIT = 64
JOB_ID = "f" * 32


def test_every_menu_and_result_button_fits() -> None:
    catalog = load_catalog(None)
    data = [MenuKind(k=kind.value).pack() for kind in Kind]
    data += [PhotoChoice(k=kind.value).pack() for kind in Kind]
    data += [ResultButton(a=action.value, j=JOB_ID).pack() for action in ResultAction]
    data.append(RetryOn(j=JOB_ID).pack())
    keys = {model_key(entry.id) for entry in catalog}
    assert len(keys) == len(catalog), "model keys are unique"
    for entry in catalog:
        key = model_key(entry.id)
        data.append(MenuModel(m=key).pack())
        for spec in entry.options:
            data.append(MenuField(m=key, f=spec.name).pack())
            data += [
                MenuValue(m=key, f=spec.name, i=i).pack() for i, _ in enumerate(choices_of(spec))
            ]
    assert max(len(d.encode()) for d in data) <= LIMIT, max(data, key=len)
