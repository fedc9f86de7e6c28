"""Run the KIE simulator alone: `python -m kiebot.sim.kie --port 8100`.

For manual poking and load tests against a separate process; `kiebot sim` does the same
for both simulators. Runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from kiebot.sim.kie.config import KeySpec, KieSimConfig
from kiebot.sim.kie.simulator import KieSimulator


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m kiebot.sim.kie", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--key", action="append", default=None, help="API key (repeatable)")
    parser.add_argument("--credits", type=float, default=10_000.0)
    parser.add_argument("--hmac-key", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-scale", type=float, default=1.0)
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    keys: dict[str, KeySpec | float] = {
        key: KeySpec(credits=args.credits) for key in (args.key or ["sim-key"])
    }
    config = KieSimConfig(
        keys=keys, hmac_key=args.hmac_key, seed=args.seed, time_scale=args.time_scale
    )
    sim = KieSimulator(config)
    url = await sim.start(args.host, args.port)
    sys.stdout.write(f"KIE simulator at {url} (keys: {', '.join(keys)}); Ctrl-C stops it\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sim.close()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(_serve(_parse(argv)))


if __name__ == "__main__":
    main()
