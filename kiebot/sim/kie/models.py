"""The models the simulator knows: their class, input schema, price and typical duration.

Schemas are transcribed from KIE's model pages (docs.kie.ai/market/...): required fields,
prompt limits, enums, the maximum number of input images. The simulator validates every
createTask against them and answers 422 naming the field, as KIE does, so a catalog entry
that sends the wrong type or an unknown enum value fails in tests, not in production.

Prices are in KIE credits and durations in seconds; both are knobs, not facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

FieldKind = Literal["string", "boolean", "enum", "url", "url_list", "number"]
ModelKind = Literal["image", "video"]

ASPECT_RATIOS_NANO = (
    "1:1",
    "9:16",
    "16:9",
    "3:4",
    "4:3",
    "3:2",
    "2:3",
    "5:4",
    "4:5",
    "21:9",
    "auto",
)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a model's `input`: its kind and the limits KIE documents for it."""

    kind: FieldKind = "string"
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    max_items: int | None = None


@dataclass
class ModelSpec:
    """A model the simulator serves.

    `median_s` and `sigma` describe a log-normal duration (sigma 0 = always the median);
    `progress` says whether recordInfo reports a 0-100 progress while generating (KIE
    does so only for some models); `failure_rate`, when set, overrides the global one.
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


def _prompt(max_length: int) -> FieldSpec:
    return FieldSpec("string", required=True, max_length=max_length)


def default_models() -> list[ModelSpec]:
    """The built-in table: the models the bot's catalog starts with, as KIE documents them."""
    nano_format = FieldSpec("enum", choices=("png", "jpeg"))
    nano_ratio = FieldSpec("enum", choices=ASPECT_RATIOS_NANO)
    kling_ratio = FieldSpec("enum", required=True, choices=("1:1", "16:9", "9:16"))
    kling_duration = FieldSpec("enum", required=True, choices=("5", "10"))
    return [
        ModelSpec(
            "z-image",
            "image",
            {
                "prompt": _prompt(1000),
                "aspect_ratio": FieldSpec(
                    "enum", required=True, choices=("1:1", "4:3", "3:4", "16:9", "9:16")
                ),
                "nsfw_checker": FieldSpec("boolean"),
            },
            cost=0.8,
            median_s=8.0,
            sigma=0.3,
        ),
        ModelSpec(
            "google/nano-banana",
            "image",
            {
                "prompt": _prompt(5000),
                "output_format": nano_format,
                "aspect_ratio": nano_ratio,
                "image_size": nano_ratio,  # deprecated by KIE in favour of aspect_ratio
                "nsfw_checker": FieldSpec("boolean"),
            },
            cost=4.0,
            median_s=12.0,
            sigma=0.3,
        ),
        ModelSpec(
            "google/nano-banana-edit",
            "image",
            {
                "prompt": _prompt(5000),
                "image_urls": FieldSpec("url_list", required=True, max_items=10),
                "output_format": nano_format,
                "aspect_ratio": nano_ratio,
                "image_size": nano_ratio,
                "nsfw_checker": FieldSpec("boolean"),
            },
            cost=4.0,
            median_s=14.0,
            sigma=0.3,
        ),
        ModelSpec(
            "kling-2.6/text-to-video",
            "video",
            {
                "prompt": _prompt(1000),
                "sound": FieldSpec("boolean", required=True),
                "aspect_ratio": kling_ratio,
                "duration": kling_duration,
            },
            cost=55.0,
            median_s=90.0,
            sigma=0.25,
            progress=True,
        ),
        ModelSpec(
            "kling-2.6/image-to-video",
            "video",
            {
                "prompt": _prompt(1000),
                "image_urls": FieldSpec("url_list", required=True, max_items=1),
                "sound": FieldSpec("boolean", required=True),
                "duration": kling_duration,
            },
            cost=55.0,
            median_s=100.0,
            sigma=0.25,
            progress=True,
        ),
    ]


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
    return None


def _check_boolean(path: str, spec: FieldSpec, value: object) -> str | None:
    return None if isinstance(value, bool) else f"{path} must be a boolean"


def _check_number(path: str, spec: FieldSpec, value: object) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return None if ok else f"{path} must be a number"


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
    for i, item in enumerate(value):
        if not _is_http_url(item):
            return f"{path}[{i}] must be an http(s) URL"
    return None


_CHECKERS: dict[FieldKind, Callable[[str, FieldSpec, object], str | None]] = {
    "string": _check_string,
    "boolean": _check_boolean,
    "number": _check_number,
    "enum": _check_enum,
    "url": _check_url,
    "url_list": _check_url_list,
}


def validate_input(spec: ModelSpec, data: dict[str, Any]) -> str | None:
    """The first validation problem of `data` against `spec`, or None when it is valid.

    Fields the schema does not name are ignored, as KIE ignores them; a field sent as
    null counts as missing.
    """
    for name, fspec in spec.fields.items():
        path = f"input.{name}"
        value = data.get(name)
        if value is None:
            if fspec.required:
                return f"{path} is required"
            continue
        problem = _CHECKERS[fspec.kind](path, fspec, value)
        if problem:
            return problem
    return None


def input_urls(spec: ModelSpec, data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field path, URL) for every image URL the task's input refers to."""
    for name, fspec in spec.fields.items():
        value = data.get(name)
        if fspec.kind == "url" and isinstance(value, str):
            yield f"input.{name}", value
        elif fspec.kind == "url_list" and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield f"input.{name}[{i}]", item


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
