"""The simulator's knobs: one mutable dataclass, changeable in-process or over /_sim/config.

Unlike kiebot's own settings this object is deliberately mutable: tests and the benchmark
turn knobs while the simulator runs (raise the rate limits 50x, start failing 20 % of
tasks, switch error replies to mirrored HTTP statuses). Every knob is read at the moment
it matters, so a change applies to the next request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kiebot.sim.kie.models import ModelSpec
from kiebot.sim.kie.schemas import default_models

ErrorHttpStatus = Literal["body", "mirror", "mixed"]
MessageKey = Literal["msg", "message", "both"]
NotFoundStyle = Literal["record_null", "404"]
EmptyStyle = Literal["empty", "null"]
CallbackStyle = Literal["new", "old"]

MiB = 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass
class KeySpec:
    """One API key: the account it spends from and its own usage cap.

    Keys with the same `account` share one credit balance and can read each other's
    tasks, as sub-keys of one KIE account do; without `account` a key is its own account.
    `credits` is the account's starting balance (the first key of an account sets it).
    `cap` is the most this key may spend in total before KIE answers 433.
    """

    credits: float = 10_000.0
    cap: float | None = None
    account: str | None = None


def _default_keys() -> dict[str, KeySpec | float]:
    return {"sim-key": KeySpec()}


@dataclass
class KieSimConfig:
    """Every knob of the KIE simulator, with defaults that match KIE's documentation.

    Times are seconds of the simulator's clock (which `KieSimulator.advance` can move).
    Durations of tasks come from each model's spec, multiplied by `time_scale`.
    """

    # A Mapping so that a dict[str, KeySpec] type-checks; values may also be plain credits.
    keys: Mapping[str, KeySpec | float] = field(default_factory=_default_keys)
    hmac_key: str | None = None
    seed: int = 0
    models: list[ModelSpec] = field(default_factory=default_models)
    # Base of result/upload URLs handed out; defaults to the address the sim listens on.
    public_base_url: str | None = None

    # Per-key limits (KIE: 20 creates / 10 s, 10 recordInfo / 1 s). Over them: 429.
    create_limit: int = 20
    create_window_s: float = 10.0
    read_limit: int = 10
    read_window_s: float = 1.0

    time_scale: float = 1.0
    failure_rate: float = 0.0
    server_error_rate: float = 0.0
    proxy_error_rate: float = 0.0
    error_http_status: ErrorHttpStatus = "body"
    message_key: MessageKey = "msg"
    not_found_style: NotFoundStyle = "record_null"
    empty_style: EmptyStyle = "empty"
    refund_failed: bool = True
    accept_unknown_models: bool = False
    disabled_models: set[str] = field(default_factory=set)

    # Uploads: the documented 10 MB / jpeg, png, webp limit for image inputs.
    upload_max_bytes: int = 10 * MiB
    upload_allowed_types: tuple[str, ...] | None = IMAGE_TYPES
    upload_url_timeout_s: float = 30.0
    upload_ttl_s: float = 3 * 24 * 3600.0
    upload_store_max_bytes: int = 512 * MiB

    # Image URLs given as task inputs: checked to be fetchable images under the limit.
    check_input_urls: bool = True
    input_fetch_timeout_s: float = 5.0
    input_max_bytes: int = 10 * MiB

    callback_style: CallbackStyle = "new"
    callback_retries: int = 3
    callback_retry_delay_s: float = 1.0
    callback_timeout_s: float = 10.0

    result_image_px: int = 256
    result_image_noise: bool = False
    result_video_bytes: int = 64 * 1024
    media_ttl_s: float | None = 24 * 3600.0


# Knobs that /_sim/config may not touch: structure, not behaviour.
_NOT_SETTABLE = frozenset({"keys", "models", "seed"})


def settable_knobs() -> list[str]:
    """Names of the knobs POST /_sim/config accepts."""
    return [f.name for f in dataclasses.fields(KieSimConfig) if f.name not in _NOT_SETTABLE]


def _coerce(name: str, current: object, value: object) -> object:
    """Check `value` against the type of the knob's current value and convert lists.

    A knob keeps its type: a JSON client cannot turn `create_limit` into a string by
    accident, and a misspelt knob is an error, not a silently ignored field.
    """
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be a boolean")
        return value
    if isinstance(current, set):
        if not isinstance(value, list | set | tuple):
            raise ValueError(f"{name} must be a list")
        return {str(v) for v in value}
    if name == "upload_allowed_types":
        if value is None:
            return None
        if not isinstance(value, list | tuple):
            raise ValueError(f"{name} must be a list or null")
        return tuple(str(v) for v in value)
    return _coerce_scalar(name, current, value)


_LITERALS: dict[str, tuple[str, ...]] = {
    "error_http_status": ("body", "mirror", "mixed"),
    "message_key": ("msg", "message", "both"),
    "not_found_style": ("record_null", "404"),
    "empty_style": ("empty", "null"),
    "callback_style": ("new", "old"),
}
_OPTIONAL_NUMBERS = frozenset({"media_ttl_s"})
_OPTIONAL_STRINGS = frozenset({"hmac_key", "public_base_url"})


def _coerce_scalar(name: str, current: object, value: object) -> object:
    if name in _LITERALS:
        if value not in _LITERALS[name]:
            raise ValueError(f"{name} must be one of {list(_LITERALS[name])}")
        return value
    if name in _OPTIONAL_STRINGS:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a string or null")
        return value
    if value is None and name in _OPTIONAL_NUMBERS:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    if isinstance(current, int) and not isinstance(current, bool):
        if float(value) != int(value):
            raise ValueError(f"{name} must be an integer")
        return int(value)
    return float(value)


def apply_updates(config: KieSimConfig, updates: dict[str, Any]) -> None:
    """Set several knobs at once, all or nothing; raise ValueError naming a bad one."""
    allowed = set(settable_knobs())
    coerced: dict[str, object] = {}
    for name, value in updates.items():
        if name not in allowed:
            raise ValueError(f"unknown or read-only knob: {name}")
        coerced[name] = _coerce(name, getattr(config, name), value)
    for name, value in coerced.items():
        setattr(config, name, value)


def knobs_as_dict(config: KieSimConfig) -> dict[str, Any]:
    """The settable knobs and their values, JSON-ready."""
    out: dict[str, Any] = {}
    for name in settable_knobs():
        value = getattr(config, name)
        if isinstance(value, set | tuple):
            value = sorted(value) if isinstance(value, set) else list(value)
        if name == "hmac_key" and value is not None:
            value = "***"  # a secret, even in a simulator, is not echoed back
        out[name] = value
    return out
