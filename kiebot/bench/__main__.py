"""`python -m kiebot.bench ...`: the benchmark's process entry (see kiebot.bench.cli)."""

import asyncio

from kiebot.bench.cli import finish, prepare, run

names, quick, out = prepare()
raise SystemExit(finish(asyncio.run(run(names, quick)), out))
