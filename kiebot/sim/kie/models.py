"""How the simulator describes a model and checks a task's input against it.

The table of models itself (KIE's documented schemas) is in `schemas`. The simulator
validates every create against its model's fields and answers 422 naming the field, as
KIE does, so a catalog entry that sends the wrong type or an unknown enum value fails in
tests, not in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

FieldKind = Literal["string", "boolean", "enum", "url", "url_list", "number", "integer"]
ModelKind = Literal["image", "video"]
Family = Literal["market", "veo"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a model's `input`: its kind and the limits KIE documents for it.

    `min_length` / `max_length` bound strings, `minimum` / `maximum` numbers, `min_items`
    / `max_items` URL lists. For URL fields `max_bytes` and `mime_types` narrow what the
    file behind the URL may be (KIE's upload limit and JPEG/PNG/WebP otherwise), and
    `min_side` / `max_side` its pixel size where KIE documents one.
    """

    kind: FieldKind = "string"
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    max_items: int | None = None
    min_length: int | None = None
    min_items: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_bytes: int | None = None
    mime_types: tuple[str, ...] = ()
    min_side: int | None = None
    max_side: int | None = None


# A rule across fields (Veo: REFERENCE_2_VIDEO only with veo3_fast): the problem or None.
CrossCheck = Callable[[dict[str, Any]], str | None]


@dataclass
class ModelSpec:
    """A model the simulator serves.

    `family` says which endpoints serve it: "market" (createTask / recordInfo, fields in
    `input`) or "veo" (Veo 3.1's generate / record-info, fields at the top level).
    `median_s` and `sigma` describe a log-normal duration (sigma 0 = always the median);
    `progress` says whether recordInfo reports a 0-100 progress while generating (KIE
    does so only for some models); `failure_rate`, when set, overrides the global one.
    `cross_check` holds rules that span fields.
    """

    name: str
    kind: ModelKind
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    cost: float = 1.0
    median_s: float = 10.0
    sigma: float = 0.0
    progress: bool = False
    enabled: bool = True
    accept_any_input: bool = False
    failure_rate: float | None = None
    family: Family = "market"
    cross_check: CrossCheck | None = None


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_string(path: str, spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, str):
        return f"{path} must be a string"
    if spec.required and not value.strip():
        return f"{path} must not be empty"
    if spec.max_length is not None and len(value) > spec.max_length:
        return f"{path} exceeds the maximum length of {spec.max_length} characters"
    if spec.min_length is not None and len(value.strip()) < spec.min_length:
        return f"{path} must be at least {spec.min_length} characters"
    return None


def _check_boolean(path: str, spec: FieldSpec, value: object) -> str | None:
    return None if isinstance(value, bool) else f"{path} must be a boolean"


def _check_range(path: str, spec: FieldSpec, value: float) -> str | None:
    if spec.minimum is not None and value < spec.minimum:
        return f"{path} must be at least {spec.minimum:g}"
    if spec.maximum is not None and value > spec.maximum:
        return f"{path} must be at most {spec.maximum:g}"
    return None


def _check_number(path: str, spec: FieldSpec, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{path} must be a number"
    return _check_range(path, spec, value)


def _check_integer(path: str, spec: FieldSpec, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{path} must be an integer"
    return _check_range(path, spec, value)


def _check_enum(path: str, spec: FieldSpec, value: object) -> str | None:
    if value in spec.choices and isinstance(value, str):
        return None
    return f"{path} must be one of {list(spec.choices)}, got {value!r}"


def _check_url(path: str, spec: FieldSpec, value: object) -> str | None:
    return None if _is_http_url(value) else f"{path} must be an http(s) URL"


def _check_url_list(path: str, spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, list):
        return f"{path} must be a list of URLs"
    if spec.required and not value:
        return f"{path} must not be empty"
    if spec.max_items is not None and len(value) > spec.max_items:
        return f"{path} accepts at most {spec.max_items} items, got {len(value)}"
    if spec.min_items is not None and len(value) < spec.min_items:
        return f"{path} needs at least {spec.min_items} items, got {len(value)}"
    for i, item in enumerate(value):
        if not _is_http_url(item):
            return f"{path}[{i}] must be an http(s) URL"
    return None


_CHECKERS: dict[FieldKind, Callable[[str, FieldSpec, object], str | None]] = {
    "string": _check_string,
    "boolean": _check_boolean,
    "number": _check_number,
    "integer": _check_integer,
    "enum": _check_enum,
    "url": _check_url,
    "url_list": _check_url_list,
}


def validate_input(spec: ModelSpec, data: dict[str, Any], prefix: str = "input.") -> str | None:
    """The first validation problem of `data` against `spec`, or None when it is valid.

    Fields the schema does not name are ignored, as KIE ignores them; a field sent as
    null counts as missing.
    """
    for name, fspec in spec.fields.items():
        path = f"{prefix}{name}"
        value = data.get(name)
        if value is None:
            if fspec.required:
                return f"{path} is required"
            continue
        problem = _CHECKERS[fspec.kind](path, fspec, value)
        if problem:
            return problem
    return spec.cross_check(data) if spec.cross_check else None


def input_urls(
    spec: ModelSpec, data: dict[str, Any], prefix: str = "input."
) -> Iterator[tuple[str, str, FieldSpec]]:
    """(field path, URL, its field) for every image URL the task's input refers to."""
    for name, fspec in spec.fields.items():
        value = data.get(name)
        if fspec.kind == "url" and isinstance(value, str):
            yield f"{prefix}{name}", value, fspec
        elif fspec.kind == "url_list" and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield f"{prefix}{name}[{i}]", item, fspec


TELEGRAM_FILE_MARKER = "/file/bot"


def telegram_file_urls(value: object, path: str) -> Iterator[str]:
    """Paths of every string inside `value` that looks like a Telegram file URL.

    Such a URL embeds the bot token; KIE must never see one, so the simulator counts and
    refuses them wherever they appear.
    """
    if isinstance(value, str):
        if TELEGRAM_FILE_MARKER in value:
            yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from telegram_file_urls(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from telegram_file_urls(v, f"{path}[{i}]")
