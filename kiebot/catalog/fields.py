"""One field of a model's KIE `input`: its type, limits, default, and who may set it.

A field spec answers two questions with the same code: at start-up, "is the catalog's
default a value KIE accepts?", and per request, "is the user's option a value KIE
accepts?". Sharing the check means a default can never be something a user could not
have chosen, and a bad default fails the start-up instead of every job of that model.

Values are checked strictly by type (an int option must be an int, "5" is not 5): the
catalog follows KIE's schema, where `duration` is the *string* "5" for Kling, and a
silent coercion would hide exactly that kind of mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from kiebot.catalog.errors import CatalogError, InvalidOption
from kiebot.catalog.reader import Table

OptionValue = str | int | float | bool


class FieldType(StrEnum):
    """The types a KIE input field can have, as the catalog names them."""

    STRING = "string"
    ENUM = "enum"  # a string from `choices`
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    IMAGE = "image"  # one uploaded-file URL (upscale's `image_url`, recraft's `image`)
    IMAGE_LIST = "image_list"  # a list of uploaded-file URLs (`image_urls`, `input_urls`)


# Which keys each type may carry beyond the common ones.
_COMMON_KEYS = frozenset({"type", "required", "default", "fixed", "deprecated"})
_TYPE_KEYS: dict[FieldType, frozenset[str]] = {
    FieldType.STRING: frozenset({"min_length", "max_length"}),
    FieldType.ENUM: frozenset({"choices"}),
    FieldType.INT: frozenset({"min", "max"}),
    FieldType.FLOAT: frozenset({"min", "max"}),
    FieldType.BOOL: frozenset(),
    FieldType.IMAGE: frozenset({"max_mb"}),
    FieldType.IMAGE_LIST: frozenset({"min_items", "max_items", "max_mb"}),
}
IMAGE_TYPES = frozenset({FieldType.IMAGE, FieldType.IMAGE_LIST})
# KIE's upload limit, and the most any image field takes unless it says less (`max_mb`).
MAX_IMAGE_MB = 10.0


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input field.

    `required`: KIE requires it (so it is always sent: a required option needs a
    default). `default`: what is sent when the user chose nothing; without one, the field
    is left out and KIE applies its own. `fixed`: the operator's value, users cannot
    change it (`nsfw_checker`). `deprecated`: documented by KIE but replaced; kept so the
    catalog records KIE's whole schema, never sent and never settable.
    """

    name: str
    type: FieldType
    required: bool = False
    default: OptionValue | None = None
    choices: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    max_mb: float | None = None
    fixed: bool = False
    deprecated: bool = False

    @property
    def max_image_bytes(self) -> int:
        """The largest input file this image field takes (KIE's 10 MB unless less)."""
        return int((self.max_mb or MAX_IMAGE_MB) * 1024 * 1024)

    @property
    def is_image(self) -> bool:
        return self.type in IMAGE_TYPES

    @property
    def settable(self) -> bool:
        """Whether a user option may set this field (images and prompt come separately)."""
        return not (self.fixed or self.deprecated or self.is_image)

    def item_limits(self) -> tuple[int, int]:
        """(fewest, most) image URLs this field takes."""
        if self.type is FieldType.IMAGE:
            return (1 if self.required else 0), 1
        low = self.min_items if self.min_items is not None else (1 if self.required else 0)
        return low, self.max_items if self.max_items is not None else 10**6

    def check(self, value: object) -> OptionValue:
        """The value as KIE should get it, or `InvalidOption` saying what is wrong."""
        return _CHECKS[self.type](self, value)

    def invalid(self, value: object, reason: str) -> InvalidOption:
        return InvalidOption(self.name, value, self.choices, reason=reason)


def _check_string(spec: FieldSpec, value: object) -> OptionValue:
    if not isinstance(value, str):
        raise spec.invalid(value, "must be a string")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise spec.invalid(value, f"longer than {spec.max_length} characters")
    if spec.min_length is not None and len(value) < spec.min_length:
        raise spec.invalid(value, f"shorter than {spec.min_length} characters")
    return value


def _check_enum(spec: FieldSpec, value: object) -> OptionValue:
    if not isinstance(value, str) or value not in spec.choices:
        raise spec.invalid(value, f"must be one of {list(spec.choices)}")
    return value


def _check_range(spec: FieldSpec, value: float) -> None:
    if spec.minimum is not None and value < spec.minimum:
        raise spec.invalid(value, f"below the minimum {spec.minimum:g}")
    if spec.maximum is not None and value > spec.maximum:
        raise spec.invalid(value, f"above the maximum {spec.maximum:g}")


def _check_int(spec: FieldSpec, value: object) -> OptionValue:
    if isinstance(value, bool) or not isinstance(value, int):
        raise spec.invalid(value, "must be an integer")
    _check_range(spec, value)
    return value


def _check_float(spec: FieldSpec, value: object) -> OptionValue:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise spec.invalid(value, "must be a finite number")
    _check_range(spec, value)
    return float(value)


def _check_bool(spec: FieldSpec, value: object) -> OptionValue:
    if not isinstance(value, bool):
        raise spec.invalid(value, "must be true or false")
    return value


def _check_image(spec: FieldSpec, value: object) -> OptionValue:
    raise spec.invalid(value, "images are given as image inputs, not as an option")


_CHECKS: dict[FieldType, Callable[[FieldSpec, object], OptionValue]] = {
    FieldType.STRING: _check_string,
    FieldType.ENUM: _check_enum,
    FieldType.INT: _check_int,
    FieldType.FLOAT: _check_float,
    FieldType.BOOL: _check_bool,
    FieldType.IMAGE: _check_image,
    FieldType.IMAGE_LIST: _check_image,
}


# -- reading a field from the catalog file ---------------------------------------------


def parse_field(name: str, table: Table) -> FieldSpec:
    """A field spec from its TOML table; every problem names the model and the field."""
    field_type = _parse_type(table)
    unknown = set(table.keys()) - _COMMON_KEYS - _TYPE_KEYS[field_type]
    if unknown:
        key = sorted(unknown)[0]
        raise table.error(f"not a key of {field_type} fields", key)
    spec = FieldSpec(
        name=name,
        type=field_type,
        required=table.boolean("required", False),
        choices=table.string_list("choices") if field_type is FieldType.ENUM else (),
        min_length=table.opt_integer("min_length"),
        max_length=table.opt_integer("max_length", minimum=1),
        minimum=table.opt_number("min"),
        maximum=table.opt_number("max"),
        min_items=table.opt_integer("min_items"),
        max_items=table.opt_integer("max_items", minimum=1),
        max_mb=_max_mb(table),
        fixed=table.boolean("fixed", False),
        deprecated=table.boolean("deprecated", False),
    )
    spec = _with_default(spec, table)
    table.finish()
    _check_consistency(spec, table)
    return spec


def _max_mb(table: Table) -> float | None:
    if not table.has("max_mb"):
        table.raw("max_mb")
        return None
    value = table.positive("max_mb")
    if value > MAX_IMAGE_MB:
        raise table.error(f"KIE takes no file over {MAX_IMAGE_MB:g} MB, got {value:g}", "max_mb")
    return value


def _parse_type(table: Table) -> FieldType:
    raw = table.string("type")
    try:
        return FieldType(raw)
    except ValueError:
        allowed = [t.value for t in FieldType]
        raise table.error(f"unknown type {raw!r}, expected one of {allowed}", "type") from None


def _with_default(spec: FieldSpec, table: Table) -> FieldSpec:
    if not table.has("default"):
        return spec
    raw = table.value("default")
    try:
        value = spec.check(raw)
    except InvalidOption as exc:
        raise table.error(f"default {raw!r} {exc.reason}", "default") from exc
    return replace(spec, default=value)


def _check_consistency(spec: FieldSpec, table: Table) -> None:
    """Rules across keys: what is always sent must have a value, ranges must be ranges."""
    if spec.deprecated and (spec.required or spec.default is not None):
        raise table.error("a deprecated field is never sent: no required, no default")
    if spec.fixed and spec.default is None:
        raise table.error("a fixed field needs the default it is fixed to", "default")
    _check_order(table, "min_length", spec.min_length, "max_length", spec.max_length)
    _check_order(table, "min", spec.minimum, "max", spec.maximum)
    _check_order(table, "min_items", spec.min_items, "max_items", spec.max_items)


def _check_order(
    table: Table, low_key: str, low: float | None, high_key: str, high: float | None
) -> None:
    if low is not None and high is not None and low > high:
        raise table.error(f"{low_key} {low:g} is above {high_key} {high:g}", low_key)


def check_required_has_default(spec: FieldSpec, roles: set[str], table: Table) -> None:
    """A required field that is neither the prompt nor the images is always sent, so the
    catalog must say with what; otherwise every job would fail at KIE with a 422."""
    if spec.required and spec.default is None and spec.name not in roles:
        raise CatalogError(
            "a required field needs a default (it is not the prompt or the images)",
            model=table.model,
            field=f"fields.{spec.name}.default",
            source=table.source,
        )
