"""The loaded catalog: look-ups by id, by kind and by class, and the default per kind."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kiebot.catalog.errors import ModelUnavailable, UnknownModel
from kiebot.catalog.model import JobClass, Kind, ModelEntry


class Catalog:
    """Every model of the catalog file, immutable once loaded.

    `get` finds disabled models too: a job submitted before the operator switched its
    model off still needs the entry to be polled, delivered and timed out. Menus use
    `models()`, which leaves disabled ones out by default.
    """

    def __init__(
        self,
        entries: Mapping[str, ModelEntry],
        defaults: Mapping[Kind, str],
        *,
        source: str,
    ) -> None:
        self._entries = dict(entries)
        self._defaults = dict(defaults)
        self.source = source

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self._entries.values())

    def get(self, model_id: str) -> ModelEntry:
        try:
            return self._entries[model_id]
        except KeyError:
            raise UnknownModel(model_id) from None

    def models(
        self,
        kind: Kind | str | None = None,
        job_class: JobClass | str | None = None,
        enabled_only: bool = True,
    ) -> tuple[ModelEntry, ...]:
        """Models in the file's order, filtered by kind, class and whether enabled."""
        return tuple(
            entry
            for entry in self._entries.values()
            if (kind is None or entry.kind == kind)
            and (job_class is None or entry.job_class == job_class)
            and (entry.enabled or not enabled_only)
        )

    def default_model_id(self, kind: Kind | str) -> str | None:
        """The `[defaults]` model id of this kind, enabled or not (None: not named)."""
        return self._defaults.get(Kind(kind))

    def default_model(self, kind: Kind | str) -> ModelEntry:
        """The `[defaults]` model of this kind when enabled, else the first enabled one."""
        chosen = self._defaults.get(Kind(kind))
        if chosen is not None and self._entries[chosen].enabled:
            return self._entries[chosen]
        enabled = self.models(kind=kind)
        if not enabled:
            raise ModelUnavailable(str(kind))
        return enabled[0]

    def fallback_for(self, model_id: str) -> ModelEntry | None:
        """The first enabled model along the entry's fallback chain (None: no fallback).

        The loader refuses cycles, so the walk ends.
        """
        next_id = self.get(model_id).fallback
        while next_id is not None:
            entry = self._entries[next_id]
            if entry.enabled:
                return entry
            next_id = entry.fallback
        return None
