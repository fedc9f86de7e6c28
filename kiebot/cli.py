"""Command-line parsing: turns argv into one coroutine function to run, or an exit code.

Configuration is read and validated here, before any event loop exists, so that a bad
value ends the process with exit code 2 and one line naming the variable (CONTRACT.md),
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from kiebot.config import ConfigError, Settings, load_settings, read_environment

Command = Callable[[], Coroutine[Any, Any, int]] | int

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiebot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="the bot, the job scheduler and the admin server")
    commands.add_parser("check", help="validate the configuration and reach every remote")
    demo = commands.add_parser("demo", help="the whole process against the simulators")
    demo.add_argument("--users", type=int, default=3, help="scripted virtual users")
    demo.add_argument("--exit", action="store_true", help="exit when every job has ended")
    sim = commands.add_parser("sim", help="serve the Telegram and KIE simulators")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--telegram-port", type=int, default=8081)
    sim.add_argument("--kie-port", type=int, default=8082)
    return parser


def _settings(*, require_credentials: bool) -> Settings | int:
    try:
        return load_settings(read_environment(), require_credentials=require_credentials)
    except ConfigError as exc:
        print(f"kiebot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def parse_command(argv: list[str]) -> Command:
    args = _parser().parse_args(argv)
    if args.command in ("run", "check"):
        settings = _settings(require_credentials=True)
        if isinstance(settings, int):
            return settings
        if args.command == "check":
            from kiebot.ops.check import run_checks

            return partial(run_checks, settings)
        from kiebot.app import run_app

        return partial(run_app, settings)
    if args.command == "demo":
        demo_settings = _settings(require_credentials=False)
        if isinstance(demo_settings, int):
            return demo_settings
        from kiebot.demo import run_demo

        if args.users < 1:
            print("kiebot: --users must be at least 1", file=sys.stderr)
            return EXIT_CONFIG
        return partial(run_demo, demo_settings, users=args.users, exit_when_done=args.exit)
    from kiebot.sim.serve import serve_simulators

    return partial(
        serve_simulators, host=args.host, telegram_port=args.telegram_port, kie_port=args.kie_port
    )
