"""The Telegram simulator alone in its own process, for the memory test.

The simulator keeps every uploaded file in memory, as Telegram's servers keep them; in the
test's own process that would hide what the test measures (the bot's memory while it
streams a 30 MB video). It prints its URL, then serves until its stdin closes, so it
also ends when the test process dies.
"""

from __future__ import annotations

import asyncio
import sys

from kiebot.sim.telegram import TelegramSimConfig, TelegramSimulator


async def serve() -> None:
    # Generous flood limits: this process only measures memory. Imports kept to the
    # simulator alone, so it starts quickly.
    config = TelegramSimConfig(global_rate=300.0, per_chat_rate=50.0, per_chat_burst=10.0)
    simulator = TelegramSimulator(config)
    await simulator.start()
    print(simulator.url, flush=True)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    await stdin.read()  # EOF: the test is over
    await simulator.close()


if __name__ == "__main__":
    asyncio.run(serve())
