"""`python -m kiebot.bench [scenario ...] [--quick] [--out DIR]` (what scripts/bench runs)."""

from __future__ import annotations

import argparse
import gc
import time
import traceback
from pathlib import Path

from kiebot.bench.report import ScenarioResult, machine, table, write_json
from kiebot.bench.scenarios import SCENARIOS
from kiebot.logs import setup_logging

ORDER = ("chat", "burst", "callbacks", "scale")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description="kiebot benchmark (docs/benchmark.md)"
    )
    parser.add_argument(
        "scenarios", nargs="*", choices=[*ORDER, []], metavar="scenario",
        help=f"any of {', '.join(ORDER)} (default: all, in that order)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="scaled down, for smoke checks")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="JSON goes here")
    return parser.parse_args(argv)


async def run(names: list[str], quick: bool) -> list[ScenarioResult]:
    results = []
    for name in names:
        result = ScenarioResult(name, quick)
        _say(f"scenario {name}{' (quick)' if quick else ''} ...")
        started = time.monotonic()
        gc.collect()
        # The cyclic collector of this process, which plays Telegram, KIE and the users,
        # paused it for 50-180 ms at a time once its heap had grown (a full collection
        # of every chat's messages); each pause showed up as a stall in the bot's
        # latency. Within a scenario only reference counting frees memory here.
        gc.disable()
        try:
            await SCENARIOS[name](quick, result)
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        finally:
            gc.enable()
        result.seconds = time.monotonic() - started
        _say(f"scenario {name} done in {result.seconds:.0f} s")
        results.append(result)
    return results


def _say(line: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {line}", flush=True)  # noqa: T201


def prepare(argv: list[str] | None = None) -> tuple[list[str], bool, Path]:
    """The scenarios to run, quick mode and the output path; logging set up."""
    args = parse(argv)
    names = [n for n in ORDER if n in args.scenarios] if args.scenarios else list(ORDER)
    # The simulators log through loguru too; only trouble is worth a line here.
    setup_logging(level="ERROR", json=False, secrets=[])
    return names, args.quick, args.out


def finish(results: list[ScenarioResult], out: Path) -> int:
    """Print the table, write the JSON; exit 1 when a scenario broke."""
    info = machine()
    _say(f"machine: {info['cpus']} CPUs, {info['cpu_model']}, {info['memory']}")
    print(table(results), flush=True)  # noqa: T201
    path = write_json(results, out)
    _say(f"results: {path}")
    failed = any(r.error for r in results)
    return 1 if failed else 0
