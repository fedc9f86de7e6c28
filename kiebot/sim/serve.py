"""`kiebot sim`: both simulators on loopback ports until Ctrl-C, for manual and load tests."""

from __future__ import annotations

from kiebot.lifecycle import stop_event
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import TelegramSimulator


async def serve_simulators(*, host: str, telegram_port: int, kie_port: int) -> int:
    telegram = TelegramSimulator()
    kie = KieSimulator()
    await telegram.start(host=host, port=telegram_port)
    try:
        await kie.start(host=host, port=kie_port)
        try:
            _announce(telegram, kie)
            await stop_event().wait()
        finally:
            await kie.close()
    finally:
        await telegram.close()
    return 0


def _announce(telegram: TelegramSimulator, kie: KieSimulator) -> None:
    keys = ",".join(kie.config.keys)
    print(f"Telegram Bot API simulator: {telegram.url}  (control API: {telegram.url}/_sim/)")
    print(f"KIE simulator:              {kie.url}  (control API: {kie.url}/_sim/)")
    print("Point kiebot at them with:")
    print(f"  KIEBOT_TELEGRAM_API_URL={telegram.url}")
    print(f"  KIEBOT_BOT_TOKEN={telegram.token}")
    print(f"  KIEBOT_KIE_API_URL={kie.url} KIEBOT_KIE_UPLOAD_URL={kie.url}")
    print(f"  KIEBOT_KIE_API_KEY={keys}")
    print("Ctrl-C stops them.", flush=True)
