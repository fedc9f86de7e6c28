"""A checked view of one TOML table, so every load error names its model and field.

tomllib hands back plain dicts; reading them with `data["x"]` would turn a typo in the
operator's file into a KeyError without a location. `Table` pulls typed values out one
key at a time, knows where it sits (model, dotted path), and `finish()` refuses keys
nobody read: `max_lenght = 100` is an error at start-up, not a silently ignored limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from kiebot.catalog.errors import CatalogError

_MISSING = object()


def _kind(value: object) -> str:
    """TOML's name for a value's type, for error messages."""
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    return names.get(type(value), "table" if isinstance(value, Mapping) else type(value).__name__)


class Table:
    """One table of the catalog file being read, with its location for errors."""

    def __init__(
        self, data: object, *, source: str, model: str | None = None, path: str = ""
    ) -> None:
        self.source = source
        self.model = model
        self.path = path
        if not isinstance(data, Mapping):
            raise self.error(f"must be a table, got {_kind(data)}")
        self._data: Mapping[str, Any] = data
        self._read: set[str] = set()

    def where(self, key: str | None = None) -> str:
        """The dotted path of `key` inside the model (or the file, above models)."""
        parts = [p for p in (self.path, key) if p]
        return ".".join(parts)

    def error(self, problem: str, key: str | None = None) -> CatalogError:
        return CatalogError(
            problem, model=self.model, field=self.where(key) or None, source=self.source
        )

    def has(self, key: str) -> bool:
        return key in self._data

    def keys(self) -> list[str]:
        return list(self._data)

    def raw(self, key: str) -> object:
        """The value as TOML gave it, or `_MISSING`; marks the key as read."""
        self._read.add(key)
        return self._data.get(key, _MISSING)

    def value(self, key: str) -> Any:
        """A required value of any type."""
        value = self.raw(key)
        if value is _MISSING:
            raise self.error("missing", key)
        return value

    def string(self, key: str) -> str:
        value = self.value(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"must be a non-empty string, got {value!r}", key)
        return value

    def opt_string(self, key: str) -> str | None:
        self._read.add(key)
        return self.string(key) if self.has(key) else None

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, got {_kind(value)}", key)
        return value

    def integer(self, key: str, *, minimum: int = 0) -> int:
        value = self.value(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be an integer, got {_kind(value)}", key)
        if value < minimum:
            raise self.error(f"must be at least {minimum}, got {value}", key)
        return value

    def opt_integer(self, key: str, *, minimum: int = 0) -> int | None:
        self._read.add(key)
        return self.integer(key, minimum=minimum) if self.has(key) else None

    def number(self, key: str) -> float:
        """Any finite number, integer or float."""
        value = self.value(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"must be a number, got {_kind(value)}", key)
        if not math.isfinite(value):
            raise self.error(f"must be finite, got {value}", key)
        return float(value)

    def opt_number(self, key: str) -> float | None:
        self._read.add(key)
        return self.number(key) if self.has(key) else None

    def positive(self, key: str) -> float:
        value = self.number(key)
        if value <= 0:
            raise self.error(f"must be positive, got {value:g}", key)
        return value

    def table(self, key: str) -> Table:
        return Table(self.value(key), source=self.source, model=self.model, path=self.where(key))

    def opt_table(self, key: str) -> Table | None:
        self._read.add(key)
        return self.table(key) if self.has(key) else None

    def child(self, key: str, *, model: str | None = None) -> Table:
        """A sub-table that starts a new location (a model's own table)."""
        self._read.add(key)
        return Table(self._data[key], source=self.source, model=model, path="")

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.value(key)
        if not isinstance(value, list) or not value:
            raise self.error("must be a non-empty array of strings", key)
        if not all(isinstance(item, str) and item for item in value):
            raise self.error(f"must hold only non-empty strings, got {value!r}", key)
        if len(set(value)) != len(value):
            raise self.error(f"has duplicates: {value!r}", key)
        return tuple(value)

    def entries(self) -> Iterator[tuple[str, object]]:
        """Every key and value, in file order; all count as read."""
        for key, value in self._data.items():
            self._read.add(key)
            yield key, value

    def finish(self) -> None:
        """Refuse keys nobody read: they are typos or options this version lacks."""
        unknown = [key for key in self._data if key not in self._read]
        if unknown:
            raise self.error(f"unknown key {unknown[0]!r}", unknown[0])
