"""systemd integration: readiness and watchdog notifications from a real `kiebot run`, and
the unit file as systemd itself reads it."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from dotenv import dotenv_values

from kiebot.config import KNOWN_VARIABLES, Settings, load_settings
from kiebot.ops.systemd import SystemdNotifier
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimulator
from tests.e2e.crash_support import BotLauncher, bot_env
from tests.support.redis_server import RedisServer

UNIT = Path(__file__).parents[2] / "systemd" / "kiebot.service"


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """What systemd binds for a Type=notify service: a unix datagram socket."""
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setblocking(False)
    yield sock, path
    sock.close()


async def _next(sock: socket.socket, within: float = 20.0) -> str:
    data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(sock, 4096), within)
    return data.decode()


async def test_notifier_says_ready_then_pings_the_watchdog(
    notify_socket: tuple[socket.socket, str],
) -> None:
    sock, path = notify_socket
    environ = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"}
    async with SystemdNotifier.from_environ(environ) as notifier:
        notifier.ready()
        assert await _next(sock) == "READY=1"
        assert await _next(sock) == "WATCHDOG=1"
        assert await _next(sock) == "WATCHDOG=1"
        notifier.stopping()
        assert await _next(sock) == "STOPPING=1"


async def test_without_systemd_nothing_is_sent() -> None:
    async with SystemdNotifier.from_environ({}) as notifier:
        notifier.ready()
        assert not notifier.notify("READY=1")


async def test_kiebot_run_notifies_ready_watchdog_and_stopping(
    notify_socket: tuple[socket.socket, str],
    telegram: TelegramSimulator,
    kie: KieSimulator,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    sock, path = notify_socket
    env = bot_env(telegram, telegram.url, kie.url, list(kie.config.keys), redis_server.url)
    env |= {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000", "KIEBOT_DATA_DIR": str(tmp_path)}
    launcher = BotLauncher(env, tmp_path)
    bot = await launcher.start()
    try:
        assert await _next(sock) == "READY=1", bot.tail()
        assert await _next(sock) == "WATCHDOG=1"
        assert await _next(sock) == "WATCHDOG=1"  # keeps coming while the loop turns
        bot.terminate()
        messages = [await _next(sock)]
        while messages[-1] == "WATCHDOG=1":
            messages.append(await _next(sock))
        assert messages[-1] == "STOPPING=1"
        assert await bot.wait(30) == 0, bot.tail()
    finally:
        await launcher.stop_all()
    assert launcher.problems() == []


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_the_unit_file_verifies(tmp_path: Path) -> None:
    # verify insists that ExecStart exists: point it at this checkout's kiebot.
    kiebot = Path(sys.executable).with_name("kiebot")
    unit = tmp_path / "kiebot.service"
    unit.write_text(UNIT.read_text().replace("/opt/kiebot/.venv/bin/kiebot", str(kiebot)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "kiebot.service" not in result.stderr, result.stderr  # no warning about our unit
    text = UNIT.read_text()
    for setting in (
        "Type=notify",
        "WatchdogSec=",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/kiebot",
        "PrivateTmp=yes",
        "User=kiebot",
    ):
        assert setting in text, setting


def test_stop_timeout_covers_the_default_drain() -> None:
    text = UNIT.read_text()
    stop = next(line for line in text.splitlines() if line.startswith("TimeoutStopSec="))
    assert float(stop.split("=", 1)[1]) >= Settings().drain_timeout_s + 10


def test_the_env_example_is_valid_configuration() -> None:
    example = UNIT.with_name("kiebot.env.example")
    values = dotenv_values(example)
    assert set(values) <= KNOWN_VARIABLES, set(values) - KNOWN_VARIABLES
    filled = {k: v or "" for k, v in values.items()}
    filled |= {
        "KIEBOT_BOT_TOKEN": "123456:TEST-token-0123456789abcdefghijklmnop",
        "KIEBOT_KIE_API_KEY": "kie-key",
        "KIEBOT_ADMIN_TOKEN": "admin-token",
        "KIEBOT_ADMIN_IDS": "42",
    }
    settings = load_settings(filled)
    assert str(settings.data_dir) == "/var/lib/kiebot"  # the unit's ReadWritePaths
    assert f"ReadWritePaths={settings.data_dir}" in UNIT.read_text()


def test_the_env_example_lists_every_setting_with_its_default() -> None:
    lines = UNIT.with_name("kiebot.env.example").read_text().splitlines()
    listed = {
        line.lstrip("#").split("=", 1)[0]: line
        for line in lines
        if line.lstrip("#").startswith("KIEBOT_")
    }
    assert set(listed) == KNOWN_VARIABLES, KNOWN_VARIABLES ^ set(listed)
    # A commented line shows the default: uncommented as it stands, it changes nothing.
    shown = dict(
        line.removeprefix("#").split("=", 1)
        for name, line in listed.items()
        if line.startswith("#")
        and not line.endswith("=")
        and name != "KIEBOT_PUBLIC_URL"  # an example address, not a default
    )
    assert len(shown) >= 30
    loaded = load_settings(shown, require_credentials=False)
    assert replace(loaded, admin_token=None, admin_token_generated=False) == Settings()
