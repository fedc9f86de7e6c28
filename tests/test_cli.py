"""The CLI's contract: exit codes and one clear line, never a traceback (CONTRACT.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.redis_server import free_port

TOKEN = "123456789:AAE_fake-token-for-tests-0123456789ab"


def kiebot(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIEBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "kiebot", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("command", ["run", "check"])
def test_a_missing_token_exits_2_with_one_line(command: str, tmp_path: Path) -> None:
    result = kiebot(command, env={"KIEBOT_KIE_API_KEY": "k"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kiebot: configuration error: KIEBOT_BOT_TOKEN: is required (the token @BotFather gave you)"
    ]


def test_a_malformed_value_in_dotenv_exits_2(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"KIEBOT_BOT_TOKEN={TOKEN}\nKIEBOT_KIE_API_KEY=k\nKIEBOT_ADMIN_LISTEN=localhost:http\n"
    )
    result = kiebot("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "KIEBOT_ADMIN_LISTEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_run_exits_2_when_redis_is_unreachable(tmp_path: Path) -> None:
    env = {
        "KIEBOT_BOT_TOKEN": TOKEN,
        "KIEBOT_KIE_API_KEY": "k",
        "KIEBOT_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "KIEBOT_REDIS_TIMEOUT": "0.5",
    }
    result = kiebot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Redis is not reachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_each_unreachable_remote_and_exits_1(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        "KIEBOT_BOT_TOKEN": TOKEN,
        "KIEBOT_KIE_API_KEY": "k",
        "KIEBOT_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "KIEBOT_TELEGRAM_API_URL": dead,
        "KIEBOT_KIE_API_URL": dead,
        "KIEBOT_KIE_MAX_ATTEMPTS": "1",
    }
    result = kiebot("check", env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok    config")
    assert [line.split()[:2] for line in lines[1:]] == [
        ["FAIL", "redis"],
        ["FAIL", "telegram"],
        ["FAIL", "kie"],
    ]
    assert TOKEN not in result.stdout + result.stderr
