"""What /settings shows and changes: language, default aspect ratio, daily spending cap.

Each value is checked here against what the bot offers (the two languages, the aspect
ratios some enabled model of the catalog takes, the cap presets) and refused with
`InvalidSetting` otherwise, so made-up button data changes nothing. The stores are the
owners' own: `Languages` (preferences and the account), `Preferences`, `SpendingCaps`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kiebot.account.errors import InvalidSetting
from kiebot.account.language import LANGUAGES, Languages
from kiebot.billing.spending import SpendingCaps
from kiebot.catalog import Catalog, FieldType
from kiebot.preferences import Preferences

ASPECT_RATIO_FIELD = "aspect_ratio"
# Caps offered as buttons, in credits per UTC day (an image costs 1-5, a video more).
CAP_CHOICES = (10, 25, 50, 100, 250, 500)


def _ratio(value: str) -> Fraction | None:
    """The width / height of a "w:h" choice; None for anything else ("auto")."""
    width, _, height = value.partition(":")
    if width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0:
        return Fraction(int(width), int(height))
    return None


def aspect_ratios(catalog: Catalog) -> tuple[str, ...]:
    """Every w:h aspect ratio some enabled model offers, tall to wide: the choices of a
    default. Values such as "auto" (spelled "Auto" by some models) are left out: "no
    default", each model's own, already means that."""
    offered: dict[str, Fraction] = {}
    for entry in catalog.models():
        spec = entry.fields.get(ASPECT_RATIO_FIELD)
        if spec is None or not spec.settable or spec.type is not FieldType.ENUM:
            continue
        for choice in spec.choices:
            ratio = _ratio(choice)
            if ratio is not None:
                offered[choice] = ratio
    return tuple(sorted(offered, key=lambda choice: (offered[choice], choice)))


@dataclass(frozen=True, slots=True)
class SettingsView:
    language: str
    aspect_ratio: str | None
    cap: int | None
    spent_today: int


class AccountSettings:
    def __init__(
        self,
        *,
        languages: Languages,
        preferences: Preferences,
        spending: SpendingCaps,
        catalog: Catalog,
    ) -> None:
        self._languages = languages
        self._preferences = preferences
        self._spending = spending
        self.aspect_ratios = aspect_ratios(catalog)
        self.cap_choices = CAP_CHOICES

    async def view(self, user_id: int, language: str) -> SettingsView:
        """The user's settings; `language` is the one in use (the middleware's)."""
        preferences = await self._preferences.get(user_id)
        status = await self._spending.status(user_id)
        return SettingsView(language, preferences.aspect_ratio, status.cap, status.spent)

    # Each `set_*` returns the settings after the change, so a handler makes one call.

    async def set_language(self, user_id: int, language: str) -> SettingsView:
        """The view comes back in the newly chosen language."""
        if language not in LANGUAGES:
            raise InvalidSetting(setting="language", value=language)
        await self._languages.choose(user_id, language)
        return await self.view(user_id, language)

    async def set_aspect_ratio(
        self, user_id: int, aspect_ratio: str | None, language: str
    ) -> SettingsView:
        """None: no default, each model uses its own."""
        if aspect_ratio is not None and aspect_ratio not in self.aspect_ratios:
            raise InvalidSetting(setting="aspect_ratio", value=aspect_ratio)
        await self._preferences.set_aspect_ratio(user_id, aspect_ratio)
        return await self.view(user_id, language)

    async def set_cap(self, user_id: int, cap: int | None, language: str) -> SettingsView:
        """None: no cap."""
        if cap is not None and cap not in self.cap_choices:
            raise InvalidSetting(setting="daily_cap", value=cap)
        await self._spending.set_cap(user_id, cap)
        return await self.view(user_id, language)
