"""One immutable settings object, built once from the environment and an optional `.env`.

Every knob kiebot has is a field here with its default; nothing else reads the
environment. Secrets are `SecretStr` so that printing the settings, logging them or a
traceback's repr never shows them. A bad value raises `ConfigError` naming the variable,
which the CLI turns into one line and exit code 2.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import SecretStr

from kiebot.errors import KiebotError

N = TypeVar("N", int, float)

LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
# Telegram's own rule for setWebhook's secret_token.
_WEBHOOK_SECRET_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
)


class ConfigError(KiebotError):
    """A configuration value is missing or malformed; `variable` names which one."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ListenAddress:
    host: str
    port: int

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class CreditPack:
    """A pack of credits sold for Telegram Stars; `bonus` credits come on top."""

    id: str
    credits: int
    stars: int
    bonus: int = 0

    @property
    def total(self) -> int:
        return self.credits + self.bonus


@dataclass(frozen=True, slots=True)
class SubscriptionPlan:
    """The monthly Stars subscription: `credits` granted for each paid period."""

    credits: int
    stars: int


# Telegram's bounds for one Stars invoice (and for a subscription's monthly price).
MAX_INVOICE_STARS = 10_000
_PACK_ID = re.compile(r"[a-z0-9_]{1,16}")
DEFAULT_PACKS = (
    CreditPack("small", 50, 50),
    CreditPack("medium", 100, 100, 15),
    CreditPack("large", 250, 250, 50),
    CreditPack("max", 1000, 1000, 250),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """What the process needs to know about its surroundings; see the README's table."""

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    kie_api_keys: tuple[SecretStr, ...] = ()
    kie_api_url: str = "https://api.kie.ai"
    kie_upload_url: str = "https://kieai.redpandaai.co"
    kie_webhook_hmac_key: SecretStr | None = None
    # A secret because the URL may carry the Redis password.
    redis_url: SecretStr = field(default_factory=lambda: SecretStr("redis://127.0.0.1:6379/0"))
    public_url: str | None = None
    webhook_secret: SecretStr | None = None
    admin_listen: ListenAddress = ListenAddress("127.0.0.1", 8080)
    admin_token: SecretStr | None = None
    # True when no token was configured and one was generated for a loopback admin server;
    # the app prints it once so the operator can log in.
    admin_token_generated: bool = False
    admin_ids: frozenset[int] = frozenset()
    data_dir: Path = Path("data")
    catalog_path: Path | None = None
    log_level: str = "INFO"
    log_json: bool = False
    # Knobs beyond CONTRACT.md, each with a default sized for a 1 vCPU / 1 GB VPS.
    redis_pool_size: int = 32
    redis_timeout_s: float = 5.0
    kie_create_limit: int = 20
    kie_create_window_s: float = 10.0
    kie_read_limit: int = 10
    kie_read_window_s: float = 1.0
    kie_timeout_s: float = 30.0
    kie_max_attempts: int = 5
    http_pool_size: int = 100
    starting_credits: int = 10
    image_concurrency: int = 80
    video_concurrency: int = 20
    queue_size: int = 500
    max_active_per_user: int = 3
    user_rate_limit: int = 5
    user_rate_window_s: float = 60.0
    drain_timeout_s: float = 20.0
    telegram_rate: float = 30.0
    # Rewards and per-user limits (kiebot/rewards, kiebot/bot/limits.py).
    referral_bonus: int = 20
    low_balance: int = 5
    user_message_limit: int = 20
    user_press_limit: int = 30
    # Operations (alerts to KIEBOT_ADMIN_IDS, maintenance, the log file).
    alert_kie_credits: float = 500.0
    alert_error_rate: float = 0.25
    alert_interval_s: float = 1800.0
    job_retention_days: int = 30
    conversation_ttl_s: float = 3600.0
    log_file: bool = False
    log_retention_days: int = 14
    credit_packs: tuple[CreditPack, ...] = DEFAULT_PACKS
    # None: no subscription is offered.
    subscription: SubscriptionPlan | None = SubscriptionPlan(credits=300, stars=250)

    def secrets(self) -> list[str]:
        """Every secret value, for the log redactor."""
        values = [self.bot_token, self.kie_webhook_hmac_key, self.webhook_secret, self.admin_token]
        values.extend(self.kie_api_keys)
        found = [v.get_secret_value() for v in values if v is not None]
        password = urlsplit(self.redis_url.get_secret_value()).password
        if password:
            found.append(password)
        return [s for s in found if s]


def _parse_number(kind: type[N], low: N, high: N) -> Callable[[str], N]:
    """A parser for a whole number (`int`) or a number (`float`) within bounds."""
    noun = "a whole number" if kind is int else "a number"

    def parse(raw: str) -> N:
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"expected {noun}, got {raw!r}") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def _parse_int(low: int, high: int) -> Callable[[str], int]:
    return _parse_number(int, low, high)


def _parse_float(low: float, high: float) -> Callable[[str], float]:
    return _parse_number(float, low, high)


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _parse_http_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http(s) URL such as https://example.org")
    if parts.query or parts.fragment:
        raise ValueError("expected a base URL without query or fragment")
    return raw.strip().rstrip("/")


def _parse_public_url(raw: str) -> str:
    url = _parse_http_url(raw)
    parts = urlsplit(url)
    loopback = ListenAddress(parts.hostname or "", 0).is_loopback
    # Telegram only pushes webhooks to https; plain http is allowed on loopback so the
    # simulators and tests can use callbacks without a certificate.
    if parts.scheme != "https" and not loopback:
        raise ValueError("must be an https URL (Telegram delivers webhooks over https only)")
    return url


def _parse_redis_url(raw: str) -> SecretStr:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError("expected redis://host:port/db, rediss://... or unix:///path")
    if parts.scheme != "unix" and not parts.hostname:
        raise ValueError("the URL names no host")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError("the port is not a number") from None
    return SecretStr(raw.strip())


def _parse_token(raw: str) -> SecretStr:
    token = raw.strip()
    bot_id, sep, secret = token.partition(":")
    if not sep or not bot_id.isdigit() or len(secret) < 20:
        raise ValueError(
            "does not look like a bot token (expected <digits>:<secret> from @BotFather)"
        )
    return SecretStr(token)


def _parse_secret(raw: str) -> SecretStr:
    if not raw.strip():
        raise ValueError("is empty")
    return SecretStr(raw.strip())


def _parse_keys(raw: str) -> tuple[SecretStr, ...]:
    keys = [k.strip() for k in raw.split(",")]
    if not all(keys):
        raise ValueError("an empty key in the comma-separated list")
    if len(set(keys)) != len(keys):
        raise ValueError("the same key is listed twice")
    return tuple(SecretStr(k) for k in keys)


def _parse_webhook_secret(raw: str) -> SecretStr:
    value = raw.strip()
    if not 1 <= len(value) <= 256 or not set(value) <= _WEBHOOK_SECRET_CHARS:
        raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return SecretStr(value)


def _parse_listen(raw: str) -> ListenAddress:
    host, sep, port = raw.strip().rpartition(":")
    if not sep or not host:
        raise ValueError("expected host:port, such as 127.0.0.1:8080")
    host = host.removeprefix("[").removesuffix("]")
    return ListenAddress(host, _parse_int(1, 65535)(port))


def _parse_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"expected comma-separated Telegram user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _parse_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
    return level


def _parse_path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("is empty")
    return Path(raw.strip()).expanduser()


def _parse_catalog(raw: str) -> Path:
    path = _parse_path(raw)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return path


def _parse_packs(raw: str) -> tuple[CreditPack, ...]:
    """`id:credits:stars[:bonus]`, comma-separated: at most 8 packs (buttons), unique ids."""
    packs: list[CreditPack] = []
    for item in (part.strip() for part in raw.split(",")):
        fields = item.split(":")
        if len(fields) not in (3, 4) or not _PACK_ID.fullmatch(fields[0]):
            raise ValueError(f"expected id:credits:stars[:bonus] (id of a-z, 0-9, _), got {item!r}")
        if fields[0] == "sub":
            raise ValueError("the pack id 'sub' is taken by the subscription")
        credits = _parse_int(1, 1_000_000)(fields[1])
        stars = _parse_int(1, MAX_INVOICE_STARS)(fields[2])
        bonus = _parse_int(0, 1_000_000)(fields[3]) if len(fields) == 4 else 0
        packs.append(CreditPack(fields[0], credits, stars, bonus))
    if not 1 <= len(packs) <= 8:
        raise ValueError("expected 1 to 8 packs")
    if len({p.id for p in packs}) != len(packs):
        raise ValueError("the same pack id is listed twice")
    return tuple(packs)


def _parse_subscription(raw: str) -> SubscriptionPlan | None:
    """`credits:stars` per month; empty turns the subscription off."""
    if not raw.strip():
        return None
    credits, sep, stars = raw.strip().partition(":")
    if not sep:
        raise ValueError("expected credits:stars, such as 300:250, or empty to turn it off")
    return SubscriptionPlan(
        _parse_int(1, 1_000_000)(credits), _parse_int(1, MAX_INVOICE_STARS)(stars)
    )


# variable -> (Settings field, parser). The table is the single list of what is read.
_FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "KIEBOT_BOT_TOKEN": ("bot_token", _parse_token),
    "KIEBOT_TELEGRAM_API_URL": ("telegram_api_url", _parse_http_url),
    "KIEBOT_KIE_API_KEY": ("kie_api_keys", _parse_keys),
    "KIEBOT_KIE_API_URL": ("kie_api_url", _parse_http_url),
    "KIEBOT_KIE_UPLOAD_URL": ("kie_upload_url", _parse_http_url),
    "KIEBOT_KIE_WEBHOOK_HMAC_KEY": ("kie_webhook_hmac_key", _parse_secret),
    "KIEBOT_REDIS_URL": ("redis_url", _parse_redis_url),
    "KIEBOT_PUBLIC_URL": ("public_url", _parse_public_url),
    "KIEBOT_WEBHOOK_SECRET": ("webhook_secret", _parse_webhook_secret),
    "KIEBOT_ADMIN_LISTEN": ("admin_listen", _parse_listen),
    "KIEBOT_ADMIN_TOKEN": ("admin_token", _parse_secret),
    "KIEBOT_ADMIN_IDS": ("admin_ids", _parse_ids),
    "KIEBOT_DATA_DIR": ("data_dir", _parse_path),
    "KIEBOT_CATALOG": ("catalog_path", _parse_catalog),
    "KIEBOT_LOG_LEVEL": ("log_level", _parse_level),
    "KIEBOT_LOG_JSON": ("log_json", _parse_bool),
    "KIEBOT_REDIS_POOL_SIZE": ("redis_pool_size", _parse_int(2, 10_000)),
    "KIEBOT_REDIS_TIMEOUT": ("redis_timeout_s", _parse_float(0.1, 120)),
    "KIEBOT_KIE_CREATE_LIMIT": ("kie_create_limit", _parse_int(1, 100_000)),
    "KIEBOT_KIE_CREATE_WINDOW": ("kie_create_window_s", _parse_float(0.01, 3600)),
    "KIEBOT_KIE_READ_LIMIT": ("kie_read_limit", _parse_int(1, 100_000)),
    "KIEBOT_KIE_READ_WINDOW": ("kie_read_window_s", _parse_float(0.01, 3600)),
    "KIEBOT_KIE_TIMEOUT": ("kie_timeout_s", _parse_float(1, 600)),
    "KIEBOT_KIE_MAX_ATTEMPTS": ("kie_max_attempts", _parse_int(1, 20)),
    "KIEBOT_HTTP_POOL_SIZE": ("http_pool_size", _parse_int(1, 10_000)),
    "KIEBOT_STARTING_CREDITS": ("starting_credits", _parse_int(0, 1_000_000)),
    "KIEBOT_IMAGE_CONCURRENCY": ("image_concurrency", _parse_int(1, 10_000)),
    "KIEBOT_VIDEO_CONCURRENCY": ("video_concurrency", _parse_int(1, 10_000)),
    "KIEBOT_QUEUE_SIZE": ("queue_size", _parse_int(1, 1_000_000)),
    "KIEBOT_MAX_ACTIVE_PER_USER": ("max_active_per_user", _parse_int(1, 1000)),
    "KIEBOT_USER_RATE_LIMIT": ("user_rate_limit", _parse_int(1, 100_000)),
    "KIEBOT_USER_RATE_WINDOW": ("user_rate_window_s", _parse_float(1, 86_400)),
    "KIEBOT_DRAIN_TIMEOUT": ("drain_timeout_s", _parse_float(0, 3600)),
    "KIEBOT_TELEGRAM_RATE": ("telegram_rate", _parse_float(1, 100_000)),
    "KIEBOT_REFERRAL_BONUS": ("referral_bonus", _parse_int(0, 1_000_000)),
    "KIEBOT_LOW_BALANCE": ("low_balance", _parse_int(0, 1_000_000)),
    "KIEBOT_USER_MESSAGE_LIMIT": ("user_message_limit", _parse_int(1, 100_000)),
    "KIEBOT_USER_PRESS_LIMIT": ("user_press_limit", _parse_int(1, 100_000)),
    "KIEBOT_ALERT_KIE_CREDITS": ("alert_kie_credits", _parse_float(0, 1e9)),
    "KIEBOT_ALERT_ERROR_RATE": ("alert_error_rate", _parse_float(0.01, 1)),
    "KIEBOT_ALERT_INTERVAL": ("alert_interval_s", _parse_float(1, 7 * 86_400)),
    "KIEBOT_JOB_RETENTION_DAYS": ("job_retention_days", _parse_int(1, 3650)),
    "KIEBOT_CONVERSATION_TTL": ("conversation_ttl_s", _parse_float(60, 30 * 86_400)),
    "KIEBOT_LOG_FILE": ("log_file", _parse_bool),
    "KIEBOT_LOG_RETENTION_DAYS": ("log_retention_days", _parse_int(1, 3650)),
    "KIEBOT_CREDIT_PACKS": ("credit_packs", _parse_packs),
    "KIEBOT_SUBSCRIPTION": ("subscription", _parse_subscription),
}
KNOWN_VARIABLES = frozenset(_FIELDS)
# Fields for which an empty value is a choice (no admins, off), not "use the default".
_EMPTY_MEANS_SOMETHING = ("admin_ids", "log_json", "subscription")


def read_environment(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> dict[str, str]:
    """The process environment over the `.env` file: a real variable wins over the file."""
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return merged


def load_settings(environ: Mapping[str, str], *, require_credentials: bool = True) -> Settings:
    """Build `Settings` from variables; raise `ConfigError` on the first bad one.

    `require_credentials` is off for the demo and the simulators, which bring their own
    bot token and KIE key.
    """
    values: dict[str, Any] = {}
    for variable, (name, parse) in _FIELDS.items():
        raw = environ.get(variable)
        if raw is None or (raw.strip() == "" and name not in _EMPTY_MEANS_SOMETHING):
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            raise ConfigError(variable, str(exc)) from None
    return _check_combinations(Settings(**values), require_credentials=require_credentials)


def _check_combinations(settings: Settings, *, require_credentials: bool) -> Settings:
    if require_credentials and settings.bot_token is None:
        raise ConfigError("KIEBOT_BOT_TOKEN", "is required (the token @BotFather gave you)")
    if require_credentials and not settings.kie_api_keys:
        raise ConfigError("KIEBOT_KIE_API_KEY", "is required (a key from kie.ai/api-key)")
    if settings.public_url and settings.webhook_secret is None:
        raise ConfigError("KIEBOT_WEBHOOK_SECRET", "is required when KIEBOT_PUBLIC_URL is set")
    if settings.admin_token is None:
        if not settings.admin_listen.is_loopback:
            raise ConfigError(
                "KIEBOT_ADMIN_TOKEN",
                f"is required when the admin server listens on {settings.admin_listen}, "
                "which is not loopback",
            )
        return replace(
            settings,
            admin_token=SecretStr(secrets.token_urlsafe(32)),
            admin_token_generated=True,
        )
    return settings
