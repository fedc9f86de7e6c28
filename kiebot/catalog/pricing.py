"""What a generation costs the user, in whole credits, possibly depending on its options.

KIE prices many models by option: Kling by duration and sound, Seedance per second of
video at a per-resolution rate, Flux-2 by resolution, Topaz by output size. One formula
covers all of them without a price per combination:

    price = ceil( (base + Σ add[field][value]) × Π mul[field][value] )

`add` tables put a surcharge on a choice (10 s instead of 5 s: +50), `mul` tables scale
the whole (Seedance: base 1 × seconds × rate of the resolution). Tables are keyed by the
option's value as text (`"10"`, `"1080p"`, `"true"`), and only enum and bool fields may
be priced, so the loader can prove every possible choice has a price.

The price is computed from the *resolved* options (defaults filled in), so a job priced
before submit and the input sent to KIE always agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from kiebot.catalog.fields import FieldSpec, FieldType, OptionValue
from kiebot.catalog.reader import Table

# Rounded before the ceiling so 2.8 × 5 = 14.000000000000002 costs 14, not 15.
_PRICE_DECIMALS = 6


def price_key(value: OptionValue) -> str:
    """An option value as a price table key: TOML keys are strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Price:
    """A model's price in the bot's credits: a base, and tables keyed by option values."""

    base: int
    add: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    mul: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def fields(self) -> frozenset[str]:
        """The option fields the price depends on."""
        return frozenset(self.add) | frozenset(self.mul)

    def of(self, options: Mapping[str, OptionValue]) -> int:
        """The price for resolved options; every priced field must have a value there."""
        total = float(self.base)
        for name, surcharges in self.add.items():
            total += surcharges[price_key(options[name])]
        for name, factors in self.mul.items():
            total *= factors[price_key(options[name])]
        return math.ceil(round(total, _PRICE_DECIMALS))


def parse_price(raw: object, table: Table, fields: Mapping[str, FieldSpec]) -> Price:
    """`price = 4`, or `[price]` with `base` and optional `add` / `mul` tables."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            raise table.error(f"must be at least 0, got {raw}", "price")
        return Price(raw)
    if not isinstance(raw, Mapping):
        raise table.error(f"must be whole credits or a table with a base, got {raw!r}", "price")
    price = table.table("price")
    base = price.integer("base")
    add = _parse_tables(price.opt_table("add"), fields, positive=False)
    mul = _parse_tables(price.opt_table("mul"), fields, positive=True)
    price.finish()
    return Price(base, {k: {c: int(v) for c, v in t.items()} for k, t in add.items()}, mul)


def _parse_tables(
    tables: Table | None, fields: Mapping[str, FieldSpec], *, positive: bool
) -> dict[str, dict[str, float]]:
    if tables is None:
        return {}
    parsed: dict[str, dict[str, float]] = {}
    for name, _ in list(tables.entries()):
        spec = fields.get(name)
        expected = _price_keys(spec, tables, name)
        values = tables.table(name)
        parsed[name] = {
            key: _price_value(values, key, positive=positive) for key in sorted(expected)
        }
        values.finish()
    return parsed


def _price_keys(spec: FieldSpec | None, tables: Table, name: str) -> frozenset[str]:
    """The keys a price table for this field must have: every value the field can take.

    The field needs a default so a job where the user chose nothing still has a price.
    """
    if spec is None:
        raise tables.error("prices a field the model does not have", name)
    if spec.type not in (FieldType.ENUM, FieldType.BOOL):
        raise tables.error(f"only enum and bool fields can be priced, this is {spec.type}", name)
    if spec.default is None:
        raise tables.error("a priced field needs a default", name)
    expected = frozenset(spec.choices) if spec.type is FieldType.ENUM else {"true", "false"}
    missing = sorted(expected - set(tables.table(name).keys()))
    if missing:
        raise tables.error(f"no price for {missing[0]!r}", name)
    return frozenset(expected)


def _price_value(values: Table, key: str, *, positive: bool) -> float:
    if positive:
        return values.positive(key)
    return float(values.integer(key))
