"""KIEBOT_CREDIT_PACKS and KIEBOT_SUBSCRIPTION: parsed into the offers, or refused with
one line naming the variable (exit 2 from run and check)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiebot.config import DEFAULT_PACKS, ConfigError, CreditPack, SubscriptionPlan, load_settings
from tests.test_cli import TOKEN, kiebot

GOOD = {"KIEBOT_BOT_TOKEN": TOKEN, "KIEBOT_KIE_API_KEY": "kie-key-1"}


def test_defaults_offer_four_packs_and_a_plan() -> None:
    settings = load_settings(GOOD)
    assert settings.credit_packs == DEFAULT_PACKS
    assert len(DEFAULT_PACKS) == 4
    assert settings.subscription == SubscriptionPlan(credits=300, stars=250)


def test_packs_and_plan_are_read() -> None:
    settings = load_settings(
        {
            **GOOD,
            "KIEBOT_CREDIT_PACKS": "mini:10:15, big:200:150:40",
            "KIEBOT_SUBSCRIPTION": "500:400",
        }
    )
    assert settings.credit_packs == (CreditPack("mini", 10, 15), CreditPack("big", 200, 150, 40))
    assert settings.subscription == SubscriptionPlan(500, 400)


def test_an_empty_subscription_turns_it_off() -> None:
    assert load_settings({**GOOD, "KIEBOT_SUBSCRIPTION": ""}).subscription is None


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("KIEBOT_CREDIT_PACKS", "small:50", "id:credits:stars"),
        ("KIEBOT_CREDIT_PACKS", "Small!:50:50", "id:credits:stars"),
        ("KIEBOT_CREDIT_PACKS", "a:50:50,a:60:60", "twice"),
        ("KIEBOT_CREDIT_PACKS", "a:50:10001", "between 1 and 10000"),
        ("KIEBOT_CREDIT_PACKS", "a:0:50", "between 1"),
        ("KIEBOT_CREDIT_PACKS", "a:5:5:-1", "between 0"),
        ("KIEBOT_CREDIT_PACKS", "sub:5:5", "taken"),
        ("KIEBOT_CREDIT_PACKS", ",".join(f"p{n}:1:1" for n in range(9)), "1 to 8"),
        ("KIEBOT_SUBSCRIPTION", "300", "credits:stars"),
        ("KIEBOT_SUBSCRIPTION", "300:20000", "between 1 and 10000"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as refused:
        load_settings({**GOOD, variable: value})
    assert refused.value.variable == variable


def test_run_exits_2_on_bad_packs(tmp_path: Path) -> None:
    result = kiebot("run", env={**GOOD, "KIEBOT_CREDIT_PACKS": "small:fifty:50"}, cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "KIEBOT_CREDIT_PACKS" in line
