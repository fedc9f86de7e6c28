"""`kiebot run` and `kiebot check` as real processes against the simulators."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser, TelegramSimulator
from tests.support.redis_server import RedisServer


def _env(telegram: TelegramSimulator, kie: KieSimulator, redis: RedisServer) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIEBOT_")}
    return {
        **clean,
        "KIEBOT_BOT_TOKEN": telegram.token,
        "KIEBOT_TELEGRAM_API_URL": telegram.url,
        "KIEBOT_KIE_API_KEY": ",".join(kie.config.keys),
        "KIEBOT_KIE_API_URL": kie.url,
        "KIEBOT_KIE_UPLOAD_URL": kie.url,
        "KIEBOT_REDIS_URL": redis.url,
    }


async def _kiebot(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kiebot", *args,
        env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_check_passes_against_the_simulators(
    telegram: TelegramSimulator, kie: KieSimulator, redis_server: RedisServer, tmp_path: Path
) -> None:
    process = await _kiebot("check", env=_env(telegram, kie, redis_server), cwd=tmp_path)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, out.decode() + err.decode()
    lines = out.decode().splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["ok", "config"],
        ["ok", "redis"],
        ["ok", "telegram"],
        ["ok", "kie"],
    ]
    assert "@kiebot_sim_bot" in lines[2]


async def test_run_answers_start_and_stops_cleanly_on_sigterm(
    telegram: TelegramSimulator, kie: KieSimulator, redis_server: RedisServer, tmp_path: Path
) -> None:
    process = await _kiebot("run", env=_env(telegram, kie, redis_server), cwd=tmp_path)
    try:
        user = SimUser(id=2**32 + 7, first_name="Ада", language_code="ru")
        telegram.send_text(user, "/start")
        greeting = await telegram.wait_for(user.id, lambda m: bool(m.text), timeout=20)
        assert greeting.text is not None
        assert greeting.text.startswith("Привет, Ада!")
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err.decode()
    assert telegram.token not in err.decode()


async def test_demo_serves_every_user_without_redis(tmp_path: Path) -> None:
    """No Redis at KIEBOT_REDIS_URL: the demo falls back to its in-process store."""
    from tests.support.redis_server import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith("KIEBOT_")}
    env["KIEBOT_REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    process = await _kiebot("demo", "--users", "2", "--exit", env=env, cwd=tmp_path)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, out.decode() + err.decode()
    assert "in-process store" in out.decode()
    assert "summary: 2 of 2 users got their image" in out.decode()


async def test_sim_serves_both_simulators_until_interrupted(tmp_path: Path) -> None:
    import aiohttp

    from tests.support.redis_server import free_port

    tg_port, kie_port = free_port(), free_port()
    process = await _kiebot(
        "sim", "--telegram-port", str(tg_port), "--kie-port", str(kie_port),
        env=dict(os.environ), cwd=tmp_path,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [(await asyncio.wait_for(process.stdout.readline(), 20)).decode() for _ in range(7)]
        token = next(line for line in lines if "KIEBOT_BOT_TOKEN=" in line).split("=", 1)[1]
        key = next(line for line in lines if "KIEBOT_KIE_API_KEY=" in line).split("=", 1)[1]
        async with aiohttp.ClientSession() as session:
            me = await (
                await session.get(f"http://127.0.0.1:{tg_port}/bot{token.strip()}/getMe")
            ).json()
            credit = await (
                await session.get(
                    f"http://127.0.0.1:{kie_port}/api/v1/chat/credit",
                    headers={"Authorization": f"Bearer {key.strip()}"},
                )
            ).json()
        assert me["ok"] is True
        assert credit["code"] == 200
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0
