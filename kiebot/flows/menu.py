"""The /models menu as data: kinds, models with prices, a model's settings.

Buttons name a model by a short stable key (`model_key`, 10 hex characters of a hash of
its id) rather than the id itself: ids like `bytedance/seedream-v4-text-to-image` would
crowd Telegram's 64-byte callback data, and a key that no longer names a model (the
operator edited the catalog) is recognised as stale. Option values travel as an index
into the field's choices, checked against the catalog when pressed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kiebot.catalog import (
    Catalog,
    FieldSpec,
    FieldType,
    Kind,
    ModelEntry,
    ModelSwitches,
    OptionValue,
)
from kiebot.errors import KiebotError
from kiebot.preferences import Preferences, UserPreferences

# An int option is offered as buttons only when it has this few values (a duration);
# a seed's billions are not a menu.
_MAX_INT_CHOICES = 10


class StaleButton(KiebotError):
    """A menu button that no longer matches the catalog (a removed model or value)."""

    user_message_key = "button.stale"


def model_key(model_id: str) -> str:
    return hashlib.blake2s(model_id.encode(), digest_size=5).hexdigest()


def choices_of(spec: FieldSpec) -> tuple[OptionValue, ...]:
    """The values a settings button can set; empty for a field not offered in the menu."""
    if spec.type is FieldType.ENUM:
        return spec.choices
    if spec.type is FieldType.BOOL:
        return (False, True)
    if spec.type is FieldType.INT and spec.minimum is not None and spec.maximum is not None:
        low, high = int(spec.minimum), int(spec.maximum)
        if high - low < _MAX_INT_CHOICES:
            return tuple(range(low, high + 1))
    return ()


@dataclass(frozen=True, slots=True)
class Setting:
    spec: FieldSpec
    value: OptionValue | None  # the user's, else the default; None: KIE's own default
    choices: tuple[OptionValue, ...]


@dataclass(frozen=True, slots=True)
class ModelView:
    entry: ModelEntry
    price: int
    settings: tuple[Setting, ...]


@dataclass(frozen=True, slots=True)
class KindView:
    kind: Kind
    current: str
    models: tuple[tuple[ModelEntry, int], ...]


class Menu:
    def __init__(
        self, *, catalog: Catalog, preferences: Preferences, switches: ModelSwitches
    ) -> None:
        self._catalog = catalog
        self._preferences = preferences
        self._switches = switches
        self._by_key = {model_key(entry.id): entry for entry in catalog}

    async def kinds(self, user_id: int) -> tuple[Kind, tuple[Kind, ...]]:
        """The user's mode and every kind with a model on now, in the menu's order."""
        prefs = await self._preferences.get(user_id)
        enabled = await self._switches.enabled_models()
        kinds = tuple(kind for kind in Kind if any(e.kind is kind for e in enabled))
        return prefs.mode or Kind.TEXT_TO_IMAGE, kinds

    async def kind(self, user_id: int, kind: Kind) -> KindView:
        prefs = await self._preferences.get(user_id)
        overrides = await self._switches.overrides()
        enabled = [e for e in await self._switches.enabled_models() if e.kind is kind]
        if not enabled:
            raise StaleButton(f"no model of {kind} is on")
        current = prefs.model_for(self._catalog, kind, overrides).id
        models = tuple((e, e.price_for(prefs.options_for(e))) for e in enabled)
        return KindView(kind, current, models)

    async def choose(self, user_id: int, key: str) -> ModelView:
        """Make the model the user's choice for its kind (and the kind their mode)."""
        entry = await self._enabled(key)
        await self._preferences.set_model(user_id, entry.kind, entry.id)
        return self._view(await self._preferences.get(user_id), entry)

    async def model(self, user_id: int, key: str) -> ModelView:
        return self._view(await self._preferences.get(user_id), await self._enabled(key))

    async def setting(self, user_id: int, key: str, field: str) -> tuple[ModelView, Setting]:
        view = await self.model(user_id, key)
        for setting in view.settings:
            if setting.spec.name == field:
                return view, setting
        raise StaleButton(f"{view.entry.id} has no setting {field!r}")

    async def set_value(self, user_id: int, key: str, field: str, index: int) -> ModelView:
        view, setting = await self.setting(user_id, key, field)
        if not 0 <= index < len(setting.choices):
            raise StaleButton(f"no choice {index} of {field!r}")
        value = setting.choices[index]
        await self._preferences.set_option(user_id, view.entry.id, field, value)
        return await self.model(user_id, key)

    async def _enabled(self, key: str) -> ModelEntry:
        entry = self._by_key.get(key)
        if entry is None or not await self._switches.is_enabled(entry):
            raise StaleButton(f"no model with key {key!r} is on")
        return entry

    def _view(self, prefs: UserPreferences, entry: ModelEntry) -> ModelView:
        chosen = prefs.options_for(entry)
        resolved = entry.resolve_options(chosen)
        settings = tuple(
            Setting(spec, resolved.get(spec.name), choices_of(spec))
            for spec in entry.options
            if choices_of(spec)
        )
        return ModelView(entry, entry.price_for(chosen), settings)
