from __future__ import annotations

from pathlib import Path

import pytest

from kiebot.config import ConfigError, ListenAddress, load_settings, read_environment

TOKEN = "123456789:AAE_fake-token-for-tests-0123456789ab"
GOOD = {"KIEBOT_BOT_TOKEN": TOKEN, "KIEBOT_KIE_API_KEY": "kie-key-1"}


def test_defaults_follow_the_contract() -> None:
    settings = load_settings(GOOD)
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.kie_api_url == "https://api.kie.ai"
    assert settings.kie_upload_url == "https://kieai.redpandaai.co"
    assert settings.redis_url.get_secret_value() == "redis://127.0.0.1:6379/0"
    assert settings.admin_listen == ListenAddress("127.0.0.1", 8080)
    assert settings.data_dir == Path("data")
    assert (settings.log_level, settings.log_json) == ("INFO", False)
    assert settings.public_url is None
    assert settings.catalog_path is None


def test_loopback_admin_without_token_gets_a_generated_one() -> None:
    settings = load_settings(GOOD)
    assert settings.admin_token_generated
    assert settings.admin_token is not None
    assert len(settings.admin_token.get_secret_value()) >= 32


def test_secrets_do_not_print() -> None:
    settings = load_settings({**GOOD, "KIEBOT_ADMIN_TOKEN": "admin-secret-value"})
    text = repr(settings) + str(settings)
    for secret in (TOKEN, "kie-key-1", "admin-secret-value"):
        assert secret not in text


def test_key_pool_is_split_on_commas() -> None:
    settings = load_settings({**GOOD, "KIEBOT_KIE_API_KEY": "k-one, k-two"})
    assert [k.get_secret_value() for k in settings.kie_api_keys] == ["k-one", "k-two"]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("KIEBOT_BOT_TOKEN", "not-a-token", "bot token"),
        ("KIEBOT_KIE_API_KEY", "a,,b", "empty key"),
        ("KIEBOT_KIE_API_KEY", "a,a", "twice"),
        ("KIEBOT_REDIS_URL", "http://localhost", "redis://"),
        ("KIEBOT_REDIS_URL", "redis://localhost:abc/0", "port"),
        ("KIEBOT_ADMIN_LISTEN", "8080", "host:port"),
        ("KIEBOT_ADMIN_LISTEN", "127.0.0.1:99999", "between 1 and 65535"),
        ("KIEBOT_ADMIN_IDS", "12,abc", "user ids"),
        ("KIEBOT_LOG_LEVEL", "LOUD", "one of"),
        ("KIEBOT_LOG_JSON", "maybe", "true or false"),
        ("KIEBOT_TELEGRAM_API_URL", "ftp://x", "http(s) URL"),
        ("KIEBOT_PUBLIC_URL", "http://bot.example.org", "https"),
        ("KIEBOT_CATALOG", "/no/such/catalog.toml", "no such file"),
        ("KIEBOT_KIE_CREATE_LIMIT", "0", "between"),
        ("KIEBOT_WEBHOOK_SECRET", "has spaces!", "A-Z"),
    ],
)
def test_a_malformed_value_names_the_variable(variable: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**GOOD, variable: value})
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert says in str(caught.value)


def test_a_bad_secret_is_not_echoed_in_the_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**GOOD, "KIEBOT_BOT_TOKEN": "12345:short"})
    assert "short" not in str(caught.value)


@pytest.mark.parametrize("missing", ["KIEBOT_BOT_TOKEN", "KIEBOT_KIE_API_KEY"])
def test_credentials_are_required_for_run(missing: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        load_settings(env)
    assert load_settings(env, require_credentials=False).bot_token is None or missing != (
        "KIEBOT_BOT_TOKEN"
    )


def test_public_url_requires_a_webhook_secret() -> None:
    with pytest.raises(ConfigError, match="KIEBOT_WEBHOOK_SECRET"):
        load_settings({**GOOD, "KIEBOT_PUBLIC_URL": "https://bot.example.org"})
    settings = load_settings(
        {**GOOD, "KIEBOT_PUBLIC_URL": "https://bot.example.org/", "KIEBOT_WEBHOOK_SECRET": "s_1"}
    )
    assert settings.public_url == "https://bot.example.org"


def test_public_admin_server_requires_a_token() -> None:
    with pytest.raises(ConfigError, match="KIEBOT_ADMIN_TOKEN"):
        load_settings({**GOOD, "KIEBOT_ADMIN_LISTEN": "0.0.0.0:8080"})


def test_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('KIEBOT_LOG_LEVEL="DEBUG"\nexport KIEBOT_ADMIN_IDS=1,2\n# comment\n')
    merged = read_environment({"KIEBOT_LOG_LEVEL": "WARNING"}, env_file)
    settings = load_settings({**GOOD, **merged})
    assert settings.log_level == "WARNING"
    assert settings.admin_ids == frozenset({1, 2})
